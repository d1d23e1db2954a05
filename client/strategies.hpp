#pragma once

// The reference strategies (issue 8):
//  - PingPong: answers each trigger at once with one order, the tick-to-trade probe. A trigger
//    is a trade in its symbol (ITCH E, C, P, Q), or with trigger_on_book any book change; the
//    answer is an immediate-or-cancel order at the contra side's best price, buy and sell in
//    turn after each order that filled, so the position swings back to flat. Triggers caused
//    by our own executions (matched by match number) and triggers while our last order is
//    still open are not answered (counted).
//  - Taker: an immediate-or-cancel order when the price crosses a threshold: buy at the best
//    offer when it is at or below buy_below, sell at the best bid when it is at or above
//    sell_above, within +-max_position shares. One order at a time; after an order that filled
//    nothing, it waits for the next change at the top of the book.
//  - Maker: quotes both sides, joining the market's best bid and offer (its own orders left out)
//    or edge_ticks behind them, `shares` on each side, as day orders moved with Replace Order.
//    Our own quote is recognised on the book by its order reference number (the current one,
//    or the one before the last replace while the feed catches up). A side where the market
//    has nothing (but our quote) is not quoted. At +max_position it stops bidding, at
//    -max_position it stops offering; on a stale or halted book it cancels both quotes.
//  - Quiet: no orders (feed handling and books only).
//
// Each keeps a small counters struct for the report.

#include <array>
#include <cstdint>
#include <string>

#include "client/strategy.hpp"

namespace tb::client {

struct StrategyConfig {
    std::string name = "pingpong";  // pingpong, taker, maker, quiet
    std::string symbol;             // required except for quiet
    Shares shares = 100;
    Price tick = 100;                  // $0.01
    bool trigger_on_book = false;      // pingpong: any book change triggers, not only trades
    Price buy_below = 0;               // taker; 0: never buys
    Price sell_above = 0;              // taker; 0: never sells
    std::int64_t max_position = 1000;  // taker, maker: shares either way
    std::uint32_t edge_ticks = 0;      // maker: ticks behind the market's best (0 joins it)
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_strategy_config(const StrategyConfig& config);

struct StrategyCounters {
    std::uint64_t triggers = 0;
    std::uint64_t orders = 0;
    std::uint64_t replaces = 0;
    std::uint64_t cancels = 0;
    std::uint64_t busy = 0;          // a trigger while our order was open
    std::uint64_t own_trades = 0;    // triggers that were our own executions
    std::uint64_t no_liquidity = 0;  // nothing on the contra side
    std::uint64_t not_tradable = 0;  // stale, halted or paused
    std::uint64_t refused = 0;       // the trader refused the order
    std::uint64_t limited = 0;       // position limit reached

    template <class F>
    void visit(F&& f) const {
        f("triggers", triggers);
        f("orders", orders);
        f("replaces", replaces);
        f("cancels", cancels);
        f("busy", busy);
        f("own_trades", own_trades);
        f("no_liquidity", no_liquidity);
        f("not_tradable", not_tradable);
        f("refused", refused);
        f("limited", limited);
    }
};

// Shared by the strategies: the configured symbol's book, found once it exists.
class SymbolStrategy : public StrategyBase {
public:
    explicit SymbolStrategy(const StrategyConfig& config)
        : config_(config), stock_(make_stock(config.symbol)) {}
    [[nodiscard]] const StrategyCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] BookId book() const noexcept { return book_; }

protected:
    BookId resolve(const Trader& trader) noexcept {
        if (book_ == kNoBook) {
            book_ = trader.books().find(stock_);
        }
        return book_;
    }

    StrategyConfig config_;
    Stock stock_;
    BookId book_ = kNoBook;
    StrategyCounters counters_;
};

class PingPong : public SymbolStrategy {
public:
    explicit PingPong(const StrategyConfig& config) : SymbolStrategy(config) {}

    void on_start(Trader& trader) noexcept { (void)resolve(trader); }
    void on_book(Trader& trader, const BookUpdate& update) noexcept {
        if (config_.trigger_on_book && update.kind != UpdateKind::kTrade &&
            update.kind != UpdateKind::kDirectory && update.kind != UpdateKind::kTradingAction) {
            trigger(trader, update);
        }
    }
    void on_trade(Trader& trader, const BookUpdate& update) noexcept {
        if (!config_.trigger_on_book) {
            trigger(trader, update);
        }
    }
    void on_order(Trader& trader, const OrderEvent& event) noexcept;

private:
    void trigger(Trader& trader, const BookUpdate& update) noexcept;
    [[nodiscard]] bool own(std::uint64_t match_number) const noexcept;

    OrderId in_flight_;
    Side next_side_ = Side::kBuy;
    std::array<std::uint64_t, 64> own_matches_{};
    std::size_t own_next_ = 0;
};

class Taker : public SymbolStrategy {
public:
    explicit Taker(const StrategyConfig& config) : SymbolStrategy(config) {}

    void on_start(Trader& trader) noexcept { evaluate(trader); }
    void on_book(Trader& trader, const BookUpdate& update) noexcept {
        if (update.book == resolve(trader) &&
            (update.top || update.kind == UpdateKind::kTradingAction)) {
            waiting_for_book_ = false;
            evaluate(trader);
        }
    }
    void on_order(Trader& trader, const OrderEvent& event) noexcept;

private:
    void evaluate(Trader& trader) noexcept;

    OrderId in_flight_;
    bool waiting_for_book_ = false;
};

class Maker : public SymbolStrategy {
public:
    explicit Maker(const StrategyConfig& config) : SymbolStrategy(config) {}

    void on_start(Trader& trader) noexcept { evaluate(trader); }
    void on_book(Trader& trader, const BookUpdate& update) noexcept {
        if (update.book == resolve(trader) &&
            (update.top || update.kind == UpdateKind::kTradingAction)) {
            evaluate(trader);
        }
    }
    // Quotes move with the book: an order event calls for a new quote only when a quote ended
    // or a request was refused (re-quoting on every Accepted or Replaced would chase our own
    // orders while the feed still shows them as they were).
    void on_order(Trader& trader, const OrderEvent& event) noexcept {
        if (is_final(event.order->state) || event.kind == OrderEventKind::kReplaceRejected ||
            event.kind == OrderEventKind::kCancelRejected) {
            evaluate(trader);
        }
    }
    void on_stale(Trader& trader, BookId) noexcept { evaluate(trader); }

    [[nodiscard]] OrderId quote(Side side) const noexcept { return quotes_[index_of(side)]; }

private:
    void evaluate(Trader& trader) noexcept;
    // The best price of `side` with our own quote's shares left out; 0 when none.
    [[nodiscard]] Price market_best(const Trader& trader, Side side) const noexcept;
    void manage(Trader& trader, Side side, Price price) noexcept;

    std::array<OrderId, 2> quotes_{};
};

class Quiet : public StrategyBase {
public:
    explicit Quiet(const StrategyConfig&) {}
    [[nodiscard]] const StrategyCounters& counters() const noexcept { return counters_; }

private:
    StrategyCounters counters_;
};

static_assert(Strategy<PingPong>);
static_assert(Strategy<Taker>);
static_assert(Strategy<Maker>);
static_assert(Strategy<Quiet>);

}  // namespace tb::client
