#pragma once

// Proof that a hot phase allocates nothing (STYLE.md, "The hot path"). Linking
// tb::test_counting_new replaces the global operator new and delete of the test binary with
// versions that count, per thread, every allocation; an AllocationScope reports how many the
// current thread made since it was created:
//
//     tb::test::AllocationScope scope;
//     run_the_hot_phase();
//     EXPECT_EQ(scope.allocations(), 0U);
//
// Counting per thread keeps the allocations of DPDK's control threads out of the figure.

#include <cstdint>

namespace tb::test {

// Allocations (every form of operator new) made by the calling thread so far.
[[nodiscard]] std::uint64_t thread_allocations() noexcept;

class AllocationScope {
public:
    AllocationScope() noexcept : start_(thread_allocations()) {}
    [[nodiscard]] std::uint64_t allocations() const noexcept {
        return thread_allocations() - start_;
    }

private:
    std::uint64_t start_;
};

}  // namespace tb::test
