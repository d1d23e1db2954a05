// pcap reader, pcapng writer and reader, and the format sniffing in front of them.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/random.hpp"
#include "proto/capture.hpp"
#include "proto/pcap.hpp"
#include "proto/pcapng.hpp"

namespace {

using namespace tb::proto;
using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
    return fs::temp_directory_path() / ("tb_proto_" + std::to_string(::getpid()) + "_" + name);
}

Bytes read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Bytes frame_of(std::size_t size, std::uint8_t seed) {
    Bytes frame(size);
    for (std::size_t i = 0; i < size; ++i) {
        frame[i] = static_cast<std::uint8_t>(seed * 31 + i);
    }
    return frame;
}

// A classic pcap file built byte by byte, in the given byte order and resolution.
Bytes classic_pcap(bool big_endian, bool nanosecond, const std::vector<Bytes>& frames,
                   std::uint32_t seconds, std::uint32_t fraction) {
    Bytes out;
    auto u32 = [&](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            const int shift = big_endian ? 24 - 8 * i : 8 * i;
            out.push_back(static_cast<std::uint8_t>(v >> shift));
        }
    };
    auto u16 = [&](std::uint16_t v) {
        out.push_back(static_cast<std::uint8_t>(big_endian ? v >> 8 : v));
        out.push_back(static_cast<std::uint8_t>(big_endian ? v : v >> 8));
    };
    u32(nanosecond ? kPcapMagicNanoseconds : kPcapMagicMicroseconds);
    u16(2);
    u16(4);
    u32(0);
    u32(0);
    u32(65535);
    u32(kLinkTypeEthernet);
    for (const Bytes& frame : frames) {
        u32(seconds);
        u32(fraction);
        u32(static_cast<std::uint32_t>(frame.size()));
        u32(static_cast<std::uint32_t>(frame.size() + 4));
        out.insert(out.end(), frame.begin(), frame.end());
    }
    return out;
}

TEST(Pcap, ReadsMicroAndNanosecondFilesInBothByteOrders) {
    const std::vector<Bytes> frames = {frame_of(60, 1), frame_of(1514, 2), frame_of(1, 3)};
    for (const bool big : {false, true}) {
        for (const bool nano : {false, true}) {
            const Bytes file = classic_pcap(big, nano, frames, 1'692'711'000, 7'661);
            PcapReader reader;
            ASSERT_EQ(reader.open_memory(file), Status::kOk);
            EXPECT_EQ(reader.nanosecond(), nano);
            EXPECT_EQ(reader.link_type(), kLinkTypeEthernet);
            CaptureRecord record;
            for (std::size_t i = 0; i < frames.size(); ++i) {
                ASSERT_EQ(reader.next(record), Status::kOk);
                EXPECT_EQ(record.number, i + 1);
                EXPECT_EQ(Bytes(record.data.begin(), record.data.end()), frames[i]);
                EXPECT_EQ(record.original_length, frames[i].size() + 4);
                EXPECT_EQ(record.timestamp_ns,
                          1'692'711'000LL * 1'000'000'000 + 7'661LL * (nano ? 1 : 1000));
            }
            EXPECT_EQ(reader.next(record), Status::kEnd);
        }
    }
}

TEST(Pcap, EveryTruncationReadsTheWholeRecordsThenReportsTruncated) {
    const std::vector<Bytes> frames = {frame_of(60, 1), frame_of(70, 2)};
    const Bytes file = classic_pcap(false, true, frames, 1, 2);
    for (std::size_t cut = 0; cut < file.size(); ++cut) {
        PcapReader reader;
        const Status opened = reader.open_memory(std::span(file.data(), cut));
        if (cut < kPcapFileHeaderSize) {
            EXPECT_EQ(opened, Status::kTruncated);
            continue;
        }
        ASSERT_EQ(opened, Status::kOk);
        CaptureRecord record;
        std::size_t whole = 0;
        Status status;
        while ((status = reader.next(record)) == Status::kOk) {
            ++whole;
        }
        const std::size_t complete = cut >= kPcapFileHeaderSize + 16 + 60 + 16 + 70 ? 2
                                     : cut >= kPcapFileHeaderSize + 16 + 60         ? 1
                                                                                    : 0;
        EXPECT_EQ(whole, complete) << cut;
        const bool at_boundary = cut == kPcapFileHeaderSize || cut == kPcapFileHeaderSize + 76;
        EXPECT_EQ(status, at_boundary ? Status::kEnd : Status::kTruncated) << cut;
    }
}

TEST(Pcap, ImpossibleRecordHeadersAndUnknownMagicAreRejected) {
    Bytes file = classic_pcap(false, false, {frame_of(60, 1)}, 1, 999'999);
    PcapReader reader;
    ASSERT_EQ(reader.open_memory(file), Status::kOk);
    CaptureRecord record;
    EXPECT_EQ(reader.next(record), Status::kOk);
    Bytes bad_fraction = classic_pcap(false, false, {frame_of(60, 1)}, 1, 1'000'000);
    ASSERT_EQ(reader.open_memory(bad_fraction), Status::kOk);
    EXPECT_EQ(reader.next(record), Status::kBadLength);
    Bytes huge = file;
    huge[24 + 8 + 2] = 0x10;  // captured length 0x100000 + 60
    ASSERT_EQ(reader.open_memory(huge), Status::kOk);
    EXPECT_EQ(reader.next(record), Status::kBadLength);
    Bytes not_pcap = file;
    not_pcap[0] = 0x00;
    EXPECT_EQ(reader.open_memory(not_pcap), Status::kBadValue);
}

TEST(Pcapng, WrittenFileReadsBackWithInterfacesDirectionsAndNanosecondTimestamps) {
    const fs::path path = temp_path("roundtrip.pcapng");
    const std::vector<Bytes> frames = {frame_of(60, 1), frame_of(61, 2), frame_of(1514, 3),
                                       frame_of(63, 4)};
    const std::vector<CaptureDirection> directions = {
        CaptureDirection::kInbound, CaptureDirection::kOutbound, CaptureDirection::kUnknown,
        CaptureDirection::kOutbound};
    {
        PcapngWriter writer;
        ASSERT_EQ(writer.open(path.string()), Status::kOk) << writer.error();
        EXPECT_EQ(writer.add_interface("exchange"), 0u);
        EXPECT_EQ(writer.add_interface("client"), 1u);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            ASSERT_EQ(writer.write_packet(static_cast<std::uint32_t>(i % 2),
                                          1'692'711'000'123'456'789LL + static_cast<long>(i),
                                          frames[i], directions[i]),
                      Status::kOk);
        }
        EXPECT_EQ(writer.write_packet(2, 0, frames[0]), Status::kBadValue);
        ASSERT_EQ(writer.close(), Status::kOk);
    }
    const Bytes file = read_file(path);
    EXPECT_EQ(file.size() % 4, 0u);
    EXPECT_EQ(sniff_capture_format(file), CaptureFormat::kPcapng);
    CaptureReader reader;
    ASSERT_EQ(reader.open(path.string()), Status::kOk) << reader.error();
    EXPECT_EQ(reader.format(), CaptureFormat::kPcapng);
    CaptureRecord record;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        ASSERT_EQ(reader.next(record), Status::kOk) << reader.error();
        EXPECT_EQ(Bytes(record.data.begin(), record.data.end()), frames[i]);
        EXPECT_EQ(record.interface_id, i % 2);
        EXPECT_EQ(record.direction, directions[i]);
        EXPECT_EQ(record.timestamp_ns, 1'692'711'000'123'456'789LL + static_cast<long>(i));
        EXPECT_EQ(record.original_length, frames[i].size());
    }
    EXPECT_EQ(reader.next(record), Status::kEnd);
    fs::remove(path);
}

TEST(Pcapng, EveryTruncationOfAFileIsReadSafely) {
    const fs::path path = temp_path("truncate.pcapng");
    {
        PcapngWriter writer;
        ASSERT_EQ(writer.open(path.string()), Status::kOk);
        (void)writer.add_interface("a");
        ASSERT_EQ(writer.write_packet(0, 5, frame_of(61, 1), CaptureDirection::kInbound),
                  Status::kOk);
        ASSERT_EQ(writer.write_packet(0, 6, frame_of(62, 2)), Status::kOk);
        ASSERT_EQ(writer.close(), Status::kOk);
    }
    const Bytes file = read_file(path);
    fs::remove(path);
    std::size_t full_reads = 0;
    for (std::size_t cut = 0; cut <= file.size(); ++cut) {
        PcapngReader reader;
        if (reader.open_memory(std::span(file.data(), cut)) != Status::kOk) {
            EXPECT_LT(cut, 12u);
            continue;
        }
        CaptureRecord record;
        std::size_t packets = 0;
        Status status;
        while ((status = reader.next(record)) == Status::kOk) {
            ++packets;
        }
        EXPECT_TRUE(status == Status::kEnd || status == Status::kTruncated) << cut;
        if (status == Status::kEnd && packets == 2) {
            ++full_reads;
        }
    }
    EXPECT_EQ(full_reads, 1u);  // only the whole file holds both packets
}

TEST(Pcapng, ResolutionsOtherThanNanosecondsConvert) {
    EXPECT_EQ(pcapng_timestamp_ns(1'500'000, 6), 1'500'000'000);
    EXPECT_EQ(pcapng_timestamp_ns(15, 9), 15);
    EXPECT_EQ(pcapng_timestamp_ns(15'000, 12), 15);
    EXPECT_EQ(pcapng_timestamp_ns(1024, 0x80 | 10), 1'000'000'000);  // 2^-10 units
}

TEST(Pcapng, RandomBytesAfterASectionHeaderNeverCrashTheReader) {
    tb::core::Rng rng(61);
    const fs::path path = temp_path("random.pcapng");
    {
        PcapngWriter writer;
        ASSERT_EQ(writer.open(path.string()), Status::kOk);
        (void)writer.add_interface("a");
        ASSERT_EQ(writer.write_packet(0, 5, frame_of(61, 1)), Status::kOk);
        ASSERT_EQ(writer.close(), Status::kOk);
    }
    const Bytes file = read_file(path);
    fs::remove(path);
    for (int i = 0; i < 20'000; ++i) {
        Bytes input = file;
        for (int e = 0; e < 3; ++e) {
            input[rng.below(input.size())] = static_cast<std::uint8_t>(rng.next());
        }
        CaptureReader reader;
        if (reader.open_memory(input) != Status::kOk) {
            continue;
        }
        CaptureRecord record;
        for (int guard = 0; guard < 10 && reader.next(record) == Status::kOk; ++guard) {
            EXPECT_LE(record.data.size(), input.size());
        }
    }
}

TEST(Capture, FilesThatAreNotCapturesAreRejectedWithAMessage) {
    const fs::path path = temp_path("not_a_capture.txt");
    {
        std::ofstream out(path);
        out << "hello, world\n";
    }
    CaptureReader reader;
    EXPECT_EQ(reader.open(path.string()), Status::kBadValue);
    EXPECT_NE(reader.error().find("not a pcap or pcapng capture"), std::string::npos);
    fs::remove(path);
    EXPECT_EQ(reader.open(path.string()), Status::kIoError);
    EXPECT_NE(reader.error().find("cannot open"), std::string::npos);
}

}  // namespace
