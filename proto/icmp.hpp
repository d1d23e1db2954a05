#pragma once

// ICMP echo request and echo reply (RFC 792), the only ICMP messages the bench answers.

#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::size_t kIcmpEchoHeaderSize = 8;
inline constexpr std::uint8_t kIcmpEchoReply = 0;
inline constexpr std::uint8_t kIcmpEchoRequest = 8;

struct IcmpEcho {
    std::uint8_t type = kIcmpEchoRequest;
    std::uint8_t code = 0;
    std::uint16_t identifier = 0;
    std::uint16_t sequence = 0;
    std::span<const std::uint8_t> data;  // echoed back unchanged
};

// Parses an ICMP message that is an echo request or reply (kUnsupported for other types) and
// verifies its checksum over the whole message into `checksum_ok`.
[[nodiscard]] Status parse_icmp_echo(std::span<const std::uint8_t> bytes, IcmpEcho& echo,
                                     bool& checksum_ok) noexcept;

// Writes an echo message with its checksum; returns its size, or 0 if `out` is too small.
[[nodiscard]] std::size_t write_icmp_echo(const IcmpEcho& echo,
                                          std::span<std::uint8_t> out) noexcept;

}  // namespace tb::proto
