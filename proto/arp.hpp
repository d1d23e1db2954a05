#pragma once

// ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol type 0x0800, address lengths
// 6 and 4, 28 bytes.

#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/ethernet.hpp"
#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::size_t kArpSize = 28;
inline constexpr std::uint16_t kArpRequest = 1;
inline constexpr std::uint16_t kArpReply = 2;

struct ArpPacket {
    std::uint16_t operation = kArpRequest;
    MacAddress sender_mac{};
    std::uint32_t sender_ip = 0;  // host order
    MacAddress target_mac{};
    std::uint32_t target_ip = 0;  // host order
    bool operator==(const ArpPacket&) const noexcept = default;
};

// Parses an ARP packet (bytes after the Ethernet header; trailing padding is allowed).
// kBadValue: not Ethernet/IPv4 ARP, or an operation other than request and reply.
[[nodiscard]] Status parse_arp(std::span<const std::uint8_t> bytes, ArpPacket& arp) noexcept;
// Writes 28 bytes; returns 28, or 0 if `out` is too small.
[[nodiscard]] std::size_t write_arp(const ArpPacket& arp, std::span<std::uint8_t> out) noexcept;

}  // namespace tb::proto
