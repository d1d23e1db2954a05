#pragma once

// Classic libpcap capture files: a streaming reader for the microsecond (magic a1b2c3d4) and
// nanosecond (a1b23c4d) formats, in either byte order. See pcapng.hpp for the writer this
// project uses and capture.hpp for a reader that takes either format.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "proto/input_file.hpp"
#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::uint32_t kLinkTypeEthernet = 1;

// The direction of a packet as pcapng's epb_flags say it (bits 0-1).
enum class CaptureDirection : std::uint8_t { kUnknown = 0, kInbound = 1, kOutbound = 2 };

// One captured packet. `data` points into the reader and is valid until its next call.
struct CaptureRecord {
    std::uint64_t number = 0;       // 1-based frame number in the file
    std::int64_t timestamp_ns = 0;  // since the Unix epoch
    std::uint32_t interface_id = 0;
    std::uint32_t link_type = kLinkTypeEthernet;
    std::uint32_t original_length = 0;
    CaptureDirection direction = CaptureDirection::kUnknown;
    std::span<const std::uint8_t> data;
};

inline constexpr std::uint32_t kPcapMagicMicroseconds = 0xA1B2C3D4;
inline constexpr std::uint32_t kPcapMagicNanoseconds = 0xA1B23C4D;
inline constexpr std::size_t kPcapFileHeaderSize = 24;
inline constexpr std::size_t kPcapRecordHeaderSize = 16;
// Larger records are refused (bad length); libpcap's own limit is 256 KiB.
inline constexpr std::uint32_t kPcapMaxRecordSize = 256u * 1024;

class PcapReader {
public:
    // kIoError: cannot open; kBadValue: not a pcap file (magic); kTruncated: shorter than the
    // 24-byte file header. error() then says what was wrong, in one line.
    [[nodiscard]] Status open(const std::string& path);
    [[nodiscard]] Status open_memory(std::span<const std::uint8_t> bytes);

    // The next record: kOk, kEnd after the last one, kTruncated if the file ends inside a
    // record, kBadLength for a captured length above kPcapMaxRecordSize or a sub-second field out
    // of range.
    [[nodiscard]] Status next(CaptureRecord& record);

    [[nodiscard]] bool nanosecond() const noexcept { return nanosecond_; }
    [[nodiscard]] std::uint32_t link_type() const noexcept { return link_type_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    [[nodiscard]] Status read_file_header();
    [[nodiscard]] std::uint32_t u32(const std::uint8_t* p) const noexcept;

    InputFile input_;
    bool swapped_ = false;
    bool nanosecond_ = false;
    std::uint32_t link_type_ = 0;
    std::uint64_t count_ = 0;
    std::string error_;
};

}  // namespace tb::proto
