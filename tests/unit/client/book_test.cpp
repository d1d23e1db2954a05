// The book builder (client/book.hpp): every book-affecting ITCH message with crafted messages,
// subscription and locate mapping, bad references, full pools, and a differential test against
// a simple std::map model of order-by-order books under seeded random flow.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "client/book.hpp"
#include "client_test_support.hpp"
#include "core/random.hpp"

namespace tb::client {
namespace {

using namespace testing;

BookConfig small_config(std::vector<std::string> symbols = {}) {
    BookConfig config;
    config.symbols = std::move(symbols);
    config.max_books = 64;
    config.max_orders = 1024;
    config.max_levels = 512;
    return config;
}

// The orders of one side, level by level from the best, oldest first: (price, ref, shares).
std::vector<std::tuple<Price, std::uint64_t, Shares>> side_orders(const BookBuilder& b, BookId id,
                                                                  Side side) {
    std::vector<std::tuple<Price, std::uint64_t, Shares>> out;
    for (std::uint32_t l = b.first_level(id, side); l != kNone; l = b.level(l).worse) {
        for (std::uint32_t o = b.level(l).head; o != kNone; o = b.order(o).next) {
            out.emplace_back(b.level(l).price, b.order(o).ref, b.order(o).shares);
        }
    }
    return out;
}

TEST(BookBuilder, AddsRestInPriceThenTimeOrder) {
    BookBuilder b(small_config());
    ASSERT_EQ(b.apply(directory(7, "ACME")).kind, UpdateKind::kDirectory);
    const BookId id = b.find("ACME");
    ASSERT_NE(id, kNoBook);
    EXPECT_EQ(b.by_locate(7), id);
    EXPECT_EQ(b.apply(add_order(7, 1, 'B', 100, "ACME", 99'900)).kind, UpdateKind::kAdd);
    (void)b.apply(add_order(7, 2, 'B', 200, "ACME", 100'000));
    (void)b.apply(add_order(7, 3, 'B', 300, "ACME", 99'900));
    (void)b.apply(add_order_mpid(7, 4, 'B', 50, "ACME", 99'800));
    (void)b.apply(add_order(7, 5, 'S', 400, "ACME", 100'100));
    (void)b.apply(add_order(7, 6, 'S', 500, "ACME", 100'300));
    (void)b.apply(add_order(7, 7, 'S', 600, "ACME", 100'200));
    using Row = std::tuple<Price, std::uint64_t, Shares>;
    EXPECT_EQ(
        side_orders(b, id, Side::kBuy),
        (std::vector<Row>{{100'000, 2, 200}, {99'900, 1, 100}, {99'900, 3, 300}, {99'800, 4, 50}}));
    EXPECT_EQ(side_orders(b, id, Side::kSell),
              (std::vector<Row>{{100'100, 5, 400}, {100'200, 7, 600}, {100'300, 6, 500}}));
    EXPECT_EQ(b.best(id, Side::kBuy), (LevelView{100'000, 200, 1}));
    EXPECT_EQ(b.best(id, Side::kSell), (LevelView{100'100, 400, 1}));
    LevelView depth[2];
    ASSERT_EQ(b.depth(id, Side::kBuy, depth), 2U);
    EXPECT_EQ(depth[1], (LevelView{99'900, 400, 2}));
    EXPECT_EQ(b.book(id).levels[0], 3U);
    EXPECT_EQ(b.book(id).orders, 7U);
    EXPECT_EQ(b.check_invariants(), "");
}

TEST(BookBuilder, TheTopFlagSaysWhetherTheBestLevelWasTouched) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    EXPECT_TRUE(b.apply(add_order(1, 1, 'B', 100, "ACME", 100)).top);
    EXPECT_FALSE(b.apply(add_order(1, 2, 'B', 100, "ACME", 90)).top);
    EXPECT_TRUE(b.apply(add_order(1, 3, 'B', 100, "ACME", 100)).top);  // joins the best
    EXPECT_FALSE(b.apply(cancel(1, 2, 10)).top);
    EXPECT_TRUE(b.apply(delete_order(1, 1)).top);
    // Replacing a deep order to the top touches the top.
    EXPECT_TRUE(b.apply(replace(1, 2, 4, 90, 110)).top);
}

TEST(BookBuilder, ExecutionsAndCancelsTakeSharesInPlace) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    (void)b.apply(add_order(1, 1, 'S', 300, "ACME", 1000));
    (void)b.apply(add_order(1, 2, 'S', 200, "ACME", 1000));
    const BookId id = b.find("ACME");
    BookUpdate u = b.apply(executed(1, 1, 100, 77));
    EXPECT_EQ(u.kind, UpdateKind::kExecute);
    EXPECT_EQ(u.shares, 100U);
    EXPECT_EQ(u.price, 1000U);
    EXPECT_EQ(u.match_number, 77U);
    EXPECT_EQ(u.side, Side::kSell);
    // The order keeps its place at the head of the level.
    using Row = std::tuple<Price, std::uint64_t, Shares>;
    EXPECT_EQ(side_orders(b, id, Side::kSell), (std::vector<Row>{{1000, 1, 200}, {1000, 2, 200}}));
    u = b.apply(cancel(1, 1, 50));
    EXPECT_EQ(u.kind, UpdateKind::kCancel);
    EXPECT_EQ(side_orders(b, id, Side::kSell), (std::vector<Row>{{1000, 1, 150}, {1000, 2, 200}}));
    // Executed with price: the trade is at the message's price; the order is used up.
    u = b.apply(executed_with_price(1, 1, 150, 78, 990, true));
    EXPECT_EQ(u.price, 990U);
    EXPECT_EQ(b.book(id).last_trade_price, 990U);
    EXPECT_EQ(b.find_order(1), nullptr);
    // A non-printable execution changes the book but not the last trade.
    (void)b.apply(executed_with_price(1, 2, 100, 79, 980, false));
    EXPECT_EQ(b.book(id).last_trade_price, 990U);
    EXPECT_EQ(b.book(id).trades, 2U);
    EXPECT_EQ(b.best(id, Side::kSell), (LevelView{1000, 100, 1}));
    u = b.apply(delete_order(1, 2));
    EXPECT_EQ(u.kind, UpdateKind::kDelete);
    EXPECT_EQ(u.shares, 100U);
    EXPECT_FALSE(b.best(id, Side::kSell).has_value());
    EXPECT_EQ(b.live_levels(), 0U);
    EXPECT_EQ(b.check_invariants(), "");
}

TEST(BookBuilder, ReplaceLosesPriorityAndMovesLevels) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    (void)b.apply(add_order(1, 1, 'B', 100, "ACME", 500));
    (void)b.apply(add_order(1, 2, 'B', 100, "ACME", 500));
    const BookId id = b.find("ACME");
    // Same price, smaller size: still goes to the back with its new reference number.
    const BookUpdate u = b.apply(replace(1, 1, 10, 80, 500));
    EXPECT_EQ(u.kind, UpdateKind::kReplace);
    EXPECT_EQ(u.ref, 10U);
    using Row = std::tuple<Price, std::uint64_t, Shares>;
    EXPECT_EQ(side_orders(b, id, Side::kBuy), (std::vector<Row>{{500, 2, 100}, {500, 10, 80}}));
    (void)b.apply(replace(1, 2, 11, 100, 510));
    EXPECT_EQ(side_orders(b, id, Side::kBuy), (std::vector<Row>{{510, 11, 100}, {500, 10, 80}}));
    EXPECT_EQ(b.find_order(2), nullptr);
    // Replacing an unknown order, or to a reference in use, changes nothing.
    EXPECT_EQ(b.apply(replace(1, 99, 12, 1, 1)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.apply(replace(1, 10, 11, 1, 1)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().unknown_refs, 1U);
    EXPECT_EQ(b.counters().duplicate_refs, 1U);
    EXPECT_EQ(b.check_invariants(), "");
}

TEST(BookBuilder, TradesAndCrossesChangeNoBook) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    const BookUpdate u = b.apply(trade(1, 'B', 300, "ACME", 1234, 9));
    EXPECT_EQ(u.kind, UpdateKind::kTrade);
    EXPECT_EQ(u.shares, 300U);
    EXPECT_EQ(b.book(b.find("ACME")).last_trade_price, 1234U);
    EXPECT_EQ(b.live_orders(), 0U);
}

TEST(BookBuilder, TradingActionsAndSystemEventsAreKept) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    const BookId id = b.find("ACME");
    EXPECT_EQ(b.book(id).state, TradingState::kUnknown);
    EXPECT_EQ(b.apply(trading_action(1, "ACME", 'H')).kind, UpdateKind::kTradingAction);
    EXPECT_EQ(b.book(id).state, TradingState::kHalted);
    (void)b.apply(trading_action(1, "ACME", 'T'));
    EXPECT_EQ(b.book(id).state, TradingState::kTrading);
    (void)b.apply(system_event('Q'));
    EXPECT_EQ(b.system_event(), 'Q');
}

TEST(BookBuilder, OnlySubscribedSymbolsGetBooks) {
    BookBuilder b(small_config({"ACME", "BETA"}));
    EXPECT_EQ(b.book_count(), 2U);
    EXPECT_EQ(b.find("BETA"), 1U);
    (void)b.apply(directory(3, "GAMA"));
    (void)b.apply(directory(4, "BETA"));
    EXPECT_EQ(b.find("GAMA"), kNoBook);
    EXPECT_EQ(b.by_locate(3), kNoBook);
    EXPECT_EQ(b.apply(add_order(3, 1, 'B', 1, "GAMA", 1)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.apply(executed(3, 1, 1, 1)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().filtered, 3U);
    // Before its directory message, ACME's locate is unknown, so its adds are filtered too.
    EXPECT_EQ(b.apply(add_order(9, 2, 'B', 1, "ACME", 1)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.apply(add_order(4, 3, 'S', 5, "BETA", 10)).kind, UpdateKind::kAdd);
    EXPECT_EQ(b.book(1).orders, 1U);
}

TEST(BookBuilder, EverySymbolModeCreatesBooksFromAddsWithoutADirectory) {
    BookBuilder b(small_config());
    EXPECT_EQ(b.apply(add_order(42, 1, 'B', 10, "ZZZZ", 77)).kind, UpdateKind::kAdd);
    const BookId id = b.find("ZZZZ");
    ASSERT_NE(id, kNoBook);
    EXPECT_EQ(b.book(id).locate, 42);
    EXPECT_EQ(b.apply(executed(42, 1, 10, 1)).kind, UpdateKind::kExecute);
}

TEST(BookBuilder, BadReferencesAreCountedAndSkipped) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    (void)b.apply(directory(2, "BETA"));
    EXPECT_EQ(b.apply(executed(1, 5, 10, 1)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.apply(cancel(1, 5, 10)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.apply(delete_order(1, 5)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().unknown_refs, 3U);
    (void)b.apply(add_order(1, 5, 'B', 10, "ACME", 100));
    EXPECT_EQ(b.apply(add_order(1, 5, 'B', 10, "ACME", 100)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().duplicate_refs, 1U);
    EXPECT_EQ(b.apply(add_order(1, 0, 'B', 10, "ACME", 100)).kind, UpdateKind::kNone);
    // Executing more than the order has removes it and counts the excess.
    const BookUpdate u = b.apply(executed(1, 5, 25, 2));
    EXPECT_EQ(u.shares, 10U);
    EXPECT_EQ(b.counters().oversized, 1U);
    EXPECT_EQ(b.find_order(5), nullptr);
    // A locate that does not match the order's book: applied to the order's book, counted.
    (void)b.apply(add_order(1, 6, 'B', 10, "ACME", 100));
    EXPECT_EQ(b.apply(cancel(2, 6, 5)).book, b.find("ACME"));
    EXPECT_EQ(b.counters().locate_mismatch, 1U);
    // Orders of no shares are not booked (a replace to 0 shares removes the original).
    EXPECT_EQ(b.apply(add_order(1, 7, 'B', 0, "ACME", 100)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.find_order(7), nullptr);
    EXPECT_EQ(b.apply(replace(1, 6, 8, 0, 100)).kind, UpdateKind::kDelete);
    EXPECT_EQ(b.find_order(6), nullptr);
    EXPECT_EQ(b.find_order(8), nullptr);
    EXPECT_EQ(b.counters().zero_shares, 2U);
    // Malformed bytes.
    EXPECT_EQ(b.apply(std::vector<std::uint8_t>{'A', 0, 1}).kind, UpdateKind::kNone);
    EXPECT_EQ(b.apply(std::vector<std::uint8_t>{}).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().malformed, 2U);
    EXPECT_EQ(b.check_invariants(), "");
}

TEST(BookBuilder, FullPoolsDropAddsWithoutHarm) {
    BookConfig config = small_config();
    config.max_orders = 4;
    config.max_levels = 2;
    BookBuilder b(config);
    (void)b.apply(directory(1, "ACME"));
    (void)b.apply(add_order(1, 1, 'B', 1, "ACME", 10));
    (void)b.apply(add_order(1, 2, 'B', 1, "ACME", 11));
    EXPECT_EQ(b.apply(add_order(1, 3, 'B', 1, "ACME", 12)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().levels_full, 1U);
    (void)b.apply(add_order(1, 4, 'B', 1, "ACME", 10));
    (void)b.apply(add_order(1, 5, 'B', 1, "ACME", 10));
    EXPECT_EQ(b.apply(add_order(1, 6, 'B', 1, "ACME", 10)).kind, UpdateKind::kNone);
    EXPECT_EQ(b.counters().orders_full, 1U);
    EXPECT_EQ(b.check_invariants(), "");
    (void)b.apply(delete_order(1, 2));
    EXPECT_EQ(b.apply(add_order(1, 3, 'B', 1, "ACME", 12)).kind, UpdateKind::kAdd);
    EXPECT_EQ(b.check_invariants(), "");
}

TEST(BookBuilder, ClearEmptiesBooksAndForgetsLocatesButKeepsIds) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    (void)b.apply(add_order(1, 1, 'B', 1, "ACME", 10));
    b.mark_all_stale();
    EXPECT_TRUE(b.book(0).stale);
    b.clear();
    EXPECT_EQ(b.find("ACME"), 0U);
    EXPECT_EQ(b.by_locate(1), kNoBook);
    EXPECT_FALSE(b.book(0).stale);
    EXPECT_EQ(b.live_orders(), 0U);
    EXPECT_EQ(b.check_invariants(), "");
    (void)b.apply(directory(2, "ACME"));
    EXPECT_EQ(b.apply(add_order(2, 1, 'S', 1, "ACME", 10)).kind, UpdateKind::kAdd);
}

TEST(BookBuilder, ALocateMovedByANewDirectoryFollowsTheSymbol) {
    BookBuilder b(small_config());
    (void)b.apply(directory(1, "ACME"));
    (void)b.apply(directory(2, "ACME"));
    EXPECT_EQ(b.by_locate(1), kNoBook);
    EXPECT_EQ(b.by_locate(2), b.find("ACME"));
}

// ---- differential: the builder against a std::map model ----

struct ModelOrder {
    BookId book;
    Side side;
    Price price;
    Shares shares;
    std::uint64_t time;
};

TEST(BookBuilder, MatchesAMapModelUnderRandomFlow) {
    BookConfig config = small_config();
    config.max_orders = 16384;
    config.max_levels = 4096;
    BookBuilder b(config);
    core::Rng rng(77);
    const char* stocks[] = {"AAA", "BBB", "CCC"};
    for (std::uint16_t i = 0; i < 3; ++i) {
        (void)b.apply(directory(static_cast<std::uint16_t>(i + 1), stocks[i]));
    }
    std::map<std::uint64_t, ModelOrder> model;
    std::vector<std::uint64_t> live;
    std::uint64_t next_ref = 1;
    std::uint64_t time = 0;
    for (int step = 0; step < 60'000; ++step) {
        const std::uint64_t action = rng.below(100);
        if (live.empty() || action < 30) {
            const auto book = static_cast<std::uint16_t>(rng.below(3));
            const Side side = rng.below(2) == 0 ? Side::kBuy : Side::kSell;
            // Bids below 1000, asks above: the books never cross.
            const Price price = side == Side::kBuy ? static_cast<Price>(900 + rng.below(100))
                                                   : static_cast<Price>(1001 + rng.below(100));
            const auto shares = static_cast<Shares>(1 + rng.below(500));
            const std::uint64_t ref = next_ref++;
            (void)b.apply(add_order(static_cast<std::uint16_t>(book + 1), ref,
                                    side == Side::kBuy ? 'B' : 'S', shares, stocks[book], price));
            model[ref] = {book, side, price, shares, time++};
            live.push_back(ref);
            continue;
        }
        const std::size_t pick = rng.below(live.size());
        const std::uint64_t ref = live[pick];
        ModelOrder& o = model[ref];
        const auto locate = static_cast<std::uint16_t>(o.book + 1);
        const auto remove_live = [&] {
            live[pick] = live.back();
            live.pop_back();
            model.erase(ref);
        };
        if (action < 55) {
            const auto q = static_cast<Shares>(1 + rng.below(o.shares));
            (void)b.apply(rng.below(2) == 0 ? executed(locate, ref, q, 1) : cancel(locate, ref, q));
            o.shares -= q;
            if (o.shares == 0) {
                remove_live();
            }
        } else if (action < 80) {
            (void)b.apply(delete_order(locate, ref));
            remove_live();
        } else {
            const std::uint64_t new_ref = next_ref++;
            const Price price = o.side == Side::kBuy ? static_cast<Price>(900 + rng.below(100))
                                                     : static_cast<Price>(1001 + rng.below(100));
            const auto shares = static_cast<Shares>(1 + rng.below(500));
            (void)b.apply(replace(locate, ref, new_ref, shares, price));
            const ModelOrder moved{o.book, o.side, price, shares, time++};
            remove_live();
            model[new_ref] = moved;
            live.push_back(new_ref);
        }
        if (step % 5000 == 0) {
            ASSERT_EQ(b.check_invariants(), "") << "step " << step;
        }
    }
    ASSERT_EQ(b.check_invariants(), "");
    ASSERT_EQ(b.live_orders(), model.size());
    for (BookId id = 0; id < 3; ++id) {
        for (const Side side : {Side::kBuy, Side::kSell}) {
            std::vector<std::tuple<Price, std::uint64_t, std::uint64_t, Shares>> expected;
            for (const auto& [ref, o] : model) {
                if (o.book == id && o.side == side) {
                    // Best price first, then time priority.
                    const Price key = side == Side::kBuy ? 0xFFFF'FFFF - o.price : o.price;
                    expected.emplace_back(key, o.time, ref, o.shares);
                }
            }
            std::sort(expected.begin(), expected.end());
            std::vector<std::tuple<Price, std::uint64_t, Shares>> want;
            for (const auto& [key, t, ref, shares] : expected) {
                want.emplace_back(side == Side::kBuy ? 0xFFFF'FFFF - key : key, ref, shares);
            }
            EXPECT_EQ(side_orders(b, id, side), want) << "book " << id;
        }
    }
}

}  // namespace
}  // namespace tb::client
