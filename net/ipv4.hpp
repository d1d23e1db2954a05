#pragma once

// IPv4 (RFC 791, RFC 1122 section 3) for the stack: address classes, the multicast MAC mapping,
// and the output path: reserve Ethernet and IPv4 headers in a frame, write the IPv4 header
// (20 bytes: options are never sent, DF set since nothing is fragmented) and hand the frame to
// the next hop: the multicast or broadcast MAC directly, an on-link host or the gateway through
// ARP.

#include <rte_mbuf.h>

#include <cstddef>
#include <cstdint>

#include "net/arp.hpp"
#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/link.hpp"
#include "proto/ethernet.hpp"
#include "proto/ipv4.hpp"

namespace tb::net {

inline constexpr std::uint32_t kLimitedBroadcast = 0xFFFFFFFF;

[[nodiscard]] constexpr bool is_multicast(std::uint32_t ip) noexcept {
    return (ip >> 28) == 0xE;  // 224.0.0.0/4
}

// RFC 1112 section 6.4: 01:00:5E followed by the low 23 bits of the group address.
[[nodiscard]] constexpr proto::MacAddress multicast_mac(std::uint32_t group) noexcept {
    return {0x01,
            0x00,
            0x5E,
            static_cast<std::uint8_t>((group >> 16) & 0x7F),
            static_cast<std::uint8_t>(group >> 8),
            static_cast<std::uint8_t>(group)};
}

class Ipv4 {
public:
    Ipv4(const StackConfig& config, Link& link, Arp& arp, StackCounters& counters) noexcept;

    [[nodiscard]] std::uint32_t address() const noexcept { return config_.ip; }
    [[nodiscard]] bool on_link(std::uint32_t ip) const noexcept {
        return (ip & config_.netmask) == (config_.ip & config_.netmask);
    }
    // 255.255.255.255 or our subnet's directed broadcast.
    [[nodiscard]] bool is_broadcast(std::uint32_t ip) const noexcept {
        return ip == kLimitedBroadcast ||
               (config_.netmask != 0xFFFFFFFF && ip == (config_.ip | ~config_.netmask));
    }
    // Largest IPv4 payload we send (MTU less the 20-byte header).
    [[nodiscard]] std::size_t max_payload() const noexcept { return config_.mtu - 20U; }

    [[nodiscard]] rte_mbuf* alloc() noexcept { return link_.alloc(); }
    // Grows an empty frame to hold Ethernet and IPv4 headers and l4_size bytes; returns where the
    // layer-4 bytes go, or nullptr when they do not fit the frame or the MTU.
    [[nodiscard]] std::uint8_t* begin(rte_mbuf* frame, std::size_t l4_size) noexcept;
    // Writes the IPv4 header of a frame made by begin() and sends it to `destination`. Takes
    // ownership of the frame. ttl 0: the configured TTL (multicast TTL for groups).
    void send(rte_mbuf* frame, std::uint32_t destination, std::uint8_t protocol,
              std::size_t l4_size, std::int64_t now_ns, std::uint8_t ttl = 0) noexcept;

private:
    const StackConfig& config_;
    Link& link_;
    Arp& arp_;
    StackCounters& counters_;
    std::uint16_t identification_ = 0;
};

}  // namespace tb::net
