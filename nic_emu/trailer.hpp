#pragma once

// The Arista 7130 (Metamako) timestamp trailer: what a 7130 appends to every frame it
// timestamps, and what Wireshark's "metamako" dissector decodes (heuristic on eth.trailer).
//
// Layout appended after the frame (padded to the 60-byte minimum first, as on the wire), all
// fields big-endian, 16 bytes without extensions:
//   offset 0   original FCS (4)     the CRC-32 the frame had (Ethernet FCS of the padded frame)
//   offset 4   seconds (4)          timestamp, seconds since the Unix epoch
//   offset 8   nanoseconds (4)      below 1,000,000,000
//   offset 12  flags (1)            bit 0: original FCS valid; bit 1: extensions present
//                                   (never set here); bit 2: duplicate; bit 4: degraded
//   offset 13  source device (2)
//   offset 15  source port (1)
// A real 7130 then puts a new FCS behind it; DPDK ports hand frames over without FCS, so none
// is written here (the dissector tries both).
//
// Wireshark 4.0 (Debian 12) has the heuristic off by default: decode with
//   tshark --enable-heuristic metamako_eth ...
// and it only accepts a timestamp above one hour and within 30 days of the capture timestamp.
//
// Thread rules: pure functions.

#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/status.hpp"

namespace tb::nic {

inline constexpr std::size_t kTrailerSize = 16;
inline constexpr std::size_t kTrailerMinFrame = 60;  // frames are padded to this before it

inline constexpr std::uint8_t kTrailerFcsValid = 0x01;
inline constexpr std::uint8_t kTrailerHasExtensions = 0x02;
inline constexpr std::uint8_t kTrailerDuplicate = 0x04;
inline constexpr std::uint8_t kTrailerDegraded = 0x10;

struct Trailer {
    std::uint32_t original_fcs = 0;
    std::uint32_t seconds = 0;
    std::uint32_t nanoseconds = 0;
    std::uint8_t flags = kTrailerFcsValid;
    std::uint16_t device = 0;
    std::uint8_t port = 0;
    bool operator==(const Trailer&) const noexcept = default;
};

// The IEEE 802.3 CRC-32 of `bytes` (the value an FCS field holds, as a number; it goes on the
// wire least significant byte first).
[[nodiscard]] std::uint32_t ethernet_crc32(std::span<const std::uint8_t> bytes) noexcept;

// The trailer for a frame handed over at wall-clock time `time_ns` (ns since the Unix epoch).
[[nodiscard]] Trailer make_trailer(std::span<const std::uint8_t> padded_frame, std::int64_t time_ns,
                                   std::uint16_t device, std::uint8_t port) noexcept;

// Writes the 16 bytes; `out` must hold kTrailerSize.
void write_trailer(const Trailer& trailer, std::uint8_t* out) noexcept;

// Reads the trailer from the last 16 bytes of `frame` (kTruncated if shorter, kBadValue if the
// nanoseconds are out of range or extensions are flagged, which this reader does not walk).
[[nodiscard]] proto::Status parse_trailer(std::span<const std::uint8_t> frame,
                                          Trailer& trailer) noexcept;

// Appends a trailer to a frame held in `buffer` (its first `length` bytes; capacity
// buffer.size()): pads to 60 bytes with zeros, then the trailer. Returns the new length, or 0
// when it does not fit.
[[nodiscard]] std::size_t append_trailer(std::span<std::uint8_t> buffer, std::size_t length,
                                         std::int64_t time_ns, std::uint16_t device,
                                         std::uint8_t port) noexcept;

}  // namespace tb::nic
