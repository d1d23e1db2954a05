#pragma once

// IPv4 header (RFC 791). Received headers may carry options (IHL > 5); they are skipped. Headers
// written here have no options. Addresses are held in host order.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::size_t kIpv4MinHeaderSize = 20;
inline constexpr std::uint8_t kIpProtocolIcmp = 1;
inline constexpr std::uint8_t kIpProtocolTcp = 6;
inline constexpr std::uint8_t kIpProtocolUdp = 17;
inline constexpr std::uint16_t kIpv4DontFragment = 0x4000;
inline constexpr std::uint16_t kIpv4MoreFragments = 0x2000;

struct Ipv4Header {
    std::uint8_t header_size = kIpv4MinHeaderSize;  // IHL * 4, options included
    std::uint8_t tos = 0;                           // DSCP and ECN
    std::uint16_t total_length = 0;
    std::uint16_t identification = 0;
    std::uint16_t flags_fragment = kIpv4DontFragment;  // flags (3 bits), fragment offset (13)
    std::uint8_t ttl = 64;
    std::uint8_t protocol = 0;
    std::uint16_t checksum = 0;
    std::uint32_t source = 0;
    std::uint32_t destination = 0;

    [[nodiscard]] bool is_fragment() const noexcept {
        return (flags_fragment & (kIpv4MoreFragments | 0x1FFF)) != 0;
    }
};

struct Ipv4Parse {
    Ipv4Header header;
    std::span<const std::uint8_t> options;  // empty when IHL is 5
    std::span<const std::uint8_t> payload;  // total_length - header_size bytes (link padding cut)
    bool checksum_ok = false;
};

// Parses and checks an IPv4 header: version 4, IHL >= 5, the header and total_length within
// `bytes` (bytes beyond total_length are link-layer padding and are cut off). The checksum is
// verified and reported in `checksum_ok`; whether a bad one is an error is the caller's call.
[[nodiscard]] Status parse_ipv4(std::span<const std::uint8_t> bytes, Ipv4Parse& parsed) noexcept;

// Writes a 20-byte header (no options) for a payload of `payload_size` bytes, computing
// total_length and the checksum (header.total_length, header_size and checksum are ignored).
// Returns 20, or 0 if `out` is too small or the packet would exceed 65535 bytes.
[[nodiscard]] std::size_t write_ipv4(const Ipv4Header& header, std::size_t payload_size,
                                     std::span<std::uint8_t> out) noexcept;

// "a.b.c.d" from a host-order address, and back.
[[nodiscard]] std::string format_ipv4(std::uint32_t address);
[[nodiscard]] std::optional<std::uint32_t> parse_ipv4_address(std::string_view text) noexcept;

}  // namespace tb::proto
