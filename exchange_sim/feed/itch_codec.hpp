#pragma once

// Engine ITCH events (exchange_sim/engine/events.hpp) as ITCH 5.0 wire messages (proto/itch.hpp).
// The engine already carries every field; this adds what only the feed knows: the Tracking
// Number (section 4: "Nasdaq internal tracking number", always 0 here) and the six-byte
// timestamp, nanoseconds since midnight (section 3, "Timestamp").

#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/gateway/ouch_codec.hpp"
#include "proto/itch.hpp"

namespace tb::exchange {

namespace itch = tb::proto::itch;

[[nodiscard]] inline itch::Side to_itch_side(char side) noexcept {
    return side == 'S' ? itch::Side::kSell : itch::Side::kBuy;
}

[[nodiscard]] inline itch::AddOrder to_wire(const ItchAddOrder& e) noexcept {
    itch::AddOrder m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_reference_number = e.order_ref;
    m.side = to_itch_side(e.side);
    m.shares = e.shares;
    m.stock = to_wire(e.stock);
    m.price = e.price;
    return m;
}

[[nodiscard]] inline itch::AddOrderMpid to_wire(const ItchAddOrderMpid& e) noexcept {
    itch::AddOrderMpid m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_reference_number = e.order_ref;
    m.side = to_itch_side(e.side);
    m.shares = e.shares;
    m.stock = to_wire(e.stock);
    m.price = e.price;
    m.attribution = to_wire(e.attribution);
    return m;
}

[[nodiscard]] inline itch::OrderExecuted to_wire(const ItchOrderExecuted& e) noexcept {
    itch::OrderExecuted m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_reference_number = e.order_ref;
    m.executed_shares = e.executed_shares;
    m.match_number = e.match_number;
    return m;
}

[[nodiscard]] inline itch::OrderCancel to_wire(const ItchOrderCancel& e) noexcept {
    itch::OrderCancel m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_reference_number = e.order_ref;
    m.cancelled_shares = e.canceled_shares;
    return m;
}

[[nodiscard]] inline itch::OrderDelete to_wire(const ItchOrderDelete& e) noexcept {
    itch::OrderDelete m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_reference_number = e.order_ref;
    return m;
}

[[nodiscard]] inline itch::OrderReplace to_wire(const ItchOrderReplace& e) noexcept {
    itch::OrderReplace m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.original_order_reference_number = e.original_order_ref;
    m.new_order_reference_number = e.new_order_ref;
    m.shares = e.shares;
    m.price = e.price;
    return m;
}

[[nodiscard]] inline itch::Trade to_wire(const ItchTrade& e) noexcept {
    itch::Trade m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_reference_number = e.order_ref;
    m.side = to_itch_side(e.side);
    m.shares = e.shares;
    m.stock = to_wire(e.stock);
    m.price = e.price;
    m.match_number = e.match_number;
    return m;
}

[[nodiscard]] inline itch::StockTradingAction to_wire(const ItchTradingAction& e) noexcept {
    itch::StockTradingAction m;
    m.stock_locate = e.locate;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.stock = to_wire(e.stock);
    m.trading_state = static_cast<itch::TradingState>(e.trading_state);
    m.reserved = ' ';
    m.reason = to_wire(e.reason);
    return m;
}

}  // namespace tb::exchange
