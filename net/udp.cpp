#include "net/udp.hpp"

#include <cassert>

#include "proto/udp.hpp"

namespace tb::net {

Udp::Udp(const StackConfig& config, Ipv4& ip, Igmp& igmp, StackCounters& counters)
    : ip_(ip), igmp_(igmp), counters_(counters), sockets_(config.udp.max_sockets), by_port_(65536) {
    assert(config.igmp.max_groups <= 64);  // Socket::groups is a 64-bit mask
}

Udp::Socket* Udp::get(DatagramId socket) noexcept {
    if (socket.slot >= sockets_.size() || sockets_[socket.slot].port == 0) {
        return nullptr;
    }
    return &sockets_[socket.slot];
}

DatagramId Udp::open(std::uint16_t port, const DatagramEvents& events) noexcept {
    if (port == 0 || by_port_[port] != 0) {
        return {};
    }
    for (std::uint32_t i = 0; i < sockets_.size(); ++i) {
        if (sockets_[i].port == 0) {
            sockets_[i] = Socket{port, events, 0};
            by_port_[port] = static_cast<std::uint16_t>(i + 1);
            return DatagramId{i};
        }
    }
    return {};
}

void Udp::close(DatagramId socket, std::int64_t now_ns) noexcept {
    Socket* s = get(socket);
    if (s == nullptr) {
        return;
    }
    while (s->groups != 0) {
        const int slot = __builtin_ctzll(s->groups);
        s->groups &= s->groups - 1;
        (void)igmp_.leave(igmp_.group_at(slot), now_ns);
    }
    by_port_[s->port] = 0;
    *s = Socket{};
}

bool Udp::join(DatagramId socket, std::uint32_t group, std::int64_t now_ns) noexcept {
    Socket* s = get(socket);
    if (s == nullptr) {
        return false;
    }
    const int existing = igmp_.find(group);
    if (existing >= 0 && (s->groups >> existing & 1U) != 0) {
        return true;  // this socket joined already
    }
    const int slot = igmp_.join(group, now_ns);
    if (slot < 0) {
        return false;
    }
    s->groups |= std::uint64_t{1} << slot;
    return true;
}

bool Udp::leave(DatagramId socket, std::uint32_t group, std::int64_t now_ns) noexcept {
    Socket* s = get(socket);
    const int slot = igmp_.find(group);
    if (s == nullptr || slot < 0 || (s->groups >> slot & 1U) == 0) {
        return false;
    }
    s->groups &= ~(std::uint64_t{1} << slot);
    return igmp_.leave(group, now_ns);
}

bool Udp::send_to(DatagramId socket, Endpoint destination, std::span<const std::uint8_t> payload,
                  std::int64_t now_ns) noexcept {
    const Socket* s = get(socket);
    if (s == nullptr || destination.ip == 0 || destination.port == 0) {
        return false;
    }
    if (payload.size() > max_payload()) {
        ++counters_.udp_too_big;
        return false;
    }
    rte_mbuf* frame = ip_.alloc();
    if (frame == nullptr) {
        return false;
    }
    const std::size_t l4_size = proto::kUdpHeaderSize + payload.size();
    std::uint8_t* l4 = ip_.begin(frame, l4_size);
    if (l4 == nullptr) {
        rte_pktmbuf_free(frame);
        ++counters_.udp_too_big;
        return false;
    }
    const std::size_t written = proto::write_udp(s->port, destination.port, ip_.address(),
                                                 destination.ip, payload, std::span(l4, l4_size));
    assert(written == l4_size);
    (void)written;
    ip_.send(frame, destination.ip, proto::kIpProtocolUdp, l4_size, now_ns);
    ++counters_.udp_datagrams_sent;
    return true;
}

void Udp::input(const proto::Ipv4Header& ip, std::span<const std::uint8_t> datagram) noexcept {
    proto::UdpParse parsed;
    if (proto::parse_udp(datagram, ip.source, ip.destination, parsed) != proto::Status::kOk) {
        ++counters_.udp_malformed;
        return;
    }
    if (!parsed.checksum_ok) {
        ++counters_.udp_bad_checksum;
        return;
    }
    const std::uint16_t index = by_port_[parsed.header.destination_port];
    if (index == 0) {
        ++counters_.udp_no_socket;
        return;
    }
    Socket& s = sockets_[index - 1U];
    if (is_multicast(ip.destination)) {
        const int slot = igmp_.find(ip.destination);
        if (slot < 0 || (s.groups >> slot & 1U) == 0) {
            ++counters_.udp_no_socket;
            return;
        }
    }
    ++counters_.udp_datagrams_received;
    if (s.events.on_datagram != nullptr) {
        const Datagram d{Endpoint{ip.source, parsed.header.source_port}, ip.destination,
                         parsed.payload};
        s.events.on_datagram(s.events.context, DatagramId{index - 1U}, d);
    }
}

}  // namespace tb::net
