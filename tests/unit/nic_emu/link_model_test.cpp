// LinkModel (nic_emu/link_model.hpp): statistical tests with fixed seeds over 100,000 frames or
// more, each with a tolerance derived from the sampling error and stated next to it (five
// standard errors unless said otherwise: a correct model fails such a test about once in three
// million runs, and the seeds are fixed, so the tests are deterministic); exact tests of the
// rate limiter, schedules and ordering.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nic_emu/link_model.hpp"
#include "nic_emu/link_syntax.hpp"
#include "proto/frame.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using namespace tb::nic;
using tb::core::Rng;
using test::Bytes;

constexpr std::uint64_t kSeed = 20240611;

struct Outcome {
    std::int64_t arrival_ns;
    Decision decision;
};

// Offers `count` frames, one every `spacing_ns` from t = 0, to a link built from `text`.
std::vector<Outcome> run_link(LinkModel& link, std::size_t count, std::int64_t spacing_ns,
                              const Bytes& frame_template = test::udp_frame(0)) {
    std::vector<Outcome> outcomes;
    outcomes.reserve(count);
    Bytes frame = frame_template;
    for (std::size_t i = 0; i < count; ++i) {
        const std::int64_t t = static_cast<std::int64_t>(i) * spacing_ns;
        outcomes.push_back({t, link.on_frame(t, frame, static_cast<std::uint32_t>(frame.size()))});
    }
    return outcomes;
}

LinkModel make_link(const std::string& text, std::uint64_t seed = kSeed,
                    const std::string& prefix = "port0/out") {
    return LinkModel(parse_link(text), Rng(seed), prefix, 0);
}

std::vector<std::int64_t> delays(const std::vector<Outcome>& outcomes) {
    std::vector<std::int64_t> out;
    for (const Outcome& o : outcomes) {
        if (o.decision.verdict == Verdict::kDeliver) {
            out.push_back(o.decision.departure_ns - o.arrival_ns);
        }
    }
    return out;
}

// Nearest-rank quantile of a sample.
double quantile(std::vector<std::int64_t> values, double q) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return static_cast<double>(values[std::max<std::size_t>(rank, 1) - 1]);
}

double mean(const std::vector<std::int64_t>& values) {
    double sum = 0;
    for (const std::int64_t v : values) {
        sum += static_cast<double>(v);
    }
    return sum / static_cast<double>(values.size());
}

double stddev(const std::vector<std::int64_t>& values) {
    const double m = mean(values);
    double sum = 0;
    for (const std::int64_t v : values) {
        sum += (static_cast<double>(v) - m) * (static_cast<double>(v) - m);
    }
    return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

// ---- loss ------------------------------------------------------------------------------------

TEST(LinkModel, BernoulliLossRateMatchesItsProbability) {
    LinkModel link = make_link("loss=1%");
    constexpr std::size_t kFrames = 1'000'000;
    (void)run_link(link, kFrames, 100);
    const double rate = static_cast<double>(link.counters().lost) / kFrames;
    // SE = sqrt(0.01 * 0.99 / 1e6) = 9.95e-5; 5 SE = 5.0e-4.
    EXPECT_NEAR(rate, 0.01, 5.0e-4);
    EXPECT_EQ(link.counters().lost + link.counters().delivered, kFrames);
}

// Lengths of the runs of lost and of delivered frames.
struct Runs {
    std::vector<std::int64_t> lost;
    std::vector<std::int64_t> delivered;
};

Runs runs_of(const std::vector<Outcome>& outcomes) {
    Runs runs;
    std::int64_t length = 0;
    bool lost = false;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const bool this_lost = outcomes[i].decision.verdict == Verdict::kLost;
        if (i != 0 && this_lost != lost) {
            (lost ? runs.lost : runs.delivered).push_back(length);
            length = 0;
        }
        lost = this_lost;
        ++length;
    }
    return runs;  // the last, unfinished run is left out
}

TEST(LinkModel, GilbertLossHasTheConfiguredRateAndMeanBurstLength) {
    // p = 1%, r = 25%, h = 0, k = 1: bursts are the Bad state's sojourns.
    LinkModel link = make_link("loss=ge:1%,25%");
    constexpr std::size_t kFrames = 1'000'000;
    const auto outcomes = run_link(link, kFrames, 100);
    const double rate = static_cast<double>(link.counters().lost) / kFrames;
    // Stationary Bad probability p / (p + r) = 0.038462. The chain's correlation inflates the
    // variance by (1 + l) / (1 - l), l = 1 - p - r = 0.74, i.e. 6.69: SE = 4.97e-4, 5 SE = 2.5e-3.
    EXPECT_NEAR(rate, 0.01 / 0.26, 2.5e-3);
    const Runs runs = runs_of(outcomes);
    // About 1e6 * 0.0385 * 0.25 = 9600 bursts, geometric with mean 1/r = 4 and standard
    // deviation sqrt(1 - r) / r = 3.46: SE = 0.035, 5 SE = 0.18.
    ASSERT_GT(runs.lost.size(), 8000u);
    EXPECT_NEAR(mean(runs.lost), 4.0, 0.18);
    // Good sojourns: geometric with mean 1/p = 100, sd 99.5: SE = 1.0, 5 SE = 5.1.
    EXPECT_NEAR(mean(runs.delivered), 100.0, 5.1);
}

TEST(LinkModel, GilbertElliottLossRateFollowsAllFourParameters) {
    // p = 2%, r = 20%, h = 30%, k = 99%: loss = pB (1 - h) + pG (1 - k) with pB = p / (p + r).
    LinkModel link = make_link("loss=ge:2%,20%,30%,99%");
    constexpr std::size_t kFrames = 1'000'000;
    (void)run_link(link, kFrames, 100);
    const double bad = 0.02 / 0.22;
    const double expected = bad * 0.7 + (1 - bad) * 0.01;
    // Variance inflated by (1 + 0.78) / (1 - 0.78) = 8.1: SE <= 7.4e-4, 5 SE = 3.7e-3.
    EXPECT_NEAR(static_cast<double>(link.counters().lost) / kFrames, expected, 3.7e-3);
}

// ---- jitter ----------------------------------------------------------------------------------

TEST(LinkModel, NormalJitterQuantilesMatch) {
    // Frames 10 us apart never wait for each other: each delay is latency + sample.
    LinkModel link = make_link("latency=2us,jitter=normal:100ns");
    const auto d = delays(run_link(link, 100'000, 10'000));
    ASSERT_EQ(d.size(), 100'000u);
    // Quantile SE = sqrt(q (1 - q) / n) / f(x_q): 0.54 ns at p10/p90, 0.40 ns at p50; 5 SE plus
    // 1 ns of rounding to whole nanoseconds gives 4 ns.
    EXPECT_NEAR(quantile(d, 0.10), 2000 - 128.155, 4.0);
    EXPECT_NEAR(quantile(d, 0.50), 2000.0, 4.0);
    EXPECT_NEAR(quantile(d, 0.90), 2000 + 128.155, 4.0);
    // Mean: SE = 100 / sqrt(1e5) = 0.32 ns; stddev: SE = 100 / sqrt(2e5) = 0.22 ns.
    EXPECT_NEAR(mean(d), 2000.0, 2.0);
    EXPECT_NEAR(stddev(d), 100.0, 1.5);
    EXPECT_EQ(link.counters().order_held, 0u);
}

TEST(LinkModel, UniformJitterStaysInItsRangeWithUniformQuantiles) {
    LinkModel link = make_link("latency=1us,jitter=uniform:500ns");
    const auto d = delays(run_link(link, 100'000, 10'000));
    EXPECT_GE(*std::min_element(d.begin(), d.end()), 500);
    EXPECT_LE(*std::max_element(d.begin(), d.end()), 1500);
    // Density 1/1000 per ns: SE 1.37 ns (p25, p75), 1.58 ns (p50); 5 SE + rounding = 9 ns.
    EXPECT_NEAR(quantile(d, 0.25), 750.0, 9.0);
    EXPECT_NEAR(quantile(d, 0.50), 1000.0, 9.0);
    EXPECT_NEAR(quantile(d, 0.75), 1250.0, 9.0);
}

TEST(LinkModel, LogNormalJitterHasTheConfiguredMeanAndDeviation) {
    LinkModel link = make_link("jitter=lognormal:500ns:200ns");
    const auto d = delays(run_link(link, 100'000, 10'000));
    EXPECT_GE(*std::min_element(d.begin(), d.end()), 0);
    // Mean: SE = 200 / sqrt(1e5) = 0.63 ns, 5 SE + rounding = 4 ns. Standard deviation: with
    // excess kurtosis 2.97, SE(s)/s = sqrt((2 + 2.97) / 1e5) / 2 = 0.35%; 5 SE = 1.8% = 3.6 ns.
    EXPECT_NEAR(mean(d), 500.0, 4.0);
    EXPECT_NEAR(stddev(d), 200.0, 4.0);
}

TEST(LinkModel, ParetoJitterHasParetoQuantilesAboveZero) {
    LinkModel link = make_link("jitter=pareto:100ns:2.5");
    const auto d = delays(run_link(link, 100'000, 10'000));
    EXPECT_GE(*std::min_element(d.begin(), d.end()), 0);
    // Added X - 100 with X Pareto(100, 2.5): quantile q is 100 (1 - q)^(-1/2.5) - 100.
    // SE 0.17 ns at p50, 0.95 ns at p90; 5 SE + rounding: 2 ns and 6 ns.
    EXPECT_NEAR(quantile(d, 0.50), 100 * std::pow(0.5, -0.4) - 100, 2.0);
    EXPECT_NEAR(quantile(d, 0.90), 100 * std::pow(0.1, -0.4) - 100, 6.0);
}

TEST(LinkModel, EmpiricalJitterFollowsItsTable) {
    LinkConfig config;
    config.jitter.kind = JitterKind::kEmpirical;
    config.jitter.table = {400, 0, 200, 100, 300};
    LinkModel link(config, Rng(kSeed), "port0/out", 0);
    const auto d = delays(run_link(link, 100'000, 10'000));
    // Linear between order statistics: uniform on [0, 400] here. SE at p25/p50: 2.2/2.5 ns.
    EXPECT_GE(*std::min_element(d.begin(), d.end()), 0);
    EXPECT_LE(*std::max_element(d.begin(), d.end()), 400);
    EXPECT_NEAR(quantile(d, 0.25), 100.0, 13.0);
    EXPECT_NEAR(quantile(d, 0.50), 200.0, 13.0);
}

TEST(LinkModel, DelayIsExactlyLatencyPlusTheJitterSampleOfItsStream) {
    LinkModel link = make_link("latency=3us,jitter=normal:250ns");
    const auto outcomes = run_link(link, 100'000, 20'000);
    // The same stream, drawn independently: the link's samples are these, in this order.
    Rng replica = Rng(kSeed).fork("port0/out/jitter");
    const JitterSampler sampler(parse_link("jitter=normal:250ns").jitter);
    for (const Outcome& o : outcomes) {
        ASSERT_EQ(o.decision.departure_ns - o.arrival_ns, 3000 + sampler(replica));
    }
}

TEST(LinkModel, JitterNeverReordersFrames) {
    // 50 ns apart with 100 ns of jitter: samples disagree with arrival order all the time.
    LinkModel link = make_link("latency=1us,jitter=normal:100ns");
    const auto outcomes = run_link(link, 100'000, 50);
    Rng replica = Rng(kSeed).fork("port0/out/jitter");
    const JitterSampler sampler(parse_link("jitter=normal:100ns").jitter);
    std::int64_t last = INT64_MIN;
    for (const Outcome& o : outcomes) {
        ASSERT_GE(o.decision.departure_ns, last);
        // Never before its own sample, which it waits for or exceeds only to keep order.
        ASSERT_GE(o.decision.departure_ns, o.arrival_ns + 1000 + sampler(replica));
        last = o.decision.departure_ns;
    }
    EXPECT_GT(link.counters().order_held, 10'000u);
}

TEST(LinkModel, NegativeDelayCountsAsZero) {
    LinkModel link = make_link("latency=50ns,jitter=uniform:200ns");
    const auto d = delays(run_link(link, 10'000, 10'000));
    EXPECT_GE(*std::min_element(d.begin(), d.end()), 0);
    // P(50 + U(-200, 200) < 0) = 150 / 400 = 0.375: SE = 0.0048 * 1e4 = 48, 5 SE = 242.
    EXPECT_NEAR(static_cast<double>(link.counters().delay_floored), 3750.0, 242.0);
}

// ---- reordering, duplication, corruption -----------------------------------------------------

TEST(LinkModel, ReorderHoldsBackTheConfiguredShareByItsDelay) {
    LinkModel link = make_link("latency=1us,reorder=5%:10us");
    const auto outcomes = run_link(link, 100'000, 1'000);
    std::size_t held = 0;
    std::int64_t last_in_order = INT64_MIN;
    for (const Outcome& o : outcomes) {
        if (o.decision.reordered) {
            ++held;
            EXPECT_EQ(o.decision.departure_ns, o.arrival_ns + 11'000);
        } else {
            EXPECT_EQ(o.decision.departure_ns, o.arrival_ns + 1'000);
            ASSERT_GE(o.decision.departure_ns, last_in_order);
            last_in_order = o.decision.departure_ns;
        }
    }
    // SE = sqrt(1e5 * 0.05 * 0.95) = 68.9; 5 SE = 345.
    EXPECT_NEAR(static_cast<double>(held), 5000.0, 345.0);
    EXPECT_EQ(link.counters().reordered, held);
}

TEST(LinkModel, HeldBackFramesKeepTheirOrderAmongThemselves) {
    // Jitter of 300 ns on frames 50 ns apart: samples disagree with arrival order all the time,
    // in both lines. Each line leaves in arrival order (the emulator keeps each in a FIFO), and
    // no frame leaves before its own sample, plus the reorder delay when held back.
    LinkModel link = make_link("latency=1us,jitter=normal:300ns,reorder=20%:5us");
    const auto outcomes = run_link(link, 100'000, 50);
    Rng replica = Rng(kSeed).fork("port0/out/jitter");
    const JitterSampler sampler(parse_link("jitter=normal:300ns").jitter);
    std::int64_t last_in_order = INT64_MIN;
    std::int64_t last_held = INT64_MIN;
    std::size_t held = 0;
    for (const Outcome& o : outcomes) {
        const std::int64_t own = o.arrival_ns + std::max<std::int64_t>(0, 1000 + sampler(replica));
        if (o.decision.reordered) {
            ++held;
            ASSERT_GE(o.decision.departure_ns, last_held);
            ASSERT_GE(o.decision.departure_ns, own + 5'000);
            last_held = o.decision.departure_ns;
        } else {
            ASSERT_GE(o.decision.departure_ns, last_in_order);
            ASSERT_GE(o.decision.departure_ns, own);
            last_in_order = o.decision.departure_ns;
        }
    }
    // SE = sqrt(1e5 * 0.2 * 0.8) = 126.5; 5 SE = 632.
    EXPECT_NEAR(static_cast<double>(held), 20'000.0, 632.0);
}

TEST(LinkModel, DuplicationRateMatchesItsProbability) {
    LinkModel link = make_link("dup=2%");
    const auto outcomes = run_link(link, 100'000, 100);
    const auto duplicated = std::count_if(outcomes.begin(), outcomes.end(),
                                          [](const Outcome& o) { return o.decision.duplicate; });
    // SE = sqrt(1e5 * 0.02 * 0.98) = 44.3; 5 SE = 221.
    EXPECT_NEAR(static_cast<double>(duplicated), 2000.0, 221.0);
    EXPECT_EQ(link.counters().duplicated, static_cast<std::uint64_t>(duplicated));
}

TEST(LinkModel, CorruptedFramesFailTheReceiversChecksumsAndOthersDoNot) {
    LinkModel link = make_link("corrupt=1%");
    const Bytes udp = test::udp_frame(7, 26477, 200);
    const Bytes tcp = test::tcp_frame(7, 15000, 100);
    std::size_t corrupted = 0;
    constexpr std::size_t kFrames = 100'000;
    for (std::size_t i = 0; i < kFrames; ++i) {
        Bytes frame = (i % 2 == 0) ? udp : tcp;
        const Decision d = link.on_frame(static_cast<std::int64_t>(i) * 100, frame,
                                         static_cast<std::uint32_t>(frame.size()));
        tb::proto::ParsedFrame parsed;
        const auto status = tb::proto::parse_frame(frame, parsed);
        if (d.corrupted) {
            ++corrupted;
            ASSERT_NE(status, tb::proto::Status::kOk) << "frame " << i;
        } else {
            ASSERT_EQ(status, tb::proto::Status::kOk) << "frame " << i;
            ASSERT_EQ(frame, (i % 2 == 0) ? udp : tcp);
        }
    }
    // SE = sqrt(1e5 * 0.01 * 0.99) = 31.5; 5 SE = 157.
    EXPECT_NEAR(static_cast<double>(corrupted), 1000.0, 157.0);
    EXPECT_EQ(link.counters().corrupted_unprotected, 0u);
}

TEST(LinkModel, CorruptionOfNonIpFramesIsCountedAsUnprotected) {
    LinkModel link = make_link("corrupt=100%");
    const Bytes original = test::raw_frame(3);
    Bytes frame = original;
    const Decision d = link.on_frame(0, frame, static_cast<std::uint32_t>(frame.size()));
    EXPECT_TRUE(d.corrupted);
    EXPECT_EQ(link.counters().corrupted_unprotected, 1u);
    std::size_t differing_bits = 0;
    for (std::size_t i = 0; i < frame.size(); ++i) {
        differing_bits += static_cast<std::size_t>(__builtin_popcount(frame[i] ^ original[i]));
        if (i < 14) {
            EXPECT_EQ(frame[i], original[i]) << "the Ethernet header is left alone";
        }
    }
    EXPECT_EQ(differing_bits, 1u);
}

// ---- rate limit ------------------------------------------------------------------------------

TEST(LinkModel, SerializationCountsPreambleFcsAndMinimumSize) {
    // 1 Gbit/s: 1 ns per bit. A 42-byte frame is padded to 60: (8 + 60 + 4) * 8 = 576 ns.
    LinkModel slow = make_link("rate=1gbit");
    Bytes small(42, 0);
    EXPECT_EQ(slow.on_frame(1000, small, 42).departure_ns, 1576);
    // 10 Gbit/s, 1000 bytes: (8 + 1000 + 4) * 8 = 8096 bits = 809.6 ns, delivered at 810.
    LinkModel fast = make_link("rate=10gbit,latency=1us");
    Bytes large(1000, 0);
    EXPECT_EQ(fast.on_frame(0, large, 1000).departure_ns, 1810);
    EXPECT_EQ(LinkModel::serialization_ps(60, 1'000'000'000, true), 672'000);
}

TEST(LinkModel, RateLimitedThroughputIsTheConfiguredRate) {
    // 60-byte frames offered every 300 ns, 2.24 times what 1 Gbit/s carries (one per 672 ns,
    // the gap included); the queue is large enough that nothing is dropped.
    LinkModel link = make_link("rate=1gbit,queue=100000");
    const auto outcomes = run_link(link, 100'000, 300, Bytes(60, 0));
    ASSERT_EQ(link.counters().queue_dropped, 0u);
    for (std::size_t i = 1; i < outcomes.size(); ++i) {
        const std::int64_t gap =
            outcomes[i].decision.departure_ns - outcomes[i - 1].decision.departure_ns;
        ASSERT_EQ(gap, 672);
    }
    const double seconds = static_cast<double>(outcomes.back().decision.departure_ns -
                                               outcomes.front().decision.departure_ns) *
                           1e-9;
    const double bits_per_second = static_cast<double>(outcomes.size() - 1) * 84 * 8 / seconds;
    // Exact up to the rounding of departures to whole nanoseconds: within 1e-6.
    EXPECT_NEAR(bits_per_second / 1e9, 1.0, 1e-6);
}

TEST(LinkModel, RateLimitKeepsPicosecondsSoLongRunsDoNotDrift) {
    // 1500-byte frames at 10 Gbit/s take 1219.2 ns each; 100,000 of them 121,918,780.8 ns.
    LinkModel link = make_link("rate=10gbit,queue=100000");
    const auto outcomes = run_link(link, 100'000, 0, Bytes(1500, 0));
    const std::int64_t span =
        outcomes.back().decision.departure_ns - outcomes.front().decision.departure_ns;
    EXPECT_NEAR(static_cast<double>(span), 121'918'780.8, 1.0);
}

TEST(LinkModel, FullQueueDropsTheTailAndBoundsTheDelay) {
    // Offered at twice the rate into a queue of 50 frames: half is dropped in the long run.
    LinkModel link = make_link("rate=1gbit,queue=50");
    const auto outcomes = run_link(link, 100'000, 336, Bytes(60, 0));
    const double dropped = static_cast<double>(link.counters().queue_dropped) / 100'000;
    EXPECT_NEAR(dropped, 0.5, 0.01);
    for (const Outcome& o : outcomes) {
        if (o.decision.verdict == Verdict::kDeliver) {
            // Behind at most 50 queued frames and the one on the wire.
            ASSERT_LE(o.decision.departure_ns - o.arrival_ns, 51 * 672 + 576);
        } else {
            ASSERT_EQ(o.decision.verdict, Verdict::kQueueFull);
        }
    }
    EXPECT_LE(link.queue_depth(), 50u);
}

// ---- scheduled impairments -------------------------------------------------------------------

TEST(LinkModel, DownWindowDropsExactlyTheFramesInside) {
    LinkModel link = make_link("down=1ms+2ms");
    const auto outcomes = run_link(link, 500, 10'000);  // 0 .. 4.99 ms
    for (const Outcome& o : outcomes) {
        const bool inside = o.arrival_ns >= 1'000'000 && o.arrival_ns < 3'000'000;
        EXPECT_EQ(o.decision.verdict, inside ? Verdict::kDown : Verdict::kDeliver) << o.arrival_ns;
    }
    EXPECT_EQ(link.counters().down_dropped, 200u);
}

TEST(LinkModel, DropRuleTakesTheNextMatchingFramesFromItsStartTime) {
    LinkModel link = make_link("drop=3:udp:26477@1ms");
    const Bytes udp = test::udp_frame(1);
    const Bytes tcp = test::tcp_frame(1);
    std::vector<std::int64_t> dropped;
    for (int i = 0; i < 400; ++i) {
        Bytes frame = i % 3 == 0 ? udp : tcp;  // UDP at 0, 30, 60 ... us
        const std::int64_t t = i * 10'000;
        if (link.on_frame(t, frame, static_cast<std::uint32_t>(frame.size())).verdict ==
            Verdict::kFiltered) {
            dropped.push_back(t);
        }
    }
    EXPECT_EQ(dropped, (std::vector<std::int64_t>{1'020'000, 1'050'000, 1'080'000}));
    EXPECT_EQ(link.counters().filter_dropped, 3u);
}

TEST(LinkModel, LatencyStepsTakeEffectAtTheirTime) {
    LinkModel link = make_link("latency=1us,step=2ms:10us,step=4ms:3us");
    const auto outcomes = run_link(link, 3000, 2'000);
    for (const Outcome& o : outcomes) {
        const std::int64_t expected = o.arrival_ns < 2'000'000   ? 1'000
                                      : o.arrival_ns < 4'000'000 ? 10'000
                                                                 : 3'000;
        // Just after the step down to 3 us, frames wait for those still under way at 10 us.
        const std::int64_t delay = o.decision.departure_ns - o.arrival_ns;
        if (o.arrival_ns >= 4'000'000 && o.arrival_ns < 4'010'000) {
            EXPECT_GE(delay, expected);
        } else {
            EXPECT_EQ(delay, expected) << o.arrival_ns;
        }
    }
    EXPECT_GT(link.counters().order_held, 0u);
}

// ---- determinism and independence ------------------------------------------------------------

std::vector<Verdict> verdicts(const std::vector<Outcome>& outcomes) {
    std::vector<Verdict> out;
    for (const Outcome& o : outcomes) {
        out.push_back(o.decision.verdict);
    }
    return out;
}

TEST(LinkModel, AddingAnImpairmentLeavesTheOthersSamplesAlone) {
    LinkModel alone = make_link("loss=5%");
    LinkModel crowded = make_link("loss=5%,dup=10%,jitter=normal:50ns,corrupt=3%,reorder=1%:1us");
    EXPECT_EQ(verdicts(run_link(alone, 50'000, 1000)), verdicts(run_link(crowded, 50'000, 1000)));
}

TEST(LinkModel, SameSeedSameDecisionsOtherSeedOrStreamOthers) {
    const std::string text = "loss=5%,jitter=normal:50ns";
    LinkModel a = make_link(text, 1);
    LinkModel b = make_link(text, 1);
    LinkModel c = make_link(text, 2);
    LinkModel d = make_link(text, 1, "port1/out");
    const auto va = verdicts(run_link(a, 20'000, 1000));
    EXPECT_EQ(va, verdicts(run_link(b, 20'000, 1000)));
    EXPECT_NE(va, verdicts(run_link(c, 20'000, 1000)));
    EXPECT_NE(va, verdicts(run_link(d, 20'000, 1000)));
}

TEST(LinkModel, IdentityLinkPassesEverythingAtOnce) {
    LinkModel link = make_link("none");
    EXPECT_TRUE(link.identity());
    const auto outcomes = run_link(link, 1000, 7);
    for (const Outcome& o : outcomes) {
        ASSERT_EQ(o.decision.verdict, Verdict::kDeliver);
        ASSERT_EQ(o.decision.departure_ns, o.arrival_ns);
    }
    EXPECT_EQ(link.counters().delivered, 1000u);
}

}  // namespace
