// The order path allocates nothing after start-up (STYLE.md, "The hot path"): this binary
// replaces the global operator new with a counting one and runs enters, crossing orders,
// replaces, cancels, anti-internalization, IOC and halts through a started engine.

#include <vector>

#include <gtest/gtest.h>

#include "exchange_sim/engine/digest.hpp"
#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/journal.hpp"
#include "exchange_sim/engine/sinks.hpp"
#include "tests/support/counting_new.hpp"
#include "tests/unit/exchange_sim/random_flow.hpp"

namespace tb::exchange {
namespace {

TEST(EngineAllocation, CountingAllocatorSeesAllocations) {
    // Proves the counter works, so the zero below means something. A direct call to operator
    // new, because the optimizer may merge or drop the allocations of a new-expression.
    const tb::test::AllocationScope scope;
    void* p = ::operator new(64);
    const std::uint64_t counted = scope.allocations();
    ::operator delete(p);
    EXPECT_EQ(counted, 1u);
}

TEST(EngineAllocation, OrderPathDoesNotAllocateAfterStartUp) {
    const EngineConfig config = testing::random_flow_config();
    constexpr std::size_t kInputs = 100'000;
    // Inputs are generated beforehand: the flow generator itself allocates.
    testing::RandomFlow flow(77);
    std::vector<Input> inputs;
    inputs.reserve(kInputs);
    for (std::size_t i = 0; i < kInputs; ++i) {
        inputs.push_back(flow.next());
    }
    std::vector<std::byte> journal_buffer(kInputs * 64 + kJournalHeaderSize);
    DigestSink digest;
    CountingSink count;
    TeeSink<DigestSink, CountingSink> sink(digest, count);
    Engine<TeeSink<DigestSink, CountingSink>> engine(config, sink);
    JournalWriter journal(journal_buffer, engine.config_fingerprint());
    engine.attach_journal(&journal);

    const tb::test::AllocationScope scope;
    for (const Input& input : inputs) {
        engine.process(input);
    }
    EXPECT_EQ(scope.allocations(), 0u);
    EXPECT_GT(engine.counters().executions, 1'000u);
    EXPECT_GT(engine.counters().orders_replaced, 1'000u);
    EXPECT_GT(engine.counters().aiq_decrements, 100u);
    EXPECT_GT(count.itch_events(), kInputs / 4);
    EXPECT_TRUE(journal.complete());
}

}  // namespace
}  // namespace tb::exchange
