#pragma once

// Engine outputs. Every state change produces its events in order, as plain structs that carry
// every field the wire messages need:
//  - ITCH 5.0 market data (section 4): Add Order (A), Add Order with MPID attribution (F), Order
//    Executed (E), Order Cancel (X), Order Delete (D), Order Replace (U), Trade (P, executions of
//    non-displayed orders) and Stock Trading Action (H). The feed adds tracking numbers and
//    packs them into MoldUDP64.
//  - OUCH 4.2 order entry (section 3.3), each addressed to one participant: Accepted (A),
//    Replaced (U), Canceled (C), AIQ Canceled (D), Executed (E) and Rejected (J).
//
// Events reach a sink chosen at compile time (the EventSink concept below): the engine calls
// sink.on(event) with a reference valid only during the call, with no virtual call per event.
// Order reference numbers and match numbers are assigned in event order, starting at 1.
//
// Each struct lists its fields once in visit_fields(); the canonical serialization behind the
// digest, equality and the test printer are written from it (digest.hpp, events.cpp).

#include <concepts>
#include <cstdint>
#include <string>
#include <variant>

#include "exchange_sim/engine/types.hpp"
#include "proto/ouch_codes.hpp"

namespace tb::exchange {

namespace ouch = tb::proto::ouch;

enum class EventSource : char { kItch = 'I', kOuch = 'O' };

// ---- ITCH 5.0 ----

// Add Order, no MPID attribution (A), section 4.3.1.
struct ItchAddOrder {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'A';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef order_ref = 0;
    char side = 'B';
    Shares shares = 0;
    Stock stock;
    Price price = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("order_ref", order_ref);
        f("side", side);
        f("shares", shares);
        f("stock", stock);
        f("price", price);
    }
    friend bool operator==(const ItchAddOrder&, const ItchAddOrder&) = default;
};

// Add Order with MPID attribution (F), section 4.3.2: orders entered with an attributable
// display type (OUCH Display 'A' or 'L').
struct ItchAddOrderMpid {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'F';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef order_ref = 0;
    char side = 'B';
    Shares shares = 0;
    Stock stock;
    Price price = 0;
    Firm attribution;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("order_ref", order_ref);
        f("side", side);
        f("shares", shares);
        f("stock", stock);
        f("price", price);
        f("attribution", attribution);
    }
    friend bool operator==(const ItchAddOrderMpid&, const ItchAddOrderMpid&) = default;
};

// Order Executed (E), section 4.4.1: a displayed order on the book traded at its displayed price.
// An execution of all its shares removes the order; no Delete follows.
struct ItchOrderExecuted {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'E';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef order_ref = 0;
    Shares executed_shares = 0;
    MatchNumber match_number = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("order_ref", order_ref);
        f("executed_shares", executed_shares);
        f("match_number", match_number);
    }
    friend bool operator==(const ItchOrderExecuted&, const ItchOrderExecuted&) = default;
};

// Order Cancel (X), section 4.4.3: part of a displayed order canceled.
struct ItchOrderCancel {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'X';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef order_ref = 0;
    Shares canceled_shares = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("order_ref", order_ref);
        f("canceled_shares", canceled_shares);
    }
    friend bool operator==(const ItchOrderCancel&, const ItchOrderCancel&) = default;
};

// Order Delete (D), section 4.4.4: a displayed order removed from the book.
struct ItchOrderDelete {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'D';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef order_ref = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("order_ref", order_ref);
    }
    friend bool operator==(const ItchOrderDelete&, const ItchOrderDelete&) = default;
};

// Order Replace (U), section 4.4.5: the original order is gone and the new one, with a new
// reference number, stands in its place at the back of its price level.
struct ItchOrderReplace {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'U';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef original_order_ref = 0;
    OrderRef new_order_ref = 0;
    Shares shares = 0;
    Price price = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("original_order_ref", original_order_ref);
        f("new_order_ref", new_order_ref);
        f("shares", shares);
        f("price", price);
    }
    friend bool operator==(const ItchOrderReplace&, const ItchOrderReplace&) = default;
};

// Trade (non-cross) (P), section 4.6.1: an execution of a non-displayed order. ITCH 5.0 sets
// the Order Reference Number of this message to 0 (the order was never on the feed), and Side
// is the side of the non-displayed order on the book.
struct ItchTrade {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'P';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    OrderRef order_ref = 0;
    char side = 'B';
    Shares shares = 0;
    Stock stock;
    Price price = 0;
    MatchNumber match_number = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("order_ref", order_ref);
        f("side", side);
        f("shares", shares);
        f("stock", stock);
        f("price", price);
        f("match_number", match_number);
    }
    friend bool operator==(const ItchTrade&, const ItchTrade&) = default;
};

// Stock Trading Action (H), section 4.2.3: 'H' halted, 'T' trading.
struct ItchTradingAction {
    static constexpr EventSource kSource = EventSource::kItch;
    static constexpr char kType = 'H';
    std::int64_t timestamp_ns = 0;
    StockLocate locate = 0;
    Stock stock;
    char trading_state = 'T';
    ActionReason reason;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("locate", locate);
        f("stock", stock);
        f("trading_state", trading_state);
        f("reason", reason);
    }
    friend bool operator==(const ItchTradingAction&, const ItchTradingAction&) = default;
};

// ---- OUCH 4.2, one participant each ----

// Accepted (A), section 3.3. Shares are the order's shares as accepted.
struct OuchAccepted {
    static constexpr EventSource kSource = EventSource::kOuch;
    static constexpr char kType = 'A';
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    ouch::Side side = ouch::Side::kBuy;
    Shares shares = 0;
    Stock stock;
    Price price = 0;
    std::uint32_t time_in_force = 0;
    Firm firm;
    ouch::Display display = ouch::Display::kAnonymous;
    OrderRef order_ref = 0;
    ouch::Capacity capacity = ouch::Capacity::kAgency;
    ouch::IntermarketSweep intermarket_sweep = ouch::IntermarketSweep::kNotEligible;
    Shares minimum_quantity = 0;
    ouch::CrossType cross_type = ouch::CrossType::kNoCross;
    ouch::OrderState order_state = ouch::OrderState::kLive;
    ouch::BboWeight bbo_weight = ouch::BboWeight::kUnspecified;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("token", token);
        f("side", side);
        f("shares", shares);
        f("stock", stock);
        f("price", price);
        f("time_in_force", time_in_force);
        f("firm", firm);
        f("display", display);
        f("order_ref", order_ref);
        f("capacity", capacity);
        f("intermarket_sweep", intermarket_sweep);
        f("minimum_quantity", minimum_quantity);
        f("cross_type", cross_type);
        f("order_state", order_state);
        f("bbo_weight", bbo_weight);
    }
    friend bool operator==(const OuchAccepted&, const OuchAccepted&) = default;
};

// Replaced (U), section 3.3: the replacement order's full state and the token it replaced.
struct OuchReplaced {
    static constexpr EventSource kSource = EventSource::kOuch;
    static constexpr char kType = 'U';
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token replacement_token;
    ouch::Side side = ouch::Side::kBuy;
    Shares shares = 0;
    Stock stock;
    Price price = 0;
    std::uint32_t time_in_force = 0;
    Firm firm;
    ouch::Display display = ouch::Display::kAnonymous;
    OrderRef order_ref = 0;
    ouch::Capacity capacity = ouch::Capacity::kAgency;
    ouch::IntermarketSweep intermarket_sweep = ouch::IntermarketSweep::kNotEligible;
    Shares minimum_quantity = 0;
    ouch::CrossType cross_type = ouch::CrossType::kNoCross;
    ouch::OrderState order_state = ouch::OrderState::kLive;
    Token previous_token;
    ouch::BboWeight bbo_weight = ouch::BboWeight::kUnspecified;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("replacement_token", replacement_token);
        f("side", side);
        f("shares", shares);
        f("stock", stock);
        f("price", price);
        f("time_in_force", time_in_force);
        f("firm", firm);
        f("display", display);
        f("order_ref", order_ref);
        f("capacity", capacity);
        f("intermarket_sweep", intermarket_sweep);
        f("minimum_quantity", minimum_quantity);
        f("cross_type", cross_type);
        f("order_state", order_state);
        f("previous_token", previous_token);
        f("bbo_weight", bbo_weight);
    }
    friend bool operator==(const OuchReplaced&, const OuchReplaced&) = default;
};

// Canceled (C), section 3.3. Decrement Shares is incremental: the shares just taken off.
struct OuchCanceled {
    static constexpr EventSource kSource = EventSource::kOuch;
    static constexpr char kType = 'C';
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    Shares decrement_shares = 0;
    ouch::CancelReason reason = ouch::CancelReason::kUserRequested;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("token", token);
        f("decrement_shares", decrement_shares);
        f("reason", reason);
    }
    friend bool operator==(const OuchCanceled&, const OuchCanceled&) = default;
};

// AIQ Canceled (D), section 3.3: shares taken off by anti-internalization. Quantity Prevented
// From Trading, Execution Price and Liquidity Flag describe the execution that did not happen.
struct OuchAiqCanceled {
    static constexpr EventSource kSource = EventSource::kOuch;
    static constexpr char kType = 'D';
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    Shares decrement_shares = 0;
    ouch::CancelReason reason = ouch::kAiqCancelReason;
    Shares quantity_prevented = 0;
    Price execution_price = 0;
    ouch::LiquidityFlag liquidity_flag = ouch::LiquidityFlag::kAdded;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("token", token);
        f("decrement_shares", decrement_shares);
        f("reason", reason);
        f("quantity_prevented", quantity_prevented);
        f("execution_price", execution_price);
        f("liquidity_flag", liquidity_flag);
    }
    friend bool operator==(const OuchAiqCanceled&, const OuchAiqCanceled&) = default;
};

// Executed (E), section 3.3.
struct OuchExecuted {
    static constexpr EventSource kSource = EventSource::kOuch;
    static constexpr char kType = 'E';
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    Shares executed_shares = 0;
    Price execution_price = 0;
    ouch::LiquidityFlag liquidity_flag = ouch::LiquidityFlag::kAdded;
    MatchNumber match_number = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("token", token);
        f("executed_shares", executed_shares);
        f("execution_price", execution_price);
        f("liquidity_flag", liquidity_flag);
        f("match_number", match_number);
    }
    friend bool operator==(const OuchExecuted&, const OuchExecuted&) = default;
};

// Rejected (J), section 3.3.
struct OuchRejected {
    static constexpr EventSource kSource = EventSource::kOuch;
    static constexpr char kType = 'J';
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    ouch::RejectReason reason = ouch::RejectReason::kOther;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("token", token);
        f("reason", reason);
    }
    friend bool operator==(const OuchRejected&, const OuchRejected&) = default;
};

// Every event type in one variant, for sinks that store events (tests, the reference model).
using Event =
    std::variant<ItchAddOrder, ItchAddOrderMpid, ItchOrderExecuted, ItchOrderCancel,
                 ItchOrderDelete, ItchOrderReplace, ItchTrade, ItchTradingAction, OuchAccepted,
                 OuchReplaced, OuchCanceled, OuchAiqCanceled, OuchExecuted, OuchRejected>;

// A sink accepts every event type through on(); usually one template member or a set of
// overloads. The engine holds a reference to one sink, set at construction.
template <class S>
concept EventSink = requires(S& sink) {
    sink.on(ItchAddOrder{});
    sink.on(ItchAddOrderMpid{});
    sink.on(ItchOrderExecuted{});
    sink.on(ItchOrderCancel{});
    sink.on(ItchOrderDelete{});
    sink.on(ItchOrderReplace{});
    sink.on(ItchTrade{});
    sink.on(ItchTradingAction{});
    sink.on(OuchAccepted{});
    sink.on(OuchReplaced{});
    sink.on(OuchCanceled{});
    sink.on(OuchAiqCanceled{});
    sink.on(OuchExecuted{});
    sink.on(OuchRejected{});
};

// One line of text per event or input, "ItchAddOrder{timestamp_ns=1 locate=1 ...}", for test
// failure messages and debugging; allocates.
[[nodiscard]] std::string to_string(const Event& event);

}  // namespace tb::exchange
