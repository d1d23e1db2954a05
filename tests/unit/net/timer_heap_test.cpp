// TimerHeap (net/timer_heap.hpp) against a simple model: a std::map from (deadline, id) kept
// alongside, under seeded random set/move/cancel/pop sequences.

#include "net/timer_heap.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "core/random.hpp"

namespace tb::net {
namespace {

TEST(TimerHeap, EmptyHeapHasNoNextDeadline) {
    TimerHeap heap(4);
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(heap.next_ns(), kNever);
    heap.cancel(2);  // cancelling what is not set is harmless
    EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, EqualDeadlinesPopInIdOrder) {
    TimerHeap heap(8);
    for (std::uint32_t id : {5U, 1U, 7U, 3U}) {
        heap.set(id, 100);
    }
    std::vector<std::uint32_t> order;
    while (!heap.empty()) {
        order.push_back(heap.top());
        heap.cancel(heap.top());
    }
    EXPECT_EQ(order, (std::vector<std::uint32_t>{1, 3, 5, 7}));
}

TEST(TimerHeap, MovingADeadlineEitherWayReordersIt) {
    TimerHeap heap(3);
    heap.set(0, 10);
    heap.set(1, 20);
    heap.set(2, 30);
    heap.set(2, 5);
    EXPECT_EQ(heap.top(), 2U);
    heap.set(2, 40);
    EXPECT_EQ(heap.top(), 0U);
    heap.set(0, kNever);
    EXPECT_EQ(heap.top(), 1U);
    EXPECT_EQ(heap.deadline(0), kNever);
}

TEST(TimerHeap, AgreesWithAnOrderedMapUnderRandomOperations) {
    constexpr std::uint32_t kIds = 64;
    TimerHeap heap(kIds);
    std::map<std::pair<std::int64_t, std::uint32_t>, bool> model;
    std::vector<std::int64_t> current(kIds, kNever);
    core::Rng rng(42);
    for (int step = 0; step < 200'000; ++step) {
        const auto id = static_cast<std::uint32_t>(rng.below(kIds));
        switch (rng.below(4)) {
            case 0:
            case 1: {
                const auto deadline = static_cast<std::int64_t>(rng.below(1000));
                if (current[id] != kNever) {
                    model.erase({current[id], id});
                }
                model[{deadline, id}] = true;
                current[id] = deadline;
                heap.set(id, deadline);
                break;
            }
            case 2:
                if (current[id] != kNever) {
                    model.erase({current[id], id});
                    current[id] = kNever;
                }
                heap.cancel(id);
                break;
            default:
                if (!model.empty()) {
                    const auto [deadline, top] = model.begin()->first;
                    ASSERT_EQ(heap.top(), top);
                    ASSERT_EQ(heap.next_ns(), deadline);
                    model.erase(model.begin());
                    current[top] = kNever;
                    heap.cancel(top);
                }
                break;
        }
        ASSERT_EQ(heap.empty(), model.empty());
        ASSERT_EQ(heap.next_ns(), model.empty() ? kNever : model.begin()->first.first);
    }
}

}  // namespace
}  // namespace tb::net
