#pragma once

// Nasdaq TotalView-ITCH 5.0: every message of the specification as a plain struct with its wire
// layout, a dispatching decoder and an encoder.
//
// Section numbers refer to "Nasdaq TotalView-ITCH 5.0": 3 Data Types, 4 Message Formats. All
// integers are big-endian (section 3). Every message starts with the same 11 bytes: Message Type
// (1), Stock Locate (2), Tracking Number (2) and Timestamp (6, nanoseconds since midnight).
// Prices are Price(4) (4 implied decimals) unless the specification says Price(8) (MWCB levels).
// Alpha fields are left-justified and padded on the right with spaces.
//
// Code fields that consumers branch on have an enum below; the others are plain `char`. Decoders
// never reject a code value: the specification may add values, and the raw byte is passed on.
//
// Hot path: decode() checks the length against the type, decodes with fixed-offset loads and
// calls the handler's overload for that message type, all inlined; no allocation, no virtual
// call. A handler is any object with `operator()(const M&)` for the types it wants: types it
// has no overload for are length-checked and skipped. Handlers must not throw.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "proto/status.hpp"
#include "proto/wire.hpp"

namespace tb::proto::itch {

// Buy/Sell Indicator (4.3, 4.5.1).
enum class Side : char { kBuy = 'B', kSell = 'S' };

// System Event codes (4.1).
enum class EventCode : char {
    kStartOfMessages = 'O',
    kStartOfSystemHours = 'S',
    kStartOfMarketHours = 'Q',
    kEndOfMarketHours = 'M',
    kEndOfSystemHours = 'E',
    kEndOfMessages = 'C',
};

// Trading State (4.2.2).
enum class TradingState : char {
    kHalted = 'H',
    kPaused = 'P',
    kQuotationOnly = 'Q',
    kTrading = 'T',
};

// Printable (4.4.2).
enum class Printable : char { kNonPrintable = 'N', kPrintable = 'Y' };

// Cross Type (4.5.2 and 4.6).
enum class CrossType : char {
    kOpening = 'O',
    kClosing = 'C',
    kHaltIpo = 'H',
    kIntraday = 'I',              // Cross Trade only
    kExtendedTradingClose = 'A',  // NOII only
};

// Imbalance Direction (4.6).
enum class ImbalanceDirection : char {
    kBuy = 'B',
    kSell = 'S',
    kNoImbalance = 'N',
    kInsufficientOrders = 'O',
    kPaused = 'P',  // the imbalance calculation is paused
};

// The 11-byte header shared by every message (section 4).
inline constexpr std::size_t kHeaderSize = 11;

template <class M>
[[nodiscard]] constexpr auto header_fields() noexcept {
    return std::tuple{unsigned_field("stock_locate", &M::stock_locate),
                      unsigned_field("tracking_number", &M::tracking_number),
                      timestamp_field<6>("timestamp", &M::timestamp_ns)};
}

// 4.1 System Event Message.
struct SystemEvent {
    static constexpr char kType = 'S';
    static constexpr std::string_view kName = "System Event";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    EventCode event_code = EventCode::kStartOfMessages;

    static constexpr auto fields() noexcept {
        return std::tuple_cat(header_fields<SystemEvent>(),
                              std::tuple{code_field("event_code", &SystemEvent::event_code)});
    }
    bool operator==(const SystemEvent&) const noexcept = default;
};

// 4.2.1 Stock Directory.
struct StockDirectory {
    static constexpr char kType = 'R';
    static constexpr std::string_view kName = "Stock Directory";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    char market_category = ' ';
    char financial_status_indicator = ' ';
    std::uint32_t round_lot_size = 0;
    char round_lots_only = 'N';
    char issue_classification = ' ';
    Alpha<2> issue_sub_type{};
    char authenticity = 'P';
    char short_sale_threshold_indicator = ' ';
    char ipo_flag = ' ';
    char luld_reference_price_tier = ' ';
    char etp_flag = ' ';
    std::uint32_t etp_leverage_factor = 0;
    char inverse_indicator = 'N';

    static constexpr auto fields() noexcept {
        using M = StockDirectory;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{
                alpha_field("stock", &M::stock), code_field("market_category", &M::market_category),
                code_field("financial_status_indicator", &M::financial_status_indicator),
                unsigned_field("round_lot_size", &M::round_lot_size),
                code_field("round_lots_only", &M::round_lots_only),
                code_field("issue_classification", &M::issue_classification),
                alpha_field("issue_sub_type", &M::issue_sub_type),
                code_field("authenticity", &M::authenticity),
                code_field("short_sale_threshold_indicator", &M::short_sale_threshold_indicator),
                code_field("ipo_flag", &M::ipo_flag),
                code_field("luld_reference_price_tier", &M::luld_reference_price_tier),
                code_field("etp_flag", &M::etp_flag),
                unsigned_field("etp_leverage_factor", &M::etp_leverage_factor),
                code_field("inverse_indicator", &M::inverse_indicator)});
    }
    bool operator==(const StockDirectory&) const noexcept = default;
};

// 4.2.2 Stock Trading Action.
struct StockTradingAction {
    static constexpr char kType = 'H';
    static constexpr std::string_view kName = "Stock Trading Action";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    TradingState trading_state = TradingState::kTrading;
    char reserved = ' ';
    Alpha<4> reason{};

    static constexpr auto fields() noexcept {
        using M = StockTradingAction;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{alpha_field("stock", &M::stock),
                       code_field("trading_state", &M::trading_state),
                       code_field("reserved", &M::reserved), alpha_field("reason", &M::reason)});
    }
    bool operator==(const StockTradingAction&) const noexcept = default;
};

// 4.2.3 Reg SHO Short Sale Price Test Restricted Indicator.
struct RegShoRestriction {
    static constexpr char kType = 'Y';
    static constexpr std::string_view kName = "Reg SHO Short Sale Price Test Restricted Indicator";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    char reg_sho_action = '0';  // '0' no test, '1' test in effect (intra-day drop), '2' remains

    static constexpr auto fields() noexcept {
        using M = RegShoRestriction;
        return std::tuple_cat(header_fields<M>(),
                              std::tuple{alpha_field("stock", &M::stock),
                                         code_field("reg_sho_action", &M::reg_sho_action)});
    }
    bool operator==(const RegShoRestriction&) const noexcept = default;
};

// 4.2.4 Market Participant Position.
struct MarketParticipantPosition {
    static constexpr char kType = 'L';
    static constexpr std::string_view kName = "Market Participant Position";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<4> mpid{};
    Alpha<8> stock{};
    char primary_market_maker = 'N';
    char market_maker_mode = 'N';
    char market_participant_state = 'A';

    static constexpr auto fields() noexcept {
        using M = MarketParticipantPosition;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{alpha_field("mpid", &M::mpid), alpha_field("stock", &M::stock),
                       code_field("primary_market_maker", &M::primary_market_maker),
                       code_field("market_maker_mode", &M::market_maker_mode),
                       code_field("market_participant_state", &M::market_participant_state)});
    }
    bool operator==(const MarketParticipantPosition&) const noexcept = default;
};

// 4.2.5.1 MWCB Decline Level. The three levels are Price(8).
struct MwcbDeclineLevel {
    static constexpr char kType = 'V';
    static constexpr std::string_view kName = "MWCB Decline Level";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t level_1 = 0;
    std::uint64_t level_2 = 0;
    std::uint64_t level_3 = 0;

    static constexpr auto fields() noexcept {
        using M = MwcbDeclineLevel;
        return std::tuple_cat(header_fields<M>(), std::tuple{price8_field("level_1", &M::level_1),
                                                             price8_field("level_2", &M::level_2),
                                                             price8_field("level_3", &M::level_3)});
    }
    bool operator==(const MwcbDeclineLevel&) const noexcept = default;
};

// 4.2.5.2 MWCB Status.
struct MwcbStatus {
    static constexpr char kType = 'W';
    static constexpr std::string_view kName = "MWCB Status";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    char breached_level = '1';  // '1', '2' or '3'

    static constexpr auto fields() noexcept {
        using M = MwcbStatus;
        return std::tuple_cat(header_fields<M>(),
                              std::tuple{code_field("breached_level", &M::breached_level)});
    }
    bool operator==(const MwcbStatus&) const noexcept = default;
};

// 4.2.6 IPO Quoting Period Update.
struct IpoQuotingPeriodUpdate {
    static constexpr char kType = 'K';
    static constexpr std::string_view kName = "IPO Quoting Period Update";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    std::uint32_t ipo_quotation_release_time = 0;  // seconds since midnight
    char ipo_quotation_release_qualifier = 'A';    // 'A' anticipated, 'C' canceled/postponed
    std::uint32_t ipo_price = 0;                   // Price(4)

    static constexpr auto fields() noexcept {
        using M = IpoQuotingPeriodUpdate;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{
                alpha_field("stock", &M::stock),
                unsigned_field("ipo_quotation_release_time", &M::ipo_quotation_release_time),
                code_field("ipo_quotation_release_qualifier", &M::ipo_quotation_release_qualifier),
                price4_field("ipo_price", &M::ipo_price)});
    }
    bool operator==(const IpoQuotingPeriodUpdate&) const noexcept = default;
};

// 4.2.7 Limit Up - Limit Down (LULD) Auction Collar.
struct LuldAuctionCollar {
    static constexpr char kType = 'J';
    static constexpr std::string_view kName = "LULD Auction Collar";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    std::uint32_t auction_collar_reference_price = 0;  // Price(4)
    std::uint32_t upper_auction_collar_price = 0;      // Price(4)
    std::uint32_t lower_auction_collar_price = 0;      // Price(4)
    std::uint32_t auction_collar_extension = 0;

    static constexpr auto fields() noexcept {
        using M = LuldAuctionCollar;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{
                alpha_field("stock", &M::stock),
                price4_field("auction_collar_reference_price", &M::auction_collar_reference_price),
                price4_field("upper_auction_collar_price", &M::upper_auction_collar_price),
                price4_field("lower_auction_collar_price", &M::lower_auction_collar_price),
                unsigned_field("auction_collar_extension", &M::auction_collar_extension)});
    }
    bool operator==(const LuldAuctionCollar&) const noexcept = default;
};

// 4.2.8 Operational Halt.
struct OperationalHalt {
    static constexpr char kType = 'h';
    static constexpr std::string_view kName = "Operational Halt";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    char market_code = 'Q';              // 'Q' Nasdaq, 'B' BX, 'X' PSX
    char operational_halt_action = 'H';  // 'H' halted, 'T' resumed

    static constexpr auto fields() noexcept {
        using M = OperationalHalt;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{alpha_field("stock", &M::stock), code_field("market_code", &M::market_code),
                       code_field("operational_halt_action", &M::operational_halt_action)});
    }
    bool operator==(const OperationalHalt&) const noexcept = default;
};

// 4.3.1 Add Order - No MPID Attribution.
struct AddOrder {
    static constexpr char kType = 'A';
    static constexpr std::string_view kName = "Add Order";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;
    Side side = Side::kBuy;
    std::uint32_t shares = 0;
    Alpha<8> stock{};
    std::uint32_t price = 0;  // Price(4)

    static constexpr auto fields() noexcept {
        using M = AddOrder;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number),
                       code_field("buy_sell_indicator", &M::side),
                       unsigned_field("shares", &M::shares), alpha_field("stock", &M::stock),
                       price4_field("price", &M::price)});
    }
    bool operator==(const AddOrder&) const noexcept = default;
};

// 4.3.2 Add Order with MPID Attribution.
struct AddOrderMpid {
    static constexpr char kType = 'F';
    static constexpr std::string_view kName = "Add Order with MPID Attribution";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;
    Side side = Side::kBuy;
    std::uint32_t shares = 0;
    Alpha<8> stock{};
    std::uint32_t price = 0;  // Price(4)
    Alpha<4> attribution{};   // the MPID

    static constexpr auto fields() noexcept {
        using M = AddOrderMpid;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number),
                       code_field("buy_sell_indicator", &M::side),
                       unsigned_field("shares", &M::shares), alpha_field("stock", &M::stock),
                       price4_field("price", &M::price),
                       alpha_field("attribution", &M::attribution)});
    }
    bool operator==(const AddOrderMpid&) const noexcept = default;
};

// 4.4.1 Order Executed.
struct OrderExecuted {
    static constexpr char kType = 'E';
    static constexpr std::string_view kName = "Order Executed";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;
    std::uint32_t executed_shares = 0;
    std::uint64_t match_number = 0;

    static constexpr auto fields() noexcept {
        using M = OrderExecuted;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number),
                       unsigned_field("executed_shares", &M::executed_shares),
                       unsigned_field("match_number", &M::match_number)});
    }
    bool operator==(const OrderExecuted&) const noexcept = default;
};

// 4.4.2 Order Executed With Price.
struct OrderExecutedWithPrice {
    static constexpr char kType = 'C';
    static constexpr std::string_view kName = "Order Executed With Price";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;
    std::uint32_t executed_shares = 0;
    std::uint64_t match_number = 0;
    Printable printable = Printable::kPrintable;
    std::uint32_t execution_price = 0;  // Price(4)

    static constexpr auto fields() noexcept {
        using M = OrderExecutedWithPrice;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number),
                       unsigned_field("executed_shares", &M::executed_shares),
                       unsigned_field("match_number", &M::match_number),
                       code_field("printable", &M::printable),
                       price4_field("execution_price", &M::execution_price)});
    }
    bool operator==(const OrderExecutedWithPrice&) const noexcept = default;
};

// 4.4.3 Order Cancel (a partial cancel; the order stays on the book).
struct OrderCancel {
    static constexpr char kType = 'X';
    static constexpr std::string_view kName = "Order Cancel";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;
    std::uint32_t cancelled_shares = 0;

    static constexpr auto fields() noexcept {
        using M = OrderCancel;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number),
                       unsigned_field("cancelled_shares", &M::cancelled_shares)});
    }
    bool operator==(const OrderCancel&) const noexcept = default;
};

// 4.4.4 Order Delete.
struct OrderDelete {
    static constexpr char kType = 'D';
    static constexpr std::string_view kName = "Order Delete";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;

    static constexpr auto fields() noexcept {
        using M = OrderDelete;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number)});
    }
    bool operator==(const OrderDelete&) const noexcept = default;
};

// 4.4.5 Order Replace.
struct OrderReplace {
    static constexpr char kType = 'U';
    static constexpr std::string_view kName = "Order Replace";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t original_order_reference_number = 0;
    std::uint64_t new_order_reference_number = 0;
    std::uint32_t shares = 0;
    std::uint32_t price = 0;  // Price(4)

    static constexpr auto fields() noexcept {
        using M = OrderReplace;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("original_order_reference_number",
                                      &M::original_order_reference_number),
                       unsigned_field("new_order_reference_number", &M::new_order_reference_number),
                       unsigned_field("shares", &M::shares), price4_field("price", &M::price)});
    }
    bool operator==(const OrderReplace&) const noexcept = default;
};

// 4.5.1 Trade Message (Non-Cross): an execution against a non-displayed order.
struct Trade {
    static constexpr char kType = 'P';
    static constexpr std::string_view kName = "Trade (Non-Cross)";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t order_reference_number = 0;
    Side side = Side::kBuy;
    std::uint32_t shares = 0;
    Alpha<8> stock{};
    std::uint32_t price = 0;  // Price(4)
    std::uint64_t match_number = 0;

    static constexpr auto fields() noexcept {
        using M = Trade;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("order_reference_number", &M::order_reference_number),
                       code_field("buy_sell_indicator", &M::side),
                       unsigned_field("shares", &M::shares), alpha_field("stock", &M::stock),
                       price4_field("price", &M::price),
                       unsigned_field("match_number", &M::match_number)});
    }
    bool operator==(const Trade&) const noexcept = default;
};

// 4.5.2 Cross Trade. Shares is 8 bytes here.
struct CrossTrade {
    static constexpr char kType = 'Q';
    static constexpr std::string_view kName = "Cross Trade";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t shares = 0;
    Alpha<8> stock{};
    std::uint32_t cross_price = 0;  // Price(4)
    std::uint64_t match_number = 0;
    CrossType cross_type = CrossType::kOpening;

    static constexpr auto fields() noexcept {
        using M = CrossTrade;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("shares", &M::shares), alpha_field("stock", &M::stock),
                       price4_field("cross_price", &M::cross_price),
                       unsigned_field("match_number", &M::match_number),
                       code_field("cross_type", &M::cross_type)});
    }
    bool operator==(const CrossTrade&) const noexcept = default;
};

// 4.5.3 Broken Trade / Order Execution.
struct BrokenTrade {
    static constexpr char kType = 'B';
    static constexpr std::string_view kName = "Broken Trade";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t match_number = 0;

    static constexpr auto fields() noexcept {
        using M = BrokenTrade;
        return std::tuple_cat(header_fields<M>(),
                              std::tuple{unsigned_field("match_number", &M::match_number)});
    }
    bool operator==(const BrokenTrade&) const noexcept = default;
};

// 4.6 Net Order Imbalance Indicator (NOII).
struct Noii {
    static constexpr char kType = 'I';
    static constexpr std::string_view kName = "Net Order Imbalance Indicator";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint64_t paired_shares = 0;
    std::uint64_t imbalance_shares = 0;
    ImbalanceDirection imbalance_direction = ImbalanceDirection::kNoImbalance;
    Alpha<8> stock{};
    std::uint32_t far_price = 0;                // Price(4)
    std::uint32_t near_price = 0;               // Price(4)
    std::uint32_t current_reference_price = 0;  // Price(4)
    CrossType cross_type = CrossType::kOpening;
    char price_variation_indicator = ' ';

    static constexpr auto fields() noexcept {
        using M = Noii;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{unsigned_field("paired_shares", &M::paired_shares),
                       unsigned_field("imbalance_shares", &M::imbalance_shares),
                       code_field("imbalance_direction", &M::imbalance_direction),
                       alpha_field("stock", &M::stock), price4_field("far_price", &M::far_price),
                       price4_field("near_price", &M::near_price),
                       price4_field("current_reference_price", &M::current_reference_price),
                       code_field("cross_type", &M::cross_type),
                       code_field("price_variation_indicator", &M::price_variation_indicator)});
    }
    bool operator==(const Noii&) const noexcept = default;
};

// 4.7 Retail Price Improvement Indicator (RPII).
struct RetailPriceImprovement {
    static constexpr char kType = 'N';
    static constexpr std::string_view kName = "Retail Price Improvement Indicator";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    char interest_flag = 'N';  // 'B' buy side, 'S' sell side, 'A' both, 'N' none

    static constexpr auto fields() noexcept {
        using M = RetailPriceImprovement;
        return std::tuple_cat(header_fields<M>(),
                              std::tuple{alpha_field("stock", &M::stock),
                                         code_field("interest_flag", &M::interest_flag)});
    }
    bool operator==(const RetailPriceImprovement&) const noexcept = default;
};

// 4.8 Direct Listing with Capital Raise Price Discovery.
struct DirectListingPriceDiscovery {
    static constexpr char kType = 'O';
    static constexpr std::string_view kName = "Direct Listing with Capital Raise Price Discovery";
    std::uint16_t stock_locate = 0;
    std::uint16_t tracking_number = 0;
    std::uint64_t timestamp_ns = 0;
    Alpha<8> stock{};
    char open_eligibility_status = 'N';          // 'N' not eligible, 'Y' eligible
    std::uint32_t minimum_allowable_price = 0;   // Price(4)
    std::uint32_t maximum_allowable_price = 0;   // Price(4)
    std::uint32_t near_execution_price = 0;      // Price(4)
    std::uint64_t near_execution_time_ns = 0;    // nanoseconds since midnight, 8 bytes
    std::uint32_t lower_price_range_collar = 0;  // Price(4)
    std::uint32_t upper_price_range_collar = 0;  // Price(4)

    static constexpr auto fields() noexcept {
        using M = DirectListingPriceDiscovery;
        return std::tuple_cat(
            header_fields<M>(),
            std::tuple{alpha_field("stock", &M::stock),
                       code_field("open_eligibility_status", &M::open_eligibility_status),
                       price4_field("minimum_allowable_price", &M::minimum_allowable_price),
                       price4_field("maximum_allowable_price", &M::maximum_allowable_price),
                       price4_field("near_execution_price", &M::near_execution_price),
                       timestamp_field<8>("near_execution_time", &M::near_execution_time_ns),
                       price4_field("lower_price_range_collar", &M::lower_price_range_collar),
                       price4_field("upper_price_range_collar", &M::upper_price_range_collar)});
    }
    bool operator==(const DirectListingPriceDiscovery&) const noexcept = default;
};

// Message lengths from section 4, checked against the layouts above.
static_assert(wire_size<SystemEvent>() == 12);
static_assert(wire_size<StockDirectory>() == 39);
static_assert(wire_size<StockTradingAction>() == 25);
static_assert(wire_size<RegShoRestriction>() == 20);
static_assert(wire_size<MarketParticipantPosition>() == 26);
static_assert(wire_size<MwcbDeclineLevel>() == 35);
static_assert(wire_size<MwcbStatus>() == 12);
static_assert(wire_size<IpoQuotingPeriodUpdate>() == 28);
static_assert(wire_size<LuldAuctionCollar>() == 35);
static_assert(wire_size<OperationalHalt>() == 21);
static_assert(wire_size<AddOrder>() == 36);
static_assert(wire_size<AddOrderMpid>() == 40);
static_assert(wire_size<OrderExecuted>() == 31);
static_assert(wire_size<OrderExecutedWithPrice>() == 36);
static_assert(wire_size<OrderCancel>() == 23);
static_assert(wire_size<OrderDelete>() == 19);
static_assert(wire_size<OrderReplace>() == 35);
static_assert(wire_size<Trade>() == 44);
static_assert(wire_size<CrossTrade>() == 40);
static_assert(wire_size<BrokenTrade>() == 19);
static_assert(wire_size<Noii>() == 50);
static_assert(wire_size<RetailPriceImprovement>() == 20);
static_assert(wire_size<DirectListingPriceDiscovery>() == 48);

// Every message type, in the order of section 4. Tests and tools iterate over this list.
using AllMessages =
    std::tuple<SystemEvent, StockDirectory, StockTradingAction, RegShoRestriction,
               MarketParticipantPosition, MwcbDeclineLevel, MwcbStatus, IpoQuotingPeriodUpdate,
               LuldAuctionCollar, OperationalHalt, AddOrder, AddOrderMpid, OrderExecuted,
               OrderExecutedWithPrice, OrderCancel, OrderDelete, OrderReplace, Trade, CrossTrade,
               BrokenTrade, Noii, RetailPriceImprovement, DirectListingPriceDiscovery>;

inline constexpr std::size_t kMaxMessageSize = 50;  // NOII

// The wire size of a message of type `type`, or 0 for a type section 4 does not define.
[[nodiscard]] std::size_t message_size(char type) noexcept;

// The specification's name for message type `type`, or "" for an unknown type.
[[nodiscard]] std::string_view message_name(char type) noexcept;

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

// Decodes one ITCH message (`size` bytes, starting with the type byte, as delimited by the
// MoldUDP64 message block or the ITCH file length prefix) and calls handler(const M&).
// kTruncated: shorter than its type needs (including size 0); kBadLength: longer;
// kUnknownType: not a section 4 type. The handler is only called on kOk.
template <class Handler>
[[nodiscard]] inline Status decode(const std::uint8_t* data, std::size_t size,
                                   Handler&& handler) noexcept {
    if (size == 0) {
        return Status::kTruncated;
    }
    switch (static_cast<char>(data[0])) {
        case AddOrder::kType:
            return detail::deliver<AddOrder>(data, size, handler);
        case OrderDelete::kType:
            return detail::deliver<OrderDelete>(data, size, handler);
        case OrderReplace::kType:
            return detail::deliver<OrderReplace>(data, size, handler);
        case OrderExecuted::kType:
            return detail::deliver<OrderExecuted>(data, size, handler);
        case OrderCancel::kType:
            return detail::deliver<OrderCancel>(data, size, handler);
        case AddOrderMpid::kType:
            return detail::deliver<AddOrderMpid>(data, size, handler);
        case OrderExecutedWithPrice::kType:
            return detail::deliver<OrderExecutedWithPrice>(data, size, handler);
        case Trade::kType:
            return detail::deliver<Trade>(data, size, handler);
        case CrossTrade::kType:
            return detail::deliver<CrossTrade>(data, size, handler);
        case BrokenTrade::kType:
            return detail::deliver<BrokenTrade>(data, size, handler);
        case Noii::kType:
            return detail::deliver<Noii>(data, size, handler);
        case SystemEvent::kType:
            return detail::deliver<SystemEvent>(data, size, handler);
        case StockDirectory::kType:
            return detail::deliver<StockDirectory>(data, size, handler);
        case StockTradingAction::kType:
            return detail::deliver<StockTradingAction>(data, size, handler);
        case RegShoRestriction::kType:
            return detail::deliver<RegShoRestriction>(data, size, handler);
        case MarketParticipantPosition::kType:
            return detail::deliver<MarketParticipantPosition>(data, size, handler);
        case MwcbDeclineLevel::kType:
            return detail::deliver<MwcbDeclineLevel>(data, size, handler);
        case MwcbStatus::kType:
            return detail::deliver<MwcbStatus>(data, size, handler);
        case IpoQuotingPeriodUpdate::kType:
            return detail::deliver<IpoQuotingPeriodUpdate>(data, size, handler);
        case LuldAuctionCollar::kType:
            return detail::deliver<LuldAuctionCollar>(data, size, handler);
        case OperationalHalt::kType:
            return detail::deliver<OperationalHalt>(data, size, handler);
        case RetailPriceImprovement::kType:
            return detail::deliver<RetailPriceImprovement>(data, size, handler);
        case DirectListingPriceDiscovery::kType:
            return detail::deliver<DirectListingPriceDiscovery>(data, size, handler);
        default:
            return Status::kUnknownType;
    }
}

template <class Handler>
[[nodiscard]] inline Status decode(std::span<const std::uint8_t> message,
                                   Handler&& handler) noexcept {
    return decode(message.data(), message.size(), handler);
}

// Encodes any message above into `out`; returns the bytes written, 0 if it does not fit.
template <class M>
[[nodiscard]] inline std::size_t encode(const M& message, std::span<std::uint8_t> out) noexcept {
    return proto::encode(message, out.data(), out.size());
}

}  // namespace tb::proto::itch
