// The order path allocates nothing after start-up (STYLE.md, "The hot path"): this binary
// replaces the global operator new with a counting one and runs enters, crossing orders,
// replaces, cancels, anti-internalization, IOC and halts through a started engine.

#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "exchange_sim/engine/digest.hpp"
#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/journal.hpp"
#include "exchange_sim/engine/sinks.hpp"
#include "tests/unit/exchange_sim/random_flow.hpp"

namespace {

// Counted only while `counting` is set, so gtest's own allocations do not disturb the count.
bool counting = false;
std::size_t allocations = 0;

void* counted_allocation(std::size_t size, std::size_t alignment) {
    if (counting) {
        ++allocations;
    }
    if (size == 0) {
        size = 1;
    }
    void* p = alignment <= alignof(std::max_align_t)
                  ? std::malloc(size)
                  : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    return p;
}

}  // namespace

void* operator new(std::size_t size) {
    return counted_allocation(size, 0);
}
void* operator new[](std::size_t size) {
    return counted_allocation(size, 0);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
    return counted_allocation(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
    return counted_allocation(size, static_cast<std::size_t>(alignment));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_allocation(size, 0);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_allocation(size, 0);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}

namespace tb::exchange {
namespace {

TEST(EngineAllocation, CountingAllocatorSeesAllocations) {
    // Proves the counter works, so the zero below means something.
    counting = true;
    allocations = 0;
    auto* p = new std::vector<int>(10);
    counting = false;
    delete p;
    EXPECT_EQ(allocations, 2u);
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

    counting = true;
    allocations = 0;
    for (const Input& input : inputs) {
        engine.process(input);
    }
    counting = false;

    EXPECT_EQ(allocations, 0u);
    EXPECT_GT(engine.counters().executions, 1'000u);
    EXPECT_GT(engine.counters().orders_replaced, 1'000u);
    EXPECT_GT(engine.counters().aiq_decrements, 100u);
    EXPECT_GT(count.itch_events(), kInputs / 4);
    EXPECT_TRUE(journal.complete());
}

}  // namespace
}  // namespace tb::exchange
