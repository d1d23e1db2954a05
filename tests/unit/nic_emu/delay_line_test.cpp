// DelayLine (nic_emu/delay_line.hpp): FIFO order, the due-time order it enforces, its bound.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "nic_emu/delay_line.hpp"

namespace {

using tb::nic::DelayLine;

TEST(DelayLine, HandsItemsBackInTheOrderTheyCame) {
    DelayLine<int> line(8);
    int items[5] = {0, 1, 2, 3, 4};
    for (int& item : items) {
        ASSERT_TRUE(line.push(&item, 100 + item));
    }
    EXPECT_EQ(line.size(), 5u);
    EXPECT_EQ(line.next_due_ns(), 100);
    EXPECT_EQ(line.at(4).due_ns, 104);
    for (int expected = 0; expected < 5; ++expected) {
        ASSERT_FALSE(line.empty());
        EXPECT_EQ(*line.front().item, expected);
        line.pop();
    }
    EXPECT_TRUE(line.empty());
    EXPECT_EQ(line.next_due_ns(), INT64_MAX);
}

TEST(DelayLine, RaisesADueTimeBelowTheLastOneSoTheLineStaysSorted) {
    DelayLine<int> line(4);
    int a = 0;
    int b = 1;
    ASSERT_TRUE(line.push(&a, 500));
    ASSERT_TRUE(line.push(&b, 300));
    EXPECT_EQ(line.at(1).due_ns, 500);
}

TEST(DelayLine, RefusesItemsWhenFullAndWrapsAround) {
    DelayLine<int> line(3);  // rounded up to 4
    EXPECT_EQ(line.capacity(), 4u);
    std::vector<int> items(100);
    std::int64_t t = 0;
    std::size_t next_out = 0;
    std::size_t next_in = 0;
    for (int round = 0; round < 40; ++round) {
        while (line.push(&items[next_in % items.size()], ++t)) {
            ++next_in;
        }
        EXPECT_TRUE(line.full());
        line.pop();
        line.pop();
        next_out += 2;
        EXPECT_EQ(line.front().item, &items[next_out % items.size()]);
    }
}

TEST(DelayLine, ZeroCapacityHoldsNothing) {
    DelayLine<int> line(0);
    int a = 0;
    EXPECT_FALSE(line.push(&a, 1));
    EXPECT_TRUE(line.empty());
}

}  // namespace
