#include "core/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tb::core {
namespace {

// Appends printf-formatted text to out.
template <class... Args>
void appendf(std::string& out, const char* format, Args... args) {
    char line[256];
    const int n = std::snprintf(line, sizeof line, format, args...);
    assert(n >= 0 && static_cast<std::size_t>(n) < sizeof line);
    out.append(line, static_cast<std::size_t>(n));
}

// floor(log2(x)) for x >= 1, computed by doubling so that it does not depend on libm.
int floor_log2(double x) {
    int k = 0;
    double power = 2.0;
    while (power <= x) {
        power *= 2.0;
        ++k;
    }
    return k;
}

}  // namespace

Histogram::Histogram(std::int64_t highest_trackable, int significant_digits)
    : highest_trackable_(highest_trackable), significant_digits_(significant_digits) {
    assert(significant_digits >= 1 && significant_digits <= 5);
    assert(highest_trackable >= 2);
    // Exact resolution up to 2 * 10^digits needs 2^magnitude sub-buckets.
    std::int64_t largest_exact = 2;
    for (int i = 0; i < significant_digits; ++i) {
        largest_exact *= 10;
    }
    int magnitude = 0;
    while ((std::int64_t{1} << magnitude) < largest_exact) {
        ++magnitude;
    }
    sub_bucket_half_count_magnitude_ = magnitude - 1;
    sub_bucket_count_ = std::int64_t{1} << magnitude;
    sub_bucket_half_count_ = sub_bucket_count_ / 2;
    sub_bucket_mask_ = sub_bucket_count_ - 1;

    // Buckets double in range until the highest trackable value is covered.
    std::int64_t smallest_untrackable = sub_bucket_count_;
    bucket_count_ = 1;
    while (smallest_untrackable <= highest_trackable) {
        if (smallest_untrackable > INT64_MAX / 2) {
            ++bucket_count_;
            break;
        }
        smallest_untrackable <<= 1;
        ++bucket_count_;
    }
    counts_.assign(static_cast<std::size_t>((bucket_count_ + 1) * sub_bucket_half_count_), 0);
    assert(index_of(highest_trackable_) < counts_.size());
}

void Histogram::merge(const Histogram& other) noexcept {
    assert(other.highest_trackable_ == highest_trackable_ &&
           other.significant_digits_ == significant_digits_);
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    out_of_range_ += other.out_of_range_;
    sum_ += other.sum_;
    if (other.total_ > 0) {
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }
}

void Histogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    out_of_range_ = 0;
    min_ = INT64_MAX;
    max_ = 0;
    sum_ = 0.0;
}

std::int64_t Histogram::value_from_index(std::size_t index) const noexcept {
    auto bucket =
        static_cast<int>(static_cast<std::int64_t>(index) >> sub_bucket_half_count_magnitude_) - 1;
    std::int64_t sub_bucket =
        (static_cast<std::int64_t>(index) & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
    if (bucket < 0) {
        sub_bucket -= sub_bucket_half_count_;
        bucket = 0;
    }
    return sub_bucket << bucket;
}

std::int64_t Histogram::lowest_equivalent(std::int64_t value) const noexcept {
    const int bucket = bucket_index(value);
    return (value >> bucket) << bucket;
}

std::int64_t Histogram::highest_equivalent(std::int64_t value) const noexcept {
    const int bucket = bucket_index(value);
    return lowest_equivalent(value) + (std::int64_t{1} << bucket) - 1;
}

double Histogram::mean() const noexcept {
    return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_);
}

double Histogram::stddev() const noexcept {
    if (total_ == 0) {
        return 0.0;
    }
    const double m = mean();
    double sum_squares = 0.0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] == 0) {
            continue;
        }
        const std::int64_t low = value_from_index(i);
        const double mid =
            static_cast<double>(low) + static_cast<double>(highest_equivalent(low) - low) / 2.0;
        const double deviation = mid - m;
        sum_squares += deviation * deviation * static_cast<double>(counts_[i]);
    }
    return std::sqrt(sum_squares / static_cast<double>(total_));
}

std::int64_t Histogram::value_at_percentile(double percentile) const noexcept {
    if (total_ == 0) {
        return 0;
    }
    percentile = std::clamp(percentile, 0.0, 100.0);
    // Nearest rank, with a tolerance so that 99.9% of 1000 is rank 999 and not 1000 because
    // 99.9 / 100 is not exact in binary.
    const double target = percentile / 100.0 * static_cast<double>(total_);
    const double nearest = std::round(target);
    std::int64_t rank = std::fabs(target - nearest) <= 1e-9 * std::max(1.0, target)
                            ? static_cast<std::int64_t>(nearest)
                            : static_cast<std::int64_t>(std::ceil(target));
    rank = std::clamp<std::int64_t>(rank, 1, total_);
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        cumulative += counts_[i];
        if (cumulative >= rank) {
            return std::clamp(highest_equivalent(value_from_index(i)), min_, max_);
        }
    }
    return max_;
}

std::string Histogram::percentile_distribution(double value_unit_ratio,
                                               int ticks_per_half_distance) const {
    assert(value_unit_ratio > 0.0 && ticks_per_half_distance > 0);
    std::string out;
    const int digits = significant_digits_;
    appendf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
            "1/(1-Percentile)");

    if (total_ > 0) {
        // Walk the buckets in value order; each time the cumulative share reaches the next
        // reporting level, write a row and move the level on by a step that halves whenever
        // the remaining distance to 100% halves.
        double level = 0.0;
        std::int64_t cumulative = 0;
        std::int64_t value = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            if (counts_[i] == 0) {
                continue;
            }
            cumulative += counts_[i];
            value = std::min(highest_equivalent(value_from_index(i)), max_);
            const bool last = cumulative == total_;
            const double share =
                100.0 * static_cast<double>(cumulative) / static_cast<double>(total_);
            while (share >= level && level < 100.0) {
                const double fraction = level / 100.0;
                appendf(out, "%12.*f %2.12f %10lld %14.2f\n", digits,
                        static_cast<double>(value) / value_unit_ratio, fraction,
                        static_cast<long long>(cumulative), 1.0 / (1.0 - fraction));
                const int halvings = floor_log2(100.0 / (100.0 - level));
                const double ticks =
                    static_cast<double>(ticks_per_half_distance) * std::ldexp(1.0, halvings + 1);
                level += 100.0 / ticks;
                if (last) {
                    break;
                }
            }
            if (last) {
                break;
            }
        }
        appendf(out, "%12.*f %2.12f %10lld\n", digits,
                static_cast<double>(value) / value_unit_ratio, 1.0, static_cast<long long>(total_));
    }

    appendf(out, "#[Mean    = %12.*f, StdDeviation   = %12.*f]\n", digits,
            mean() / value_unit_ratio, digits, stddev() / value_unit_ratio);
    appendf(out, "#[Max     = %12.*f, Total count    = %12lld]\n", digits,
            static_cast<double>(max()) / value_unit_ratio, static_cast<long long>(total_));
    appendf(out, "#[Buckets = %12d, SubBuckets     = %12lld]\n", bucket_count_,
            static_cast<long long>(sub_bucket_count_));
    return out;
}

std::string Histogram::summary(double value_unit_ratio, const char* unit) const {
    std::string out;
    const auto scaled = [&](std::int64_t v) { return static_cast<double>(v) / value_unit_ratio; };
    appendf(out, "count=%lld min=%.3f%s", static_cast<long long>(total_), scaled(min()), unit);
    const double percentiles[] = {50.0, 90.0, 99.0, 99.9, 99.99};
    const char* names[] = {"p50", "p90", "p99", "p99.9", "p99.99"};
    for (std::size_t i = 0; i < std::size(percentiles); ++i) {
        appendf(out, " %s=%.3f%s", names[i], scaled(value_at_percentile(percentiles[i])), unit);
    }
    appendf(out, " max=%.3f%s mean=%.3f%s", scaled(max()), unit, mean() / value_unit_ratio, unit);
    return out;
}

}  // namespace tb::core
