#pragma once

// Nasdaq OUCH 4.2: the inbound (client to Nasdaq) and outbound (Nasdaq to client) messages, as
// plain structs with their wire layout, dispatching decoders and encoders. The code values are in
// proto/ouch_codes.hpp.
//
// Section numbers refer to "O*U*C*H Version 4.2": 1.2 Data Types, 2 Inbound Messages, 3 Outbound
// Sequenced Messages. Integers are big-endian; Price is 4 bytes with 4 implied decimals;
// timestamps are 8 bytes, nanoseconds since midnight; alpha fields are padded on the right with
// spaces. OUCH rides in SoupBinTCP Unsequenced Data (inbound) and Sequenced Data (outbound)
// packets; the type byte alone is ambiguous ('U' and 'M' are used both ways), so the decoders are
// split by direction.
//
// A handler is any object with operator()(const M&) for the types it wants, as for ITCH.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "proto/ouch_codes.hpp"
#include "proto/status.hpp"
#include "proto/wire.hpp"

namespace tb::proto::ouch {

using Token = Alpha<14>;  // Order Token: day-unique per OUCH account (1.2)
using Stock = Alpha<8>;
using Firm = Alpha<4>;

// 2.1 Enter Order.
struct EnterOrder {
    static constexpr char kType = static_cast<char>(InboundType::kEnterOrder);
    static constexpr std::string_view kName = "Enter Order";
    Token order_token{};
    Side side = Side::kBuy;
    std::uint32_t shares = 0;
    Stock stock{};
    std::uint32_t price = 0;  // Price(4)
    std::uint32_t time_in_force = kTimeInForceMarketHours;
    Firm firm{};
    Display display = Display::kAttributable;
    Capacity capacity = Capacity::kAgency;
    IntermarketSweep intermarket_sweep_eligibility = IntermarketSweep::kNotEligible;
    std::uint32_t minimum_quantity = 0;
    CrossType cross_type = CrossType::kNoCross;
    CustomerType customer_type = CustomerType::kPortDefault;

    static constexpr auto fields() noexcept {
        using M = EnterOrder;
        return std::tuple{
            alpha_field("order_token", &M::order_token),
            code_field("buy_sell_indicator", &M::side),
            unsigned_field("shares", &M::shares),
            alpha_field("stock", &M::stock),
            price4_field("price", &M::price),
            unsigned_field("time_in_force", &M::time_in_force),
            alpha_field("firm", &M::firm),
            code_field("display", &M::display),
            code_field("capacity", &M::capacity),
            code_field("intermarket_sweep_eligibility", &M::intermarket_sweep_eligibility),
            unsigned_field("minimum_quantity", &M::minimum_quantity),
            code_field("cross_type", &M::cross_type),
            code_field("customer_type", &M::customer_type)};
    }
    bool operator==(const EnterOrder&) const noexcept = default;
};

// 2.2 Replace Order.
struct ReplaceOrder {
    static constexpr char kType = static_cast<char>(InboundType::kReplaceOrder);
    static constexpr std::string_view kName = "Replace Order";
    Token existing_order_token{};
    Token replacement_order_token{};
    std::uint32_t shares = 0;
    std::uint32_t price = 0;  // Price(4)
    std::uint32_t time_in_force = kTimeInForceMarketHours;
    Display display = Display::kAttributable;
    IntermarketSweep intermarket_sweep_eligibility = IntermarketSweep::kNotEligible;
    std::uint32_t minimum_quantity = 0;

    static constexpr auto fields() noexcept {
        using M = ReplaceOrder;
        return std::tuple{
            alpha_field("existing_order_token", &M::existing_order_token),
            alpha_field("replacement_order_token", &M::replacement_order_token),
            unsigned_field("shares", &M::shares),
            price4_field("price", &M::price),
            unsigned_field("time_in_force", &M::time_in_force),
            code_field("display", &M::display),
            code_field("intermarket_sweep_eligibility", &M::intermarket_sweep_eligibility),
            unsigned_field("minimum_quantity", &M::minimum_quantity)};
    }
    bool operator==(const ReplaceOrder&) const noexcept = default;
};

// 2.3 Cancel Order. Shares is the new intended order size (0 cancels the whole order).
struct CancelOrder {
    static constexpr char kType = static_cast<char>(InboundType::kCancelOrder);
    static constexpr std::string_view kName = "Cancel Order";
    Token order_token{};
    std::uint32_t shares = 0;

    static constexpr auto fields() noexcept {
        using M = CancelOrder;
        return std::tuple{alpha_field("order_token", &M::order_token),
                          unsigned_field("shares", &M::shares)};
    }
    bool operator==(const CancelOrder&) const noexcept = default;
};

// 2.4 Modify Order.
struct ModifyOrder {
    static constexpr char kType = static_cast<char>(InboundType::kModifyOrder);
    static constexpr std::string_view kName = "Modify Order";
    Token order_token{};
    Side side = Side::kSell;
    std::uint32_t shares = 0;

    static constexpr auto fields() noexcept {
        using M = ModifyOrder;
        return std::tuple{alpha_field("order_token", &M::order_token),
                          code_field("buy_sell_indicator", &M::side),
                          unsigned_field("shares", &M::shares)};
    }
    bool operator==(const ModifyOrder&) const noexcept = default;
};

// 3.1 System Event.
struct SystemEventMessage {
    static constexpr char kType = static_cast<char>(OutboundType::kSystemEvent);
    static constexpr std::string_view kName = "System Event";
    std::uint64_t timestamp_ns = 0;
    SystemEvent event_code = SystemEvent::kStartOfDay;

    static constexpr auto fields() noexcept {
        using M = SystemEventMessage;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          code_field("event_code", &M::event_code)};
    }
    bool operator==(const SystemEventMessage&) const noexcept = default;
};

// 3.3 Accepted: the Enter Order fields as accepted, plus the order reference number and state.
struct Accepted {
    static constexpr char kType = static_cast<char>(OutboundType::kAccepted);
    static constexpr std::string_view kName = "Accepted";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    Side side = Side::kBuy;
    std::uint32_t shares = 0;
    Stock stock{};
    std::uint32_t price = 0;  // Price(4)
    std::uint32_t time_in_force = kTimeInForceMarketHours;
    Firm firm{};
    Display display = Display::kAttributable;
    std::uint64_t order_reference_number = 0;
    Capacity capacity = Capacity::kAgency;
    IntermarketSweep intermarket_sweep_eligibility = IntermarketSweep::kNotEligible;
    std::uint32_t minimum_quantity = 0;
    CrossType cross_type = CrossType::kNoCross;
    OrderState order_state = OrderState::kLive;
    BboWeight bbo_weight_indicator = BboWeight::kUnspecified;

    static constexpr auto fields() noexcept {
        using M = Accepted;
        return std::tuple{
            timestamp_field<8>("timestamp", &M::timestamp_ns),
            alpha_field("order_token", &M::order_token),
            code_field("buy_sell_indicator", &M::side),
            unsigned_field("shares", &M::shares),
            alpha_field("stock", &M::stock),
            price4_field("price", &M::price),
            unsigned_field("time_in_force", &M::time_in_force),
            alpha_field("firm", &M::firm),
            code_field("display", &M::display),
            unsigned_field("order_reference_number", &M::order_reference_number),
            code_field("capacity", &M::capacity),
            code_field("intermarket_sweep_eligibility", &M::intermarket_sweep_eligibility),
            unsigned_field("minimum_quantity", &M::minimum_quantity),
            code_field("cross_type", &M::cross_type),
            code_field("order_state", &M::order_state),
            code_field("bbo_weight_indicator", &M::bbo_weight_indicator)};
    }
    bool operator==(const Accepted&) const noexcept = default;
};

// 3.3 Replaced.
struct Replaced {
    static constexpr char kType = static_cast<char>(OutboundType::kReplaced);
    static constexpr std::string_view kName = "Replaced";
    std::uint64_t timestamp_ns = 0;
    Token replacement_order_token{};
    Side side = Side::kBuy;
    std::uint32_t shares = 0;
    Stock stock{};
    std::uint32_t price = 0;  // Price(4)
    std::uint32_t time_in_force = kTimeInForceMarketHours;
    Firm firm{};
    Display display = Display::kAttributable;
    std::uint64_t order_reference_number = 0;
    Capacity capacity = Capacity::kAgency;
    IntermarketSweep intermarket_sweep_eligibility = IntermarketSweep::kNotEligible;
    std::uint32_t minimum_quantity = 0;
    CrossType cross_type = CrossType::kNoCross;
    OrderState order_state = OrderState::kLive;
    Token previous_order_token{};
    BboWeight bbo_weight_indicator = BboWeight::kUnspecified;

    static constexpr auto fields() noexcept {
        using M = Replaced;
        return std::tuple{
            timestamp_field<8>("timestamp", &M::timestamp_ns),
            alpha_field("replacement_order_token", &M::replacement_order_token),
            code_field("buy_sell_indicator", &M::side),
            unsigned_field("shares", &M::shares),
            alpha_field("stock", &M::stock),
            price4_field("price", &M::price),
            unsigned_field("time_in_force", &M::time_in_force),
            alpha_field("firm", &M::firm),
            code_field("display", &M::display),
            unsigned_field("order_reference_number", &M::order_reference_number),
            code_field("capacity", &M::capacity),
            code_field("intermarket_sweep_eligibility", &M::intermarket_sweep_eligibility),
            unsigned_field("minimum_quantity", &M::minimum_quantity),
            code_field("cross_type", &M::cross_type),
            code_field("order_state", &M::order_state),
            alpha_field("previous_order_token", &M::previous_order_token),
            code_field("bbo_weight_indicator", &M::bbo_weight_indicator)};
    }
    bool operator==(const Replaced&) const noexcept = default;
};

// 3.3 Canceled. Decrement Shares is incremental, not cumulative.
struct Canceled {
    static constexpr char kType = static_cast<char>(OutboundType::kCanceled);
    static constexpr std::string_view kName = "Canceled";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    std::uint32_t decrement_shares = 0;
    CancelReason reason = CancelReason::kUserRequested;

    static constexpr auto fields() noexcept {
        using M = Canceled;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token),
                          unsigned_field("decrement_shares", &M::decrement_shares),
                          code_field("reason", &M::reason)};
    }
    bool operator==(const Canceled&) const noexcept = default;
};

// 3.3 AIQ Canceled (anti-internalization: the order would have matched one of the same MPID).
struct AiqCanceled {
    static constexpr char kType = static_cast<char>(OutboundType::kAiqCanceled);
    static constexpr std::string_view kName = "AIQ Canceled";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    std::uint32_t decrement_shares = 0;
    CancelReason reason = kAiqCancelReason;
    std::uint32_t quantity_prevented_from_trading = 0;
    std::uint32_t execution_price = 0;  // Price(4), the price the trade would have had
    LiquidityFlag liquidity_flag = LiquidityFlag::kAdded;

    static constexpr auto fields() noexcept {
        using M = AiqCanceled;
        return std::tuple{
            timestamp_field<8>("timestamp", &M::timestamp_ns),
            alpha_field("order_token", &M::order_token),
            unsigned_field("decrement_shares", &M::decrement_shares),
            code_field("reason", &M::reason),
            unsigned_field("quantity_prevented_from_trading", &M::quantity_prevented_from_trading),
            price4_field("execution_price", &M::execution_price),
            code_field("liquidity_flag", &M::liquidity_flag)};
    }
    bool operator==(const AiqCanceled&) const noexcept = default;
};

// 3.3 Executed.
struct Executed {
    static constexpr char kType = static_cast<char>(OutboundType::kExecuted);
    static constexpr std::string_view kName = "Executed";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    std::uint32_t executed_shares = 0;
    std::uint32_t execution_price = 0;  // Price(4)
    LiquidityFlag liquidity_flag = LiquidityFlag::kAdded;
    std::uint64_t match_number = 0;

    static constexpr auto fields() noexcept {
        using M = Executed;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token),
                          unsigned_field("executed_shares", &M::executed_shares),
                          price4_field("execution_price", &M::execution_price),
                          code_field("liquidity_flag", &M::liquidity_flag),
                          unsigned_field("match_number", &M::match_number)};
    }
    bool operator==(const Executed&) const noexcept = default;
};

// 3.3 Broken Trade.
struct BrokenTrade {
    static constexpr char kType = static_cast<char>(OutboundType::kBrokenTrade);
    static constexpr std::string_view kName = "Broken Trade";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    std::uint64_t match_number = 0;
    BrokenTradeReason reason = BrokenTradeReason::kErroneous;

    static constexpr auto fields() noexcept {
        using M = BrokenTrade;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token),
                          unsigned_field("match_number", &M::match_number),
                          code_field("reason", &M::reason)};
    }
    bool operator==(const BrokenTrade&) const noexcept = default;
};

// 3.3 Rejected.
struct Rejected {
    static constexpr char kType = static_cast<char>(OutboundType::kRejected);
    static constexpr std::string_view kName = "Rejected";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    RejectReason reason = RejectReason::kOther;

    static constexpr auto fields() noexcept {
        using M = Rejected;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token),
                          code_field("reason", &M::reason)};
    }
    bool operator==(const Rejected&) const noexcept = default;
};

// 3.3 Cancel Pending.
struct CancelPending {
    static constexpr char kType = static_cast<char>(OutboundType::kCancelPending);
    static constexpr std::string_view kName = "Cancel Pending";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};

    static constexpr auto fields() noexcept {
        using M = CancelPending;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token)};
    }
    bool operator==(const CancelPending&) const noexcept = default;
};

// 3.3 Cancel Reject.
struct CancelReject {
    static constexpr char kType = static_cast<char>(OutboundType::kCancelReject);
    static constexpr std::string_view kName = "Cancel Reject";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};

    static constexpr auto fields() noexcept {
        using M = CancelReject;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token)};
    }
    bool operator==(const CancelReject&) const noexcept = default;
};

// 3.3 Order Priority Update.
struct OrderPriorityUpdate {
    static constexpr char kType = static_cast<char>(OutboundType::kOrderPriorityUpdate);
    static constexpr std::string_view kName = "Order Priority Update";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    std::uint32_t price = 0;  // Price(4)
    Display display = Display::kAttributable;
    std::uint64_t order_reference_number = 0;

    static constexpr auto fields() noexcept {
        using M = OrderPriorityUpdate;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token),
                          price4_field("price", &M::price), code_field("display", &M::display),
                          unsigned_field("order_reference_number", &M::order_reference_number)};
    }
    bool operator==(const OrderPriorityUpdate&) const noexcept = default;
};

// 3.3 Order Modified.
struct OrderModified {
    static constexpr char kType = static_cast<char>(OutboundType::kOrderModified);
    static constexpr std::string_view kName = "Order Modified";
    std::uint64_t timestamp_ns = 0;
    Token order_token{};
    Side side = Side::kSell;
    std::uint32_t shares = 0;

    static constexpr auto fields() noexcept {
        using M = OrderModified;
        return std::tuple{timestamp_field<8>("timestamp", &M::timestamp_ns),
                          alpha_field("order_token", &M::order_token),
                          code_field("buy_sell_indicator", &M::side),
                          unsigned_field("shares", &M::shares)};
    }
    bool operator==(const OrderModified&) const noexcept = default;
};

// Message lengths of the specification, checked against the layouts.
static_assert(wire_size<EnterOrder>() == 49);
static_assert(wire_size<ReplaceOrder>() == 47);
static_assert(wire_size<CancelOrder>() == 19);
static_assert(wire_size<ModifyOrder>() == 20);
static_assert(wire_size<SystemEventMessage>() == 10);
static_assert(wire_size<Accepted>() == 66);
static_assert(wire_size<Replaced>() == 80);
static_assert(wire_size<Canceled>() == 28);
static_assert(wire_size<AiqCanceled>() == 37);
static_assert(wire_size<Executed>() == 40);
static_assert(wire_size<BrokenTrade>() == 32);
static_assert(wire_size<Rejected>() == 24);
static_assert(wire_size<CancelPending>() == 23);
static_assert(wire_size<CancelReject>() == 23);
static_assert(wire_size<OrderPriorityUpdate>() == 36);
static_assert(wire_size<OrderModified>() == 28);

using InboundMessages = std::tuple<EnterOrder, ReplaceOrder, CancelOrder, ModifyOrder>;
using OutboundMessages =
    std::tuple<SystemEventMessage, Accepted, Replaced, Canceled, AiqCanceled, Executed, BrokenTrade,
               Rejected, CancelPending, CancelReject, OrderPriorityUpdate, OrderModified>;

enum class Direction : std::uint8_t { kInbound, kOutbound };

// Wire size of a message type in a direction, or 0 if the direction has no such type.
[[nodiscard]] std::size_t message_size(Direction direction, char type) noexcept;
[[nodiscard]] std::string_view message_name(Direction direction, char type) noexcept;

namespace detail {

template <class M, class Handler>
[[nodiscard]] inline Status deliver(const std::uint8_t* data, std::size_t size,
                                    Handler& handler) noexcept {
    if (size != wire_size<M>()) {
        return size < wire_size<M>() ? Status::kTruncated : Status::kBadLength;
    }
    if constexpr (std::is_invocable_v<Handler&, const M&>) {
        M message;
        decode_fields(data, message);
        handler(message);
    }
    return Status::kOk;
}

}  // namespace detail

// Decodes one client-to-Nasdaq message (the payload of a SoupBinTCP Unsequenced Data packet).
template <class Handler>
[[nodiscard]] inline Status decode_inbound(std::span<const std::uint8_t> message,
                                           Handler&& handler) noexcept {
    if (message.empty()) {
        return Status::kTruncated;
    }
    const std::uint8_t* data = message.data();
    const std::size_t size = message.size();
    switch (static_cast<InboundType>(data[0])) {
        case InboundType::kEnterOrder:
            return detail::deliver<EnterOrder>(data, size, handler);
        case InboundType::kReplaceOrder:
            return detail::deliver<ReplaceOrder>(data, size, handler);
        case InboundType::kCancelOrder:
            return detail::deliver<CancelOrder>(data, size, handler);
        case InboundType::kModifyOrder:
            return detail::deliver<ModifyOrder>(data, size, handler);
    }
    return Status::kUnknownType;
}

// Decodes one Nasdaq-to-client message (the payload of a SoupBinTCP Sequenced Data packet).
template <class Handler>
[[nodiscard]] inline Status decode_outbound(std::span<const std::uint8_t> message,
                                            Handler&& handler) noexcept {
    if (message.empty()) {
        return Status::kTruncated;
    }
    const std::uint8_t* data = message.data();
    const std::size_t size = message.size();
    switch (static_cast<OutboundType>(data[0])) {
        case OutboundType::kSystemEvent:
            return detail::deliver<SystemEventMessage>(data, size, handler);
        case OutboundType::kAccepted:
            return detail::deliver<Accepted>(data, size, handler);
        case OutboundType::kReplaced:
            return detail::deliver<Replaced>(data, size, handler);
        case OutboundType::kCanceled:
            return detail::deliver<Canceled>(data, size, handler);
        case OutboundType::kAiqCanceled:
            return detail::deliver<AiqCanceled>(data, size, handler);
        case OutboundType::kExecuted:
            return detail::deliver<Executed>(data, size, handler);
        case OutboundType::kBrokenTrade:
            return detail::deliver<BrokenTrade>(data, size, handler);
        case OutboundType::kRejected:
            return detail::deliver<Rejected>(data, size, handler);
        case OutboundType::kCancelPending:
            return detail::deliver<CancelPending>(data, size, handler);
        case OutboundType::kCancelReject:
            return detail::deliver<CancelReject>(data, size, handler);
        case OutboundType::kOrderPriorityUpdate:
            return detail::deliver<OrderPriorityUpdate>(data, size, handler);
        case OutboundType::kOrderModified:
            return detail::deliver<OrderModified>(data, size, handler);
    }
    return Status::kUnknownType;
}

// Encodes any message above into `out`; returns the bytes written, 0 if it does not fit.
template <class M>
[[nodiscard]] inline std::size_t encode(const M& message, std::span<std::uint8_t> out) noexcept {
    return proto::encode(message, out.data(), out.size());
}

}  // namespace tb::proto::ouch
