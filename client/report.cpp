#include "client/report.hpp"

#include <cstdio>
#include <string>

#include "core/counters.hpp"

namespace tb::client {

Price mark_price(const BookBuilder& books, BookId book, const Position& position) noexcept {
    const std::optional<LevelView> bid = books.best(book, Side::kBuy);
    const std::optional<LevelView> ask = books.best(book, Side::kSell);
    if (bid && ask) {
        return static_cast<Price>((static_cast<std::uint64_t>(bid->price) + ask->price) / 2);
    }
    if (books.book(book).last_trade_price != 0) {
        return books.book(book).last_trade_price;
    }
    return position.last_fill_price;
}

void fill_report(ClientReport& report, const BookBuilder& books, const OrderManager& orders,
                 std::size_t max_symbols) {
    report.books = books.counters();
    report.book_count = books.book_count();
    report.live_book_orders = books.live_orders();
    report.orders = orders.counters();
    report.open_orders = orders.open_orders();
    std::vector<std::uint32_t> open_per_book(books.book_count(), 0);
    orders.for_each_open([&](const OwnOrder& o) {
        if (o.book < open_per_book.size()) {
            ++open_per_book[o.book];
        }
    });
    for (BookId id = 0; id < books.book_count(); ++id) {
        const Book& book = books.book(id);
        if (book.stale) {
            report.stale_books.emplace_back(book.stock.trimmed());
        }
        const Position& p = orders.position(id);
        const bool listed = p.fills > 0 || open_per_book[id] > 0 || !books.all_symbols() ||
                            books.book_count() <= max_symbols;
        if (!listed) {
            continue;
        }
        SymbolReport s;
        s.stock = std::string(book.stock.trimmed());
        s.position = p;
        s.mark = mark_price(books, id, p);
        s.bid = books.best(id, Side::kBuy);
        s.ask = books.best(id, Side::kSell);
        s.orders = book.orders;
        s.stale = book.stale;
        s.trading_state = static_cast<char>(book.state);
        report.realized += p.realized;
        report.unrealized += p.unrealized(s.mark);
        report.symbols.push_back(s);
    }
}

namespace {

std::string level_text(const std::optional<LevelView>& level) {
    if (!level) {
        return "-";
    }
    return std::to_string(level->shares) + "@" + format_price(level->price);
}

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + '"';
}

}  // namespace

std::string format_report(const ClientReport& r) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "client: strategy=%s transport=%s run_seconds=%.3f\n",
                  r.strategy.c_str(), r.transport.c_str(), r.run_seconds);
    out += line;
    out += "orders: open=" + std::to_string(r.open_orders) + " " + core::format_counters(r.orders) +
           "\n";
    out += "strategy: " + core::format_counters(r.strategy_counters) + "\n";
    out += "session: state=" + r.session_state +
           " next_sequence=" + std::to_string(r.next_sequence) + " " +
           core::format_counters(r.session) + "\n";
    out += "feed: session=" + r.feed_session + " complete=" + (r.feed_complete ? "yes" : "no") +
           " next_sequence=" + std::to_string(r.feed_next_sequence) + " " +
           core::format_counters(r.feed) + "\n";
    for (std::size_t l = 0; l < kFeedLines; ++l) {
        out += std::string("feed ") + to_string(static_cast<FeedLine>(l)) + ": " +
               core::format_counters(r.lines[l]) + "\n";
    }
    out += "books: count=" + std::to_string(r.book_count) +
           " live_orders=" + std::to_string(r.live_book_orders) + " " +
           core::format_counters(r.books) + "\n";
    out += "stale books: ";
    if (r.stale_books.empty()) {
        out += "none";
    }
    for (std::size_t i = 0; i < r.stale_books.size() && i < 32; ++i) {
        if (i > 0) {
            out += ' ';
        }
        out += r.stale_books[i];
    }
    if (r.stale_books.size() > 32) {
        out += " ... (" + std::to_string(r.stale_books.size()) + ")";
    }
    out += "\n";
    for (const SymbolReport& s : r.symbols) {
        std::snprintf(line, sizeof line,
                      "symbol %s: position=%lld bought=%llu sold=%llu fills=%llu cash=%s "
                      "realized=%s unrealized=%s mark=%s bid=%s ask=%s state=%c%s\n",
                      s.stock.c_str(), static_cast<long long>(s.position.position),
                      static_cast<unsigned long long>(s.position.bought),
                      static_cast<unsigned long long>(s.position.sold),
                      static_cast<unsigned long long>(s.position.fills),
                      format_price(s.position.cash()).c_str(),
                      format_price(s.position.realized).c_str(),
                      format_price(s.position.unrealized(s.mark)).c_str(),
                      format_price(s.mark).c_str(), level_text(s.bid).c_str(),
                      level_text(s.ask).c_str(), s.trading_state, s.stale ? " STALE" : "");
        out += line;
    }
    out += "pnl: realized=" + format_price(r.realized) +
           " unrealized=" + format_price(r.unrealized) +
           " total=" + format_price(r.realized + r.unrealized) + "\n";
    return out;
}

std::string report_json(const ClientReport& r) {
    std::string out = "{";
    out += "\"strategy\":" + json_string(r.strategy);
    out += ",\"transport\":" + json_string(r.transport);
    char number[64];
    std::snprintf(number, sizeof number, "%.6f", r.run_seconds);
    out += ",\"run_seconds\":" + std::string(number);
    out += ",\"orders\":" + core::counters_json(r.orders);
    out += ",\"open_orders\":" + std::to_string(r.open_orders);
    out += ",\"strategy_counters\":" + core::counters_json(r.strategy_counters);
    out += ",\"session\":{\"state\":" + json_string(r.session_state) +
           ",\"next_sequence\":" + std::to_string(r.next_sequence) +
           ",\"counters\":" + core::counters_json(r.session) + "}";
    out += ",\"feed\":{\"session\":" + json_string(r.feed_session) +
           ",\"complete\":" + (r.feed_complete ? "true" : "false") +
           ",\"next_sequence\":" + std::to_string(r.feed_next_sequence) +
           ",\"counters\":" + core::counters_json(r.feed);
    for (std::size_t l = 0; l < kFeedLines; ++l) {
        out += std::string(",\"line_") + to_string(static_cast<FeedLine>(l)) +
               "\":" + core::counters_json(r.lines[l]);
    }
    out += "}";
    out += ",\"books\":{\"count\":" + std::to_string(r.book_count) +
           ",\"live_orders\":" + std::to_string(r.live_book_orders) +
           ",\"counters\":" + core::counters_json(r.books) + ",\"stale\":[";
    for (std::size_t i = 0; i < r.stale_books.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += json_string(r.stale_books[i]);
    }
    out += "]}";
    out += ",\"symbols\":[";
    for (std::size_t i = 0; i < r.symbols.size(); ++i) {
        const SymbolReport& s = r.symbols[i];
        out += i > 0 ? "," : "";
        out += "{\"stock\":" + json_string(s.stock) +
               ",\"position\":" + std::to_string(s.position.position) +
               ",\"bought\":" + std::to_string(s.position.bought) +
               ",\"sold\":" + std::to_string(s.position.sold) +
               ",\"fills\":" + std::to_string(s.position.fills) +
               ",\"cash\":" + format_price(s.position.cash()) +
               ",\"realized\":" + format_price(s.position.realized) +
               ",\"unrealized\":" + format_price(s.position.unrealized(s.mark)) +
               ",\"mark\":" + format_price(s.mark) + ",\"stale\":" + (s.stale ? "true" : "false") +
               "}";
    }
    out += "]";
    out += ",\"pnl\":{\"realized\":" + format_price(r.realized) +
           ",\"unrealized\":" + format_price(r.unrealized) +
           ",\"total\":" + format_price(r.realized + r.unrealized) + "}";
    out += "}";
    return out;
}

}  // namespace tb::client
