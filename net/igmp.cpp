#include "net/igmp.hpp"

#include <cassert>

#include "core/endian.hpp"
#include "proto/checksum.hpp"

namespace tb::net {

proto::Status parse_igmp(std::span<const std::uint8_t> bytes, IgmpMessage& message,
                         bool& checksum_ok) noexcept {
    if (bytes.size() < kIgmpSize) {
        return proto::Status::kTruncated;
    }
    message.type = bytes[0];
    message.max_response_time = bytes[1];
    message.group = core::load_be32(bytes.data() + 4);
    checksum_ok = proto::internet_checksum(bytes) == 0;
    return proto::Status::kOk;
}

std::size_t write_igmp(const IgmpMessage& message, std::span<std::uint8_t> out) noexcept {
    if (out.size() < kIgmpSize) {
        return 0;
    }
    out[0] = message.type;
    out[1] = message.max_response_time;
    core::store_be16(out.data() + 2, 0);
    core::store_be32(out.data() + 4, message.group);
    core::store_be16(out.data() + 2, proto::internet_checksum(out.first(kIgmpSize)));
    return kIgmpSize;
}

Igmp::Igmp(const StackConfig& config, Ipv4& ip, TimerHeap& timers, std::uint32_t timer_id,
           StackCounters& counters)
    : config_(config),
      ip_(ip),
      timers_(timers),
      timer_id_(timer_id),
      counters_(counters),
      groups_(config.igmp.max_groups),
      rng_(config.igmp.seed) {}

int Igmp::find(std::uint32_t group) const noexcept {
    for (std::uint32_t i = 0; i < groups_.size(); ++i) {
        if (groups_[i].references > 0 && groups_[i].address == group) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int Igmp::join(std::uint32_t group, std::int64_t now_ns) noexcept {
    // 224.0.0.0/24 is for routing protocols; RFC 2236 section 6 never reports all-hosts.
    if (!is_multicast(group) || (group & 0xFFFFFF00) == 0xE0000000) {
        return -1;
    }
    const int found = find(group);
    if (found >= 0) {
        ++groups_[static_cast<std::uint32_t>(found)].references;
        return found;
    }
    for (std::uint32_t i = 0; i < groups_.size(); ++i) {
        Group& g = groups_[i];
        if (g.references == 0) {
            g = Group{};
            g.address = group;
            g.references = 1;
            send(kIgmpV2MembershipReport, group, group, now_ns);
            if (config_.igmp.unsolicited_reports > 1) {
                g.unsolicited_left = config_.igmp.unsolicited_reports - 1;
                g.report_ns = now_ns + config_.igmp.unsolicited_interval_ns;
            }
            rearm();
            return static_cast<int>(i);
        }
    }
    return -1;
}

bool Igmp::leave(std::uint32_t group, std::int64_t now_ns) noexcept {
    const int found = find(group);
    if (found < 0) {
        return false;
    }
    Group& g = groups_[static_cast<std::uint32_t>(found)];
    if (--g.references == 0) {
        // RFC 2236 section 3: Leave Group goes to all-routers.
        send(kIgmpLeaveGroup, group, kAllRoutersGroup, now_ns);
        g = Group{};
        rearm();
    }
    return true;
}

void Igmp::input(const IgmpMessage& message, std::int64_t now_ns) noexcept {
    if (message.type == kIgmpMembershipQuery) {
        ++counters_.igmp_queries;
        // A v1 query has max response time 0 and means 10 s (RFC 2236 section 4).
        const std::int64_t max_delay_ns =
            (message.max_response_time == 0 ? 100 : message.max_response_time) * 100'000'000LL;
        for (Group& g : groups_) {
            if (g.references == 0 || (message.group != 0 && message.group != g.address)) {
                continue;
            }
            const std::int64_t due =
                now_ns +
                static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(max_delay_ns) + 1));
            if (g.report_ns == kNever || due < g.report_ns) {
                g.report_ns = due;
            }
        }
        rearm();
        return;
    }
    if (message.type == kIgmpV1MembershipReport || message.type == kIgmpV2MembershipReport) {
        // Another member reported: ours is not needed (RFC 2236 section 3, "Delaying Member").
        const int found = find(message.group);
        if (found >= 0) {
            Group& g = groups_[static_cast<std::uint32_t>(found)];
            if (g.unsolicited_left == 0) {
                g.report_ns = kNever;
                rearm();
            }
        }
    }
}

void Igmp::on_timer(std::int64_t now_ns) noexcept {
    for (Group& g : groups_) {
        if (g.references == 0 || g.report_ns > now_ns) {
            continue;
        }
        send(kIgmpV2MembershipReport, g.address, g.address, now_ns);
        if (g.unsolicited_left > 0) {
            --g.unsolicited_left;
        }
        g.report_ns =
            g.unsolicited_left > 0 ? now_ns + config_.igmp.unsolicited_interval_ns : kNever;
    }
    rearm();
}

void Igmp::rearm() noexcept {
    std::int64_t next = kNever;
    for (const Group& g : groups_) {
        if (g.references > 0 && g.report_ns < next) {
            next = g.report_ns;
        }
    }
    timers_.set(timer_id_, next);
}

void Igmp::send(std::uint8_t type, std::uint32_t group, std::uint32_t destination,
                std::int64_t now_ns) noexcept {
    rte_mbuf* frame = ip_.alloc();
    if (frame == nullptr) {
        return;
    }
    std::uint8_t* l4 = ip_.begin(frame, kIgmpSize);
    if (l4 == nullptr) {
        rte_pktmbuf_free(frame);
        return;
    }
    IgmpMessage message;
    message.type = type;
    message.group = group;
    const std::size_t written = write_igmp(message, std::span(l4, kIgmpSize));
    assert(written == kIgmpSize);
    (void)written;
    // RFC 2236 section 2: IGMP messages are sent with TTL 1.
    ip_.send(frame, destination, kIpProtocolIgmp, kIgmpSize, now_ns, 1);
    if (type == kIgmpLeaveGroup) {
        ++counters_.igmp_leaves_sent;
    } else {
        ++counters_.igmp_reports_sent;
    }
}

}  // namespace tb::net
