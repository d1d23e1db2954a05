#include "net/config.hpp"

#include "proto/ipv4.hpp"

namespace tb::net {

std::string validate(const StackConfig& c) {
    if (c.ip == 0 || (c.ip >> 28) >= 0xE || (c.ip >> 24) == 127) {
        return "ip must be a unicast host address, not " + proto::format_ipv4(c.ip);
    }
    if ((c.mac[0] & 0x01) != 0 || c.mac == proto::MacAddress{}) {
        return "mac must be a unicast address, not " + proto::format_mac(c.mac);
    }
    // A netmask is ones then zeros.
    if (((~c.netmask) & ((~c.netmask) + 1)) != 0) {
        return "netmask " + proto::format_ipv4(c.netmask) + " is not a prefix";
    }
    if (c.gateway != 0 && (c.gateway & c.netmask) != (c.ip & c.netmask)) {
        return "gateway " + proto::format_ipv4(c.gateway) + " is not on the local subnet";
    }
    if (c.mtu < 576 || c.mtu > 9000) {
        return "mtu must be between 576 and 9000, not " + std::to_string(c.mtu);
    }
    if (c.rx_burst == 0 || c.rx_burst > 512) {
        return "rx_burst must be between 1 and 512";
    }
    if (c.tx_queue_frames < c.rx_burst) {
        return "tx_queue_frames must be at least rx_burst";
    }
    if (c.arp.cache_size == 0 || c.arp.pending_frames == 0 || c.arp.max_requests == 0 ||
        c.arp.retry_interval_ns <= 0 || c.arp.entry_lifetime_ns <= c.arp.refresh_before_ns ||
        c.arp.refresh_before_ns < 0) {
        return "arp: cache_size, pending_frames, max_requests and retry_interval_ns must be "
               "positive, and entry_lifetime_ns longer than refresh_before_ns";
    }
    const TcpConfig& t = c.tcp;
    const std::uint32_t mss = t.mss != 0 ? t.mss : c.mtu - 40U;
    if (mss < 64 || mss > c.mtu - 40U) {
        return "tcp.mss must be between 64 and the MTU less 40";
    }
    if (t.max_connections == 0 || t.max_connections > (1U << 20) || t.max_listeners == 0) {
        return "tcp.max_connections (at most 2^20) and tcp.max_listeners must be positive";
    }
    constexpr std::uint32_t kMaxBuffer = 1U << 30;  // the largest window scale 14 can announce
    if (t.send_buffer_bytes < 2 * mss || t.send_buffer_bytes > kMaxBuffer ||
        t.receive_buffer_bytes < 2 * mss || t.receive_buffer_bytes > kMaxBuffer) {
        return "tcp buffers must hold at least two segments and at most 1 GiB";
    }
    if (t.max_out_of_order_ranges == 0 || t.max_out_of_order_ranges > 63) {
        return "tcp.max_out_of_order_ranges must be between 1 and 63";
    }
    if (t.rto_min_ns <= 0 || t.rto_initial_ns < t.rto_min_ns || t.rto_max_ns < t.rto_initial_ns) {
        return "tcp: need 0 < rto_min_ns <= rto_initial_ns <= rto_max_ns";
    }
    if (t.time_wait_ns <= 0 || t.fin_wait_2_timeout_ns <= 0 || t.delayed_ack_ns <= 0 ||
        t.delayed_ack_ns >= 500'000'000 || t.keepalive_idle_ns <= 0 ||
        t.keepalive_interval_ns <= 0 || t.initial_window_segments == 0) {
        return "tcp: timers must be positive and delayed_ack_ns below 500 ms (RFC 9293 "
               "section 3.8.6.3)";
    }
    if (c.udp.max_sockets == 0 || c.udp.max_sockets > 65535) {
        return "udp.max_sockets must be between 1 and 65535";
    }
    if (c.igmp.max_groups == 0 || c.igmp.max_groups > 64 || c.igmp.unsolicited_reports == 0 ||
        c.igmp.unsolicited_interval_ns <= 0) {
        return "igmp.max_groups must be between 1 and 64, unsolicited reports and their "
               "interval positive";
    }
    return {};
}

}  // namespace tb::net
