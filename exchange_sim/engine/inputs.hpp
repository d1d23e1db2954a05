#pragma once

// Engine inputs: the OUCH 4.2 inbound messages (Enter Order 2.1, Replace Order 2.2, Cancel Order
// 2.3) as the order-entry gateway hands them over, plus the exchange's own Stock Trading Action
// (halt and resume). Each carries the participant (OUCH account) it came from and the
// timestamp, in nanoseconds since midnight, that the engine stamps on every event it causes.
//
// Each struct lists its fields once in visit_fields(), from which the journal record, equality
// and the test printer are written (journal.cpp, events.cpp).

#include <cstdint>
#include <variant>

#include "exchange_sim/engine/types.hpp"
#include "proto/ouch_codes.hpp"

namespace tb::exchange {

namespace ouch = tb::proto::ouch;

// OUCH 4.2 section 2.1, Enter Order.
struct EnterOrder {
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    ouch::Side side = ouch::Side::kBuy;
    Shares shares = 0;
    Stock stock;
    Price price = 0;
    std::uint32_t time_in_force = ouch::kTimeInForceMarketHours;
    Firm firm;  // blank: the participant's default firm
    ouch::Display display = ouch::Display::kAnonymous;
    ouch::Capacity capacity = ouch::Capacity::kAgency;
    ouch::IntermarketSweep intermarket_sweep = ouch::IntermarketSweep::kNotEligible;
    Shares minimum_quantity = 0;
    ouch::CrossType cross_type = ouch::CrossType::kNoCross;
    ouch::CustomerType customer_type = ouch::CustomerType::kPortDefault;

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
        f("capacity", capacity);
        f("intermarket_sweep", intermarket_sweep);
        f("minimum_quantity", minimum_quantity);
        f("cross_type", cross_type);
        f("customer_type", customer_type);
    }
    friend bool operator==(const EnterOrder&, const EnterOrder&) = default;
};

// OUCH 4.2 section 2.2, Replace Order. Shares is the replacement's open size.
struct ReplaceOrder {
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token existing_token;
    Token replacement_token;
    Shares shares = 0;
    Price price = 0;
    std::uint32_t time_in_force = ouch::kTimeInForceMarketHours;
    ouch::Display display = ouch::Display::kAnonymous;
    ouch::IntermarketSweep intermarket_sweep = ouch::IntermarketSweep::kNotEligible;
    Shares minimum_quantity = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("existing_token", existing_token);
        f("replacement_token", replacement_token);
        f("shares", shares);
        f("price", price);
        f("time_in_force", time_in_force);
        f("display", display);
        f("intermarket_sweep", intermarket_sweep);
        f("minimum_quantity", minimum_quantity);
    }
    friend bool operator==(const ReplaceOrder&, const ReplaceOrder&) = default;
};

// OUCH 4.2 section 2.3, Cancel Order. Shares is "the new intended order size": 0 cancels the
// order, a smaller size cancels it down and keeps its priority.
struct CancelOrder {
    std::int64_t timestamp_ns = 0;
    ParticipantId participant = 0;
    Token token;
    Shares shares = 0;

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("participant", participant);
        f("token", token);
        f("shares", shares);
    }
    friend bool operator==(const CancelOrder&, const CancelOrder&) = default;
};

// A per-symbol trading halt or resumption, decided by the exchange (market operations or a
// scenario), reported on the feed as ITCH 5.0 Stock Trading Action (H).
struct TradingAction {
    std::int64_t timestamp_ns = 0;
    Stock stock;
    bool halted = false;  // ITCH trading state 'H' (halted) or 'T' (trading)
    ActionReason reason;  // ITCH reason, for example "T1  " (halt news pending)

    template <class F>
    void visit_fields(F&& f) const {
        f("timestamp_ns", timestamp_ns);
        f("stock", stock);
        f("halted", halted);
        f("reason", reason);
    }
    friend bool operator==(const TradingAction&, const TradingAction&) = default;
};

using Input = std::variant<EnterOrder, ReplaceOrder, CancelOrder, TradingAction>;

}  // namespace tb::exchange
