#include "core/clock.hpp"

#include <time.h>

#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace tb::core {
namespace {

constexpr std::int64_t kCalibrationNs = 20'000'000;
constexpr int kPairAttempts = 7;

std::int64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Pair {
    std::uint64_t tsc;
    std::int64_t ns;
};

// A (counter, monotonic time) pair read as close together as possible: the attempt with the
// narrowest counter bracket around the clock_gettime call wins.
Pair read_pair() noexcept {
    Pair best{};
    std::uint64_t best_width = ~std::uint64_t{0};
    for (int i = 0; i < kPairAttempts; ++i) {
        const std::uint64_t before = TscClock::read_tsc();
        const std::int64_t ns = monotonic_ns();
        const std::uint64_t after = TscClock::read_tsc();
        if (after - before < best_width) {
            best_width = after - before;
            best = Pair{before + (after - before) / 2, ns};
        }
    }
    return best;
}

struct Calibration {
    std::uint64_t base_tsc;
    std::int64_t base_ns;
    std::int64_t mult;
    double hz;
};

Calibration calibrate() noexcept {
    const Pair start = read_pair();
    const timespec pause{0, kCalibrationNs};
    nanosleep(&pause, nullptr);
    const Pair end = read_pair();
    const double ticks = static_cast<double>(end.tsc - start.tsc);
    const double ns = static_cast<double>(end.ns - start.ns);
    assert(ticks > 0.0 && ns > 0.0);
    Calibration c{};
    c.base_tsc = end.tsc;
    c.base_ns = end.ns;
    c.mult = static_cast<std::int64_t>(std::llround(ns / ticks * 4294967296.0));
    c.hz = ticks * 1e9 / ns;
    return c;
}

}  // namespace

TscClock::TscClock() noexcept {
    static const Calibration calibration = calibrate();
    base_tsc_ = calibration.base_tsc;
    base_ns_ = calibration.base_ns;
    mult_ = calibration.mult;
    tsc_hz_ = calibration.hz;
    static_assert(kShift == 32, "calibrate() scales by 2^32");
}

bool TscClock::invariant_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0;
    unsigned ebx = 0;
    unsigned ecx = 0;
    unsigned edx = 0;
    if (__get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) == 0) {
        return false;
    }
    return (edx & (1U << 8)) != 0;
#else
    return true;
#endif
}

std::uint64_t TscClock::fallback_ticks() noexcept {
    return static_cast<std::uint64_t>(monotonic_ns());
}

}  // namespace tb::core
