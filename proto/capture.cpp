#include "proto/capture.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tb::proto {

CaptureFormat sniff_capture_format(std::span<const std::uint8_t> first_bytes) noexcept {
    if (first_bytes.size() < 4) {
        return CaptureFormat::kUnknown;
    }
    std::uint32_t magic;
    std::memcpy(&magic, first_bytes.data(), sizeof magic);
    const std::uint32_t swapped = __builtin_bswap32(magic);
    if (magic == kPcapMagicMicroseconds || magic == kPcapMagicNanoseconds ||
        swapped == kPcapMagicMicroseconds || swapped == kPcapMagicNanoseconds) {
        return CaptureFormat::kPcap;
    }
    if (magic == kPcapngSectionHeader) {
        return CaptureFormat::kPcapng;
    }
    return CaptureFormat::kUnknown;
}

Status CaptureReader::open(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        error_ = "cannot open " + path + ": " + std::strerror(errno);
        return Status::kIoError;
    }
    std::uint8_t head[4] = {};
    const std::size_t got = std::fread(head, 1, sizeof head, file);
    std::fclose(file);
    format_ = sniff_capture_format(std::span<const std::uint8_t>(head, got));
    switch (format_) {
        case CaptureFormat::kPcap:
            return pcap_.open(path);
        case CaptureFormat::kPcapng:
            return pcapng_.open(path);
        case CaptureFormat::kUnknown:
            break;
    }
    error_ = path + " is not a pcap or pcapng capture (" +
             (got < 4 ? std::string("shorter than 4 bytes") : "unknown magic number") + ")";
    return got < 4 ? Status::kTruncated : Status::kBadValue;
}

Status CaptureReader::open_memory(std::span<const std::uint8_t> bytes) {
    format_ = sniff_capture_format(bytes);
    switch (format_) {
        case CaptureFormat::kPcap:
            return pcap_.open_memory(bytes);
        case CaptureFormat::kPcapng:
            return pcapng_.open_memory(bytes);
        case CaptureFormat::kUnknown:
            break;
    }
    error_ = "not a pcap or pcapng capture";
    return Status::kBadValue;
}

Status CaptureReader::next(CaptureRecord& record) {
    switch (format_) {
        case CaptureFormat::kPcap:
            return pcap_.next(record);
        case CaptureFormat::kPcapng:
            return pcapng_.next(record);
        case CaptureFormat::kUnknown:
            break;
    }
    return Status::kEnd;
}

const std::string& CaptureReader::error() const noexcept {
    switch (format_) {
        case CaptureFormat::kPcap:
            return pcap_.error();
        case CaptureFormat::kPcapng:
            return pcapng_.error();
        case CaptureFormat::kUnknown:
            break;
    }
    return error_;
}

}  // namespace tb::proto
