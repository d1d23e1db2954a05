// The price-level structure: FIFO queues per level and the occupancy bitmap that gives the best
// level and the next level, checked against std::set on random operations and at the word
// boundaries of each bitmap layer.

#include <iterator>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "core/random.hpp"
#include "exchange_sim/engine/price_levels.hpp"

namespace tb::exchange {
namespace {

// Puts one order of `shares` at `level` and returns its index.
OrderIndex place(OrderPool& pool, PriceLevels& side, std::uint32_t level, Shares shares) {
    const OrderIndex index = pool.allocate();
    pool[index].level = level;
    pool[index].open = shares;
    side.push_back(pool, index);
    return index;
}

TEST(PriceLevels, EmptySideHasNoBestLevel) {
    PriceLevels side(100, true);
    EXPECT_TRUE(side.empty());
    EXPECT_EQ(side.best(), kNoLevel);
}

TEST(PriceLevels, QueueIsFirstInFirstOut) {
    OrderPool pool(8);
    PriceLevels side(10, true);
    const OrderIndex a = place(pool, side, 3, 10);
    const OrderIndex b = place(pool, side, 3, 20);
    const OrderIndex c = place(pool, side, 3, 30);
    EXPECT_EQ(side.level(3).head, a);
    EXPECT_EQ(side.level(3).tail, c);
    EXPECT_EQ(side.level(3).count, 3u);
    EXPECT_EQ(side.level(3).shares, 60u);
    side.remove(pool, b);
    EXPECT_EQ(pool[a].next, c);
    EXPECT_EQ(pool[c].prev, a);
    side.reduce(pool, a, 4);
    EXPECT_EQ(side.level(3).shares, 36u);
    EXPECT_EQ(side.level(3).head, a);
    side.remove(pool, a);
    side.remove(pool, c);
    EXPECT_TRUE(side.empty());
    EXPECT_FALSE(side.marked(3));
}

TEST(PriceLevels, AscendingSideBestIsTheLowestLevelAndDescendingTheHighest) {
    OrderPool pool(8);
    PriceLevels asks(5000, true);
    PriceLevels bids(5000, false);
    for (const std::uint32_t level : {4095u, 64u, 4096u, 63u}) {
        place(pool, asks, level, 1);
    }
    for (const std::uint32_t level : {0u, 4095u, 64u, 4096u}) {
        place(pool, bids, level, 1);
    }
    EXPECT_EQ(asks.best(), 63u);
    EXPECT_EQ(bids.best(), 4096u);
    EXPECT_EQ(asks.next_after(63), 64u);
    EXPECT_EQ(asks.next_after(64), 4095u);
    EXPECT_EQ(asks.next_after(4095), 4096u);
    EXPECT_EQ(asks.next_after(4096), kNoLevel);
    EXPECT_EQ(bids.next_after(4096), 4095u);
    EXPECT_EQ(bids.next_after(4095), 64u);
    EXPECT_EQ(bids.next_after(64), 0u);
    EXPECT_EQ(bids.next_after(0), kNoLevel);
}

TEST(PriceLevels, BestMovesToTheNextLevelWhenTheBestEmpties) {
    OrderPool pool(8);
    PriceLevels asks(64 * 64 * 64, true);
    const OrderIndex low = place(pool, asks, 10, 1);
    place(pool, asks, 64 * 64 * 64 - 1, 1);
    asks.remove(pool, low);
    EXPECT_EQ(asks.best(), 64u * 64u * 64u - 1);
}

TEST(PriceLevels, RandomOperationsAgreeWithAnOrderedSet) {
    constexpr std::uint32_t kLevels = 20'000;
    core::Rng rng(42);
    for (const bool ascending : {true, false}) {
        OrderPool pool(4096);
        PriceLevels side(kLevels, ascending);
        std::multiset<std::uint32_t> model;
        std::vector<OrderIndex> orders;
        for (int step = 0; step < 20'000; ++step) {
            if (orders.empty() || (rng.below(100) < 55 && orders.size() < 4000)) {
                const auto level = static_cast<std::uint32_t>(rng.below(kLevels));
                orders.push_back(place(pool, side, level, 1));
                model.insert(level);
            } else {
                const std::size_t i = rng.below(orders.size());
                const OrderIndex index = orders[i];
                model.erase(model.find(pool[index].level));
                side.remove(pool, index);
                pool.release(index);
                orders[i] = orders.back();
                orders.pop_back();
            }
            const std::uint32_t want =
                model.empty() ? kNoLevel : (ascending ? *model.begin() : *model.rbegin());
            ASSERT_EQ(side.best(), want);
            ASSERT_EQ(side.scan_best(), want);
            if (!model.empty() && step % 50 == 0) {
                // Walk every non-empty level through next_after().
                std::set<std::uint32_t> distinct(model.begin(), model.end());
                std::vector<std::uint32_t> walk;
                for (std::uint32_t l = side.best(); l != kNoLevel; l = side.next_after(l)) {
                    walk.push_back(l);
                }
                std::vector<std::uint32_t> expected(distinct.begin(), distinct.end());
                if (!ascending) {
                    expected.assign(distinct.rbegin(), distinct.rend());
                }
                ASSERT_EQ(walk, expected);
            }
        }
    }
}

TEST(OrderPool, AllocatesEveryIndexOnceAndReusesReleasedOnes) {
    OrderPool pool(3);
    const OrderIndex a = pool.allocate();
    const OrderIndex b = pool.allocate();
    const OrderIndex c = pool.allocate();
    EXPECT_EQ(pool.allocate(), kNoOrder);
    EXPECT_EQ(std::set<OrderIndex>({a, b, c}).size(), 3u);
    EXPECT_EQ(pool.in_use(), 3u);
    pool[b].open = 5;
    pool.release(b);
    const OrderIndex again = pool.allocate();
    EXPECT_EQ(again, b);
    EXPECT_EQ(pool[again].open, 0u);  // handed out reset
}

}  // namespace
}  // namespace tb::exchange
