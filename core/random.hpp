#pragma once

// Deterministic random numbers: xoshiro256** seeded through splitmix64, named sub-streams, and
// our own distributions.
//
// Same seed, same sequence, with any compiler and standard library: the generator is integer
// arithmetic, and the distributions use only IEEE 754 basic operations plus core/det_math (never
// std::log/std::exp or the std:: distributions, whose results differ between libraries).
//
// Thread rules: an Rng is a value; one owner uses it. Give each component its own sub-stream with
// fork(), so adding draws in one component never shifts the numbers another one sees.

#include <array>
#include <cassert>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tb::core {

__extension__ using Uint128 = unsigned __int128;

// The splitmix64 output function (a bijection on 64-bit values).
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// One splitmix64 step: advances state and returns the next output.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    state += 0x9E3779B97F4A7C15ULL;
    return mix64(state);
}

// FNV-1a, 64 bit: stable name hashing for sub-stream names.
[[nodiscard]] constexpr std::uint64_t fnv1a64(std::string_view text) noexcept {
    std::uint64_t hash = 0xCBF29CE484222325ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001B3ULL;
    }
    return hash;
}

// xoshiro256** generator with a seed it remembers, so that sub-streams derive from the seed and
// the name only, not from how many numbers were drawn before.
class Rng {
public:
    using State = std::array<std::uint64_t, 4>;

    explicit Rng(std::uint64_t seed) noexcept : seed_(seed) {
        std::uint64_t sm = seed;
        for (auto& word : state_) {
            word = splitmix64(sm);
        }
    }

    // A generator with an explicit state (for reference vectors); the state must not be all zero.
    [[nodiscard]] static Rng from_state(const State& state) noexcept {
        assert((state[0] | state[1] | state[2] | state[3]) != 0);
        Rng rng(0);
        rng.state_ = state;
        return rng;
    }

    // The independent sub-stream called `name`: the same seed and name give the same stream.
    [[nodiscard]] Rng fork(std::string_view name) const noexcept {
        return Rng(mix64(seed_ ^ mix64(fnv1a64(name))));
    }

    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }
    [[nodiscard]] const State& state() const noexcept { return state_; }

    // Next 64 uniformly distributed bits.
    [[nodiscard]] std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, bound), bound > 0, without bias (Lemire's multiply-and-reject).
    [[nodiscard]] std::uint64_t below(std::uint64_t bound) noexcept {
        assert(bound > 0);
        Uint128 product = static_cast<Uint128>(next()) * bound;
        auto low = static_cast<std::uint64_t>(product);
        if (low < bound) {
            const std::uint64_t threshold = (0 - bound) % bound;
            while (low < threshold) {
                product = static_cast<Uint128>(next()) * bound;
                low = static_cast<std::uint64_t>(product);
            }
        }
        return static_cast<std::uint64_t>(product >> 64);
    }

    // Uniform in [0, 1) with 53 random bits.
    [[nodiscard]] double uniform01() noexcept {
        return static_cast<double>(next() >> 11) * 0x1.0p-53;
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    std::uint64_t seed_;
    State state_{};
};

// Uniform integer in [lo, hi], both inclusive.
class UniformInt {
public:
    UniformInt(std::int64_t lo, std::int64_t hi) noexcept : lo_(lo), span_(span_of(lo, hi)) {}
    [[nodiscard]] std::int64_t operator()(Rng& rng) const noexcept {
        // span_ == 0 means the full 64-bit range.
        const std::uint64_t offset = span_ == 0 ? rng.next() : rng.below(span_);
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo_) + offset);
    }

private:
    static std::uint64_t span_of(std::int64_t lo, std::int64_t hi) noexcept {
        assert(lo <= hi);
        return static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    }
    std::int64_t lo_;
    std::uint64_t span_;
};

// Uniform real in [lo, hi).
class UniformReal {
public:
    UniformReal(double lo, double hi) noexcept : lo_(lo), width_(hi - lo) { assert(lo <= hi); }
    [[nodiscard]] double operator()(Rng& rng) const noexcept {
        return lo_ + width_ * rng.uniform01();
    }

private:
    double lo_;
    double width_;
};

// True with probability p, p in [0, 1]; exact for p = 0 and p = 1, resolution 2^-64.
class Bernoulli {
public:
    explicit Bernoulli(double p) noexcept;
    [[nodiscard]] bool operator()(Rng& rng) const noexcept {
        return always_ || rng.next() < threshold_;
    }

private:
    std::uint64_t threshold_ = 0;
    bool always_ = false;
};

// Exponential with the given mean (> 0).
class Exponential {
public:
    explicit Exponential(double mean) noexcept : mean_(mean) { assert(mean > 0.0); }
    [[nodiscard]] double operator()(Rng& rng) const noexcept;

private:
    double mean_;
};

// Normal (Gaussian) with the given mean and standard deviation (>= 0), by Marsaglia's polar
// method.
class Normal {
public:
    Normal(double mean, double stddev) noexcept : mean_(mean), stddev_(stddev) {
        assert(stddev >= 0.0);
    }
    [[nodiscard]] double operator()(Rng& rng) const noexcept;

private:
    double mean_;
    double stddev_;
};

// Log-normal: exp(N(mu, sigma)), where mu and sigma describe the underlying normal.
class LogNormal {
public:
    LogNormal(double mu, double sigma) noexcept : normal_(mu, sigma) {}
    // The log-normal whose own mean and standard deviation are the ones given (mean > 0).
    [[nodiscard]] static LogNormal from_mean_stddev(double mean, double stddev) noexcept;
    [[nodiscard]] double operator()(Rng& rng) const noexcept;

private:
    Normal normal_;
};

// Pareto (type I): scale * U^(-1/shape), values >= scale; mean is finite for shape > 1.
class Pareto {
public:
    Pareto(double scale, double shape) noexcept : scale_(scale), inv_shape_(1.0 / shape) {
        assert(scale > 0.0 && shape > 0.0);
    }
    [[nodiscard]] double operator()(Rng& rng) const noexcept;

private:
    double scale_;
    double inv_shape_;
};

// Poisson with the given mean (>= 0): inversion below a mean of 12, Hoermann's PTRS (transformed
// rejection with squeeze) above.
class Poisson {
public:
    explicit Poisson(double mean) noexcept;
    [[nodiscard]] std::int64_t operator()(Rng& rng) const noexcept;

private:
    double mean_;
    double exp_neg_mean_ = 0.0;  // inversion
    double log_mean_ = 0.0;      // PTRS constants
    double a_ = 0.0;
    double b_ = 0.0;
    double inv_alpha_ = 0.0;
    double v_r_ = 0.0;
};

// Index in [0, weights.size()) drawn with probability proportional to its weight, in O(1) by
// Walker's alias method. Built once (allocates); sampling does not allocate.
class Discrete {
public:
    // Weights must be finite, >= 0, with a positive sum (asserted).
    explicit Discrete(std::span<const double> weights);
    [[nodiscard]] std::size_t operator()(Rng& rng) const noexcept {
        const std::size_t i = rng.below(probability_.size());
        return rng.uniform01() < probability_[i] ? i : alias_[i];
    }
    [[nodiscard]] std::size_t size() const noexcept { return probability_.size(); }

private:
    std::vector<double> probability_;
    std::vector<std::size_t> alias_;
};

// Continuous samples shaped like an empirical table of observations: the inverse of the sample
// distribution function, linear between order statistics. Built once (allocates, sorts).
class Empirical {
public:
    // At least one finite value (asserted).
    explicit Empirical(std::span<const double> values);
    [[nodiscard]] double operator()(Rng& rng) const noexcept;
    [[nodiscard]] double min() const noexcept { return sorted_.front(); }
    [[nodiscard]] double max() const noexcept { return sorted_.back(); }

private:
    std::vector<double> sorted_;
};

}  // namespace tb::core
