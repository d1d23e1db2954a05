#include "client/book.hpp"

#include <cstdio>
#include <string>

#include "core/error.hpp"

namespace tb::client {

void validate_book_config(const BookConfig& config) {
    if (config.max_orders == 0) {
        throw core::ConfigError("books.max_orders: expected a positive count, got 0");
    }
    if (config.max_levels == 0) {
        throw core::ConfigError("books.max_levels: expected a positive count, got 0");
    }
    if (config.symbols.empty() && config.max_books == 0) {
        throw core::ConfigError("books.max_books: expected a positive count, got 0");
    }
    for (const std::string& symbol : config.symbols) {
        if (symbol.empty() || symbol.size() > 8) {
            throw core::ConfigError("symbols: expected 1-8 characters per symbol, got '" + symbol +
                                    "'");
        }
    }
}

BookBuilder::BookBuilder(const BookConfig& config)
    : all_symbols_((validate_book_config(config), config.symbols.empty())),
      max_books_(all_symbols_ ? config.max_books
                              : static_cast<std::uint32_t>(config.symbols.size())),
      by_stock_(max_books_),
      by_locate_(65'536, kNoBook),
      orders_(config.max_orders),
      order_index_(config.max_orders),
      levels_(config.max_levels),
      level_index_(config.max_levels) {
    books_.reserve(max_books_);
    free_orders_.reserve(config.max_orders);
    for (std::uint32_t i = config.max_orders; i > 0; --i) {
        free_orders_.push_back(i - 1);
    }
    free_levels_.reserve(config.max_levels);
    for (std::uint32_t i = config.max_levels; i > 0; --i) {
        free_levels_.push_back(i - 1);
    }
    for (const std::string& symbol : config.symbols) {
        if (find(symbol) != kNoBook) {
            throw core::ConfigError("symbols: '" + symbol + "' is listed twice");
        }
        (void)new_book(make_stock(symbol));
    }
}

BookId BookBuilder::new_book(const Stock& stock) noexcept {
    if (books_.size() >= max_books_) {
        ++counters_.books_full;
        return kNoBook;
    }
    const auto id = static_cast<BookId>(books_.size());
    if (!by_stock_.insert(stock_key(stock), id)) {
        ++counters_.books_full;
        return kNoBook;
    }
    books_.emplace_back();  // within the capacity reserved at construction
    books_.back().stock = stock;
    return id;
}

BookId BookBuilder::find_or_create(const Stock& stock) noexcept {
    const BookId id = find(stock);
    if (id != kNoBook || !all_symbols_) {
        return id;
    }
    return new_book(stock);
}

BookUpdate BookBuilder::apply(const itch::OrderExecutedWithPrice& m) noexcept {
    // ITCH 5.0 section 4.4.2: a non-printable execution is counted in the book but not as a
    // print (it was already reported, e.g. as part of a cross).
    return reduce(UpdateKind::kExecute, m.stock_locate, m.order_reference_number, m.executed_shares,
                  m.execution_price, m.match_number, m.printable == itch::Printable::kPrintable,
                  m.timestamp_ns);
}

BookUpdate BookBuilder::apply(const itch::OrderReplace& m) noexcept {
    ++counters_.messages;
    BookUpdate update;
    const BookId located = by_locate_[m.stock_locate];
    if (located == kNoBook && !all_symbols_) {
        ++counters_.filtered;
        return update;
    }
    const std::uint32_t slot = order_index_.find(m.original_order_reference_number);
    if (slot == OrderRefMap::kMissing) {
        ++counters_.unknown_refs;
        return update;
    }
    if (order_index_.find(m.new_order_reference_number) != OrderRefMap::kMissing) {
        ++counters_.duplicate_refs;
        return update;
    }
    const Level& old_level = levels_[orders_[slot].level];
    const BookId id = old_level.book;
    const Side side = old_level.side;
    if (id != located) {
        ++counters_.locate_mismatch;
    }
    const bool was_top = books_[id].best[index_of(side)] == orders_[slot].level;
    remove_order(slot);
    ++books_[id].updates;
    ++counters_.applied;
    bool top = false;
    if (m.shares == 0) {
        ++counters_.zero_shares;
    }
    if (m.shares == 0 ||
        !insert_order(id, side, m.price, m.new_order_reference_number, m.shares, top)) {
        // The original left the book; the replacement could not be stored (counted).
        update.kind = UpdateKind::kDelete;
        update.book = id;
        update.side = side;
        update.top = was_top;
        update.ref = m.original_order_reference_number;
        update.timestamp_ns = m.timestamp_ns;
        return update;
    }
    ++counters_.replaces;
    update.kind = UpdateKind::kReplace;
    update.book = id;
    update.side = side;
    update.price = m.price;
    update.shares = m.shares;
    update.top = top || was_top;
    update.ref = m.new_order_reference_number;
    update.timestamp_ns = m.timestamp_ns;
    return update;
}

BookUpdate BookBuilder::apply(const itch::Trade& m) noexcept {
    ++counters_.messages;
    BookUpdate update;
    const BookId id = by_locate_[m.stock_locate];
    if (id == kNoBook) {
        ++counters_.filtered;
        return update;
    }
    ++counters_.trades;
    Book& book = books_[id];
    book.last_trade_price = m.price;
    book.traded_shares += m.shares;
    ++book.trades;
    update.kind = UpdateKind::kTrade;
    update.book = id;
    // The side of the non-displayed resting order that traded (ITCH 5.0 section 4.5.1).
    update.side = side_of(m.side);
    update.price = m.price;
    update.shares = m.shares;
    update.match_number = m.match_number;
    update.timestamp_ns = m.timestamp_ns;
    return update;
}

BookUpdate BookBuilder::apply(const itch::CrossTrade& m) noexcept {
    ++counters_.messages;
    BookUpdate update;
    const BookId id = by_locate_[m.stock_locate];
    if (id == kNoBook) {
        ++counters_.filtered;
        return update;
    }
    ++counters_.trades;
    Book& book = books_[id];
    book.last_trade_price = m.cross_price;
    book.traded_shares += m.shares;
    ++book.trades;
    update.kind = UpdateKind::kTrade;
    update.book = id;
    update.price = m.cross_price;
    update.shares = m.shares > 0xFFFF'FFFFULL ? 0xFFFF'FFFFU : static_cast<Shares>(m.shares);
    update.match_number = m.match_number;
    update.timestamp_ns = m.timestamp_ns;
    return update;
}

BookUpdate BookBuilder::apply(const itch::StockDirectory& m) noexcept {
    ++counters_.messages;
    ++counters_.directory;
    BookUpdate update;
    const BookId id = find_or_create(m.stock);
    if (id == kNoBook) {
        ++counters_.filtered;
        return update;
    }
    Book& book = books_[id];
    if (book.locate != 0 && book.locate != m.stock_locate && by_locate_[book.locate] == id) {
        by_locate_[book.locate] = kNoBook;  // the symbol moved to another locate code
    }
    book.locate = m.stock_locate;
    by_locate_[m.stock_locate] = id;
    update.kind = UpdateKind::kDirectory;
    update.book = id;
    update.timestamp_ns = m.timestamp_ns;
    return update;
}

BookUpdate BookBuilder::apply(const itch::StockTradingAction& m) noexcept {
    ++counters_.messages;
    ++counters_.trading_actions;
    BookUpdate update;
    BookId id = by_locate_[m.stock_locate];
    if (id == kNoBook) {
        id = find(m.stock);  // the message names the stock too
    }
    if (id == kNoBook) {
        ++counters_.filtered;
        return update;
    }
    books_[id].state = static_cast<TradingState>(static_cast<char>(m.trading_state));
    update.kind = UpdateKind::kTradingAction;
    update.book = id;
    update.timestamp_ns = m.timestamp_ns;
    return update;
}

BookUpdate BookBuilder::apply(const itch::SystemEvent& m) noexcept {
    ++counters_.messages;
    ++counters_.system_events;
    system_event_ = static_cast<char>(m.event_code);
    return BookUpdate{};
}

void BookBuilder::clear() noexcept {
    ++counters_.clears;
    order_index_.clear();
    level_index_.clear();
    free_orders_.clear();
    for (std::uint32_t i = static_cast<std::uint32_t>(orders_.size()); i > 0; --i) {
        free_orders_.push_back(i - 1);
    }
    free_levels_.clear();
    for (std::uint32_t i = static_cast<std::uint32_t>(levels_.size()); i > 0; --i) {
        free_levels_.push_back(i - 1);
    }
    for (BookId& id : by_locate_) {
        id = kNoBook;
    }
    for (Book& book : books_) {
        const Stock stock = book.stock;
        book = Book{};
        book.stock = stock;
    }
    system_event_ = ' ';
}

void BookBuilder::mark_all_stale() noexcept {
    for (Book& book : books_) {
        book.stale = true;
    }
}

std::string BookBuilder::check_invariants(bool allow_crossed) const {
    char text[200];
    std::size_t orders_seen = 0;
    std::size_t levels_seen = 0;
    for (BookId id = 0; id < books_.size(); ++id) {
        const Book& book = books_[id];
        std::uint32_t book_orders = 0;
        for (const Side side : {Side::kBuy, Side::kSell}) {
            const unsigned s = index_of(side);
            std::uint32_t count = 0;
            std::uint32_t previous = kNone;
            for (std::uint32_t l = book.best[s]; l != kNone; l = levels_[l].worse) {
                const Level& level = levels_[l];
                if (++count > levels_.size()) {
                    return "a level list has a cycle";
                }
                if (level.book != id || level.side != side || level.better != previous) {
                    std::snprintf(text, sizeof text, "book %u side %u: level %u is misfiled", id, s,
                                  l);
                    return text;
                }
                if (previous != kNone && !better(side, levels_[previous].price, level.price)) {
                    std::snprintf(text, sizeof text, "book %u side %u: levels out of price order",
                                  id, s);
                    return text;
                }
                if (level_index_.find(level_key(id, side, level.price)) != l) {
                    return "a level is missing from the level table";
                }
                std::uint64_t shares = 0;
                std::uint32_t orders = 0;
                std::uint32_t prev_order = kNone;
                for (std::uint32_t o = level.head; o != kNone; o = orders_[o].next) {
                    const BookOrder& order = orders_[o];
                    if (++orders > orders_.size()) {
                        return "an order list has a cycle";
                    }
                    if (order.level != l || order.prev != prev_order || order.shares == 0) {
                        std::snprintf(text, sizeof text, "order %llu is misfiled",
                                      static_cast<unsigned long long>(order.ref));
                        return text;
                    }
                    if (order_index_.find(order.ref) != o) {
                        return "an order is missing from the order table";
                    }
                    shares += order.shares;
                    prev_order = o;
                }
                if (prev_order != level.tail || orders != level.orders || shares != level.shares ||
                    orders == 0) {
                    std::snprintf(text, sizeof text,
                                  "book %u side %u price %u: level totals do not match its orders",
                                  id, s, level.price);
                    return text;
                }
                book_orders += orders;
                previous = l;
            }
            if (previous != book.worst[s] || count != book.levels[s]) {
                std::snprintf(text, sizeof text, "book %u side %u: level count or end is wrong", id,
                              s);
                return text;
            }
            levels_seen += count;
        }
        if (book_orders != book.orders) {
            std::snprintf(text, sizeof text, "book %u: order count %u, orders linked %u", id,
                          book.orders, book_orders);
            return text;
        }
        orders_seen += book_orders;
        // No crossed book: a bid at or above the best ask cannot rest on a continuous book.
        if (!allow_crossed && book.best[0] != kNone && book.best[1] != kNone &&
            levels_[book.best[0]].price >= levels_[book.best[1]].price) {
            std::snprintf(text, sizeof text, "book %u is crossed", id);
            return text;
        }
    }
    if (orders_seen != order_index_.size() || orders_seen + free_orders_.size() != orders_.size()) {
        return "the order table and pool do not match the books";
    }
    if (levels_seen != level_index_.size() || levels_seen + free_levels_.size() != levels_.size()) {
        return "the level table and pool do not match the books";
    }
    return "";
}

}  // namespace tb::client
