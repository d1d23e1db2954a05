#include "core/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <vector>

#include "core/det_math.hpp"

namespace tb::core {
namespace {

// Sample mean and variance of n draws.
struct Moments {
    double mean;
    double variance;
};
Moments moments(int n, const std::function<double()>& draw) {
    double sum = 0.0;
    double sum_squares = 0.0;
    for (int i = 0; i < n; ++i) {
        const double x = draw();
        sum += x;
        sum_squares += x * x;
    }
    const double mean = sum / n;
    return {mean, sum_squares / n - mean * mean};
}

constexpr int kSamples = 400'000;

// Tolerances: the standard error of the mean is sqrt(var / n), about 0.0016 sigma for 400k
// samples; 6 standard errors keeps a fixed seed far from the edge while still catching a wrong
// distribution (a wrong parameter moves the mean by far more).
void expect_mean(double measured, double expected, double variance, const char* what) {
    const double tolerance = 6.0 * std::sqrt(variance / kSamples);
    EXPECT_NEAR(measured, expected, tolerance) << what;
}

TEST(SplitMix64, MatchesReferenceOutputsForSeedZero) {
    std::uint64_t state = 0;
    EXPECT_EQ(splitmix64(state), 0xE220A8397B1DCDAFULL);
    EXPECT_EQ(splitmix64(state), 0x6E789E6AA1B965F4ULL);
    EXPECT_EQ(splitmix64(state), 0x06C45D188009454FULL);
}

TEST(Xoshiro256StarStar, MatchesReferenceOutputsForStateOneTwoThreeFour) {
    Rng rng = Rng::from_state({1, 2, 3, 4});
    EXPECT_EQ(rng.next(), 11520U);
    EXPECT_EQ(rng.next(), 0U);
    EXPECT_EQ(rng.next(), 1509978240U);
    EXPECT_EQ(rng.next(), 1215971899390074240ULL);
}

TEST(Rng, SeedPinsTheSequence) {
    // Computed independently (Python) from the splitmix64 seeding and xoshiro256** definitions.
    Rng rng(42);
    EXPECT_EQ(rng.next(), 0x15780B2E0C2EC716ULL);
    EXPECT_EQ(rng.next(), 0x6104D9866D113A7EULL);
    EXPECT_EQ(rng.next(), 0xAE17533239E499A1ULL);
    EXPECT_EQ(rng.next(), 0xECB8AD4703B360A1ULL);
    EXPECT_EQ(rng.next(), 0xFDE6DC7FE2EC5E64ULL);
}

TEST(Rng, ForkDependsOnSeedAndNameOnly) {
    Rng parent(42);
    Rng flow = parent.fork("flow");
    EXPECT_EQ(flow.next(), 0x00A2E0D7CC4FD101ULL);  // independent computation, as above
    EXPECT_EQ(flow.next(), 0x0EC680FC96DF9B6CULL);
    EXPECT_EQ(flow.next(), 0xC10A4F34EA4146B3ULL);

    for (int i = 0; i < 100; ++i) {
        (void)parent.next();
    }
    Rng again = parent.fork("flow");
    EXPECT_EQ(again.next(), 0x00A2E0D7CC4FD101ULL) << "draws from the parent must not shift a fork";
    EXPECT_NE(parent.fork("jitter").next(), 0x00A2E0D7CC4FD101ULL);
    EXPECT_NE(Rng(43).fork("flow").next(), 0x00A2E0D7CC4FD101ULL);
    EXPECT_EQ(parent.fork("a").fork("b").seed(), Rng(42).fork("a").fork("b").seed());
}

TEST(Rng, Uniform01AndBelowPinnedForSeedSeven) {
    Rng rng(7);
    EXPECT_EQ(rng.uniform01(), 0x1.66b1f5ee9df2ep-1);
    EXPECT_EQ(rng.uniform01(), 0x1.1d70f6593d20ap-2);
    EXPECT_EQ(rng.uniform01(), 0x1.ade3a6932a58fp-1);
    Rng dice(7);
    const std::vector<std::uint64_t> expected = {4, 1, 5, 5, 5, 5, 0, 0, 2, 0};
    for (const std::uint64_t e : expected) {
        EXPECT_EQ(dice.below(6), e);
    }
}

TEST(Rng, BelowIsUnbiasedAcrossBuckets) {
    Rng rng(1);
    constexpr int kBuckets = 10;
    std::vector<int> counts(kBuckets);
    for (int i = 0; i < kSamples; ++i) {
        const std::uint64_t v = rng.below(kBuckets);
        ASSERT_LT(v, static_cast<std::uint64_t>(kBuckets));
        ++counts[v];
    }
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.1% critical value.
    double chi2 = 0.0;
    const double expected = static_cast<double>(kSamples) / kBuckets;
    for (const int c : counts) {
        chi2 += (c - expected) * (c - expected) / expected;
    }
    EXPECT_LT(chi2, 27.9);
}

TEST(UniformInt, StaysInRangeWithRightMoments) {
    Rng rng(2);
    const UniformInt dist(-5, 10);
    std::int64_t lo = 100;
    std::int64_t hi = -100;
    const Moments m = moments(kSamples, [&] {
        const std::int64_t v = dist(rng);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        return static_cast<double>(v);
    });
    EXPECT_EQ(lo, -5);
    EXPECT_EQ(hi, 10);
    const double n = 16.0;
    expect_mean(m.mean, 2.5, (n * n - 1) / 12, "uniform int mean");
    EXPECT_NEAR(m.variance, (n * n - 1) / 12, 0.02 * (n * n - 1) / 12);
}

TEST(UniformInt, FullRangeUsesEveryBit) {
    Rng rng(3);
    const UniformInt dist(INT64_MIN, INT64_MAX);
    bool negative = false;
    bool positive = false;
    for (int i = 0; i < 64; ++i) {
        const std::int64_t v = dist(rng);
        negative = negative || v < 0;
        positive = positive || v > 0;
    }
    EXPECT_TRUE(negative && positive);
}

TEST(UniformReal, StaysInHalfOpenRangeWithRightMoments) {
    Rng rng(4);
    const UniformReal dist(2.0, 6.0);
    const Moments m = moments(kSamples, [&] {
        const double v = dist(rng);
        EXPECT_GE(v, 2.0);
        EXPECT_LT(v, 6.0);
        return v;
    });
    expect_mean(m.mean, 4.0, 16.0 / 12, "uniform real mean");
    EXPECT_NEAR(m.variance, 16.0 / 12, 0.02 * 16.0 / 12);
}

TEST(Bernoulli, MatchesProbabilityAndIsExactAtTheEnds) {
    Rng rng(5);
    const Bernoulli dist(0.013);
    const Moments m = moments(kSamples, [&] { return dist(rng) ? 1.0 : 0.0; });
    expect_mean(m.mean, 0.013, 0.013 * 0.987, "bernoulli rate");
    const Bernoulli never(0.0);
    const Bernoulli always(1.0);
    for (int i = 0; i < 10'000; ++i) {
        ASSERT_FALSE(never(rng));
        ASSERT_TRUE(always(rng));
    }
}

TEST(Exponential, MeanAndVarianceMatch) {
    Rng rng(6);
    const Exponential dist(250.0);
    const Moments m = moments(kSamples, [&] {
        const double v = dist(rng);
        EXPECT_GE(v, 0.0);
        return v;
    });
    expect_mean(m.mean, 250.0, 250.0 * 250.0, "exponential mean");
    EXPECT_NEAR(m.variance, 250.0 * 250.0, 0.03 * 250.0 * 250.0);
}

TEST(Normal, MeanVarianceAndTailsMatch) {
    Rng rng(8);
    const Normal dist(100.0, 15.0);
    int beyond_two_sigma = 0;
    const Moments m = moments(kSamples, [&] {
        const double v = dist(rng);
        beyond_two_sigma += std::fabs(v - 100.0) > 30.0 ? 1 : 0;
        return v;
    });
    expect_mean(m.mean, 100.0, 225.0, "normal mean");
    EXPECT_NEAR(m.variance, 225.0, 0.02 * 225.0);
    // P(|Z| > 2) = 4.55%.
    EXPECT_NEAR(static_cast<double>(beyond_two_sigma) / kSamples, 0.0455, 0.002);
}

TEST(LogNormal, FromMeanAndStddevGivesThoseMoments) {
    Rng rng(9);
    const LogNormal dist = LogNormal::from_mean_stddev(1000.0, 200.0);
    const Moments m = moments(kSamples, [&] {
        const double v = dist(rng);
        EXPECT_GT(v, 0.0);
        return v;
    });
    expect_mean(m.mean, 1000.0, 200.0 * 200.0, "lognormal mean");
    EXPECT_NEAR(std::sqrt(m.variance), 200.0, 0.03 * 200.0);
}

TEST(Pareto, MeanVarianceAndMinimumMatch) {
    Rng rng(10);
    const double scale = 100.0;
    const double shape = 5.0;
    const Pareto dist(scale, shape);
    const Moments m = moments(kSamples, [&] {
        const double v = dist(rng);
        EXPECT_GE(v, scale);
        return v;
    });
    const double mean = shape * scale / (shape - 1);
    const double variance = scale * scale * shape / ((shape - 1) * (shape - 1) * (shape - 2));
    expect_mean(m.mean, mean, variance, "pareto mean");
    EXPECT_NEAR(m.variance, variance, 0.1 * variance);  // heavy tail: the variance converges slowly
}

class PoissonMoments : public ::testing::TestWithParam<double> {};

TEST_P(PoissonMoments, MeanAndVarianceEqualTheRate) {
    const double rate = GetParam();
    Rng rng(11);
    const Poisson dist(rate);
    const Moments m = moments(kSamples, [&] {
        const std::int64_t v = dist(rng);
        EXPECT_GE(v, 0);
        return static_cast<double>(v);
    });
    expect_mean(m.mean, rate, rate, "poisson mean");
    EXPECT_NEAR(m.variance, rate, 0.03 * rate + 0.01);
}

// Both methods: inversion below 12, transformed rejection at and above.
INSTANTIATE_TEST_SUITE_P(Rates, PoissonMoments,
                         ::testing::Values(0.1, 3.0, 11.9, 12.0, 50.0, 2500.0));

TEST(Poisson, ZeroRateIsAlwaysZero) {
    Rng rng(12);
    const Poisson dist(0.0);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(dist(rng), 0);
    }
}

TEST(Poisson, SmallRateMatchesProbabilityMass) {
    Rng rng(13);
    const Poisson dist(2.0);
    std::vector<int> counts(8);
    for (int i = 0; i < kSamples; ++i) {
        const std::int64_t k = dist(rng);
        if (k < static_cast<std::int64_t>(counts.size())) {
            ++counts[static_cast<std::size_t>(k)];
        }
    }
    double p = std::exp(-2.0);
    for (std::size_t k = 0; k < counts.size(); ++k) {
        EXPECT_NEAR(static_cast<double>(counts[k]) / kSamples, p,
                    6.0 * std::sqrt(p / kSamples) + 1e-5)
            << "k=" << k;
        p *= 2.0 / static_cast<double>(k + 1);
    }
}

TEST(Discrete, FrequenciesFollowTheWeights) {
    Rng rng(14);
    const std::vector<double> weights = {1.0, 0.0, 3.0, 6.0};
    const Discrete dist(weights);
    std::vector<int> counts(weights.size());
    for (int i = 0; i < kSamples; ++i) {
        ++counts[dist(rng)];
    }
    EXPECT_EQ(counts[1], 0) << "a zero weight is never drawn";
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double p = weights[i] / 10.0;
        EXPECT_NEAR(static_cast<double>(counts[i]) / kSamples, p,
                    6.0 * std::sqrt(p * (1 - p) / kSamples));
    }
}

TEST(Empirical, QuantilesFollowTheTable) {
    std::vector<double> table;
    for (int i = 0; i <= 100; ++i) {
        table.push_back(static_cast<double>(100 - i) * 10.0);  // unsorted on purpose
    }
    const Empirical dist(table);
    EXPECT_EQ(dist.min(), 0.0);
    EXPECT_EQ(dist.max(), 1000.0);
    Rng rng(15);
    std::vector<double> draws(kSamples);
    for (double& d : draws) {
        d = dist(rng);
        ASSERT_GE(d, 0.0);
        ASSERT_LE(d, 1000.0);
    }
    std::sort(draws.begin(), draws.end());
    // The table is uniform on [0, 1000], so the q-quantile is 1000 q.
    for (const double q : {0.1, 0.5, 0.9, 0.99}) {
        EXPECT_NEAR(draws[static_cast<std::size_t>(q * kSamples)], 1000.0 * q, 5.0) << "q=" << q;
    }
    const std::vector<double> single = {42.0};
    EXPECT_EQ(Empirical(single)(rng), 42.0);
}

TEST(Distributions, SameSeedGivesBitIdenticalSamples) {
    // Pinned values: if one of these changes, every recorded scenario changes with it.
    Rng rng(2024);
    const Normal normal(0.0, 1.0);
    const Exponential exponential(1.0);
    const LogNormal lognormal(0.0, 0.5);
    const Pareto pareto(1.0, 2.0);
    const Poisson small(4.0);
    const Poisson large(400.0);
    std::vector<double> values;
    values.push_back(normal(rng));
    values.push_back(exponential(rng));
    values.push_back(lognormal(rng));
    values.push_back(pareto(rng));
    values.push_back(static_cast<double>(small(rng)));
    values.push_back(static_cast<double>(large(rng)));

    Rng again(2024);
    EXPECT_EQ(normal(again), values[0]);
    EXPECT_EQ(exponential(again), values[1]);
    EXPECT_EQ(lognormal(again), values[2]);
    EXPECT_EQ(pareto(again), values[3]);
    EXPECT_EQ(static_cast<double>(small(again)), values[4]);
    EXPECT_EQ(static_cast<double>(large(again)), values[5]);

    // The four real values were also computed independently, by a Python transcription of the
    // same IEEE operations (det_math and the samplers), and agree to the bit.
    EXPECT_EQ(values[0], 0x1.9356a7a1bbe22p-1);
    EXPECT_EQ(values[1], 0x1.00bb5fdd3d58cp-1);
    EXPECT_EQ(values[2], 0x1.c6b871b782a79p-2);
    EXPECT_EQ(values[3], 0x1.06be27342c6c3p+0);
    EXPECT_EQ(values[4], 5.0);
    EXPECT_EQ(values[5], 438.0);
}

TEST(DetMath, LogAndExpAgreeWithTheCLibraryToAFewUlp) {
    Rng rng(16);
    auto ulp_distance = [](double a, double b) {
        std::int64_t ia = 0;
        std::int64_t ib = 0;
        std::memcpy(&ia, &a, sizeof a);
        std::memcpy(&ib, &b, sizeof b);
        return std::llabs(ia - ib);
    };
    for (int i = 0; i < 100'000; ++i) {
        // Logarithm over many binades, exponential over most of its finite range.
        const double x = std::ldexp(1.0 + rng.uniform01(), static_cast<int>(rng.below(200)) - 100);
        EXPECT_LE(ulp_distance(det_math::log(x), std::log(x)), 4) << "log " << x;
        const double y = -700.0 + 1400.0 * rng.uniform01();
        EXPECT_LE(ulp_distance(det_math::exp(y), std::exp(y)), 4) << "exp " << y;
    }
    EXPECT_EQ(det_math::log(1.0), 0.0);
    EXPECT_EQ(det_math::exp(0.0), 1.0);
    EXPECT_EQ(det_math::exp(-1000.0), 0.0);
    EXPECT_TRUE(std::isinf(det_math::exp(1000.0)));
}

TEST(DetMath, LogFactorialMatchesLgammaBothSidesOfTheTable) {
    for (const long long k : {0LL, 1LL, 2LL, 10LL, 255LL, 256LL, 257LL, 1000LL, 1000000LL}) {
        const double expected = std::lgamma(static_cast<double>(k) + 1.0);
        EXPECT_NEAR(det_math::log_factorial(k), expected, 1e-12 * std::max(1.0, expected)) << k;
    }
}

}  // namespace
}  // namespace tb::core
