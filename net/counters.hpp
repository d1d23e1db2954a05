#pragma once

// The stack's counters (core/counters.hpp): every dropped frame is counted under its reason.

#include <cstdint>

namespace tb::net {

struct StackCounters {
    // Link
    std::uint64_t rx_frames = 0;
    std::uint64_t rx_chained = 0;        // multi-segment mbufs (not handled)
    std::uint64_t rx_eth_malformed = 0;  // runt, stacked VLAN tags, 802.3 length frames
    std::uint64_t rx_not_for_us = 0;     // other unicast MAC, other IP, other VLAN
    std::uint64_t rx_other_ether_type = 0;
    std::uint64_t tx_frames = 0;   // taken by the port
    std::uint64_t tx_dropped = 0;  // the port refused them and the queue was full
    std::uint64_t tx_no_mbuf = 0;  // the pool was empty
    // ARP
    std::uint64_t arp_malformed = 0;
    std::uint64_t arp_requests_received = 0;
    std::uint64_t arp_replies_received = 0;
    std::uint64_t arp_requests_sent = 0;
    std::uint64_t arp_replies_sent = 0;
    std::uint64_t arp_unresolved_drops =
        0;                             // frames dropped after the last request went unanswered
    std::uint64_t arp_queue_full = 0;  // frames dropped: too many waiting for one address
    std::uint64_t arp_no_route = 0;    // off-link destination without a gateway
    std::uint64_t arp_evictions = 0;
    // IPv4
    std::uint64_t ip_malformed = 0;
    std::uint64_t ip_bad_checksum = 0;
    std::uint64_t ip_fragments = 0;  // dropped: no reassembly
    std::uint64_t ip_bad_source = 0;
    std::uint64_t ip_unknown_protocol = 0;
    // ICMP
    std::uint64_t icmp_malformed = 0;
    std::uint64_t icmp_bad_checksum = 0;
    std::uint64_t icmp_echo_replies = 0;
    std::uint64_t icmp_other = 0;
    // IGMP
    std::uint64_t igmp_malformed = 0;
    std::uint64_t igmp_queries = 0;
    std::uint64_t igmp_reports_sent = 0;
    std::uint64_t igmp_leaves_sent = 0;
    // UDP
    std::uint64_t udp_malformed = 0;
    std::uint64_t udp_bad_checksum = 0;
    std::uint64_t udp_datagrams_received = 0;
    std::uint64_t udp_no_socket = 0;
    std::uint64_t udp_datagrams_sent = 0;
    std::uint64_t udp_too_big = 0;
    // TCP
    std::uint64_t tcp_malformed = 0;
    std::uint64_t tcp_bad_checksum = 0;
    std::uint64_t tcp_segments_received = 0;
    std::uint64_t tcp_segments_sent = 0;
    std::uint64_t tcp_resets_sent = 0;
    std::uint64_t tcp_resets_received = 0;
    std::uint64_t tcp_unacceptable = 0;          // failed the RFC 9293 acceptability test
    std::uint64_t tcp_challenge_acks = 0;        // RFC 5961
    std::uint64_t tcp_out_of_order = 0;          // segments held for later
    std::uint64_t tcp_out_of_order_dropped = 0;  // beyond the range bound
    std::uint64_t tcp_retransmissions = 0;       // segments sent again, all causes
    std::uint64_t tcp_timeouts = 0;              // RTO expiries
    std::uint64_t tcp_fast_retransmits = 0;
    std::uint64_t tcp_window_probes = 0;
    std::uint64_t tcp_keepalive_probes = 0;
    std::uint64_t tcp_syn_dropped = 0;          // no free connection slot
    std::uint64_t tcp_time_wait_reclaimed = 0;  // TIME-WAIT slots given to new connections
    std::uint64_t tcp_connections_opened = 0;
    std::uint64_t tcp_connections_reset = 0;
    std::uint64_t tcp_connections_timed_out = 0;

    template <class F>
    void visit(F&& f) const {
        f("rx_frames", rx_frames);
        f("rx_chained", rx_chained);
        f("rx_eth_malformed", rx_eth_malformed);
        f("rx_not_for_us", rx_not_for_us);
        f("rx_other_ether_type", rx_other_ether_type);
        f("tx_frames", tx_frames);
        f("tx_dropped", tx_dropped);
        f("tx_no_mbuf", tx_no_mbuf);
        f("arp_malformed", arp_malformed);
        f("arp_requests_received", arp_requests_received);
        f("arp_replies_received", arp_replies_received);
        f("arp_requests_sent", arp_requests_sent);
        f("arp_replies_sent", arp_replies_sent);
        f("arp_unresolved_drops", arp_unresolved_drops);
        f("arp_queue_full", arp_queue_full);
        f("arp_no_route", arp_no_route);
        f("arp_evictions", arp_evictions);
        f("ip_malformed", ip_malformed);
        f("ip_bad_checksum", ip_bad_checksum);
        f("ip_fragments", ip_fragments);
        f("ip_bad_source", ip_bad_source);
        f("ip_unknown_protocol", ip_unknown_protocol);
        f("icmp_malformed", icmp_malformed);
        f("icmp_bad_checksum", icmp_bad_checksum);
        f("icmp_echo_replies", icmp_echo_replies);
        f("icmp_other", icmp_other);
        f("igmp_malformed", igmp_malformed);
        f("igmp_queries", igmp_queries);
        f("igmp_reports_sent", igmp_reports_sent);
        f("igmp_leaves_sent", igmp_leaves_sent);
        f("udp_malformed", udp_malformed);
        f("udp_bad_checksum", udp_bad_checksum);
        f("udp_datagrams_received", udp_datagrams_received);
        f("udp_no_socket", udp_no_socket);
        f("udp_datagrams_sent", udp_datagrams_sent);
        f("udp_too_big", udp_too_big);
        f("tcp_malformed", tcp_malformed);
        f("tcp_bad_checksum", tcp_bad_checksum);
        f("tcp_segments_received", tcp_segments_received);
        f("tcp_segments_sent", tcp_segments_sent);
        f("tcp_resets_sent", tcp_resets_sent);
        f("tcp_resets_received", tcp_resets_received);
        f("tcp_unacceptable", tcp_unacceptable);
        f("tcp_challenge_acks", tcp_challenge_acks);
        f("tcp_out_of_order", tcp_out_of_order);
        f("tcp_out_of_order_dropped", tcp_out_of_order_dropped);
        f("tcp_retransmissions", tcp_retransmissions);
        f("tcp_timeouts", tcp_timeouts);
        f("tcp_fast_retransmits", tcp_fast_retransmits);
        f("tcp_window_probes", tcp_window_probes);
        f("tcp_keepalive_probes", tcp_keepalive_probes);
        f("tcp_syn_dropped", tcp_syn_dropped);
        f("tcp_time_wait_reclaimed", tcp_time_wait_reclaimed);
        f("tcp_connections_opened", tcp_connections_opened);
        f("tcp_connections_reset", tcp_connections_reset);
        f("tcp_connections_timed_out", tcp_connections_timed_out);
    }
};

}  // namespace tb::net
