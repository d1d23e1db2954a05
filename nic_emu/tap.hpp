#pragma once

// The tick-to-trade tap (DESIGN.md, "Measurement"): on the client's port, t_md is when a frame
// carrying a trigger message is handed to the client's RX (the emulator's tx_burst to that port
// took it) and t_ord is when the client's next order frame is taken from its TX (the emulator's
// rx_burst from that port returned it). Every trigger handed over and not yet answered is
// answered by the next order frame; tick-to-trade = t_ord - t_md.
//
// Triggers are MoldUDP64 sequence numbers: a feed frame (UDP to feed_port) triggers when its
// MoldUDP64 packet carries one of them. A sequence number counts once, at its first hand-over
// (feed A and feed B carry the same numbers). Order frames are TCP segments with payload to
// order_port (configurable).
//
// Thread rules: one owner; no allocation after construction.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.hpp"

namespace tb::nic {

inline constexpr std::uint16_t kDefaultFeedPort = 26477;
inline constexpr std::uint16_t kDefaultOrderPort = 15000;

struct TapConfig {
    bool enabled = false;
    std::uint32_t client_port = 0;
    std::uint16_t feed_port = kDefaultFeedPort;
    std::uint16_t order_port = kDefaultOrderPort;
    std::vector<std::uint64_t> triggers;  // MoldUDP64 sequence numbers (any order)
    std::uint32_t max_pending = 1024;     // triggers handed over and not yet answered
};

struct TapCounters {
    std::uint64_t triggers_delivered = 0;  // first hand-over of a trigger
    std::uint64_t triggers_repeated = 0;   // later copies (feed B, retransmissions)
    std::uint64_t orders = 0;
    std::uint64_t orders_answering = 0;  // answered at least one trigger
    std::uint64_t pending_overflow = 0;  // triggers not tracked: too many pending

    template <class F>
    void visit(F&& f) const {
        f("triggers_delivered", triggers_delivered);
        f("triggers_repeated", triggers_repeated);
        f("orders", orders);
        f("orders_answering", orders_answering);
        f("pending_overflow", pending_overflow);
    }
};

// One trigger's times (-1 while unknown), in the emulator's clock.
struct TapRecord {
    std::uint64_t sequence = 0;
    std::int64_t t_md_ns = -1;
    std::int64_t t_ord_ns = -1;
};

// Triggers in a feed frame: indices [first, first + count) of records().
struct TriggerHit {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

class TickToTradeTap {
public:
    explicit TickToTradeTap(const TapConfig& config);

    [[nodiscard]] bool enabled() const noexcept { return enabled_; }
    [[nodiscard]] std::uint32_t client_port() const noexcept { return client_port_; }

    // Before a hand-over to the client: which triggers the frame carries.
    [[nodiscard]] TriggerHit feed_frame(std::span<const std::uint8_t> frame) const noexcept;
    // After the port took it, at t_md_ns.
    void delivered(TriggerHit hit, std::int64_t t_md_ns) noexcept;
    // A frame taken from the client: an order frame answers the pending triggers.
    [[nodiscard]] bool is_order(std::span<const std::uint8_t> frame) const noexcept;
    void order(std::int64_t t_ord_ns) noexcept;

    [[nodiscard]] const core::Histogram& histogram() const noexcept { return histogram_; }
    [[nodiscard]] const std::vector<TapRecord>& records() const noexcept { return records_; }
    [[nodiscard]] const TapCounters& counters() const noexcept { return counters_; }

private:
    bool enabled_;
    std::uint32_t client_port_;
    std::uint16_t feed_port_;
    std::uint16_t order_port_;
    std::vector<TapRecord> records_;  // sorted by sequence
    std::vector<std::uint32_t> pending_;
    std::uint32_t pending_count_ = 0;
    core::Histogram histogram_;
    TapCounters counters_;
};

// "5,100-200,7" -> sorted unique sequence numbers; throws core::ConfigError.
[[nodiscard]] std::vector<std::uint64_t> parse_trigger_list(std::string_view text);
// The same, one list per line in a file ('#' comments).
[[nodiscard]] std::vector<std::uint64_t> read_trigger_file(const std::string& path);

}  // namespace tb::nic
