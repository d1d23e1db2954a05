#pragma once

// The book builder: full-depth, order-by-order books per symbol from ITCH 5.0 (Nasdaq
// TotalView-ITCH 5.0, sections 4.2 and 4.3-4.5).
//
// Every book-affecting message is applied: Add Order (A, 4.3.1) and Add Order with MPID (F,
// 4.3.2) add an order at the back of its price level; Order Executed (E, 4.4.1), Order Executed
// With Price (C, 4.4.2) and Order Cancel (X, 4.4.3) take shares off an order in place (it keeps
// its time priority), Order Delete (D, 4.4.4) removes it, and Order Replace (U, 4.4.5) removes
// it and adds the replacement at the back of its new level (ITCH: the replacement loses
// priority). Stock Directory (R, 4.2.1) maps stock locate codes to symbols, Stock Trading
// Action (H, 4.2.2) sets the book's trading state, System Event (S, 4.1) is recorded. Trade (P,
// 4.5.1) and Cross Trade (Q, 4.5.2) change no displayed book and are reported as trades.
//
// Subscription: with BookConfig::symbols set, only those symbols have books (book i is symbol
// i), and every message whose locate is not theirs is dropped after one array lookup. With no
// symbols, every symbol gets a book when its Stock Directory (or its first Add Order) arrives.
// Book ids are stable for the life of the builder; clear() (a new MoldUDP64 session) empties the
// books and forgets locate codes but keeps the ids.
//
// Memory: orders, price levels and books live in pools sized from BookConfig at construction;
// an order reference number finds its order through an open-addressing table (client/flat_map),
// a (book, side, price) key its level. Nothing is allocated after construction. Each side of a
// book is a doubly linked list of levels in price order, so the best level is O(1) and the next
// levels are a pointer walk away; a new level is linked in by walking from whichever end of the
// list is nearer in price (new levels appear near the top of the book, so walks are short).
//
// Bad input (orders for unknown references, adds for references in use, executions larger than
// the order, a full pool) never stops the builder: it is counted in BookCounters and skipped.
//
// Thread rules: one owner thread; queries are for the same thread (the strategy).

#include <array>
#include <cassert>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "client/flat_map.hpp"
#include "client/types.hpp"
#include "core/endian.hpp"
#include "proto/itch.hpp"

namespace tb::client {

namespace itch = tb::proto::itch;

inline constexpr std::uint32_t kNone = 0xFFFF'FFFF;

struct BookConfig {
    std::vector<std::string> symbols;     // empty: every symbol on the feed
    std::uint32_t max_books = 16'384;     // books when every symbol is taken (Nasdaq lists ~12k)
    std::uint32_t max_orders = 1u << 20;  // live orders, all books together
    std::uint32_t max_levels = 1u << 18;  // non-empty price levels, all books together
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_book_config(const BookConfig& config);

// ITCH 5.0 section 4.2.2 trading states, plus "not announced yet".
enum class TradingState : char {
    kUnknown = '?',
    kHalted = 'H',
    kPaused = 'P',
    kQuotationOnly = 'Q',
    kTrading = 'T',
};

// One resting order (pool slot). `level` is the slot of its price level.
struct BookOrder {
    std::uint64_t ref = 0;
    Shares shares = 0;
    std::uint32_t level = kNone;
    std::uint32_t prev = kNone;  // FIFO links within the level (time priority)
    std::uint32_t next = kNone;
};

// One non-empty price level of one side of one book (pool slot).
struct Level {
    Price price = 0;
    std::uint32_t orders = 0;
    std::uint64_t shares = 0;
    std::uint32_t head = kNone;  // oldest order
    std::uint32_t tail = kNone;
    std::uint32_t better = kNone;  // neighbouring levels of the same side
    std::uint32_t worse = kNone;
    BookId book = kNoBook;
    Side side = Side::kBuy;
};

// A price level as the strategy sees it.
struct LevelView {
    Price price = 0;
    std::uint64_t shares = 0;
    std::uint32_t orders = 0;
    bool operator==(const LevelView&) const noexcept = default;
};

struct Book {
    Stock stock{};
    std::uint16_t locate = 0;  // 0: not mapped (yet) in this session
    TradingState state = TradingState::kUnknown;
    bool stale = false;  // messages that may have touched it were lost (feed gap not filled)
    std::array<std::uint32_t, 2> best{kNone, kNone};   // level slots, bids and asks
    std::array<std::uint32_t, 2> worst{kNone, kNone};  // the far ends of the lists
    std::array<std::uint32_t, 2> levels{0, 0};
    std::uint32_t orders = 0;
    Price last_trade_price = 0;
    std::uint64_t traded_shares = 0;
    std::uint64_t trades = 0;
    std::uint64_t updates = 0;  // messages that changed this book
};

// What one ITCH message did, for the strategy. kind kNone: nothing for a strategy (filtered,
// unknown order, a message type that changes no book).
enum class UpdateKind : std::uint8_t {
    kNone,
    kAdd,
    kExecute,  // E or C: a displayed order traded (also reported as a trade)
    kCancel,
    kDelete,
    kReplace,        // the new order (the old one left the book)
    kTrade,          // P or Q: a trade that changes no displayed book
    kTradingAction,  // H
    kDirectory,      // R mapped a locate code to a book
};

struct BookUpdate {
    UpdateKind kind = UpdateKind::kNone;
    BookId book = kNoBook;
    Side side = Side::kBuy;
    Price price = 0;    // the level's price (the trade price for executions and trades)
    Shares shares = 0;  // shares added, executed, canceled, deleted; the new size on replace
    bool top = false;   // the change touched the best level of its side (before or after)
    bool printable = true;
    std::uint64_t ref = 0;           // the order reference number (new one on replace)
    std::uint64_t match_number = 0;  // executions and trades
    std::uint64_t timestamp_ns = 0;  // ITCH timestamp, ns since midnight
};

struct BookCounters {
    std::uint64_t messages = 0;  // ITCH messages handed to the builder
    std::uint64_t applied = 0;   // changed a book
    std::uint64_t filtered = 0;  // for a symbol without a book
    std::uint64_t adds = 0;
    std::uint64_t executions = 0;
    std::uint64_t cancels = 0;
    std::uint64_t deletes = 0;
    std::uint64_t replaces = 0;
    std::uint64_t trades = 0;  // P and Q
    std::uint64_t directory = 0;
    std::uint64_t trading_actions = 0;
    std::uint64_t system_events = 0;
    std::uint64_t other = 0;            // types that change no book (NOII, RPII, ...)
    std::uint64_t malformed = 0;        // decode failures (length, unknown type)
    std::uint64_t unknown_refs = 0;     // E, C, X, D, U for an order not on our books
    std::uint64_t duplicate_refs = 0;   // A, F, U with a reference number already live
    std::uint64_t oversized = 0;        // executed or canceled more than the order had
    std::uint64_t zero_shares = 0;      // adds and replaces of 0 shares (not booked)
    std::uint64_t locate_mismatch = 0;  // the message's locate is not the order's book
    std::uint64_t orders_full = 0;      // order pool or table full: the add was dropped
    std::uint64_t levels_full = 0;      // level pool full: the add was dropped
    std::uint64_t books_full = 0;       // no room for another symbol
    std::uint64_t clears = 0;

    template <class F>
    void visit(F&& f) const {
        f("messages", messages);
        f("applied", applied);
        f("filtered", filtered);
        f("adds", adds);
        f("executions", executions);
        f("cancels", cancels);
        f("deletes", deletes);
        f("replaces", replaces);
        f("trades", trades);
        f("directory", directory);
        f("trading_actions", trading_actions);
        f("system_events", system_events);
        f("other", other);
        f("malformed", malformed);
        f("unknown_refs", unknown_refs);
        f("duplicate_refs", duplicate_refs);
        f("oversized", oversized);
        f("zero_shares", zero_shares);
        f("locate_mismatch", locate_mismatch);
        f("orders_full", orders_full);
        f("levels_full", levels_full);
        f("books_full", books_full);
        f("clears", clears);
    }
};

class BookBuilder {
public:
    // Sizes every pool and table (throws tb::core::ConfigError for a bad configuration).
    explicit BookBuilder(const BookConfig& config);
    BookBuilder(const BookBuilder&) = delete;
    BookBuilder& operator=(const BookBuilder&) = delete;

    // Decodes one ITCH message (as MoldUDP64 or an ITCH file delimits it) and applies it;
    // returns what it did. A message that does not decode is counted as malformed.
    [[nodiscard]] BookUpdate apply(std::span<const std::uint8_t> message) noexcept {
        BookUpdate update;
        Apply visitor{*this, update};
        if (itch::decode(message, visitor) != proto::Status::kOk) [[unlikely]] {
            ++counters_.messages;
            ++counters_.malformed;
        }
        return update;
    }

    // Starts loading what applying `message` will touch first: the order table slot of the
    // order it names. Call it for the next message while this one is applied (the messages of a
    // MoldUDP64 packet are all known at once); it changes nothing.
    void prefetch(std::span<const std::uint8_t> message) const noexcept {
        // ITCH 5.0 section 4: the order reference number follows the 11-byte header in A, F,
        // E, C, X, D and U (the original order in U).
        if (message.size() >= 19) {
            switch (static_cast<char>(message[0])) {
                case 'A':
                case 'F':
                case 'E':
                case 'C':
                case 'X':
                case 'D':
                case 'U':
                    order_index_.prefetch(core::load_be64(message.data() + 11));
                    break;
                default:
                    break;
            }
        }
    }

    // The same for decoded messages (every overload counts the message).
    BookUpdate apply(const itch::AddOrder& m) noexcept {
        return add(m.stock_locate, m.stock, m.order_reference_number, side_of(m.side), m.shares,
                   m.price, m.timestamp_ns);
    }
    BookUpdate apply(const itch::AddOrderMpid& m) noexcept {
        return add(m.stock_locate, m.stock, m.order_reference_number, side_of(m.side), m.shares,
                   m.price, m.timestamp_ns);
    }
    BookUpdate apply(const itch::OrderExecuted& m) noexcept {
        return reduce(UpdateKind::kExecute, m.stock_locate, m.order_reference_number,
                      m.executed_shares, 0, m.match_number, true, m.timestamp_ns);
    }
    BookUpdate apply(const itch::OrderExecutedWithPrice& m) noexcept;
    BookUpdate apply(const itch::OrderCancel& m) noexcept {
        return reduce(UpdateKind::kCancel, m.stock_locate, m.order_reference_number,
                      m.cancelled_shares, 0, 0, true, m.timestamp_ns);
    }
    BookUpdate apply(const itch::OrderDelete& m) noexcept {
        return reduce(UpdateKind::kDelete, m.stock_locate, m.order_reference_number, 0, 0, 0, true,
                      m.timestamp_ns);
    }
    BookUpdate apply(const itch::OrderReplace& m) noexcept;
    BookUpdate apply(const itch::Trade& m) noexcept;
    BookUpdate apply(const itch::CrossTrade& m) noexcept;
    BookUpdate apply(const itch::StockDirectory& m) noexcept;
    BookUpdate apply(const itch::StockTradingAction& m) noexcept;
    BookUpdate apply(const itch::SystemEvent& m) noexcept;

    // Empties every book and forgets the locate codes (a new session); ids and symbols stay.
    void clear() noexcept;
    // Marks every book stale (a feed gap could not be filled: the lost messages may have been
    // about any of them). A stale book stays stale until clear().
    void mark_all_stale() noexcept;

    // ---- queries ----
    [[nodiscard]] std::size_t book_count() const noexcept { return books_.size(); }
    // The most books there can be (ids are below it).
    [[nodiscard]] std::size_t max_books() const noexcept { return max_books_; }
    [[nodiscard]] const Book& book(BookId id) const noexcept {
        assert(id < books_.size());
        return books_[id];
    }
    // The book of a symbol, or kNoBook.
    [[nodiscard]] BookId find(const Stock& stock) const noexcept {
        const std::uint32_t id = by_stock_.find(stock_key(stock));
        return id == U64Map::kMissing ? kNoBook : id;
    }
    [[nodiscard]] BookId find(std::string_view stock) const noexcept {
        return find(make_stock(stock));
    }
    // The book of a symbol, created (when every symbol is taken and there is room) if new.
    [[nodiscard]] BookId find_or_create(const Stock& stock) noexcept;
    [[nodiscard]] BookId by_locate(std::uint16_t locate) const noexcept {
        return by_locate_[locate];
    }

    // The best level of one side, if any.
    [[nodiscard]] std::optional<LevelView> best(BookId id, Side side) const noexcept {
        const std::uint32_t l = books_[id].best[index_of(side)];
        if (l == kNone) {
            return std::nullopt;
        }
        return view(levels_[l]);
    }
    // Up to out.size() levels of one side from the best; returns how many were written.
    std::size_t depth(BookId id, Side side, std::span<LevelView> out) const noexcept {
        std::size_t n = 0;
        for (std::uint32_t l = books_[id].best[index_of(side)]; l != kNone && n < out.size();
             l = levels_[l].worse) {
            out[n++] = view(levels_[l]);
        }
        return n;
    }
    // Level slots for order-by-order walks: first_level(), then level(slot).worse; orders of a
    // level from level(slot).head through order(slot).next, oldest first.
    [[nodiscard]] std::uint32_t first_level(BookId id, Side side) const noexcept {
        return books_[id].best[index_of(side)];
    }
    [[nodiscard]] const Level& level(std::uint32_t slot) const noexcept { return levels_[slot]; }
    [[nodiscard]] const BookOrder& order(std::uint32_t slot) const noexcept {
        return orders_[slot];
    }
    // The live order with this reference number, or nullptr.
    [[nodiscard]] const BookOrder* find_order(std::uint64_t ref) const noexcept {
        const std::uint32_t slot = order_index_.find(ref);
        return slot == OrderRefMap::kMissing ? nullptr : &orders_[slot];
    }
    [[nodiscard]] BookId book_of(const BookOrder& order) const noexcept {
        return levels_[order.level].book;
    }
    [[nodiscard]] Side side_of_order(const BookOrder& order) const noexcept {
        return levels_[order.level].side;
    }

    [[nodiscard]] std::size_t live_orders() const noexcept { return order_index_.size(); }
    [[nodiscard]] std::size_t live_levels() const noexcept { return level_index_.size(); }
    [[nodiscard]] const BookCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] bool all_symbols() const noexcept { return all_symbols_; }
    // The last System Event code seen (ITCH 4.1), or ' '.
    [[nodiscard]] char system_event() const noexcept { return system_event_; }

    // Checks every book against its orders (links, sums, price order, the two tables, and
    // unless allowed, that no book is crossed); returns "" when consistent, else what is wrong.
    // O(everything): tests and end-of-run checks.
    [[nodiscard]] std::string check_invariants(bool allow_crossed = false) const;

private:
    struct Apply {
        BookBuilder& builder;
        BookUpdate& update;
        template <class M>
        void operator()(const M& message) noexcept {
            if constexpr (requires(BookBuilder & b) { b.apply(message); }) {
                update = builder.apply(message);
            } else {
                ++builder.counters_.messages;
                ++builder.counters_.other;
            }
        }
    };

    [[nodiscard]] static Side side_of(itch::Side side) noexcept {
        return side == itch::Side::kSell ? Side::kSell : Side::kBuy;
    }
    [[nodiscard]] static LevelView view(const Level& level) noexcept {
        return LevelView{level.price, level.shares, level.orders};
    }
    [[nodiscard]] static std::uint64_t level_key(BookId book, Side side, Price price) noexcept {
        return (static_cast<std::uint64_t>(book + 1) << 33) |
               (static_cast<std::uint64_t>(index_of(side)) << 32) | price;
    }

    // The book for a message's locate; kNoBook when filtered. Adds may create the book (every
    // symbol taken, locate not announced by a Stock Directory).
    [[nodiscard]] BookId book_for_add(std::uint16_t locate, const Stock& stock) noexcept;
    BookUpdate add(std::uint16_t locate, const Stock& stock, std::uint64_t ref, Side side,
                   Shares shares, Price price, std::uint64_t timestamp_ns) noexcept;
    // E, C (trade_price != 0), X (shares > 0) and D (shares == 0: all).
    BookUpdate reduce(UpdateKind kind, std::uint16_t locate, std::uint64_t ref, Shares shares,
                      Price trade_price, std::uint64_t match_number, bool printable,
                      std::uint64_t timestamp_ns) noexcept;
    // Links a new order into (book, side, price); false (counted) when a pool is full.
    [[nodiscard]] bool insert_order(BookId book, Side side, Price price, std::uint64_t ref,
                                    Shares shares, bool& top) noexcept;
    // Unlinks and frees an order (and its level if it empties).
    void remove_order(std::uint32_t slot) noexcept;
    [[nodiscard]] std::uint32_t level_for(BookId book, Side side, Price price) noexcept;
    void link_level(Book& book, std::uint32_t slot) noexcept;
    void free_level(std::uint32_t slot) noexcept;
    [[nodiscard]] BookId new_book(const Stock& stock) noexcept;

    bool all_symbols_;
    std::uint32_t max_books_;
    std::vector<Book> books_;
    U64Map by_stock_;
    std::vector<BookId> by_locate_;  // 65536 entries, kNoBook when unmapped
    std::vector<BookOrder> orders_;
    std::vector<std::uint32_t> free_orders_;
    OrderRefMap order_index_;
    std::vector<Level> levels_;
    std::vector<std::uint32_t> free_levels_;
    U64Map level_index_;
    char system_event_ = ' ';
    BookCounters counters_;
};

// ---- hot paths, inline ----

inline BookId BookBuilder::book_for_add(std::uint16_t locate, const Stock& stock) noexcept {
    const BookId id = by_locate_[locate];
    if (id != kNoBook || !all_symbols_) [[likely]] {
        return id;
    }
    // Every symbol taken and no Stock Directory for this locate yet (a feed joined mid-day):
    // the Add Order names the stock itself.
    const BookId created = find_or_create(stock);
    if (created != kNoBook) {
        by_locate_[locate] = created;
        books_[created].locate = locate;
    }
    return created;
}

inline void BookBuilder::link_level(Book& book, std::uint32_t slot) noexcept {
    Level& level = levels_[slot];
    const unsigned s = index_of(level.side);
    std::uint32_t& best = book.best[s];
    std::uint32_t& worst = book.worst[s];
    ++book.levels[s];
    if (best == kNone) {
        best = worst = slot;
        return;
    }
    if (better(level.side, level.price, levels_[best].price)) {
        level.worse = best;
        levels_[best].better = slot;
        best = slot;
        return;
    }
    if (better(level.side, levels_[worst].price, level.price)) {
        level.better = worst;
        levels_[worst].worse = slot;
        worst = slot;
        return;
    }
    // Strictly between the two ends: walk in from the nearer one.
    const Price p = level.price;
    const std::uint64_t from_best =
        p > levels_[best].price ? p - levels_[best].price : levels_[best].price - p;
    const std::uint64_t from_worst =
        p > levels_[worst].price ? p - levels_[worst].price : levels_[worst].price - p;
    std::uint32_t before;  // the level that will be just better than the new one
    if (from_best <= from_worst) {
        before = best;
        while (better(level.side, levels_[levels_[before].worse].price, p)) {
            before = levels_[before].worse;
        }
    } else {
        std::uint32_t after = worst;
        while (better(level.side, p, levels_[levels_[after].better].price)) {
            after = levels_[after].better;
        }
        before = levels_[after].better;
    }
    const std::uint32_t after = levels_[before].worse;
    level.better = before;
    level.worse = after;
    levels_[before].worse = slot;
    levels_[after].better = slot;
}

inline std::uint32_t BookBuilder::level_for(BookId book, Side side, Price price) noexcept {
    const std::uint64_t key = level_key(book, side, price);
    const std::uint32_t found = level_index_.find(key);
    if (found != U64Map::kMissing) {
        return found;
    }
    if (free_levels_.empty() || !level_index_.insert(key, free_levels_.back())) [[unlikely]] {
        return kNone;
    }
    const std::uint32_t slot = free_levels_.back();
    free_levels_.pop_back();
    Level& level = levels_[slot];
    level = Level{};
    level.price = price;
    level.book = book;
    level.side = side;
    link_level(books_[book], slot);
    return slot;
}

inline bool BookBuilder::insert_order(BookId book, Side side, Price price, std::uint64_t ref,
                                      Shares shares, bool& top) noexcept {
    if (free_orders_.empty()) [[unlikely]] {
        ++counters_.orders_full;
        return false;
    }
    const std::uint32_t slot = free_orders_.back();
    if (!order_index_.insert(ref, slot)) [[unlikely]] {
        if (order_index_.find(ref) != OrderRefMap::kMissing) {
            ++counters_.duplicate_refs;
        } else {
            ++counters_.orders_full;  // reference 0 or the table is full
        }
        return false;
    }
    const std::uint32_t l = level_for(book, side, price);
    if (l == kNone) [[unlikely]] {
        order_index_.erase(ref);
        ++counters_.levels_full;
        return false;
    }
    free_orders_.pop_back();
    Level& level = levels_[l];
    BookOrder& order = orders_[slot];
    order.ref = ref;
    order.shares = shares;
    order.level = l;
    order.next = kNone;
    order.prev = level.tail;
    if (level.tail == kNone) {
        level.head = slot;
    } else {
        orders_[level.tail].next = slot;
    }
    level.tail = slot;
    ++level.orders;
    level.shares += shares;
    ++books_[book].orders;
    top = books_[book].best[index_of(side)] == l;
    return true;
}

inline void BookBuilder::free_level(std::uint32_t slot) noexcept {
    Level& level = levels_[slot];
    Book& book = books_[level.book];
    const unsigned s = index_of(level.side);
    if (level.better == kNone) {
        book.best[s] = level.worse;
    } else {
        levels_[level.better].worse = level.worse;
    }
    if (level.worse == kNone) {
        book.worst[s] = level.better;
    } else {
        levels_[level.worse].better = level.better;
    }
    --book.levels[s];
    level_index_.erase(level_key(level.book, level.side, level.price));
    free_levels_.push_back(slot);
}

inline void BookBuilder::remove_order(std::uint32_t slot) noexcept {
    BookOrder& order = orders_[slot];
    Level& level = levels_[order.level];
    if (order.prev == kNone) {
        level.head = order.next;
    } else {
        orders_[order.prev].next = order.next;
    }
    if (order.next == kNone) {
        level.tail = order.prev;
    } else {
        orders_[order.next].prev = order.prev;
    }
    --level.orders;
    level.shares -= order.shares;
    --books_[level.book].orders;
    if (level.orders == 0) {
        free_level(order.level);
    }
    order_index_.erase(order.ref);
    free_orders_.push_back(slot);
}

inline BookUpdate BookBuilder::add(std::uint16_t locate, const Stock& stock, std::uint64_t ref,
                                   Side side, Shares shares, Price price,
                                   std::uint64_t timestamp_ns) noexcept {
    ++counters_.messages;
    BookUpdate update;
    const BookId id = book_for_add(locate, stock);
    if (id == kNoBook) {
        ++counters_.filtered;
        return update;
    }
    if (shares == 0) [[unlikely]] {
        ++counters_.zero_shares;
        return update;
    }
    bool top = false;
    if (!insert_order(id, side, price, ref, shares, top)) {
        return update;
    }
    ++counters_.adds;
    ++counters_.applied;
    ++books_[id].updates;
    update.kind = UpdateKind::kAdd;
    update.book = id;
    update.side = side;
    update.price = price;
    update.shares = shares;
    update.top = top;
    update.ref = ref;
    update.timestamp_ns = timestamp_ns;
    return update;
}

inline BookUpdate BookBuilder::reduce(UpdateKind kind, std::uint16_t locate, std::uint64_t ref,
                                      Shares shares, Price trade_price, std::uint64_t match_number,
                                      bool printable, std::uint64_t timestamp_ns) noexcept {
    ++counters_.messages;
    BookUpdate update;
    const BookId located = by_locate_[locate];
    if (located == kNoBook && !all_symbols_) {
        ++counters_.filtered;
        return update;
    }
    const std::uint32_t slot = order_index_.find(ref);
    if (slot == OrderRefMap::kMissing) {
        ++counters_.unknown_refs;
        return update;
    }
    BookOrder& order = orders_[slot];
    Level& level = levels_[order.level];
    const BookId id = level.book;
    if (id != located) [[unlikely]] {
        ++counters_.locate_mismatch;
    }
    Book& book = books_[id];
    update.book = id;
    update.side = level.side;
    update.price = level.price;
    update.ref = ref;
    update.match_number = match_number;
    update.printable = printable;
    update.timestamp_ns = timestamp_ns;
    update.top = book.best[index_of(level.side)] == order.level;
    if (kind == UpdateKind::kDelete) {
        shares = order.shares;
    } else if (shares >= order.shares) {
        if (shares > order.shares) {
            ++counters_.oversized;
            shares = order.shares;
        }
    }
    update.shares = shares;
    update.kind = kind;
    switch (kind) {
        case UpdateKind::kExecute:
            ++counters_.executions;
            if (trade_price != 0) {
                update.price = trade_price;
            }
            if (printable) {
                book.last_trade_price = update.price;
                book.traded_shares += shares;
                ++book.trades;
            }
            break;
        case UpdateKind::kCancel:
            ++counters_.cancels;
            break;
        default:
            ++counters_.deletes;
            break;
    }
    ++counters_.applied;
    ++book.updates;
    if (shares == order.shares) {
        remove_order(slot);
    } else {
        order.shares -= shares;
        level.shares -= shares;
    }
    return update;
}

}  // namespace tb::client
