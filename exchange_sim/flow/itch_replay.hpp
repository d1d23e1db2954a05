#pragma once

// Replay of a Nasdaq TotalView-ITCH 5.0 file (Nasdaq's file format, proto/itch_file.hpp) into
// the engine, for chosen symbols, so that the exchange rebuilds those books and client orders
// trade against the replayed liquidity.
//
// Pace: the first order message of the file maps to the replay's start; each later message is
// due at start + (its timestamp - the first one's) / speed. speed 1 is the recorded pace; a
// speed of 0 means as fast as possible (every message is due at once; poll()'s budget bounds
// the work per pass).
//
// Translation (ITCH 5.0 section 4 -> OUCH 4.2 inputs), all from the "replay maker" participant
// unless said otherwise; a file order's token is "R" + its order reference number in base 36:
//  - Add Order (A, 4.3.1) and Add Order with MPID (F, 4.3.2) of a chosen symbol: Enter Order,
//    same side, shares and price, displayed anonymously, time in force system hours.
//  - Order Executed (E, 4.4.1) and Order Executed With Price (C, 4.4.2): the file's aggressor is
//    not on the feed, so the replay sends it: an IOC order from the "replay taker" participant
//    on the other side, at the executed order's price, for the executed shares (at most what the
//    order still has open here). It trades in price-time order, as the real aggressor did: with
//    the replayed order, or with a client order that is ahead of it or priced better.
//  - Order Cancel (X, 4.4.3): Cancel Order down to the order's new size; Order Delete (D, 4.4.4):
//    Cancel Order to 0.
//  - Order Replace (U, 4.4.5): Replace Order to the new reference number's token, shares and
//    price; if the original is no longer live here, an Enter Order for the new one.
//  Other messages (system events, directory, trades of non-displayed orders, crosses, NOII ...)
//  do not change displayed books and are skipped.
//
// Reconciliation: client orders can take replayed liquidity before the file says it traded.
// For every replayed order the replay keeps two sizes: the file's (what the file says is open)
// and ours (what is open in this exchange, from the engine's OUCH events to the replay maker).
// After every file message about an order, if ours is above the file's the order is canceled
// down to the file's size; if ours is below (a client took part of it), later file decrements
// apply to what is left: executions and cancels never ask for more than is open here, a Delete
// removes whatever is left, and a Replace starts the new order at the file's size. An order the
// engine rejects (price off this scenario's band or grid) is forgotten, and later messages
// about it are skipped and counted.
//
// The file is read as it is replayed, through FileReader's bounded buffer, so full-day files
// work; nothing allocates per message after construction.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/engine/inputs.hpp"
#include "exchange_sim/flow/flow_tokens.hpp"
#include "exchange_sim/gateway/gateway.hpp"
#include "exchange_sim/gateway/ouch_codec.hpp"
#include "proto/itch.hpp"
#include "proto/itch_file.hpp"

namespace tb::exchange {

struct ItchReplayConfig {
    std::string file;
    std::vector<Stock> symbols;  // replayed symbols; each must be a symbol of the scenario
    double speed = 1.0;          // 0: as fast as possible
    ParticipantId maker = 3900;
    ParticipantId taker = 3901;
    std::uint32_t max_orders = 1u << 20;   // replayed orders open at once
    std::size_t max_skip_per_poll = 4096;  // messages of other symbols skipped per poll
};

struct ReplayCounters {
    std::uint64_t file_messages = 0;
    std::uint64_t adds = 0;
    std::uint64_t executions = 0;
    std::uint64_t cancels = 0;
    std::uint64_t deletes = 0;
    std::uint64_t replaces = 0;
    std::uint64_t reconciled_cancels = 0;  // our order canceled down to the file's size
    std::uint64_t rejected = 0;            // the engine refused a replayed order
    std::uint64_t unknown_orders = 0;      // a message about an order not replayed here
    std::uint64_t table_full = 0;
    std::uint64_t file_errors = 0;

    template <class F>
    void visit(F&& f) const {
        f("file_messages", file_messages);
        f("adds", adds);
        f("executions", executions);
        f("cancels", cancels);
        f("deletes", deletes);
        f("replaces", replaces);
        f("reconciled_cancels", reconciled_cancels);
        f("rejected", rejected);
        f("unknown_orders", unknown_orders);
        f("table_full", table_full);
        f("file_errors", file_errors);
    }
};

class ItchReplay {
public:
    // Opens the file; throws tb::core::StartupError if it cannot be read.
    explicit ItchReplay(const ItchReplayConfig& config);

    void start(std::int64_t start_ns) noexcept;
    void stop() noexcept { done_ = true; }

    // Clock time of the next due message (max when the file is done).
    [[nodiscard]] std::int64_t next_event_ns() const noexcept;

    // Replays the messages due by `now`, at most `budget` engine inputs' worth; returns the
    // file messages acted on.
    template <class Submit>
    std::size_t poll(Instant now, std::size_t budget, Submit&& submit) noexcept;

    [[nodiscard]] bool owns(ParticipantId participant) const noexcept {
        return participant == maker_ || participant == taker_;
    }

    // OUCH events for the replay's participants.
    void on(const OuchAccepted& e) noexcept;
    void on(const OuchReplaced& e) noexcept;
    void on(const OuchCanceled& e) noexcept { reduce(e.participant, e.token, e.decrement_shares); }
    void on(const OuchAiqCanceled& e) noexcept {
        reduce(e.participant, e.token, e.decrement_shares);
    }
    void on(const OuchExecuted& e) noexcept { reduce(e.participant, e.token, e.executed_shares); }
    void on(const OuchRejected& e) noexcept;

    [[nodiscard]] bool done() const noexcept { return done_; }
    [[nodiscard]] const ReplayCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::size_t open_orders() const noexcept { return map_.size(); }
    // Our open size of the replayed order with this file reference number (0 if none).
    [[nodiscard]] Shares open_here(std::uint64_t order_ref) const noexcept;
    [[nodiscard]] static Token token_of(std::uint64_t order_ref) noexcept;

private:
    static constexpr std::uint32_t kNone = 0xFFFF'FFFF;

    struct Order {
        std::uint64_t ref = 0;
        Stock stock;
        Price price = 0;
        BookSide side = BookSide::kBuy;
        Shares file_open = 0;
        Shares ours = 0;
        bool live = false;
        bool rejected = false;
    };

    // The next relevant file message, decoded.
    struct Pending {
        char type = 0;
        std::uint64_t timestamp_ns = 0;
        std::uint64_t ref = 0;
        std::uint64_t new_ref = 0;
        Stock stock;
        BookSide side = BookSide::kBuy;
        Shares shares = 0;
        Price price = 0;
    };

    // Reads ahead to the next message to act on; false when the file ends (or fails: done_)
    // or when max_skip_per_poll messages of no interest were skipped (more to read).
    bool read_ahead() noexcept;
    [[nodiscard]] bool chosen(const proto::Alpha<8>& stock, Stock& out) const noexcept;
    [[nodiscard]] std::uint32_t allocate(std::uint64_t ref) noexcept;
    void forget(std::uint64_t ref) noexcept;
    [[nodiscard]] Order* order_of(std::uint64_t ref) noexcept;
    [[nodiscard]] Order* order_of_token(const Token& token) noexcept;
    void reduce(ParticipantId participant, const Token& token, Shares shares) noexcept;

    template <class Submit>
    void act(const Pending& m, std::int64_t day_ns, Submit& submit) noexcept;
    template <class Submit>
    void reconcile(Order& order, std::int64_t day_ns, Submit& submit) noexcept;
    template <class Submit>
    void enter(Order& order, std::int64_t day_ns, Submit& submit) noexcept;

    proto::itch::FileReader reader_;
    std::vector<Stock> symbols_;
    double speed_;
    ParticipantId maker_;
    ParticipantId taker_;
    std::size_t max_skip_;
    std::vector<Order> orders_;
    std::vector<std::uint32_t> free_;
    U64Map map_;  // file order reference number -> index in orders_
    Pending pending_;
    bool has_pending_ = false;
    bool done_ = false;
    bool started_ = false;
    std::int64_t start_ns_ = 0;
    std::uint64_t first_timestamp_ns_ = 0;
    bool have_first_ = false;
    std::uint64_t taker_counter_ = 0;
    std::int64_t last_day_ns_ = 0;
    ReplayCounters counters_;
};

template <class Submit>
std::size_t ItchReplay::poll(Instant now, std::size_t budget, Submit&& submit) noexcept {
    std::size_t done = 0;
    while (done < budget && started_ && !done_) {
        if (!has_pending_ && !read_ahead()) {
            if (!done_) {
                ++done;  // skipped a bounded stretch of other symbols' messages: work, too
            }
            break;
        }
        const std::int64_t due = next_event_ns();
        if (due > now.clock_ns) {
            break;
        }
        const std::int64_t day_ns = speed_ == 0.0 ? now.day_ns : now.day_ns - (now.clock_ns - due);
        last_day_ns_ = std::max(last_day_ns_, day_ns);
        has_pending_ = false;
        act(pending_, last_day_ns_, submit);
        ++done;
    }
    return done;
}

template <class Submit>
void ItchReplay::enter(Order& order, std::int64_t day_ns, Submit& submit) noexcept {
    EnterOrder in;
    in.timestamp_ns = day_ns;
    in.participant = maker_;
    in.token = token_of(order.ref);
    in.side = order.side == BookSide::kBuy ? ouch::Side::kBuy : ouch::Side::kSell;
    in.shares = order.file_open;
    in.stock = order.stock;
    in.price = order.price;
    in.time_in_force = ouch::kTimeInForceSystemHours;
    in.display = ouch::Display::kAnonymous;
    order.ours = 0;
    order.live = false;
    order.rejected = false;
    submit(Input{in});
}

template <class Submit>
void ItchReplay::reconcile(Order& order, std::int64_t day_ns, Submit& submit) noexcept {
    if (order.live && order.ours > order.file_open) {
        CancelOrder in;
        in.timestamp_ns = day_ns;
        in.participant = maker_;
        in.token = token_of(order.ref);
        in.shares = order.file_open;
        ++counters_.reconciled_cancels;
        submit(Input{in});
    }
}

template <class Submit>
void ItchReplay::act(const Pending& m, std::int64_t day_ns, Submit& submit) noexcept {
    switch (m.type) {
        case proto::itch::AddOrder::kType:
        case proto::itch::AddOrderMpid::kType: {
            const std::uint32_t index = allocate(m.ref);
            if (index == kNone) {
                return;
            }
            Order& order = orders_[index];
            order.stock = m.stock;
            order.side = m.side;
            order.price = m.price;
            order.file_open = m.shares;
            ++counters_.adds;
            enter(order, day_ns, submit);
            if (orders_[index].rejected) {
                forget(m.ref);
            }
            return;
        }
        case proto::itch::OrderExecuted::kType:
        case proto::itch::OrderExecutedWithPrice::kType:
        case proto::itch::OrderCancel::kType:
        case proto::itch::OrderDelete::kType: {
            Order* order = order_of(m.ref);
            if (order == nullptr) {
                ++counters_.unknown_orders;
                return;
            }
            const std::uint64_t ref = m.ref;
            const Shares decrement = m.type == proto::itch::OrderDelete::kType
                                         ? order->file_open
                                         : std::min(m.shares, order->file_open);
            order->file_open -= decrement;
            if (m.type == proto::itch::OrderDelete::kType) {
                ++counters_.deletes;
            } else if (m.type == proto::itch::OrderCancel::kType) {
                ++counters_.cancels;
            } else {
                ++counters_.executions;
                const Shares take = std::min(decrement, order->ours);
                if (order->live && take > 0) {
                    EnterOrder in;
                    in.timestamp_ns = day_ns;
                    in.participant = taker_;
                    in.token.chars[0] = 'T';
                    put_base36(in.token, 1, 13, taker_counter_++);
                    in.side = order->side == BookSide::kBuy ? ouch::Side::kSell : ouch::Side::kBuy;
                    in.shares = take;
                    in.stock = order->stock;
                    in.price = order->price;
                    in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
                    in.display = ouch::Display::kAnonymous;
                    submit(Input{in});
                    order = order_of(ref);
                }
            }
            if (order != nullptr) {
                reconcile(*order, day_ns, submit);
                order = order_of(ref);
            }
            if (order != nullptr && order->file_open == 0 && !order->live) {
                forget(ref);
            }
            return;
        }
        case proto::itch::OrderReplace::kType: {
            Order* original = order_of(m.ref);
            if (original == nullptr) {
                ++counters_.unknown_orders;
                return;
            }
            ++counters_.replaces;
            const std::uint32_t index = allocate(m.new_ref);
            if (index == kNone) {
                return;
            }
            original = order_of(m.ref);
            Order& replacement = orders_[index];
            replacement.stock = original->stock;
            replacement.side = original->side;
            replacement.price = m.price;
            replacement.file_open = m.shares;
            const bool original_live = original->live;
            if (original_live) {
                ReplaceOrder in;
                in.timestamp_ns = day_ns;
                in.participant = maker_;
                in.existing_token = token_of(m.ref);
                in.replacement_token = token_of(m.new_ref);
                in.shares = m.shares;
                in.price = m.price;
                in.time_in_force = ouch::kTimeInForceSystemHours;
                in.display = ouch::Display::kAnonymous;
                submit(Input{in});
            } else {
                enter(replacement, day_ns, submit);
            }
            forget(m.ref);
            if (orders_[index].rejected || (!orders_[index].live && original_live)) {
                forget(m.new_ref);  // refused, or the engine canceled the original (bad terms)
            }
            return;
        }
        default:
            return;
    }
}

}  // namespace tb::exchange
