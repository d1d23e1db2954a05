#include "core/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "core/random.hpp"

namespace tb::core {
namespace {

// Exact nearest-rank percentile of sorted values, with the percentile given in parts per
// million so that the rank is integer arithmetic.
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, std::int64_t ppm) {
    const auto n = static_cast<std::int64_t>(sorted.size());
    std::int64_t rank = (ppm * n + 999'999) / 1'000'000;
    rank = std::clamp<std::int64_t>(rank, 1, n);
    return sorted[static_cast<std::size_t>(rank - 1)];
}

std::vector<std::int64_t> latency_like_samples(std::uint64_t seed, int n) {
    Rng rng(seed);
    const LogNormal body = LogNormal::from_mean_stddev(800.0, 400.0);
    const Pareto tail(20'000.0, 1.5);
    const Bernoulli in_tail(0.01);
    std::vector<std::int64_t> values;
    values.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const double v = in_tail(rng) ? tail(rng) : body(rng);
        values.push_back(std::min<std::int64_t>(static_cast<std::int64_t>(v), 50'000'000'000));
    }
    return values;
}

TEST(Histogram, PercentilesMatchSortedArrayWithinOnePartInAThousand) {
    for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
        std::vector<std::int64_t> values = latency_like_samples(seed, 100'000);
        Histogram h;
        for (const std::int64_t v : values) {
            h.record(v);
        }
        std::sort(values.begin(), values.end());
        for (const std::int64_t ppm : {0LL, 1LL, 100'000LL, 500'000LL, 900'000LL, 990'000LL,
                                       999'000LL, 999'900LL, 1'000'000LL}) {
            const std::int64_t exact = exact_percentile(values, ppm);
            const std::int64_t reported =
                h.value_at_percentile(static_cast<double>(ppm) / 10'000.0);
            // The reported value is the top of the exact value's bucket (clamped to the max).
            EXPECT_GE(reported, exact) << "seed " << seed << " ppm " << ppm;
            EXPECT_LE(reported, exact + exact / 1024) << "seed " << seed << " ppm " << ppm;
            EXPECT_EQ(h.lowest_equivalent(reported), h.lowest_equivalent(exact));
        }
        EXPECT_EQ(h.min(), values.front());
        EXPECT_EQ(h.max(), values.back());
        EXPECT_EQ(h.total_count(), 100'000);
    }
}

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (std::int64_t v = 0; v < 2048; ++v) {
        EXPECT_EQ(h.lowest_equivalent(v), v);
        EXPECT_EQ(h.highest_equivalent(v), v);
    }
    h.record(7);
    h.record(7);
    h.record(1999);
    EXPECT_EQ(h.value_at_percentile(50.0), 7);
    EXPECT_EQ(h.value_at_percentile(66.0), 7);
    EXPECT_EQ(h.value_at_percentile(67.0), 1999);
}

TEST(Histogram, BucketsKeepThreeSignificantDigitsUpToSixtySeconds) {
    const Histogram h;
    EXPECT_GE(h.highest_trackable(), 60'000'000'000);
    for (std::int64_t v = 2048; v < 60'000'000'000; v = v * 3 / 2 + 7) {
        const std::int64_t width = h.highest_equivalent(v) - h.lowest_equivalent(v) + 1;
        EXPECT_LE(width * 1000, h.lowest_equivalent(v)) << v;
        EXPECT_LE(h.lowest_equivalent(v), v);
        EXPECT_GE(h.highest_equivalent(v), v);
    }
}

TEST(Histogram, OutOfRangeValuesAreClampedAndCounted) {
    Histogram h(1'000'000, 3);
    h.record(-5);
    h.record(2'000'000);
    h.record(10);
    EXPECT_EQ(h.total_count(), 3);
    EXPECT_EQ(h.out_of_range(), 2);
    EXPECT_EQ(h.min(), 0);
    EXPECT_EQ(h.max(), 1'000'000);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
    const std::vector<std::int64_t> values = latency_like_samples(9, 20'000);
    Histogram all;
    Histogram first;
    Histogram second;
    for (std::size_t i = 0; i < values.size(); ++i) {
        all.record(values[i]);
        (i % 2 == 0 ? first : second).record(values[i]);
    }
    first.merge(second);
    EXPECT_EQ(first.total_count(), all.total_count());
    EXPECT_EQ(first.min(), all.min());
    EXPECT_EQ(first.max(), all.max());
    EXPECT_DOUBLE_EQ(first.mean(), all.mean());
    for (const double p : {1.0, 50.0, 99.0, 99.99, 100.0}) {
        EXPECT_EQ(first.value_at_percentile(p), all.value_at_percentile(p));
    }
    EXPECT_EQ(first.percentile_distribution(), all.percentile_distribution());
}

TEST(Histogram, MeanIsExactAndStddevClose) {
    Histogram h;
    double sum = 0.0;
    double sum_squares = 0.0;
    const std::vector<std::int64_t> values = latency_like_samples(4, 50'000);
    for (const std::int64_t v : values) {
        h.record(v);
        sum += static_cast<double>(v);
    }
    const double mean = sum / static_cast<double>(values.size());
    for (const std::int64_t v : values) {
        sum_squares += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
    }
    EXPECT_DOUBLE_EQ(h.mean(), mean);
    EXPECT_NEAR(h.stddev(), std::sqrt(sum_squares / static_cast<double>(values.size())),
                0.002 * h.stddev());
}

TEST(Histogram, ResetEmptiesIt) {
    Histogram h;
    h.record(5);
    h.reset();
    EXPECT_EQ(h.total_count(), 0);
    EXPECT_EQ(h.max(), 0);
    EXPECT_EQ(h.value_at_percentile(50.0), 0);
}

// One row of the .hgrm percentile distribution.
struct Row {
    double value;
    double percentile;
    long long total_count;
};

struct Parsed {
    std::vector<Row> rows;
    double mean = -1;
    double stddev = -1;
    double max = -1;
    long long total = -1;
    int buckets = -1;
    long long sub_buckets = -1;
    bool header = false;
};

Parsed parse_hgrm(const std::string& text) {
    Parsed p;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) {
            continue;
        }
        if (line.find("Value") != std::string::npos &&
            line.find("Percentile") != std::string::npos &&
            line.find("TotalCount") != std::string::npos &&
            line.find("1/(1-Percentile)") != std::string::npos) {
            p.header = true;
            continue;
        }
        if (std::sscanf(line.c_str(), "#[Mean = %lf, StdDeviation = %lf]", &p.mean, &p.stddev) ==
            2) {
            continue;
        }
        if (std::sscanf(line.c_str(), "#[Max = %lf, Total count = %lld]", &p.max, &p.total) == 2) {
            continue;
        }
        if (std::sscanf(line.c_str(), "#[Buckets = %d, SubBuckets = %lld]", &p.buckets,
                        &p.sub_buckets) == 2) {
            continue;
        }
        Row row{};
        double inverse = 0;
        const int fields = std::sscanf(line.c_str(), "%lf %lf %lld %lf", &row.value,
                                       &row.percentile, &row.total_count, &inverse);
        EXPECT_TRUE(fields == 4 || (fields == 3 && row.percentile == 1.0)) << "bad row: " << line;
        if (fields == 4) {
            EXPECT_NEAR(inverse, 1.0 / (1.0 - row.percentile), 0.01 * inverse + 0.01) << line;
        }
        p.rows.push_back(row);
    }
    return p;
}

TEST(Histogram, HgrmOutputParsesBackToTheSameDistribution) {
    const std::vector<std::int64_t> values = latency_like_samples(5, 30'000);
    Histogram h;
    for (const std::int64_t v : values) {
        h.record(v);
    }
    const Parsed parsed = parse_hgrm(h.percentile_distribution());
    ASSERT_TRUE(parsed.header);
    ASSERT_GT(parsed.rows.size(), 20U);
    // Rows climb in value, percentile and count, end at 100% with every value counted.
    for (std::size_t i = 1; i < parsed.rows.size(); ++i) {
        EXPECT_GE(parsed.rows[i].value, parsed.rows[i - 1].value);
        EXPECT_GE(parsed.rows[i].percentile, parsed.rows[i - 1].percentile);
        EXPECT_GE(parsed.rows[i].total_count, parsed.rows[i - 1].total_count);
    }
    EXPECT_EQ(parsed.rows.front().percentile, 0.0);
    EXPECT_EQ(parsed.rows.back().percentile, 1.0);
    EXPECT_EQ(parsed.rows.back().total_count, h.total_count());
    EXPECT_DOUBLE_EQ(parsed.rows.back().value, static_cast<double>(h.max()));
    // Each row's value is the histogram's value at that row's percentile... or the count
    // there: the cumulative count at a row's value covers the row's percentile.
    for (const Row& row : parsed.rows) {
        EXPECT_GE(static_cast<double>(row.total_count),
                  row.percentile * static_cast<double>(h.total_count()) - 1e-6);
    }
    EXPECT_NEAR(parsed.mean, h.mean(), 0.001);
    EXPECT_NEAR(parsed.stddev, h.stddev(), 0.001);
    EXPECT_EQ(parsed.max, static_cast<double>(h.max()));
    EXPECT_EQ(parsed.total, h.total_count());
    EXPECT_EQ(parsed.buckets, h.bucket_count());
    EXPECT_EQ(parsed.sub_buckets, h.sub_bucket_count());
}

TEST(Histogram, HgrmScalesValuesToTheRequestedUnit) {
    Histogram h;
    h.record(1500);
    h.record(2500);
    const Parsed parsed = parse_hgrm(h.percentile_distribution(1000.0));
    ASSERT_FALSE(parsed.rows.empty());
    EXPECT_NEAR(parsed.rows.back().value, 2.5, 0.003);
    EXPECT_NEAR(parsed.max, 2.5, 0.003);
    EXPECT_NEAR(parsed.mean, 2.0, 1e-9);
}

TEST(Histogram, EmptyHgrmHasHeaderAndFooterOnly) {
    const Histogram h;
    const Parsed parsed = parse_hgrm(h.percentile_distribution());
    EXPECT_TRUE(parsed.header);
    EXPECT_TRUE(parsed.rows.empty());
    EXPECT_EQ(parsed.total, 0);
}

TEST(Histogram, SummaryNamesThePercentiles) {
    Histogram h;
    for (int i = 1; i <= 1000; ++i) {
        h.record(i);
    }
    const std::string s = h.summary();
    EXPECT_NE(s.find("count=1000"), std::string::npos) << s;
    EXPECT_NE(s.find("p50=500.000ns"), std::string::npos) << s;
    EXPECT_NE(s.find("p99.9=999.000ns"), std::string::npos) << s;
    EXPECT_NE(s.find("max=1000.000ns"), std::string::npos) << s;
}

}  // namespace
}  // namespace tb::core
