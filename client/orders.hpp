#pragma once

// The client's own orders, positions and P&L, kept from the OUCH 4.2 messages the exchange
// sends (section 3.3), and order entry for strategies.
//
// Order states (OrderState):
//   kPending --Accepted--> kLive --Executed (part)--> kPartiallyFilled --Executed (rest)--> kFilled
//      |                     |                               |
//      +--Rejected--> kRejected                               +--Canceled (rest)--> kCanceled
// Canceled with shares left (a cancel down) keeps the state; Replaced moves the order to its
// replacement token with the new price and size (a rejected replace leaves it as it was);
// Order Modified and Order Priority Update change size, side or price in place. kFilled,
// kCanceled and kRejected are final: the order's slot is reused after the event was delivered.
//
// Tokens are the configured prefix followed by a decimal counter, unique for the process. With
// a login from sequence number 1 the exchange replays the account's whole day; an Accepted for
// a token we do not know (a restarted client) adopts the order, so live orders, the position
// and the P&L are rebuilt, and the counter moves past the replayed tokens of our own prefix.
//
// Positions per book: shares bought and sold, their value, the signed position, and realized
// P&L by the average-cost method (a fill that reduces the position realizes the difference
// between its price and the average cost of what it closes). Unrealized P&L marks the open
// position at a price the caller gives (the book's mid, or the last trade). Money is exact, in
// Price(4) units.
//
// Order entry goes out through an OrderOut table (one indirect call per order sent, never per
// market-data message: the owner binds it to the SoupBinTCP session once at start-up). Local
// checks before anything is sent: logged in, a free slot, a known book, 0 < shares <=
// max_order_shares, and the run's order budget.
//
// Memory: the order pool, the token table and the positions are sized at construction.
// Thread rules: one owner thread (the client's loop); strategies call it from their callbacks.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "client/book.hpp"
#include "client/flat_map.hpp"
#include "client/types.hpp"
#include "proto/ouch.hpp"

namespace tb::client {

namespace ouch = tb::proto::ouch;
using Token = proto::Alpha<14>;

enum class OrderState : std::uint8_t {
    kPending,
    kLive,
    kPartiallyFilled,
    kFilled,
    kCanceled,
    kRejected,
};

[[nodiscard]] const char* to_string(OrderState state) noexcept;
[[nodiscard]] constexpr bool is_final(OrderState state) noexcept {
    return state == OrderState::kFilled || state == OrderState::kCanceled ||
           state == OrderState::kRejected;
}

struct OrderId {
    std::uint32_t slot = 0xFFFF'FFFF;
    std::uint32_t generation = 0;
    [[nodiscard]] bool valid() const noexcept { return slot != 0xFFFF'FFFF; }
    bool operator==(const OrderId&) const noexcept = default;
};

struct OwnOrder {
    Token token{};          // the order's current token
    Token pending_token{};  // replacement in flight (all zero: none)
    BookId book = kNoBook;
    Stock stock{};
    Side side = Side::kBuy;
    ouch::Side wire_side = ouch::Side::kBuy;
    Price price = 0;
    Shares open = 0;      // shares live on the book (or asked for, while pending)
    Shares executed = 0;  // filled so far
    Shares canceled = 0;
    std::uint32_t time_in_force = ouch::kTimeInForceMarketHours;
    std::uint64_t exchange_ref = 0;  // the ITCH order reference number, once accepted
    // The reference number before the last Replaced: the feed may still show the order under
    // it (OUCH and ITCH travel separately, in either order).
    std::uint64_t previous_ref = 0;
    OrderState state = OrderState::kPending;
    bool cancel_pending = false;
    bool adopted = false;  // learned from the replayed stream, not sent by this process
    std::int64_t sent_ns = 0;
    std::uint32_t generation = 0;
    [[nodiscard]] bool replace_pending() const noexcept { return pending_token != Token{}; }
};

enum class OrderEventKind : std::uint8_t {
    kAccepted,
    kRejected,
    kExecuted,
    kCanceled,  // shares taken off (the order may live on with fewer)
    kReplaced,
    kReplaceRejected,
    kCancelRejected,
    kModified,  // Order Modified, Order Priority Update
    kBrokenTrade,
};

[[nodiscard]] const char* to_string(OrderEventKind kind) noexcept;

struct OrderEvent {
    OrderEventKind kind = OrderEventKind::kAccepted;
    OrderId id;
    const OwnOrder* order = nullptr;  // valid during the callback
    Shares shares = 0;                // executed or canceled shares
    Price price = 0;                  // execution price
    std::uint64_t match_number = 0;
    char reason = ' ';  // OUCH reject or cancel reason
};

struct Position {
    std::int64_t position = 0;  // signed shares
    std::uint64_t bought = 0;
    std::uint64_t sold = 0;
    Money buy_value = 0;
    Money sell_value = 0;
    Money open_cost = 0;  // average cost of the open position, times its size (>= 0)
    Money realized = 0;
    std::uint64_t fills = 0;
    Price last_fill_price = 0;

    [[nodiscard]] Money cash() const noexcept { return sell_value - buy_value; }
    // Unrealized P&L of the open position marked at `mark`.
    [[nodiscard]] Money unrealized(Price mark) const noexcept {
        const Money value = static_cast<Money>(mark) * (position < 0 ? -position : position);
        return position >= 0 ? value - open_cost : open_cost - value;
    }
    // Applies one fill (average-cost method).
    void fill(Side side, Shares shares, Price price) noexcept;
};

struct OrderConfig {
    std::uint32_t max_orders = 65'536;  // orders not yet final, at once
    std::string token_prefix = "TB";    // 1-6 characters
    std::string firm;                   // OUCH Firm; "" uses the account's default
    ouch::Display display = ouch::Display::kAnonymous;
    Shares max_order_shares = 1'000'000;
    std::uint64_t max_orders_sent = 0;  // Enter Orders this run may send; 0: no limit
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_order_config(const OrderConfig& config);

struct OrderCounters {
    std::uint64_t entered = 0;  // Enter Order sent
    std::uint64_t replaces_sent = 0;
    std::uint64_t cancels_sent = 0;
    std::uint64_t refused = 0;  // not sent: local check or session refused
    std::uint64_t budget_exhausted = 0;
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;
    std::uint64_t executions = 0;
    std::uint64_t executed_shares = 0;
    std::uint64_t filled = 0;            // orders completely filled
    std::uint64_t partially_filled = 0;  // orders that ended with some but not all shares filled
    std::uint64_t canceled = 0;          // orders ended by a cancel (IOC remainders included)
    std::uint64_t replaced = 0;
    std::uint64_t replace_rejected = 0;
    std::uint64_t cancel_rejected = 0;
    std::uint64_t broken_trades = 0;
    std::uint64_t adopted = 0;
    std::uint64_t unknown_tokens = 0;
    std::uint64_t malformed = 0;
    std::uint64_t pool_full = 0;
    std::uint64_t system_events = 0;

    template <class F>
    void visit(F&& f) const {
        f("entered", entered);
        f("replaces_sent", replaces_sent);
        f("cancels_sent", cancels_sent);
        f("refused", refused);
        f("budget_exhausted", budget_exhausted);
        f("accepted", accepted);
        f("rejected", rejected);
        f("executions", executions);
        f("executed_shares", executed_shares);
        f("filled", filled);
        f("partially_filled", partially_filled);
        f("canceled", canceled);
        f("replaced", replaced);
        f("replace_rejected", replace_rejected);
        f("cancel_rejected", cancel_rejected);
        f("broken_trades", broken_trades);
        f("adopted", adopted);
        f("unknown_tokens", unknown_tokens);
        f("malformed", malformed);
        f("pool_full", pool_full);
        f("system_events", system_events);
    }
};

// Where orders go: bound by the owner to the order session. Each returns false when the
// message was not taken (not logged in, transmit buffer full).
struct OrderOut {
    void* context = nullptr;
    bool (*enter)(void* context, const ouch::EnterOrder& message) noexcept = nullptr;
    bool (*replace)(void* context, const ouch::ReplaceOrder& message) noexcept = nullptr;
    bool (*cancel)(void* context, const ouch::CancelOrder& message) noexcept = nullptr;
};

// The strategy's view of the client: books, own orders, positions, and order entry.
class OrderManager {
public:
    // Sizes the pool and tables (throws tb::core::ConfigError). `books` must outlive it.
    OrderManager(const OrderConfig& config, BookBuilder& books);
    OrderManager(const OrderManager&) = delete;
    OrderManager& operator=(const OrderManager&) = delete;

    void bind(const OrderOut& out) noexcept { out_ = out; }
    void set_now(std::int64_t now_ns) noexcept { now_ns_ = now_ns; }

    // ---- order entry (strategies) ----
    // Enter Order; an invalid id if refused (counted).
    [[nodiscard]] OrderId enter(BookId book, Side side, Shares shares, Price price,
                                std::uint32_t time_in_force) noexcept;
    // Cancel Order down to `new_size` shares (0: the whole order).
    bool cancel(OrderId id, Shares new_size = 0) noexcept;
    // Replace Order with a new size and price (the token changes; one replace at a time).
    bool replace(OrderId id, Shares shares, Price price) noexcept;

    // ---- queries ----
    // The order (nullptr when the id is stale: the order ended and its slot was reused).
    [[nodiscard]] const OwnOrder* order(OrderId id) const noexcept {
        if (!id.valid() || id.slot >= orders_.size() ||
            orders_[id.slot].generation != id.generation || !in_use_[id.slot]) {
            return nullptr;
        }
        return &orders_[id.slot];
    }
    [[nodiscard]] const OwnOrder* find(const Token& token) const noexcept {
        const std::uint32_t slot = tokens_.find(token);
        return slot == TokenMap::kMissing ? nullptr : &orders_[slot];
    }
    [[nodiscard]] const Position& position(BookId book) const noexcept { return positions_[book]; }
    [[nodiscard]] const BookBuilder& books() const noexcept { return books_; }
    [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }
    // Orders not yet final.
    [[nodiscard]] std::size_t open_orders() const noexcept { return live_; }
    [[nodiscard]] bool budget_left() const noexcept {
        return config_.max_orders_sent == 0 || counters_.entered < config_.max_orders_sent;
    }
    [[nodiscard]] const OrderCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] bool day_ended() const noexcept { return day_ended_; }
    // Every order not yet final (control side: reports).
    template <class F>
    void for_each_open(F&& f) const {
        for (std::size_t i = 0; i < orders_.size(); ++i) {
            if (in_use_[i] && !is_final(orders_[i].state)) {
                f(orders_[i]);
            }
        }
    }

    // ---- from the exchange ----
    // One OUCH outbound message (a Sequenced Data payload). Returns true and fills `event`
    // when an order changed. An order that became final stays readable (order(), event.order)
    // until the next apply(); its slot is reused only after that.
    [[nodiscard]] bool apply(std::span<const std::uint8_t> message, OrderEvent& event) noexcept;

private:
    struct Apply;

    [[nodiscard]] std::uint32_t slot_of(const Token& token) const noexcept {
        return tokens_.find(token);
    }
    [[nodiscard]] OrderId id_of(std::uint32_t slot) const noexcept {
        return OrderId{slot, orders_[slot].generation};
    }
    [[nodiscard]] std::uint32_t allocate() noexcept;
    void release(std::uint32_t slot) noexcept;
    void retire_previous() noexcept;
    [[nodiscard]] Token next_token() noexcept;
    void note_token(const Token& token) noexcept;
    void finish(std::uint32_t slot, OrderState state) noexcept;

    bool on(const ouch::SystemEventMessage& m, OrderEvent& event) noexcept;
    bool on(const ouch::Accepted& m, OrderEvent& event) noexcept;
    bool on(const ouch::Replaced& m, OrderEvent& event) noexcept;
    bool on(const ouch::Canceled& m, OrderEvent& event) noexcept;
    bool on(const ouch::AiqCanceled& m, OrderEvent& event) noexcept;
    bool on(const ouch::Executed& m, OrderEvent& event) noexcept;
    bool on(const ouch::BrokenTrade& m, OrderEvent& event) noexcept;
    bool on(const ouch::Rejected& m, OrderEvent& event) noexcept;
    bool on(const ouch::CancelPending& m, OrderEvent& event) noexcept;
    bool on(const ouch::CancelReject& m, OrderEvent& event) noexcept;
    bool on(const ouch::OrderPriorityUpdate& m, OrderEvent& event) noexcept;
    bool on(const ouch::OrderModified& m, OrderEvent& event) noexcept;
    bool cancel_shares(const Token& token, Shares decrement, char reason,
                       OrderEvent& event) noexcept;

    OrderConfig config_;
    BookBuilder& books_;
    OrderOut out_;
    std::vector<OwnOrder> orders_;
    std::vector<bool> in_use_;
    std::vector<std::uint32_t> free_;
    TokenMap tokens_;
    std::vector<Position> positions_;
    Token prefix_{};
    std::size_t prefix_length_ = 0;
    std::uint64_t next_token_number_ = 1;
    std::uint32_t retire_ = 0xFFFF'FFFF;  // a final order to release on the next call
    std::size_t live_ = 0;
    std::int64_t now_ns_ = 0;
    bool day_ended_ = false;
    OrderCounters counters_;
};

}  // namespace tb::client
