#pragma once

// UDP (RFC 768) over IPv4. The checksum covers the IPv4 pseudo-header, the UDP header and the
// payload; 0 on the wire means "no checksum", and a computed 0 is sent as 0xFFFF.

#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::size_t kUdpHeaderSize = 8;

struct UdpHeader {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint16_t length = 0;    // header and payload
    std::uint16_t checksum = 0;  // 0: none
};

struct UdpParse {
    UdpHeader header;
    std::span<const std::uint8_t> payload;
    bool checksum_ok = false;  // true also when the sender sent no checksum
};

// Parses the datagram in `bytes` (the IPv4 payload); the addresses are for the checksum.
// kBadLength when the length field is below 8; kTruncated when it runs past `bytes`.
[[nodiscard]] Status parse_udp(std::span<const std::uint8_t> bytes, std::uint32_t source_ip,
                               std::uint32_t destination_ip, UdpParse& parsed) noexcept;

// Writes header and payload with the checksum; returns 8 + payload size, or 0 if `out` is too
// small or the datagram would exceed 65535 bytes. `payload` may already sit at out + 8.
[[nodiscard]] std::size_t write_udp(std::uint16_t source_port, std::uint16_t destination_port,
                                    std::uint32_t source_ip, std::uint32_t destination_ip,
                                    std::span<const std::uint8_t> payload,
                                    std::span<std::uint8_t> out) noexcept;

}  // namespace tb::proto
