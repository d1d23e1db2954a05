#pragma once

// Opens a capture file whichever format it is in (classic pcap or pcapng, told apart by the
// first four bytes) and reads its packets in order.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "proto/pcap.hpp"
#include "proto/pcapng.hpp"
#include "proto/status.hpp"

namespace tb::proto {

enum class CaptureFormat : std::uint8_t { kUnknown, kPcap, kPcapng };

// The format the first bytes of a file announce (kUnknown if neither).
[[nodiscard]] CaptureFormat sniff_capture_format(
    std::span<const std::uint8_t> first_bytes) noexcept;

class CaptureReader {
public:
    // kIoError: cannot open; kBadValue: neither pcap nor pcapng; kTruncated: too short.
    [[nodiscard]] Status open(const std::string& path);
    [[nodiscard]] Status open_memory(std::span<const std::uint8_t> bytes);
    [[nodiscard]] Status next(CaptureRecord& record);
    [[nodiscard]] CaptureFormat format() const noexcept { return format_; }
    [[nodiscard]] const std::string& error() const noexcept;

private:
    CaptureFormat format_ = CaptureFormat::kUnknown;
    PcapReader pcap_;
    PcapngReader pcapng_;
    std::string error_;
};

}  // namespace tb::proto
