#include "proto/pcap.hpp"

#include <cstring>

namespace tb::proto {

namespace {

std::uint32_t load_native32(const std::uint8_t* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

std::uint32_t PcapReader::u32(const std::uint8_t* p) const noexcept {
    const std::uint32_t v = load_native32(p);
    return swapped_ ? __builtin_bswap32(v) : v;
}

Status PcapReader::open(const std::string& path) {
    const Status status = input_.open(path);
    if (status != Status::kOk) {
        error_ = input_.error();
        return status;
    }
    const Status header = read_file_header();
    if (header != Status::kOk && error_.find(path) == std::string::npos) {
        error_ = path + ": " + error_;
    }
    return header;
}

Status PcapReader::open_memory(std::span<const std::uint8_t> bytes) {
    input_.open_memory(bytes);
    return read_file_header();
}

Status PcapReader::read_file_header() {
    count_ = 0;
    const Status status = input_.ensure(kPcapFileHeaderSize);
    if (status != Status::kOk) {
        error_ = "too short for a pcap file header";
        return status == Status::kEnd ? Status::kTruncated : status;
    }
    const std::uint32_t magic = load_native32(input_.data());
    if (magic == kPcapMagicMicroseconds || magic == kPcapMagicNanoseconds) {
        swapped_ = false;
    } else if (__builtin_bswap32(magic) == kPcapMagicMicroseconds ||
               __builtin_bswap32(magic) == kPcapMagicNanoseconds) {
        swapped_ = true;
    } else {
        error_ = "not a pcap file (unknown magic number)";
        return Status::kBadValue;
    }
    nanosecond_ = u32(input_.data()) == kPcapMagicNanoseconds;
    link_type_ = u32(input_.data() + 20) & 0x0FFFFFFF;  // the top bits carry FCS information
    input_.consume(kPcapFileHeaderSize);
    return Status::kOk;
}

Status PcapReader::next(CaptureRecord& record) {
    Status status = input_.ensure(kPcapRecordHeaderSize);
    if (status != Status::kOk) {
        if (status == Status::kTruncated) {
            error_ = "file ends inside a record header";
        }
        return status;
    }
    const std::uint8_t* h = input_.data();
    const std::uint32_t seconds = u32(h);
    const std::uint32_t fraction = u32(h + 4);
    const std::uint32_t captured = u32(h + 8);
    const std::uint32_t original = u32(h + 12);
    if (captured > kPcapMaxRecordSize ||
        (nanosecond_ ? fraction >= 1'000'000'000u : fraction >= 1'000'000u)) {
        error_ = "record " + std::to_string(count_ + 1) + " has an impossible header";
        return Status::kBadLength;
    }
    status = input_.ensure(kPcapRecordHeaderSize + captured);
    if (status != Status::kOk) {
        error_ = "file ends inside record " + std::to_string(count_ + 1);
        return status == Status::kEnd ? Status::kTruncated : status;
    }
    input_.consume(kPcapRecordHeaderSize);
    record.number = ++count_;
    record.timestamp_ns = static_cast<std::int64_t>(seconds) * 1'000'000'000 +
                          static_cast<std::int64_t>(fraction) * (nanosecond_ ? 1 : 1000);
    record.interface_id = 0;
    record.link_type = link_type_;
    record.original_length = original;
    record.direction = CaptureDirection::kUnknown;
    record.data = std::span<const std::uint8_t>(input_.data(), captured);
    input_.consume(captured);
    return Status::kOk;
}

}  // namespace tb::proto
