#pragma once

// The engine's invariants, checked from the outside through its inspection interface. For tests
// and debugging: it walks every level of every book, so it costs O(levels + orders).
//
//  - the book is never crossed after matching: best bid below best offer;
//  - every level's queue is consistent (links both ways, count, share total), its occupancy bit
//    is set exactly when it has orders, and each side's cached best is the bitmap's best;
//  - every resting order is reachable from its level and from its token (the token table
//    points back at it), sits at its own price and side, has open shares, is not IOC;
//  - quantities are conserved: every share accepted onto an order (entry, or the new size of
//    a replace) has been executed, canceled, or is open on a book;
//  - every order in use by the pool is on a book (no order leaks).

#include <string>

#include "exchange_sim/engine/engine.hpp"

namespace tb::exchange {

// An empty string when every invariant holds, otherwise a description of the first violation.
template <class Sink>
[[nodiscard]] std::string check_invariants(const Engine<Sink>& engine) {
    const OrderPool& pool = engine.pool();
    std::uint64_t resting = 0;
    std::uint64_t open_shares = 0;
    for (std::size_t s = 0; s < engine.symbol_count(); ++s) {
        const SymbolBook& book = engine.book(s);
        const std::string where = "symbol " + book.stock.str();
        for (const BookSide side : {BookSide::kBuy, BookSide::kSell}) {
            const PriceLevels& levels = book.side(side);
            const std::string side_name = where + (side == BookSide::kBuy ? " bids" : " asks");
            if (levels.best() != levels.scan_best()) {
                return side_name + ": cached best level differs from the bitmap's best";
            }
            for (std::uint32_t i = 0; i < levels.level_count(); ++i) {
                const Level& level = levels.level(i);
                const std::string at = side_name + " level " + std::to_string(i);
                if (levels.marked(i) != (level.count > 0)) {
                    return at + ": occupancy bit disagrees with the queue";
                }
                std::uint32_t count = 0;
                std::uint64_t shares = 0;
                OrderIndex previous = kNoOrder;
                for (OrderIndex o = level.head; o != kNoOrder; o = pool[o].next) {
                    const Order& order = pool[o];
                    if (++count > level.count) {
                        return at + ": queue longer than its count";
                    }
                    if (order.prev != previous) {
                        return at + ": broken back link";
                    }
                    if (order.level != i || order.price != book.price_of(i) || order.side != side ||
                        order.symbol != s) {
                        return at + ": order " + order.token.str() + " filed at the wrong place";
                    }
                    if (order.open == 0) {
                        return at + ": order " + order.token.str() + " rests with no shares";
                    }
                    if (order.ioc()) {
                        return at + ": IOC order " + order.token.str() + " rests";
                    }
                    if (engine.tokens().value(order.token_slot) != o) {
                        return at + ": order " + order.token.str() + " unreachable by token";
                    }
                    const Order* found = engine.find_order(order.participant, order.token);
                    if (found != &order) {
                        return at + ": token " + order.token.str() + " finds another order";
                    }
                    shares += order.open;
                    open_shares += order.open;
                    previous = o;
                }
                if (count != level.count || previous != level.tail) {
                    return at + ": count or tail wrong";
                }
                if (shares != level.shares) {
                    return at + ": share total wrong";
                }
                resting += count;
            }
        }
        if (!book.bids.empty() && !book.asks.empty() && book.bids.best() >= book.asks.best()) {
            return where + ": book crossed or locked after matching";
        }
    }
    const EngineCounters& counters = engine.counters();
    if (counters.shares_entered !=
        counters.shares_executed + counters.shares_canceled + open_shares) {
        return "shares not conserved: " + std::to_string(counters.shares_entered) + " entered, " +
               std::to_string(counters.shares_executed) + " executed, " +
               std::to_string(counters.shares_canceled) + " canceled, " +
               std::to_string(open_shares) + " open";
    }
    if (resting != pool.in_use()) {
        return "pool has " + std::to_string(pool.in_use()) + " orders in use, books hold " +
               std::to_string(resting);
    }
    return {};
}

}  // namespace tb::exchange
