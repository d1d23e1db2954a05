#pragma once

// UDP (RFC 768) sockets of the stack: a fixed table of sockets, each bound to one local port,
// found by a direct port map. A socket receives unicast datagrams to our address, broadcasts, and
// multicast datagrams for the groups it joined itself (the join is what makes the stack accept
// the group and report it with IGMP). Received payloads are handed to the socket's callback in
// place, inside the mbuf; sending copies the payload once, into the frame.

#include <cstdint>
#include <span>
#include <vector>

#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/igmp.hpp"
#include "net/ipv4.hpp"
#include "net/transport.hpp"
#include "proto/ipv4.hpp"

namespace tb::net {

class Udp {
public:
    Udp(const StackConfig& config, Ipv4& ip, Igmp& igmp, StackCounters& counters);

    // Binds `port` (non-zero, not bound yet); an invalid id when the table is full or the port
    // is taken.
    [[nodiscard]] DatagramId open(std::uint16_t port, const DatagramEvents& events) noexcept;
    // Unbinds and leaves the socket's groups.
    void close(DatagramId socket, std::int64_t now_ns) noexcept;
    [[nodiscard]] bool join(DatagramId socket, std::uint32_t group, std::int64_t now_ns) noexcept;
    [[nodiscard]] bool leave(DatagramId socket, std::uint32_t group, std::int64_t now_ns) noexcept;
    // Sends one datagram; false when the id is invalid, the payload does not fit the MTU (no
    // fragmentation), or no frame could be had. An unresolved unicast destination is resolved
    // first (ARP holds the frame).
    [[nodiscard]] bool send_to(DatagramId socket, Endpoint destination,
                               std::span<const std::uint8_t> payload, std::int64_t now_ns) noexcept;
    // Largest payload send_to() takes.
    [[nodiscard]] std::size_t max_payload() const noexcept { return ip_.max_payload() - 8; }

    // A received UDP datagram (the IPv4 payload); the IPv4 layer checked the destination.
    void input(const proto::Ipv4Header& ip, std::span<const std::uint8_t> datagram) noexcept;

private:
    struct Socket {
        std::uint16_t port = 0;  // 0: free
        DatagramEvents events;
        std::uint64_t groups = 0;  // bit i: joined Igmp slot i
    };

    [[nodiscard]] Socket* get(DatagramId socket) noexcept;

    Ipv4& ip_;
    Igmp& igmp_;
    StackCounters& counters_;
    std::vector<Socket> sockets_;
    std::vector<std::uint16_t> by_port_;  // port -> socket index + 1, 0: none
};

}  // namespace tb::net
