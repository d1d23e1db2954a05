// The exchange's clock in lockstep (exchange_sim/host/lockstep.hpp): held at a step's time
// until the expected reaction, a quiet period or the cap; moving on from the held time; never
// holding when lockstep is off or the session has ended.

#include <gtest/gtest.h>

#include "exchange_sim/host/lockstep.hpp"

namespace tb::exchange {
namespace {

constexpr std::int64_t kMs = 1'000'000;

LockstepConfig lockstep(std::int64_t quiet_ns = 10 * kMs, std::int64_t max_hold_ns = 0) {
    LockstepConfig c;
    c.enabled = true;
    c.quiet_period_ns = quiet_ns;
    c.max_hold_ns = max_hold_ns;
    return c;
}

LockstepObservation seen(std::uint64_t steps, std::uint64_t triggers = 0,
                         std::uint64_t reactions = 0, std::uint64_t activity = 0) {
    LockstepObservation o;
    o.steps = steps;
    o.triggers = triggers;
    o.reactions = reactions;
    o.activity = activity;
    return o;
}

// One pass at world time `world` with the next step due at `next_step` (exchange time).
void pass(ExchangeClock& clock, std::int64_t world, const LockstepObservation& o,
          std::int64_t next_step = INT64_MAX) {
    clock.observe(world, clock.pass_time(world, next_step), o);
}

TEST(Lockstep, OffTheExchangeClockIsTheWorldClock) {
    ExchangeClock clock(LockstepConfig{});
    pass(clock, 100, seen(1, 1));
    EXPECT_FALSE(clock.holding());
    EXPECT_EQ(clock.now(12345), 12345);
    EXPECT_EQ(clock.to_world(500), 500);
}

TEST(Lockstep, TriggerStepHoldsUntilTheReactionThenMovesOnFromTheHeldTime) {
    ExchangeClock clock(lockstep());
    pass(clock, 1000, seen(0));
    pass(clock, 2000, seen(1, 1, 0, 0));
    ASSERT_TRUE(clock.holding());
    EXPECT_EQ(clock.now(2000), 2000);
    EXPECT_EQ(clock.now(9 * kMs), 2000);
    // Activity without an order keeps the hold (and moves the quiet deadline).
    pass(clock, 5 * kMs, seen(1, 1, 0, 40));
    EXPECT_TRUE(clock.holding());
    EXPECT_EQ(clock.to_world(0), 5 * kMs + 10 * kMs);
    pass(clock, 8 * kMs, seen(1, 1, 1, 90));
    EXPECT_FALSE(clock.holding());
    EXPECT_EQ(clock.counters().reactions, 1u);
    // The exchange's time goes on from 2000: the hold is not made up.
    EXPECT_EQ(clock.now(8 * kMs), 2000);
    EXPECT_EQ(clock.now(8 * kMs + 7), 2007);
    EXPECT_EQ(clock.to_world(2007), 8 * kMs + 7);
    EXPECT_EQ(clock.counters().held_ns, static_cast<std::uint64_t>(8 * kMs - 2000));
}

TEST(Lockstep, ALateStepRunsAtItsScheduledTimeAndTheHoldStartsThere) {
    ExchangeClock clock(lockstep());
    EXPECT_EQ(clock.pass_time(1000, 5000), 1000);  // not due yet
    EXPECT_EQ(clock.pass_time(7000, 5000), 5000);  // due: exactly at its time
    pass(clock, 7000, seen(1, 1), 5000);
    ASSERT_TRUE(clock.holding());
    EXPECT_EQ(clock.now(8000), 5000);
    pass(clock, 9000, seen(1, 1, 1, 1));
    EXPECT_FALSE(clock.holding());
    EXPECT_EQ(clock.now(9000), 5000);
    EXPECT_EQ(clock.now(9100), 5100);
}

TEST(Lockstep, StepWithoutTriggerEndsAfterAQuietPeriod) {
    ExchangeClock clock(lockstep());
    pass(clock, 0, seen(1));
    ASSERT_TRUE(clock.holding());
    pass(clock, 3 * kMs, seen(1, 0, 5, 10));  // an order, but none was expected
    EXPECT_TRUE(clock.holding());
    pass(clock, 12 * kMs, seen(1, 0, 5, 10));
    EXPECT_TRUE(clock.holding());  // quiet since 3 ms: 9 ms
    pass(clock, 13 * kMs, seen(1, 0, 5, 10));
    EXPECT_FALSE(clock.holding());
    EXPECT_EQ(clock.counters().quiet_releases, 1u);
    EXPECT_EQ(clock.counters().reaction_timeouts, 0u);
}

TEST(Lockstep, MissingReactionTimesOutAndAChattyClientIsCapped) {
    ExchangeClock quiet(lockstep());
    pass(quiet, 0, seen(1, 1));
    pass(quiet, 10 * kMs, seen(1, 1));
    EXPECT_FALSE(quiet.holding());
    EXPECT_EQ(quiet.counters().reaction_timeouts, 1u);

    ExchangeClock chatty(lockstep(10 * kMs, 30 * kMs));
    pass(chatty, 0, seen(1, 1));
    for (std::uint64_t i = 1; i < 6; ++i) {
        pass(chatty, static_cast<std::int64_t>(i) * 5 * kMs, seen(1, 1, 0, i));
        EXPECT_TRUE(chatty.holding()) << i;
    }
    pass(chatty, 30 * kMs, seen(1, 1, 0, 7));
    EXPECT_FALSE(chatty.holding());
    EXPECT_EQ(chatty.counters().capped_releases, 1u);
}

TEST(Lockstep, StepsRunDuringAHoldBelongToItAndTheEndOfTheDayNeverHolds) {
    ExchangeClock clock(lockstep());
    pass(clock, 0, seen(1));
    pass(clock, 1 * kMs, seen(2, 1));  // a trigger at the same held time
    pass(clock, 2 * kMs, seen(2, 1, 1));
    EXPECT_FALSE(clock.holding());
    EXPECT_EQ(clock.counters().holds, 1u);
    EXPECT_EQ(clock.counters().reactions, 1u);
    LockstepObservation end = seen(3, 1, 1);
    end.session_ended = true;
    pass(clock, 3 * kMs, end);
    EXPECT_FALSE(clock.holding());
    EXPECT_EQ(clock.counters().holds, 1u);
}

}  // namespace
}  // namespace tb::exchange
