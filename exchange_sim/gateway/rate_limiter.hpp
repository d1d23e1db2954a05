#pragma once

// A token bucket in integer nanoseconds: `rate_per_s` events per second on average, bursts of up
// to `burst` events. The bucket holds credit measured in nanoseconds of time; each event costs
// 1e9 / rate_per_s ns and the credit is capped at burst events' worth. Integer arithmetic only,
// so seeded runs decide the same events everywhere. A rate of 0 disables the limit.

#include <algorithm>
#include <cstdint>

namespace tb::exchange {

class RateLimiter {
public:
    RateLimiter() noexcept = default;
    RateLimiter(std::uint64_t rate_per_s, std::uint64_t burst) noexcept
        : cost_ns_(rate_per_s == 0 ? 0
                                   : std::max<std::int64_t>(
                                         1, static_cast<std::int64_t>(1'000'000'000 / rate_per_s))),
          capacity_ns_(cost_ns_ * static_cast<std::int64_t>(std::max<std::uint64_t>(burst, 1))),
          credit_ns_(capacity_ns_) {}

    [[nodiscard]] bool enabled() const noexcept { return cost_ns_ != 0; }

    // Takes `count` events' worth of credit at time now_ns if the bucket has it.
    [[nodiscard]] bool try_take(std::int64_t now_ns, std::uint64_t count = 1) noexcept {
        if (cost_ns_ == 0) {
            return true;
        }
        refill(now_ns);
        const std::int64_t cost = cost_ns_ * static_cast<std::int64_t>(count);
        if (credit_ns_ < cost) {
            return false;
        }
        credit_ns_ -= cost;
        return true;
    }

    // How many events the bucket allows now (at most `wanted`), taking their credit.
    [[nodiscard]] std::uint64_t take_up_to(std::int64_t now_ns, std::uint64_t wanted) noexcept {
        if (cost_ns_ == 0) {
            return wanted;
        }
        refill(now_ns);
        const auto available = static_cast<std::uint64_t>(credit_ns_ / cost_ns_);
        const std::uint64_t granted = std::min(available, wanted);
        credit_ns_ -= static_cast<std::int64_t>(granted) * cost_ns_;
        return granted;
    }

private:
    void refill(std::int64_t now_ns) noexcept {
        if (!started_) {
            started_ = true;
            last_ns_ = now_ns;
            return;
        }
        if (now_ns > last_ns_) {
            // Cut the pause to the bucket's size first, so the sum cannot overflow.
            const std::int64_t pause = std::min(now_ns - last_ns_, capacity_ns_);
            credit_ns_ = std::min(capacity_ns_, credit_ns_ + pause);
            last_ns_ = now_ns;
        }
    }

    std::int64_t cost_ns_ = 0;
    std::int64_t capacity_ns_ = 0;
    std::int64_t credit_ns_ = 0;
    std::int64_t last_ns_ = 0;
    bool started_ = false;
};

}  // namespace tb::exchange
