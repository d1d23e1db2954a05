#pragma once

// Translation between the wire (proto/ouch.hpp, OUCH 4.2) and the matching engine's native
// inputs and events (exchange_sim/engine/inputs.hpp, events.hpp).
//
// Inbound (OUCH 4.2 section 2): Enter Order (2.1), Replace Order (2.2) and Cancel Order (2.3)
// become engine inputs stamped with the participant of the SoupBinTCP session they came in on
// and the exchange's time of day. Outbound (section 3.3): every engine OUCH event becomes the
// message of the same name, field for field. All functions are inline, allocation-free and
// noexcept: they run once per order on the hot path.

#include <cstring>

#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/engine/inputs.hpp"
#include "proto/ouch.hpp"

namespace tb::exchange {

namespace wire_ouch = tb::proto::ouch;

// The engine and proto/ each have a fixed-width alpha type (same bytes, different members).
template <std::size_t N>
[[nodiscard]] inline proto::Alpha<N> to_wire(const Alpha<N>& alpha) noexcept {
    proto::Alpha<N> out;
    std::memcpy(out.bytes.data(), alpha.chars.data(), N);
    return out;
}

template <std::size_t N>
[[nodiscard]] inline Alpha<N> from_wire(const proto::Alpha<N>& alpha) noexcept {
    Alpha<N> out;
    std::memcpy(out.chars.data(), alpha.bytes.data(), N);
    return out;
}

[[nodiscard]] inline EnterOrder to_input(const wire_ouch::EnterOrder& m, ParticipantId participant,
                                         std::int64_t timestamp_ns) noexcept {
    EnterOrder in;
    in.timestamp_ns = timestamp_ns;
    in.participant = participant;
    in.token = from_wire(m.order_token);
    in.side = m.side;
    in.shares = m.shares;
    in.stock = from_wire(m.stock);
    in.price = m.price;
    in.time_in_force = m.time_in_force;
    in.firm = from_wire(m.firm);
    in.display = m.display;
    in.capacity = m.capacity;
    in.intermarket_sweep = m.intermarket_sweep_eligibility;
    in.minimum_quantity = m.minimum_quantity;
    in.cross_type = m.cross_type;
    in.customer_type = m.customer_type;
    return in;
}

[[nodiscard]] inline ReplaceOrder to_input(const wire_ouch::ReplaceOrder& m,
                                           ParticipantId participant,
                                           std::int64_t timestamp_ns) noexcept {
    ReplaceOrder in;
    in.timestamp_ns = timestamp_ns;
    in.participant = participant;
    in.existing_token = from_wire(m.existing_order_token);
    in.replacement_token = from_wire(m.replacement_order_token);
    in.shares = m.shares;
    in.price = m.price;
    in.time_in_force = m.time_in_force;
    in.display = m.display;
    in.intermarket_sweep = m.intermarket_sweep_eligibility;
    in.minimum_quantity = m.minimum_quantity;
    return in;
}

[[nodiscard]] inline CancelOrder to_input(const wire_ouch::CancelOrder& m,
                                          ParticipantId participant,
                                          std::int64_t timestamp_ns) noexcept {
    CancelOrder in;
    in.timestamp_ns = timestamp_ns;
    in.participant = participant;
    in.token = from_wire(m.order_token);
    in.shares = m.shares;
    return in;
}

[[nodiscard]] inline std::uint64_t wire_timestamp(std::int64_t timestamp_ns) noexcept {
    return timestamp_ns < 0 ? 0 : static_cast<std::uint64_t>(timestamp_ns);
}

[[nodiscard]] inline wire_ouch::Accepted to_wire(const OuchAccepted& e) noexcept {
    wire_ouch::Accepted m;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_token = to_wire(e.token);
    m.side = e.side;
    m.shares = e.shares;
    m.stock = to_wire(e.stock);
    m.price = e.price;
    m.time_in_force = e.time_in_force;
    m.firm = to_wire(e.firm);
    m.display = e.display;
    m.order_reference_number = e.order_ref;
    m.capacity = e.capacity;
    m.intermarket_sweep_eligibility = e.intermarket_sweep;
    m.minimum_quantity = e.minimum_quantity;
    m.cross_type = e.cross_type;
    m.order_state = e.order_state;
    m.bbo_weight_indicator = e.bbo_weight;
    return m;
}

[[nodiscard]] inline wire_ouch::Replaced to_wire(const OuchReplaced& e) noexcept {
    wire_ouch::Replaced m;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.replacement_order_token = to_wire(e.replacement_token);
    m.side = e.side;
    m.shares = e.shares;
    m.stock = to_wire(e.stock);
    m.price = e.price;
    m.time_in_force = e.time_in_force;
    m.firm = to_wire(e.firm);
    m.display = e.display;
    m.order_reference_number = e.order_ref;
    m.capacity = e.capacity;
    m.intermarket_sweep_eligibility = e.intermarket_sweep;
    m.minimum_quantity = e.minimum_quantity;
    m.cross_type = e.cross_type;
    m.order_state = e.order_state;
    m.previous_order_token = to_wire(e.previous_token);
    m.bbo_weight_indicator = e.bbo_weight;
    return m;
}

[[nodiscard]] inline wire_ouch::Canceled to_wire(const OuchCanceled& e) noexcept {
    wire_ouch::Canceled m;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_token = to_wire(e.token);
    m.decrement_shares = e.decrement_shares;
    m.reason = e.reason;
    return m;
}

[[nodiscard]] inline wire_ouch::AiqCanceled to_wire(const OuchAiqCanceled& e) noexcept {
    wire_ouch::AiqCanceled m;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_token = to_wire(e.token);
    m.decrement_shares = e.decrement_shares;
    m.reason = e.reason;
    m.quantity_prevented_from_trading = e.quantity_prevented;
    m.execution_price = e.execution_price;
    m.liquidity_flag = e.liquidity_flag;
    return m;
}

[[nodiscard]] inline wire_ouch::Executed to_wire(const OuchExecuted& e) noexcept {
    wire_ouch::Executed m;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_token = to_wire(e.token);
    m.executed_shares = e.executed_shares;
    m.execution_price = e.execution_price;
    m.liquidity_flag = e.liquidity_flag;
    m.match_number = e.match_number;
    return m;
}

[[nodiscard]] inline wire_ouch::Rejected to_wire(const OuchRejected& e) noexcept {
    wire_ouch::Rejected m;
    m.timestamp_ns = wire_timestamp(e.timestamp_ns);
    m.order_token = to_wire(e.token);
    m.reason = e.reason;
    return m;
}

}  // namespace tb::exchange
