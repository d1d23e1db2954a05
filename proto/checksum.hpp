#pragma once

// The Internet checksum (RFC 1071): the 16-bit one's-complement of the one's-complement sum of
// the data taken as big-endian 16-bit words. Used by IPv4 (header), ICMP, UDP and TCP (with the
// IPv4 pseudo-header of RFC 768 / RFC 793).

#include <cstddef>
#include <cstdint>
#include <span>

namespace tb::proto {

// Adds `bytes` to a running sum. Only the last chunk of a checksum may have an odd length (it is
// padded with a zero byte, as RFC 1071 says).
[[nodiscard]] std::uint64_t checksum_add(std::uint64_t sum,
                                         std::span<const std::uint8_t> bytes) noexcept;

// Folds a running sum to 16 bits and complements it: the value to put in a checksum field.
[[nodiscard]] std::uint16_t checksum_finish(std::uint64_t sum) noexcept;

// The checksum of one buffer.
[[nodiscard]] inline std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) noexcept {
    return checksum_finish(checksum_add(0, bytes));
}

// The sum of the IPv4 pseudo-header (source, destination, zero, protocol, upper-layer length),
// addresses in host order.
[[nodiscard]] constexpr std::uint64_t pseudo_header_sum(std::uint32_t source,
                                                        std::uint32_t destination,
                                                        std::uint8_t protocol,
                                                        std::uint16_t length) noexcept {
    return std::uint64_t{source >> 16} + (source & 0xFFFF) + (destination >> 16) +
           (destination & 0xFFFF) + protocol + length;
}

}  // namespace tb::proto
