#include "net/stack.hpp"

#include <cassert>

#include "core/error.hpp"
#include "proto/arp.hpp"
#include "proto/icmp.hpp"

namespace tb::net {
namespace {

const StackConfig& checked(const StackConfig& config) {
    const std::string problem = validate(config);
    if (!problem.empty()) {
        throw core::ConfigError("network stack configuration: " + problem);
    }
    return config;
}

}  // namespace

Stack::Stack(const StackConfig& config, FrameIo io, std::int64_t start_ns)
    : config_(checked(config)),
      arp_timer_base_(config_.tcp.max_connections),
      igmp_timer_id_(config_.tcp.max_connections + config_.arp.cache_size),
      timers_(igmp_timer_id_ + 1),
      link_(io, config_, counters_),
      arp_(config_, link_, timers_, arp_timer_base_, counters_),
      ip_(config_, link_, arp_, counters_),
      igmp_(config_, ip_, timers_, igmp_timer_id_, counters_),
      udp_(config_, ip_, igmp_, counters_),
      tcp_(config_, ip_, timers_, 0, counters_),
      rx_(config_.rx_burst, nullptr),
      now_ns_(start_ns) {}

unsigned Stack::poll(std::int64_t now_ns) noexcept {
    assert(now_ns >= now_ns_);
    now_ns_ = now_ns;
    in_poll_ = true;
    unsigned work = 0;
    if (!started_) {
        started_ = true;
        if (config_.arp.gratuitous_at_start) {
            arp_.announce();
            ++work;
        }
    }
    // ACKs owed since the last pass that no reply of the application carried (see the header).
    work += tcp_.flush_acks(now_ns);
    const std::uint16_t nb_rx = link_.receive(rx_.data(), config_.rx_burst);
    for (std::uint16_t i = 0; i < nb_rx; ++i) {
        input(rx_[i]);
    }
    work += nb_rx;
    // Due timers; each handler moves or cancels its own deadline, and the bound keeps a pass
    // finite whatever happens.
    const std::uint32_t limit = timers_.capacity();
    for (std::uint32_t fired = 0; fired < limit && timers_.next_ns() <= now_ns; ++fired) {
        run_timer(timers_.top());
        ++work;
    }
    work += link_.flush();
    in_poll_ = false;
    return work;
}

std::int64_t Stack::next_timer_ns() const noexcept {
    if (!started_ || link_.queued() > 0 || tcp_.acks_owed()) {
        return now_ns_;  // work waiting now: the announcement, refused frames, owed ACKs
    }
    return timers_.next_ns();
}

void Stack::run_timer(std::uint32_t id) noexcept {
    if (id < arp_timer_base_) {
        tcp_.on_timer(id, now_ns_);
    } else if (id < igmp_timer_id_) {
        arp_.on_timer(id, now_ns_);
    } else {
        igmp_.on_timer(now_ns_);
    }
}

void Stack::input(rte_mbuf* frame) noexcept {
    ++counters_.rx_frames;
    if (frame->nb_segs != 1) {
        ++counters_.rx_chained;
        rte_pktmbuf_free(frame);
        return;
    }
    const std::span<const std::uint8_t> bytes(rte_pktmbuf_mtod(frame, const std::uint8_t*),
                                              rte_pktmbuf_data_len(frame));
    proto::EthernetHeader ethernet;
    std::span<const std::uint8_t> payload;
    if (proto::parse_ethernet(bytes, ethernet, payload) != proto::Status::kOk) {
        ++counters_.rx_eth_malformed;
    } else if (ethernet.has_vlan != config_.vlan ||
               (ethernet.has_vlan && ethernet.vlan_id() != link_.vlan_id()) ||
               ((ethernet.destination[0] & 0x01) == 0 && ethernet.destination != config_.mac)) {
        ++counters_.rx_not_for_us;
    } else if (ethernet.ether_type == proto::kEtherTypeIpv4) {
        ipv4_input(payload);
    } else if (ethernet.ether_type == proto::kEtherTypeArp) {
        proto::ArpPacket arp;
        if (proto::parse_arp(payload, arp) != proto::Status::kOk) {
            ++counters_.arp_malformed;
        } else {
            arp_.input(arp, now_ns_);
        }
    } else {
        ++counters_.rx_other_ether_type;
    }
    rte_pktmbuf_free(frame);
}

void Stack::ipv4_input(std::span<const std::uint8_t> packet) noexcept {
    proto::Ipv4Parse ip;
    if (proto::parse_ipv4(packet, ip) != proto::Status::kOk) {
        ++counters_.ip_malformed;
        return;
    }
    if (!ip.checksum_ok) {
        ++counters_.ip_bad_checksum;
        return;
    }
    const proto::Ipv4Header& h = ip.header;
    const bool unicast = h.destination == config_.ip;
    if (!unicast && !(is_multicast(h.destination) ? igmp_.accepts(h.destination)
                                                  : ip_.is_broadcast(h.destination))) {
        ++counters_.rx_not_for_us;
        return;
    }
    // No reassembly: a fragment is dropped, whichever it is.
    if (h.is_fragment()) {
        ++counters_.ip_fragments;
        return;
    }
    // RFC 1122 section 3.2.1.3: never accept a broadcast, multicast, loopback or "this host"
    // source, nor our own address coming back.
    if (h.source == 0 || is_multicast(h.source) || ip_.is_broadcast(h.source) ||
        (h.source >> 24) == 127 || h.source == config_.ip) {
        ++counters_.ip_bad_source;
        return;
    }
    // Options were skipped by the parser (accepted, not acted on). RFC 1122 section 3.2.1.7: a
    // host does not drop a datagram for its TTL.
    switch (h.protocol) {
        case proto::kIpProtocolTcp:
            if (unicast) {
                tcp_.input(h, ip.payload, now_ns_);
            } else {
                ++counters_.rx_not_for_us;  // TCP is never broadcast or multicast
            }
            break;
        case proto::kIpProtocolUdp:
            udp_.input(h, ip.payload);
            break;
        case proto::kIpProtocolIcmp:
            icmp_input(h, ip.payload);
            break;
        case kIpProtocolIgmp:
            igmp_input(ip.payload);
            break;
        default:
            ++counters_.ip_unknown_protocol;
            break;
    }
}

void Stack::icmp_input(const proto::Ipv4Header& ip,
                       std::span<const std::uint8_t> message) noexcept {
    proto::IcmpEcho echo;
    bool checksum_ok = false;
    const proto::Status status = proto::parse_icmp_echo(message, echo, checksum_ok);
    if (status == proto::Status::kUnsupported) {
        ++counters_.icmp_other;
        return;
    }
    if (status != proto::Status::kOk) {
        ++counters_.icmp_malformed;
        return;
    }
    if (!checksum_ok) {
        ++counters_.icmp_bad_checksum;
        return;
    }
    // RFC 1122 section 3.2.2.6: answer echo requests to our address (broadcast ones may be
    // ignored, and are).
    if (echo.type != proto::kIcmpEchoRequest || ip.destination != config_.ip) {
        ++counters_.icmp_other;
        return;
    }
    rte_mbuf* frame = ip_.alloc();
    if (frame == nullptr) {
        return;
    }
    const std::size_t size = proto::kIcmpEchoHeaderSize + echo.data.size();
    std::uint8_t* l4 = ip_.begin(frame, size);
    if (l4 == nullptr) {
        rte_pktmbuf_free(frame);
        return;
    }
    proto::IcmpEcho reply = echo;
    reply.type = proto::kIcmpEchoReply;
    reply.code = 0;
    const std::size_t written = proto::write_icmp_echo(reply, std::span(l4, size));
    assert(written == size);
    (void)written;
    ip_.send(frame, ip.source, proto::kIpProtocolIcmp, size, now_ns_);
    ++counters_.icmp_echo_replies;
}

void Stack::igmp_input(std::span<const std::uint8_t> message) noexcept {
    IgmpMessage igmp;
    bool checksum_ok = false;
    if (parse_igmp(message, igmp, checksum_ok) != proto::Status::kOk) {
        ++counters_.igmp_malformed;
        return;
    }
    if (!checksum_ok) {
        ++counters_.igmp_malformed;
        return;
    }
    igmp_.input(igmp, now_ns_);
}

StreamId Stack::connect(Endpoint remote, const StreamEvents& events) noexcept {
    const StreamId id = tcp_.connect(remote, events, 0, now_ns_);
    after_call();
    return id;
}

StreamId Stack::connect_from(std::uint16_t local_port, Endpoint remote,
                             const StreamEvents& events) noexcept {
    const StreamId id = tcp_.connect(remote, events, local_port, now_ns_);
    after_call();
    return id;
}

std::size_t Stack::send(StreamId stream, std::span<const std::uint8_t> data) noexcept {
    const std::size_t n = tcp_.send(stream, data, now_ns_);
    after_call();
    return n;
}

std::size_t Stack::receive(StreamId stream, std::span<std::uint8_t> out) noexcept {
    const std::size_t n = tcp_.receive(stream, out, now_ns_);
    after_call();
    return n;
}

std::size_t Stack::consume(StreamId stream, std::size_t count) noexcept {
    const std::size_t n = tcp_.consume(stream, count, now_ns_);
    after_call();
    return n;
}

void Stack::close(StreamId stream) noexcept {
    tcp_.close(stream, now_ns_);
    after_call();
}

void Stack::abort(StreamId stream) noexcept {
    tcp_.abort(stream, now_ns_);
    after_call();
}

void Stack::close_datagram(DatagramId socket) noexcept {
    udp_.close(socket, now_ns_);
    after_call();
}

bool Stack::join(DatagramId socket, std::uint32_t group) noexcept {
    const bool ok = udp_.join(socket, group, now_ns_);
    after_call();
    return ok;
}

bool Stack::leave(DatagramId socket, std::uint32_t group) noexcept {
    const bool ok = udp_.leave(socket, group, now_ns_);
    after_call();
    return ok;
}

bool Stack::send_to(DatagramId socket, Endpoint destination,
                    std::span<const std::uint8_t> payload) noexcept {
    const bool ok = udp_.send_to(socket, destination, payload, now_ns_);
    after_call();
    return ok;
}

}  // namespace tb::net
