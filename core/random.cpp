#include "core/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/det_math.hpp"

namespace tb::core {

Bernoulli::Bernoulli(double p) noexcept {
    assert(p >= 0.0 && p <= 1.0);
    if (p >= 1.0) {
        always_ = true;
        return;
    }
    const double scaled = p * 0x1.0p64;
    threshold_ = scaled >= 0x1.0p64 ? std::numeric_limits<std::uint64_t>::max()
                                    : static_cast<std::uint64_t>(scaled);
}

double Exponential::operator()(Rng& rng) const noexcept {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    return -mean_ * det_math::log(1.0 - rng.uniform01());
}

double Normal::operator()(Rng& rng) const noexcept {
    // Marsaglia's polar method; one of the pair is used so that the distribution has no state.
    for (;;) {
        const double u = 2.0 * rng.uniform01() - 1.0;
        const double v = 2.0 * rng.uniform01() - 1.0;
        const double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) {
            return mean_ + stddev_ * u * std::sqrt(-2.0 * det_math::log(s) / s);
        }
    }
}

LogNormal LogNormal::from_mean_stddev(double mean, double stddev) noexcept {
    assert(mean > 0.0 && stddev >= 0.0);
    const double ratio = stddev / mean;
    const double sigma2 = det_math::log(1.0 + ratio * ratio);
    return LogNormal(det_math::log(mean) - 0.5 * sigma2, std::sqrt(sigma2));
}

double LogNormal::operator()(Rng& rng) const noexcept {
    return det_math::exp(normal_(rng));
}

double Pareto::operator()(Rng& rng) const noexcept {
    // (1 - u) in (0, 1]: scale * (1 - u)^(-1/shape).
    return scale_ * det_math::exp(-det_math::log(1.0 - rng.uniform01()) * inv_shape_);
}

namespace {
constexpr double kPoissonInversionLimit = 12.0;
// Inversion below the limit never needs more terms than this for any u < 1 (the tail beyond it
// is below 2^-53).
constexpr std::int64_t kPoissonInversionMaxK = 80;
}  // namespace

Poisson::Poisson(double mean) noexcept : mean_(mean) {
    assert(mean >= 0.0 && std::isfinite(mean));
    if (mean < kPoissonInversionLimit) {
        exp_neg_mean_ = det_math::exp(-mean);
        return;
    }
    // Constants of PTRS (W. Hoermann, "The transformed rejection method for generating Poisson
    // random variables", 1993).
    const double sqrt_mean = std::sqrt(mean);
    log_mean_ = det_math::log(mean);
    b_ = 0.931 + 2.53 * sqrt_mean;
    a_ = -0.059 + 0.02483 * b_;
    inv_alpha_ = 1.1239 + 1.1328 / (b_ - 3.4);
    v_r_ = 0.9277 - 3.6224 / (b_ - 2.0);
}

std::int64_t Poisson::operator()(Rng& rng) const noexcept {
    if (mean_ < kPoissonInversionLimit) {
        const double u = rng.uniform01();
        double p = exp_neg_mean_;
        double cdf = p;
        std::int64_t k = 0;
        while (u >= cdf && k < kPoissonInversionMaxK) {
            ++k;
            p *= mean_ / static_cast<double>(k);
            cdf += p;
        }
        return k;
    }
    for (;;) {
        const double u = rng.uniform01() - 0.5;
        const double v = rng.uniform01();
        const double us = 0.5 - std::fabs(u);
        const double k = std::floor((2.0 * a_ / us + b_) * u + mean_ + 0.43);
        if (us >= 0.07 && v <= v_r_) {
            return static_cast<std::int64_t>(k);
        }
        if (k < 0.0 || (us < 0.013 && v > us)) {
            continue;
        }
        // v > 0 is needed for the logarithm; v == 0 has probability 2^-53 and is simply redrawn.
        if (v <= 0.0) {
            continue;
        }
        const double lhs =
            det_math::log(v) + det_math::log(inv_alpha_) - det_math::log(a_ / (us * us) + b_);
        const double rhs =
            -mean_ + k * log_mean_ - det_math::log_factorial(static_cast<long long>(k));
        if (lhs <= rhs) {
            return static_cast<std::int64_t>(k);
        }
    }
}

Discrete::Discrete(std::span<const double> weights)
    : probability_(weights.size()), alias_(weights.size()) {
    const std::size_t n = weights.size();
    assert(n > 0);
    double total = 0.0;
    for (const double w : weights) {
        assert(w >= 0.0 && std::isfinite(w));
        total += w;
    }
    assert(total > 0.0);
    // Vose's construction: scaled weights below 1 are topped up by one donor above 1.
    std::vector<double> scaled(n);
    std::vector<std::size_t> small;
    std::vector<std::size_t> large;
    for (std::size_t i = 0; i < n; ++i) {
        scaled[i] = weights[i] * static_cast<double>(n) / total;
        (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
        const std::size_t s = small.back();
        small.pop_back();
        const std::size_t l = large.back();
        probability_[s] = scaled[s];
        alias_[s] = l;
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    // Whatever is left is 1 up to rounding.
    for (const std::size_t i : large) {
        probability_[i] = 1.0;
        alias_[i] = i;
    }
    for (const std::size_t i : small) {
        probability_[i] = 1.0;
        alias_[i] = i;
    }
}

Empirical::Empirical(std::span<const double> values) : sorted_(values.begin(), values.end()) {
    assert(!sorted_.empty());
    std::sort(sorted_.begin(), sorted_.end());
}

double Empirical::operator()(Rng& rng) const noexcept {
    if (sorted_.size() == 1) {
        return sorted_.front();
    }
    const double position = rng.uniform01() * static_cast<double>(sorted_.size() - 1);
    const auto i = static_cast<std::size_t>(position);
    const double fraction = position - static_cast<double>(i);
    return sorted_[i] + fraction * (sorted_[i + 1] - sorted_[i]);
}

}  // namespace tb::core
