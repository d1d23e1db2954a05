// FlatMap (client/flat_map.hpp) against std::unordered_map under seeded random inserts, finds
// and erases, plus its edges: the reserved key, a full table, and erase inside probe runs.

#include <gtest/gtest.h>

#include <unordered_map>

#include "client/flat_map.hpp"
#include "core/random.hpp"

namespace tb::client {
namespace {

TEST(FlatMap, MatchesAnUnorderedMapUnderRandomChurn) {
    core::Rng rng(2024);
    U64Map map(4096);
    std::unordered_map<std::uint64_t, std::uint32_t> model;
    for (int step = 0; step < 200'000; ++step) {
        // Small key space so that keys collide, return and erase inside probe runs.
        const std::uint64_t key = 1 + rng.below(6000);
        const std::uint64_t action = rng.below(10);
        if (action < 5) {
            const auto value = static_cast<std::uint32_t>(rng.below(1u << 30));
            const bool inserted = map.insert(key, value);
            const bool expected = model.size() < 4096 && model.count(key) == 0;
            ASSERT_EQ(inserted, expected) << "step " << step;
            if (inserted) {
                model[key] = value;
            }
        } else if (action < 8) {
            ASSERT_EQ(map.erase(key), model.erase(key) == 1) << "step " << step;
        } else {
            const auto it = model.find(key);
            ASSERT_EQ(map.find(key), it == model.end() ? U64Map::kMissing : it->second)
                << "step " << step;
        }
        ASSERT_EQ(map.size(), model.size());
    }
    for (const auto& [key, value] : model) {
        EXPECT_EQ(map.find(key), value);
    }
}

TEST(FlatMap, RefusesTheReservedKeyAndAPresentKey) {
    U64Map map(8);
    EXPECT_FALSE(map.insert(0, 1));
    EXPECT_TRUE(map.insert(5, 1));
    EXPECT_FALSE(map.insert(5, 2));
    EXPECT_EQ(map.find(5), 1U);
    EXPECT_TRUE(map.assign(5, 3));
    EXPECT_EQ(map.find(5), 3U);
    EXPECT_FALSE(map.assign(6, 3));
    EXPECT_FALSE(map.erase(6));
}

TEST(FlatMap, HoldsExactlyItsMaximumEntries) {
    U64Map map(100);
    for (std::uint64_t k = 1; k <= 100; ++k) {
        ASSERT_TRUE(map.insert(k * 7919, static_cast<std::uint32_t>(k)));
    }
    EXPECT_FALSE(map.insert(1, 1));
    EXPECT_TRUE(map.erase(7919));
    EXPECT_TRUE(map.insert(1, 1));
    EXPECT_GE(map.slots(), 200U);
    map.clear();
    EXPECT_EQ(map.size(), 0U);
    EXPECT_EQ(map.find(1), U64Map::kMissing);
}

TEST(FlatMap, TokensAreComparedWhole) {
    TokenMap map(16);
    const auto a = proto::Alpha<14>::left("TB1");
    const auto b = proto::Alpha<14>::left("TB10");
    EXPECT_TRUE(map.insert(a, 1));
    EXPECT_TRUE(map.insert(b, 2));
    EXPECT_EQ(map.find(a), 1U);
    EXPECT_EQ(map.find(b), 2U);
    EXPECT_FALSE(map.insert(proto::Alpha<14>{}, 3));  // all zero: reserved
    EXPECT_TRUE(map.erase(a));
    EXPECT_EQ(map.find(a), TokenMap::kMissing);
    EXPECT_EQ(map.find(b), 2U);
}

}  // namespace
}  // namespace tb::client
