#include "net/arp.hpp"

#include <cassert>

namespace tb::net {
namespace {

constexpr proto::MacAddress kBroadcastMac = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

}  // namespace

Arp::Arp(const StackConfig& config, Link& link, TimerHeap& timers, std::uint32_t timer_base,
         StackCounters& counters)
    : config_(config),
      link_(link),
      timers_(timers),
      timer_base_(timer_base),
      counters_(counters),
      entries_(config.arp.cache_size),
      pending_(static_cast<std::size_t>(config.arp.cache_size) * config.arp.pending_frames,
               nullptr) {}

Arp::~Arp() {
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
        for (std::uint32_t k = 0; k < entries_[i].pending; ++k) {
            rte_pktmbuf_free(pending_[i * config_.arp.pending_frames + k]);
        }
    }
}

int Arp::find(std::uint32_t ip) const noexcept {
    if (last_hit_ < entries_.size() && entries_[last_hit_].state != State::kFree &&
        entries_[last_hit_].ip == ip) {
        return static_cast<int>(last_hit_);
    }
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].state != State::kFree && entries_[i].ip == ip) {
            last_hit_ = i;
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Arp::claim(std::uint32_t ip) noexcept {
    int victim = -1;
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        if (e.state == State::kFree) {
            victim = static_cast<int>(i);
            break;
        }
        // Otherwise the resolved entry closest to expiry; an entry being resolved only if there is
        // no resolved one. Static entries stay.
        if (e.state == State::kStatic) {
            continue;
        }
        if (victim < 0) {
            victim = static_cast<int>(i);
            continue;
        }
        const Entry& v = entries_[static_cast<std::uint32_t>(victim)];
        const bool e_resolved = e.state == State::kReachable;
        const bool v_resolved = v.state == State::kReachable;
        if ((e_resolved && !v_resolved) ||
            (e_resolved == v_resolved && e.expires_ns < v.expires_ns)) {
            victim = static_cast<int>(i);
        }
    }
    if (victim < 0) {
        return -1;
    }
    const auto index = static_cast<std::uint32_t>(victim);
    if (entries_[index].state != State::kFree) {
        ++counters_.arp_evictions;
        release(index);
    }
    Entry& e = entries_[index];
    e = Entry{};
    e.ip = ip;
    return victim;
}

void Arp::release(std::uint32_t index) noexcept {
    drop_pending(index);
    entries_[index] = Entry{};
    timers_.cancel(timer_base_ + index);
}

void Arp::drop_pending(std::uint32_t index) noexcept {
    Entry& e = entries_[index];
    for (std::uint32_t k = 0; k < e.pending; ++k) {
        rte_pktmbuf_free(pending_[index * config_.arp.pending_frames + k]);
        ++counters_.arp_unresolved_drops;
    }
    e.pending = 0;
}

void Arp::confirm(std::uint32_t index, const proto::MacAddress& mac, std::int64_t now_ns) noexcept {
    Entry& e = entries_[index];
    if (e.state == State::kStatic) {
        return;  // configured, not learned
    }
    e.mac = mac;
    e.state = State::kReachable;
    e.used = false;
    e.requests = 0;
    e.expires_ns = now_ns + config_.arp.entry_lifetime_ns;
    timers_.set(timer_base_ + index, e.expires_ns - config_.arp.refresh_before_ns);
    // Frames that waited for this address go out in the order they came.
    for (std::uint32_t k = 0; k < e.pending; ++k) {
        rte_mbuf* frame = pending_[index * config_.arp.pending_frames + k];
        link_.write_header(frame, mac, proto::kEtherTypeIpv4);
        link_.send(frame);
    }
    e.pending = 0;
}

void Arp::send_to(rte_mbuf* frame, std::uint32_t next_hop, std::int64_t now_ns) noexcept {
    int found = find(next_hop);
    if (found >= 0) {
        Entry& e = entries_[static_cast<std::uint32_t>(found)];
        if (e.state == State::kStatic || (e.state == State::kReachable && now_ns < e.expires_ns)) {
            e.used = true;
            link_.write_header(frame, e.mac, proto::kEtherTypeIpv4);
            link_.send(frame);
            return;
        }
        if (e.state == State::kReachable) {
            // Expired and not confirmed in time: resolve again from scratch.
            e.state = State::kIncomplete;
            e.requests = 0;
        }
    } else {
        found = claim(next_hop);
        if (found < 0) {
            rte_pktmbuf_free(frame);
            ++counters_.arp_queue_full;
            return;
        }
        entries_[static_cast<std::uint32_t>(found)].state = State::kIncomplete;
    }
    const auto index = static_cast<std::uint32_t>(found);
    Entry& e = entries_[index];
    if (e.pending == config_.arp.pending_frames) {
        rte_pktmbuf_free(frame);
        ++counters_.arp_queue_full;
    } else {
        pending_[index * config_.arp.pending_frames + e.pending++] = frame;
    }
    if (e.requests == 0) {
        send_request(next_hop, nullptr);
        e.requests = 1;
        timers_.set(timer_base_ + index, now_ns + config_.arp.retry_interval_ns);
    }
}

void Arp::on_timer(std::uint32_t timer_id, std::int64_t now_ns) noexcept {
    const std::uint32_t index = timer_id - timer_base_;
    assert(index < entries_.size());
    timers_.cancel(timer_id);
    Entry& e = entries_[index];
    switch (e.state) {
        case State::kIncomplete:
            if (e.requests >= config_.arp.max_requests) {
                release(index);  // counts the frames that waited
                return;
            }
            send_request(e.ip, nullptr);
            ++e.requests;
            timers_.set(timer_id, now_ns + config_.arp.retry_interval_ns);
            return;
        case State::kReachable:
            if (now_ns >= e.expires_ns) {
                release(index);
                return;
            }
            if (e.used && e.requests < config_.arp.max_requests) {
                // RFC 1122 section 2.3.2.1: confirm an entry in use with a unicast request.
                send_request(e.ip, &e.mac);
                ++e.requests;
                timers_.set(timer_id,
                            std::min(e.expires_ns, now_ns + config_.arp.retry_interval_ns));
                return;
            }
            timers_.set(timer_id, e.expires_ns);
            return;
        case State::kFree:
        case State::kStatic:
            return;
    }
}

void Arp::input(const proto::ArpPacket& packet, std::int64_t now_ns) noexcept {
    if (packet.operation == proto::kArpRequest) {
        ++counters_.arp_requests_received;
    } else {
        ++counters_.arp_replies_received;
    }
    // A sender claiming our address, or no address at all (an ARP probe, RFC 5227), updates
    // nothing.
    const bool sender_usable = packet.sender_ip != 0 && packet.sender_ip != config_.ip &&
                               (packet.sender_mac[0] & 0x01) == 0;
    const bool for_us = packet.target_ip == config_.ip;
    // RFC 826: update the sender's entry if we have one; add it if we are the target.
    if (sender_usable) {
        int index = find(packet.sender_ip);
        if (index < 0 && for_us) {
            index = claim(packet.sender_ip);
        }
        if (index >= 0) {
            confirm(static_cast<std::uint32_t>(index), packet.sender_mac, now_ns);
        }
    }
    if (for_us && packet.operation == proto::kArpRequest && (packet.sender_mac[0] & 0x01) == 0) {
        send_reply(packet);
    }
}

void Arp::announce() noexcept {
    proto::ArpPacket packet;
    packet.operation = proto::kArpRequest;
    packet.sender_mac = link_.mac();
    packet.sender_ip = config_.ip;
    packet.target_ip = config_.ip;
    send_arp(packet, kBroadcastMac);
    ++counters_.arp_requests_sent;
}

bool Arp::add_static(std::uint32_t ip, const proto::MacAddress& mac) noexcept {
    int index = find(ip);
    if (index < 0) {
        index = claim(ip);
    }
    if (index < 0) {
        return false;
    }
    Entry& e = entries_[static_cast<std::uint32_t>(index)];
    const bool had_pending = e.pending > 0;
    if (had_pending) {
        confirm(static_cast<std::uint32_t>(index), mac, 0);
    }
    e.state = State::kStatic;
    e.mac = mac;
    e.pending = 0;
    timers_.cancel(timer_base_ + static_cast<std::uint32_t>(index));
    return true;
}

const proto::MacAddress* Arp::lookup(std::uint32_t ip, std::int64_t now_ns) const noexcept {
    const int index = find(ip);
    if (index < 0) {
        return nullptr;
    }
    const Entry& e = entries_[static_cast<std::uint32_t>(index)];
    if (e.state == State::kStatic || (e.state == State::kReachable && now_ns < e.expires_ns)) {
        return &e.mac;
    }
    return nullptr;
}

void Arp::send_request(std::uint32_t target_ip, const proto::MacAddress* unicast_to) noexcept {
    proto::ArpPacket packet;
    packet.operation = proto::kArpRequest;
    packet.sender_mac = link_.mac();
    packet.sender_ip = config_.ip;
    packet.target_ip = target_ip;
    send_arp(packet, unicast_to != nullptr ? *unicast_to : kBroadcastMac);
    ++counters_.arp_requests_sent;
}

void Arp::send_reply(const proto::ArpPacket& request) noexcept {
    proto::ArpPacket packet;
    packet.operation = proto::kArpReply;
    packet.sender_mac = link_.mac();
    packet.sender_ip = config_.ip;
    packet.target_mac = request.sender_mac;
    packet.target_ip = request.sender_ip;
    send_arp(packet, request.sender_mac);
    ++counters_.arp_replies_sent;
}

void Arp::send_arp(const proto::ArpPacket& packet, const proto::MacAddress& destination) noexcept {
    rte_mbuf* frame = link_.alloc();
    if (frame == nullptr) {
        return;
    }
    std::uint8_t* bytes = Link::append(frame, link_.header_size() + proto::kArpSize);
    if (bytes == nullptr) {
        rte_pktmbuf_free(frame);
        return;
    }
    link_.write_header(frame, destination, proto::kEtherTypeArp);
    const std::size_t written =
        proto::write_arp(packet, std::span(bytes + link_.header_size(), proto::kArpSize));
    assert(written == proto::kArpSize);
    (void)written;
    link_.send(frame);
}

}  // namespace tb::net
