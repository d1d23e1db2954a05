// Fuzz target: the pcap, pcapng and ITCH file readers and the tickbench-dump decoder behind them.

#include <cstdint>
#include <ostream>
#include <span>
#include <streambuf>

#include "fuzz_check.hpp"
#include "proto/capture.hpp"
#include "proto/dump.hpp"
#include "proto/itch_file.hpp"

namespace {

// Discards everything written to it.
class NullBuffer : public std::streambuf {
protected:
    int overflow(int c) override { return c; }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tb::proto;
    const std::span<const std::uint8_t> bytes(data, size);
    NullBuffer null;
    std::ostream out(&null);
    DumpOptions options;
    options.mold_ports.insert(0);  // the anonymised captures use port 0
    Dumper dumper(options, out);
    CaptureReader reader;
    if (reader.open_memory(bytes) == Status::kOk) {
        CaptureRecord record;
        for (int guard = 0; guard < 100'000 && reader.next(record) == Status::kOk; ++guard) {
            FUZZ_CHECK(record.data.size() <= size);
            dumper.capture_record(record);
        }
    } else {
        itch::FileReader itch_reader;
        FUZZ_CHECK(itch_reader.open_memory(bytes) == Status::kOk);
        std::span<const std::uint8_t> message;
        while (itch_reader.next(message) == Status::kOk) {
            dumper.itch_file_message(itch_reader.count(), itch_reader.offset(), message);
        }
    }
    dumper.summary();
    return 0;
}
