#pragma once

// ARP (RFC 826) for the stack: answers requests for our address, keeps a fixed-size cache whose
// entries expire (RFC 1122 section 2.3.2.1), resolves with a bounded number of requests while
// holding a few frames per address (RFC 1122 section 2.3.2.2), and announces our address with a
// gratuitous request at start.
//
// Each cache entry owns one timer id (timer_base + index): an entry being resolved retries on it;
// a resolved entry refreshes on it (a unicast request shortly before it expires, only when it was
// used since it was last confirmed) and is dropped when it expires unconfirmed.

#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/link.hpp"
#include "net/timer_heap.hpp"
#include "proto/arp.hpp"

namespace tb::net {

class Arp {
public:
    Arp(const StackConfig& config, Link& link, TimerHeap& timers, std::uint32_t timer_base,
        StackCounters& counters);
    ~Arp();
    Arp(const Arp&) = delete;
    Arp& operator=(const Arp&) = delete;

    // Sends `frame` (Ethernet header space reserved, not yet written) to the on-link address
    // `next_hop`: now when its MAC is known, after resolution otherwise. Takes ownership.
    void send_to(rte_mbuf* frame, std::uint32_t next_hop, std::int64_t now_ns) noexcept;

    // A received ARP packet (RFC 826 "packet reception").
    void input(const proto::ArpPacket& packet, std::int64_t now_ns) noexcept;
    void on_timer(std::uint32_t timer_id, std::int64_t now_ns) noexcept;
    // Gratuitous ARP: a broadcast request for our own address.
    void announce() noexcept;

    // A permanent entry (never expires, never evicted); false when the cache is full of them.
    bool add_static(std::uint32_t ip, const proto::MacAddress& mac) noexcept;
    // The MAC we would use for `ip` now, or nullptr while unresolved.
    [[nodiscard]] const proto::MacAddress* lookup(std::uint32_t ip,
                                                  std::int64_t now_ns) const noexcept;

    [[nodiscard]] std::uint32_t timer_count() const noexcept {
        return static_cast<std::uint32_t>(entries_.size());
    }

private:
    enum class State : std::uint8_t { kFree, kIncomplete, kReachable, kStatic };

    struct Entry {
        std::uint32_t ip = 0;
        proto::MacAddress mac{};
        State state = State::kFree;
        bool used = false;            // used for sending since it was last confirmed
        std::uint32_t requests = 0;   // sent for the current resolution or refresh
        std::uint32_t pending = 0;    // frames waiting in pending_[index * pending_frames ...]
        std::int64_t expires_ns = 0;  // resolved entries
    };

    [[nodiscard]] int find(std::uint32_t ip) const noexcept;
    [[nodiscard]] int claim(std::uint32_t ip) noexcept;
    void confirm(std::uint32_t index, const proto::MacAddress& mac, std::int64_t now_ns) noexcept;
    void release(std::uint32_t index) noexcept;
    void drop_pending(std::uint32_t index) noexcept;
    void send_request(std::uint32_t target_ip, const proto::MacAddress* unicast_to) noexcept;
    void send_reply(const proto::ArpPacket& request) noexcept;
    void send_arp(const proto::ArpPacket& packet, const proto::MacAddress& destination) noexcept;

    const StackConfig& config_;
    Link& link_;
    TimerHeap& timers_;
    std::uint32_t timer_base_;
    StackCounters& counters_;
    std::vector<Entry> entries_;
    std::vector<rte_mbuf*> pending_;
    mutable std::uint32_t last_hit_ = 0;  // the entry found last: one peer is the common case
};

}  // namespace tb::net
