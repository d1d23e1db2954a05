#pragma once

// Latency histogram with HdrHistogram's log-linear bucket layout.
//
// Values are non-negative integers (nanoseconds for latency). With 3 significant digits every
// recorded value is kept to within 1 part in 1000 of its true value: below 2048 exactly, above
// that in buckets of width 2^k covering [1024 * 2^k, 2048 * 2^k). The counts array is allocated
// once at construction; record() never allocates and takes a few nanoseconds.
//
// percentile_distribution() writes HdrHistogram's `.hgrm` text ("Value Percentile TotalCount
// 1/(1-Percentile)" rows and the #[Mean ...] / #[Max ...] / #[Buckets ...] footer), which
// HdrHistogram's plotters read.
//
// Thread rules: one writer; merge per-thread histograms on the control side.

#include <cassert>
#include <cstdint>
#include <string>
#include <vector>

namespace tb::core {

class Histogram {
public:
    static constexpr std::int64_t kDefaultHighestNs = 60'000'000'000;  // 60 s

    // Tracks values in [0, highest_trackable] with significant_digits in [1, 5].
    explicit Histogram(std::int64_t highest_trackable = kDefaultHighestNs,
                       int significant_digits = 3);

    // Records a value. Negative values count as 0 and values above highest_trackable() as
    // highest_trackable(); both are also counted in out_of_range().
    void record(std::int64_t value) noexcept { record_n(value, 1); }
    void record_n(std::int64_t value, std::int64_t count) noexcept {
        assert(count >= 0);
        if (value < 0 || value > highest_trackable_) [[unlikely]] {
            value = value < 0 ? 0 : highest_trackable_;
            out_of_range_ += count;
        }
        counts_[index_of(value)] += count;
        total_ += count;
        sum_ += static_cast<double>(value) * static_cast<double>(count);
        if (value < min_) {
            min_ = value;
        }
        if (value > max_) {
            max_ = value;
        }
    }

    // Adds every count of `other`, which must have the same layout (asserted).
    void merge(const Histogram& other) noexcept;
    void reset() noexcept;

    [[nodiscard]] std::int64_t total_count() const noexcept { return total_; }
    [[nodiscard]] std::int64_t out_of_range() const noexcept { return out_of_range_; }
    // Exact smallest and largest recorded values (0 when empty).
    [[nodiscard]] std::int64_t min() const noexcept { return total_ == 0 ? 0 : min_; }
    [[nodiscard]] std::int64_t max() const noexcept { return total_ == 0 ? 0 : max_; }
    // Exact mean of the recorded (clamped) values; 0 when empty.
    [[nodiscard]] double mean() const noexcept;
    // Standard deviation from the bucket midpoints around the exact mean.
    [[nodiscard]] double stddev() const noexcept;

    // The value at `percentile` (0..100), nearest-rank: the smallest recorded value v such that
    // at least percentile% of the values are <= v, reported as the top of its bucket and
    // clamped to [min(), max()]. 0 when empty.
    [[nodiscard]] std::int64_t value_at_percentile(double percentile) const noexcept;

    // Bucket geometry: every value in [lowest_equivalent(v), highest_equivalent(v)] shares a
    // counter.
    [[nodiscard]] std::int64_t lowest_equivalent(std::int64_t value) const noexcept;
    [[nodiscard]] std::int64_t highest_equivalent(std::int64_t value) const noexcept;

    [[nodiscard]] std::int64_t highest_trackable() const noexcept { return highest_trackable_; }
    [[nodiscard]] int significant_digits() const noexcept { return significant_digits_; }
    [[nodiscard]] int bucket_count() const noexcept { return bucket_count_; }
    [[nodiscard]] std::int64_t sub_bucket_count() const noexcept { return sub_bucket_count_; }

    // HdrHistogram percentile distribution text. Values are divided by value_unit_ratio
    // (1000.0 writes nanosecond recordings as microseconds); ticks_per_half_distance rows are
    // written each time the distance to 100% halves (HdrHistogram uses 5).
    [[nodiscard]] std::string percentile_distribution(double value_unit_ratio = 1.0,
                                                      int ticks_per_half_distance = 5) const;

    // One line: count, min, p50, p90, p99, p99.9, p99.99, max and mean, values divided by
    // value_unit_ratio and followed by unit (for example 1000.0 and "us").
    [[nodiscard]] std::string summary(double value_unit_ratio = 1.0, const char* unit = "ns") const;

private:
    [[nodiscard]] int bucket_index(std::int64_t value) const noexcept {
        // Position of the highest set bit, with every value below sub_bucket_count_ in bucket 0.
        const int top_bit = 63 - __builtin_clzll(static_cast<std::uint64_t>(value) |
                                                 static_cast<std::uint64_t>(sub_bucket_mask_));
        return top_bit - sub_bucket_half_count_magnitude_;
    }
    [[nodiscard]] std::size_t index_of(std::int64_t value) const noexcept {
        const int bucket = bucket_index(value);
        const std::int64_t sub_bucket = value >> bucket;
        return static_cast<std::size_t>(
            (static_cast<std::int64_t>(bucket + 1) << sub_bucket_half_count_magnitude_) +
            (sub_bucket - sub_bucket_half_count_));
    }
    [[nodiscard]] std::int64_t value_from_index(std::size_t index) const noexcept;

    std::int64_t highest_trackable_;
    int significant_digits_;
    int sub_bucket_half_count_magnitude_ = 0;
    std::int64_t sub_bucket_count_ = 0;
    std::int64_t sub_bucket_half_count_ = 0;
    std::int64_t sub_bucket_mask_ = 0;
    int bucket_count_ = 0;

    std::vector<std::int64_t> counts_;
    std::int64_t total_ = 0;
    std::int64_t out_of_range_ = 0;
    std::int64_t min_ = INT64_MAX;
    std::int64_t max_ = 0;
    double sum_ = 0.0;
};

}  // namespace tb::core
