#pragma once

// Clocks. All times are int64_t nanoseconds (DESIGN.md, "Time").
//
// Every component that reads time is given a clock; nothing reads the system clock directly.
// Two implementations satisfy the Clock concept:
//  - TscClock: the CPU's time-stamp counter calibrated to nanoseconds, aligned at calibration to
//    CLOCK_MONOTONIC so that two processes on one machine read comparable times;
//  - VirtualClock: a value the owner sets and advances (sim mode).
// Hot code is templated on the concept; code outside the per-packet path can hold a ClockRef,
// a two-word handle chosen once at start-up (one indirect call per read).

#include <cassert>
#include <concepts>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace tb::core {

template <class C>
concept Clock = requires(const C& clock) {
    { clock.now_ns() }
    noexcept->std::same_as<std::int64_t>;
};

class TscClock {
public:
    // Calibrates against CLOCK_MONOTONIC over about calibration_ns (default 20 ms). The first
    // construction in a process calibrates; later ones reuse that calibration (shared, read-only).
    TscClock() noexcept;

    [[nodiscard]] std::int64_t now_ns() const noexcept { return to_ns(read_tsc()); }

    // Raw counter and its conversion, for code that stamps first and converts later.
    [[nodiscard]] static std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        return __rdtsc();
#else
        return fallback_ticks();
#endif
    }
    [[nodiscard]] std::int64_t to_ns(std::uint64_t tsc) const noexcept {
        // Fixed point: ns = base_ns + (tsc - base_tsc) * mult >> kShift. The difference is
        // signed so that a counter read just before calibration still converts correctly.
        const auto delta = static_cast<std::int64_t>(tsc - base_tsc_);
        __extension__ using Int128 = __int128;
        return base_ns_ + static_cast<std::int64_t>((static_cast<Int128>(delta) * mult_) >> kShift);
    }

    // Counter ticks per second as calibrated.
    [[nodiscard]] double tsc_hz() const noexcept {
        return tsc_hz_;
    }
    // Whether the CPU reports an invariant TSC (constant rate in all power states). Virtual
    // machines often hide the flag even where the counter is usable.
    [[nodiscard]] static bool invariant_tsc() noexcept;

private:
    static constexpr int kShift = 32;
    static std::uint64_t fallback_ticks() noexcept;

    std::uint64_t base_tsc_ = 0;
    std::int64_t base_ns_ = 0;
    std::int64_t mult_ = 0;  // ns per tick, scaled by 2^kShift
    double tsc_hz_ = 0.0;
};

class VirtualClock {
public:
    explicit VirtualClock(std::int64_t start_ns = 0) noexcept : now_ns_(start_ns) {}

    [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }

    // Time never goes backwards (asserted).
    void set(std::int64_t t_ns) noexcept {
        assert(t_ns >= now_ns_);
        now_ns_ = t_ns;
    }
    void advance(std::int64_t delta_ns) noexcept {
        assert(delta_ns >= 0);
        now_ns_ += delta_ns;
    }

private:
    std::int64_t now_ns_;
};

static_assert(Clock<TscClock>);
static_assert(Clock<VirtualClock>);

// A non-owning handle to any Clock; the clock must outlive it.
class ClockRef {
public:
    template <Clock C>
    ClockRef(const C& clock) noexcept  // NOLINT(google-explicit-constructor): a view, like span
        : clock_(&clock),
          read_([](const void* c) noexcept { return static_cast<const C*>(c)->now_ns(); }) {}

    [[nodiscard]] std::int64_t now_ns() const noexcept { return read_(clock_); }

private:
    const void* clock_;
    std::int64_t (*read_)(const void*) noexcept;
};

static_assert(Clock<ClockRef>);

}  // namespace tb::core
