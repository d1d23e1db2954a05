#pragma once

// What the exchange measures at a client's port of the emulated wire (DESIGN.md,
// "Measurement"), from frames as the client's port takes them (t_md) and gives them (t_ord):
//
//  - Tick-to-trade: t_md is when a frame whose MoldUDP64 packet carries a trigger message is
//    handed to the client's RX ring (first hand-over only: feed A and feed B carry the same
//    sequence numbers); t_ord is when the client's next OUCH frame (a TCP segment to the
//    order-entry port whose payload starts a SoupBinTCP Unsequenced Data packet) is taken from
//    its TX ring. Every trigger delivered and not yet answered is answered by that frame.
//    Triggers are added while the exchange runs (add_trigger), as soon as it knows the sequence
//    number of a trigger's first ITCH message, before the packet reaches the wire.
//  - Order round trip: from an Enter Order frame taken from the client (SoupBinTCP 'U' carrying
//    OUCH 'O') to the next frame handed to it that carries the exchange's OUCH answer (an 'S'
//    packet with Accepted 'A' or Rejected 'J'): the exchange's own latency, stack and emulated
//    wire included, as a client's NIC would see it.
//
// Both assume, as every SoupBinTCP implementation here does, that a segment starts at a packet
// boundary; a segment that does not is simply not counted.
//
// nic_emu's own tap (nic_emu/tap.hpp) takes its triggers at start-up; the exchange learns them
// while it runs, hence this one. No allocation after construction. Thread rules: one owner.

#include <cstdint>
#include <span>
#include <vector>

#include "core/histogram.hpp"

namespace tb::exchange {

struct WireTapRecord {
    std::uint64_t sequence = 0;  // MoldUDP64 sequence number of the trigger's first message
    std::int64_t t_md_ns = -1;   // -1 while unknown
    std::int64_t t_ord_ns = -1;
};

struct WireTapCounters {
    std::uint64_t triggers = 0;            // added
    std::uint64_t triggers_delivered = 0;  // first hand-over
    std::uint64_t triggers_repeated = 0;   // later copies (feed B, retransmissions)
    std::uint64_t triggers_dropped = 0;    // more triggers than the capacity
    std::uint64_t orders = 0;              // OUCH frames taken from the client
    std::uint64_t orders_answering = 0;    // answered at least one trigger
    std::uint64_t enter_orders = 0;
    std::uint64_t answers = 0;  // Accepted / Rejected frames handed to the client

    template <class F>
    void visit(F&& f) const {
        f("triggers", triggers);
        f("triggers_delivered", triggers_delivered);
        f("triggers_repeated", triggers_repeated);
        f("triggers_dropped", triggers_dropped);
        f("orders", orders);
        f("orders_answering", orders_answering);
        f("enter_orders", enter_orders);
        f("answers", answers);
    }
};

class WireTap {
public:
    // Room for `max_triggers` triggers. Ports: the feed's UDP destination port (feed A and B,
    // and retransmissions answer from elsewhere) and the order-entry TCP port.
    WireTap(std::size_t max_triggers, std::uint16_t feed_port, std::uint16_t order_port);

    // A trigger's first ITCH message has this sequence number (increasing from call to call).
    void add_trigger(std::uint64_t sequence) noexcept;

    // A frame the wire hands to the client (before the port takes it): what it carries.
    struct Outbound {
        std::uint32_t first = 0;  // triggers [first, first + count) of records()
        std::uint32_t count = 0;
        bool answer = false;  // an OUCH Accepted or Rejected
    };
    [[nodiscard]] Outbound inspect_outbound(std::span<const std::uint8_t> frame) const noexcept;
    // The port took it at t_ns.
    void delivered(const Outbound& what, std::int64_t t_ns) noexcept;

    // A frame taken from the client at t_ns.
    void from_client(std::span<const std::uint8_t> frame, std::int64_t t_ns) noexcept;

    [[nodiscard]] const core::Histogram& tick_to_trade() const noexcept { return tick_to_trade_; }
    [[nodiscard]] const core::Histogram& order_round_trip() const noexcept { return round_trip_; }
    [[nodiscard]] const std::vector<WireTapRecord>& records() const noexcept { return records_; }
    [[nodiscard]] const WireTapCounters& counters() const noexcept { return counters_; }

private:
    std::size_t capacity_;
    std::uint16_t feed_port_;
    std::uint16_t order_port_;
    std::vector<WireTapRecord> records_;  // sorted by sequence
    std::vector<std::uint32_t> pending_;  // delivered, not answered
    std::uint32_t pending_count_ = 0;
    std::int64_t enter_order_ns_ = -1;  // an Enter Order waiting for its answer
    core::Histogram tick_to_trade_;
    core::Histogram round_trip_;
    WireTapCounters counters_;
};

}  // namespace tb::exchange
