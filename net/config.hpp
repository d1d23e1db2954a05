#pragma once

// Configuration of the user-space stack. Every table and buffer is sized from here once, at
// start-up; nothing grows afterwards. Times are nanoseconds.

#include <cstdint>
#include <string>

#include "proto/ethernet.hpp"

namespace tb::net {

struct ArpConfig {
    std::uint32_t cache_size = 64;
    // Frames held per address being resolved (RFC 1122 section 2.3.2.2 asks for at least one).
    std::uint32_t pending_frames = 8;
    // An entry is trusted this long after the last ARP packet from its address (RFC 1122 section
    // 2.3.2.1: entries must time out). An entry in use is confirmed again, with a unicast
    // request, refresh_before_ns before it expires, so a busy session never stalls on ARP.
    std::int64_t entry_lifetime_ns = 60'000'000'000;
    std::int64_t refresh_before_ns = 5'000'000'000;
    // Resolution: requests sent at this interval, at most max_requests times; then the frames
    // waiting for the address are dropped and counted.
    std::int64_t retry_interval_ns = 200'000'000;
    std::uint32_t max_requests = 3;
    // A gratuitous ARP request announcing our address on the first poll.
    bool gratuitous_at_start = true;
};

struct TcpConfig {
    // TIME-WAIT connections included; when the table is full, a new connection takes the slot
    // of the TIME-WAIT connection nearest its end.
    std::uint32_t max_connections = 64;
    std::uint32_t max_listeners = 8;
    // Per connection; rounded up to a power of two. The receive buffer bounds the advertised
    // window and holds out-of-order data; the send buffer holds unacknowledged and unsent data.
    std::uint32_t send_buffer_bytes = 128 * 1024;
    std::uint32_t receive_buffer_bytes = 128 * 1024;
    // Disjoint out-of-order ranges held per connection; a segment that would need more is dropped.
    std::uint32_t max_out_of_order_ranges = 16;
    std::uint16_t mss = 0;  // our maximum segment size; 0: MTU - 40
    // Retransmission timeout (RFC 6298). RFC 6298 section 2.4 asks for a 1 s minimum; on a LAN
    // whose round trips are microseconds that only stalls recovery, so the minimum is ours.
    std::int64_t rto_initial_ns = 1'000'000'000;  // RFC 6298 section 2.1
    std::int64_t rto_min_ns = 5'000'000;
    std::int64_t rto_max_ns = 10'000'000'000;
    std::uint32_t max_retransmissions = 12;     // then the connection ends with kTimeout
    std::uint32_t max_syn_retransmissions = 5;  // SYN and SYN-ACK
    std::int64_t time_wait_ns = 1'000'000'000;  // 2 MSL, short for a LAN bench
    std::int64_t fin_wait_2_timeout_ns = 30'000'000'000;
    bool nagle = false;        // RFC 9293 section 3.7.4; off: send at once
    bool delayed_ack = false;  // RFC 9293 section 3.8.6.3; off: ACK in the same poll pass
    std::int64_t delayed_ack_ns = 40'000'000;
    bool keepalive = false;  // RFC 9293 section 3.8.4
    std::int64_t keepalive_idle_ns = 10'000'000'000;
    std::int64_t keepalive_interval_ns = 1'000'000'000;
    std::uint32_t keepalive_probes = 5;
    // RFC 5681 slow start and congestion avoidance with RFC 6582 NewReno recovery. Off: only
    // the peer's window limits sending.
    bool congestion_control = true;
    std::uint32_t initial_window_segments = 10;  // RFC 6928
    // Secret for initial sequence numbers (RFC 6528) and ephemeral port choice.
    std::uint64_t seed = 0x5EED5EED;
};

struct UdpConfig {
    std::uint32_t max_sockets = 16;
};

struct IgmpConfig {
    std::uint32_t max_groups = 16;
    // RFC 2236 section 3: an unsolicited report on join, repeated after a short delay.
    std::uint32_t unsolicited_reports = 2;
    std::int64_t unsolicited_interval_ns = 1'000'000'000;
    std::uint64_t seed = 0x16A9;  // report delays after a query (RFC 2236 section 3)
};

struct StackConfig {
    proto::MacAddress mac{};
    std::uint32_t ip = 0;  // host order
    std::uint32_t netmask = 0xFFFFFF00;
    std::uint32_t gateway = 0;  // 0: no gateway, off-link destinations are dropped and counted
    std::uint16_t mtu = 1500;
    bool vlan = false;  // send IEEE 802.1Q tagged frames and accept only this VLAN
    std::uint16_t vlan_tci = 0;
    std::uint8_t ttl = 64;
    std::uint8_t multicast_ttl = 16;
    std::uint16_t rx_burst = 32;           // frames taken per poll
    std::uint16_t tx_queue_frames = 1024;  // frames staged between flushes
    ArpConfig arp;
    TcpConfig tcp;
    UdpConfig udp;
    IgmpConfig igmp;
};

// Why a configuration cannot work; empty when it can.
[[nodiscard]] std::string validate(const StackConfig& config);

}  // namespace tb::net
