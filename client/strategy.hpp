#pragma once

// The strategy interface: what the client calls, and what a strategy may do.
//
// A strategy is any class with these five member functions (the Strategy concept below); derive
// from StrategyBase to get empty ones and write only what you need:
//
//     struct MyStrategy : tb::client::StrategyBase {
//         void on_book(Trader& t, const BookUpdate& u) noexcept { ... t.enter(...) ... }
//     };
//
//   on_start(trader)           once, before the first message
//   on_book(trader, update)    after every ITCH message that changed a book (add, execute,
//                              cancel, delete, replace, trading action, stock directory);
//                              update.top says whether the best level of its side was touched
//   on_trade(trader, update)   after every trade: executions of displayed orders (also seen by
//                              on_book), and Trade / Cross Trade messages
//   on_order(trader, event)    after every change of one of our orders (accepted, executed,
//                              canceled, replaced, rejected ...)
//   on_stale(trader, book)     when feed messages were lost for good: the book may be wrong
//                              and stays marked stale (Book::stale)
//
// The Trader (client/orders.hpp) is the strategy's whole view of the client: the books
// (trader.books(): best(), depth(), order by order), its own orders and positions, the time,
// and order entry (enter / cancel / replace; an order sent from a callback goes out in the same
// loop pass, before the next message is read).
//
// Binding: the client is a template on the strategy type, so these calls are direct and
// inlined into the message loop: no virtual call per market-data message (STYLE.md, "The hot
// path"). The strategy is chosen once, when the program starts (client/tools/client_main.cpp
// instantiates the client for each built-in strategy). Order entry from a strategy goes through
// one indirect call into the session per order sent, never per message.
//
// Rules for callbacks: noexcept, no allocation, bounded work; do not keep pointers from an event
// (event.order) past the callback.

#include <concepts>

#include "client/book.hpp"
#include "client/orders.hpp"

namespace tb::client {

using Trader = OrderManager;

template <class S>
concept Strategy = requires(S& s, Trader& t, const BookUpdate& u, const OrderEvent& e, BookId b) {
    { s.on_start(t) }
    noexcept;
    { s.on_book(t, u) }
    noexcept;
    { s.on_trade(t, u) }
    noexcept;
    { s.on_order(t, e) }
    noexcept;
    { s.on_stale(t, b) }
    noexcept;
};

// Empty callbacks, to derive from (static binding: the derived class's members hide these).
struct StrategyBase {
    void on_start(Trader&) noexcept {}
    void on_book(Trader&, const BookUpdate&) noexcept {}
    void on_trade(Trader&, const BookUpdate&) noexcept {}
    void on_order(Trader&, const OrderEvent&) noexcept {}
    void on_stale(Trader&, BookId) noexcept {}
};

static_assert(Strategy<StrategyBase>);

// Whether a book may be traded on: not stale, and not halted or paused.
[[nodiscard]] inline bool tradable(const Book& book) noexcept {
    return !book.stale && book.state != TradingState::kHalted &&
           book.state != TradingState::kPaused;
}

}  // namespace tb::client
