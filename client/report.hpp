#pragma once

// The end-of-run report of the client: orders, fills, positions and P&L, the feed (per line and
// arbitration, gaps and retransmissions, stale books), the session and the books, as text
// (one "section: name=value ..." line each, then one line per symbol) and as one JSON object.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/book.hpp"
#include "client/feed.hpp"
#include "client/orders.hpp"
#include "client/session.hpp"
#include "client/strategies.hpp"

namespace tb::client {

struct SymbolReport {
    std::string stock;
    Position position;
    Price mark = 0;  // mid of the best bid and offer, else the last trade, else the last fill
    std::optional<LevelView> bid;
    std::optional<LevelView> ask;
    std::uint32_t orders = 0;  // resting orders on the book
    bool stale = false;
    char trading_state = '?';
};

struct ClientReport {
    std::string strategy;
    std::string transport;
    double run_seconds = 0.0;
    std::string session_state;
    std::uint64_t next_sequence = 0;
    SessionCounters session;
    std::string feed_session;
    bool feed_complete = false;
    std::uint64_t feed_next_sequence = 0;
    FeedCounters feed;
    LineCounters lines[kFeedLines];
    BookCounters books;
    std::size_t book_count = 0;
    std::size_t live_book_orders = 0;
    OrderCounters orders;
    std::size_t open_orders = 0;
    StrategyCounters strategy_counters;
    std::vector<SymbolReport> symbols;  // books we trade in or that were asked for
    std::vector<std::string> stale_books;
    Money realized = 0;
    Money unrealized = 0;
};

// The mark price of a book (see SymbolReport::mark).
[[nodiscard]] Price mark_price(const BookBuilder& books, BookId book,
                               const Position& position) noexcept;

// Fills the book, order and position parts from the client's parts. Symbols listed: every book
// with fills or open orders, plus every configured symbol (all of them when there are at most
// `max_symbols` books).
void fill_report(ClientReport& report, const BookBuilder& books, const OrderManager& orders,
                 std::size_t max_symbols = 16);

[[nodiscard]] std::string format_report(const ClientReport& report);
[[nodiscard]] std::string report_json(const ClientReport& report);

// The whole report of a TradingClient (any strategy with a counters() member).
template <class Core>
[[nodiscard]] ClientReport make_report(const Core& core, const std::string& strategy_name,
                                       const StrategyCounters& strategy_counters) {
    ClientReport r;
    r.strategy = strategy_name;
    r.session_state = to_string(core.session().state());
    r.next_sequence = core.session().next_expected();
    r.session = core.session().counters();
    r.feed_session = std::string(core.feed().session().trimmed());
    r.feed_complete = core.feed().complete();
    r.feed_next_sequence = core.feed().next_sequence();
    r.feed = core.feed().counters();
    for (std::size_t l = 0; l < kFeedLines; ++l) {
        r.lines[l] = core.feed().line(static_cast<FeedLine>(l));
    }
    r.strategy_counters = strategy_counters;
    fill_report(r, core.books(), core.orders());
    return r;
}

}  // namespace tb::client
