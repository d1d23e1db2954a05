#include "core/clock.hpp"

#include <gtest/gtest.h>
#include <time.h>

namespace tb::core {
namespace {

std::int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

TEST(VirtualClock, StartsWhereToldAndMovesOnlyWhenTold) {
    VirtualClock clock(1'000);
    EXPECT_EQ(clock.now_ns(), 1'000);
    EXPECT_EQ(clock.now_ns(), 1'000);
    clock.advance(250);
    EXPECT_EQ(clock.now_ns(), 1'250);
    clock.set(5'000);
    EXPECT_EQ(clock.now_ns(), 5'000);
    clock.advance(0);
    EXPECT_EQ(clock.now_ns(), 5'000);
}

TEST(TscClock, NeverGoesBackwards) {
    const TscClock clock;
    std::int64_t previous = clock.now_ns();
    for (int i = 0; i < 1'000'000; ++i) {
        const std::int64_t now = clock.now_ns();
        ASSERT_GE(now, previous);
        previous = now;
    }
}

TEST(TscClock, TracksTheMonotonicClock) {
    const TscClock clock;
    EXPECT_GT(clock.tsc_hz(), 1e8);
    // Aligned to CLOCK_MONOTONIC at calibration, so both readings agree now...
    const std::int64_t offset_before = clock.now_ns() - monotonic_ns();
    EXPECT_LT(std::llabs(offset_before), 1'000'000);
    // ...and both advance at the same rate over a sleep.
    const std::int64_t tsc_start = clock.now_ns();
    const std::int64_t mono_start = monotonic_ns();
    const timespec pause{0, 50'000'000};
    nanosleep(&pause, nullptr);
    const std::int64_t tsc_elapsed = clock.now_ns() - tsc_start;
    const std::int64_t mono_elapsed = monotonic_ns() - mono_start;
    EXPECT_NEAR(static_cast<double>(tsc_elapsed), static_cast<double>(mono_elapsed),
                0.01 * static_cast<double>(mono_elapsed));
}

TEST(TscClock, ConvertsRawCountsLikeNow) {
    const TscClock clock;
    const std::uint64_t tsc = TscClock::read_tsc();
    const std::int64_t via_raw = clock.to_ns(tsc);
    const std::int64_t now = clock.now_ns();
    EXPECT_GE(now, via_raw);
    EXPECT_LT(now - via_raw, 1'000'000);
    // Raw counts from before calibration convert to earlier times, not to garbage.
    EXPECT_LT(clock.to_ns(tsc - 1'000'000), via_raw);
}

TEST(ClockRef, ReadsWhicheverClockItWasGiven) {
    VirtualClock virtual_clock(42);
    const ClockRef ref(virtual_clock);
    EXPECT_EQ(ref.now_ns(), 42);
    virtual_clock.advance(8);
    EXPECT_EQ(ref.now_ns(), 50);

    const TscClock tsc;
    const ClockRef real(tsc);
    const std::int64_t a = real.now_ns();
    EXPECT_GE(tsc.now_ns(), a);
}

}  // namespace
}  // namespace tb::core
