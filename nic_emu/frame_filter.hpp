#pragma once

// What the emulator needs to know about a frame beyond its MAC addresses: whether it is IPv4,
// its protocol, ports and payload, and which bytes a checksum covers. Computed with proto's
// parse chain, only where a feature asks (drop rules, corruption, the tick-to-trade tap): the
// plain forwarding path never parses past the Ethernet header.

#include <cstddef>
#include <cstdint>
#include <span>

#include "nic_emu/link_config.hpp"

namespace tb::nic {

struct FrameClass {
    bool ipv4 = false;          // an IPv4 packet whose header parsed (not a fragment)
    std::uint8_t protocol = 0;  // IPv4 protocol when ipv4
    std::uint32_t source_ip = 0;
    std::uint32_t destination_ip = 0;
    bool l4 = false;  // UDP or TCP header parsed
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::span<const std::uint8_t> payload;  // UDP or TCP payload
    std::uint8_t tcp_flags = 0;
    // Offsets within the frame: the IPv4 header and the whole IPv4 packet.
    std::size_t ip_offset = 0;
    std::size_t ip_header_size = 0;
    std::size_t ip_total_length = 0;
    // True when a checksum covers the IPv4 payload as well (TCP, ICMP, or UDP with a checksum).
    bool payload_checksummed = false;
};

// Parses as far as the frame allows; never fails (an unparsable frame is simply not ipv4).
[[nodiscard]] FrameClass classify_frame(std::span<const std::uint8_t> frame) noexcept;

[[nodiscard]] bool filter_matches(const FrameFilter& filter, const FrameClass& frame) noexcept;

// Flips one bit of `frame`, drawn uniformly from the bytes a receiver's checksums cover: the
// IPv4 header, and the IPv4 payload when a checksum covers it (except a UDP checksum field,
// whose zero would mean "no checksum"). A frame without such bytes (not IPv4) gets a bit flipped
// anywhere after its Ethernet header and the function returns false ("not protected"); true
// otherwise. `random` is a uniform 64-bit value.
bool flip_protected_bit(std::span<std::uint8_t> frame, std::uint64_t random) noexcept;

}  // namespace tb::nic
