// Background flow (exchange_sim/flow/background) against the real engine, and the small data
// structures under the gateway, the feed and the replay: rate limiter, sequenced store, order
// tracker, base-36 tokens and the replay's hash map (differential against std::map).

#include <cmath>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "core/random.hpp"
#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/invariants.hpp"
#include "exchange_sim/flow/background.hpp"
#include "exchange_sim/flow/flow_tokens.hpp"
#include "exchange_sim/gateway/order_tracker.hpp"
#include "exchange_sim/gateway/rate_limiter.hpp"
#include "exchange_sim/gateway/sequenced_store.hpp"

namespace tb::exchange {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

struct FlowSink {
    BackgroundFlow* flow = nullptr;
    std::uint64_t itch = 0;
    template <class E>
    void on(const E& event) noexcept {
        if constexpr (E::kSource == EventSource::kOuch) {
            flow->on(event);
        } else {
            ++itch;
        }
    }
};

BackgroundFlowConfig flow_config() {
    BackgroundFlowConfig c;
    c.symbols.push_back({Stock::from("ACME"), 100, 100'000, 10'000, 1000.0});
    c.symbols.push_back({Stock::from("BETA"), 500, 500'000, 50'000, 3000.0});
    c.participants = 3;
    return c;
}

EngineConfig engine_config_for(const BackgroundFlowConfig& flow) {
    EngineConfig c;
    for (const FlowSymbolConfig& s : flow.symbols) {
        c.symbols.push_back({s.stock, 0, s.tick, s.reference_price, s.band, false});
    }
    for (std::uint32_t i = 0; i < flow.participants; ++i) {
        c.participants.push_back(
            {static_cast<ParticipantId>(flow.first_participant + i), flow_firm(i)});
        c.firms.push_back({flow_firm(i), AiqMethod::kNone});
    }
    c.max_orders = 1 << 16;
    c.max_tokens = 1 << 20;
    return c;
}

// Runs a flow for `duration_ns` of virtual time and returns every input it generated.
struct FlowRun {
    std::vector<Input> inputs;
    FlowCounters counters;
    std::uint64_t itch = 0;
    std::string invariants;
    std::vector<std::size_t> per_symbol;
};

FlowRun run_flow(const BackgroundFlowConfig& config, std::uint64_t seed, std::int64_t duration_ns) {
    BackgroundFlow flow(config, core::Rng(seed));
    FlowSink sink{&flow};
    Engine<FlowSink> engine(engine_config_for(config), sink);
    FlowRun run;
    run.per_symbol.resize(config.symbols.size());
    flow.start(0);
    const Instant start{0, 34'200 * kSecond};
    for (std::size_t guard = 0; guard < 100'000'000; ++guard) {
        const std::int64_t t = flow.next_event_ns();
        if (t > duration_ns) {
            break;
        }
        const Instant now{t, start.day_ns + t};
        (void)flow.poll(now, 32, [&](const Input& in) noexcept {
            run.inputs.push_back(in);
            std::visit(
                [&](const auto& i) {
                    using T = std::remove_cvref_t<decltype(i)>;
                    if constexpr (std::is_same_v<T, EnterOrder>) {
                        run.per_symbol[i.stock == config.symbols[0].stock ? 0 : 1] += 1;
                    }
                },
                in);
            engine.process(in);
        });
    }
    run.counters = flow.counters();
    run.itch = sink.itch;
    run.invariants = check_invariants(engine);
    return run;
}

TEST(BackgroundFlow, SameSeedGivesTheSameInputs) {
    const FlowRun a = run_flow(flow_config(), 11, kSecond);
    const FlowRun b = run_flow(flow_config(), 11, kSecond);
    ASSERT_GT(a.inputs.size(), 3000u);
    EXPECT_EQ(a.inputs, b.inputs);
    const FlowRun c = run_flow(flow_config(), 12, kSecond);
    EXPECT_NE(a.inputs, c.inputs);
}

TEST(BackgroundFlow, ArrivalsFollowTheConfiguredRates) {
    const FlowRun run = run_flow(flow_config(), 5, 10 * kSecond);
    // 4000 inputs per second for 10 s: Poisson, standard deviation 200.
    const double n = static_cast<double>(run.inputs.size());
    EXPECT_NEAR(n, 40'000.0, 5 * 200.0);
    // The action mix: 30% cancels, 10% replaces, 5% marketable, by default.
    EXPECT_NEAR(static_cast<double>(run.counters.cancels) / n, 0.30, 0.02);
    EXPECT_NEAR(static_cast<double>(run.counters.replaces) / n, 0.10, 0.02);
    EXPECT_NEAR(static_cast<double>(run.counters.marketable_orders) / n, 0.05, 0.01);
    EXPECT_EQ(run.counters.inputs, run.inputs.size());
}

TEST(BackgroundFlow, OrdersAreValidTradeAndKeepTheBookConsistent) {
    const FlowRun run = run_flow(flow_config(), 9, 5 * kSecond);
    EXPECT_EQ(run.counters.rejected, 0u);  // every price on the grid and in the band
    EXPECT_GT(run.counters.executions, 100u);
    EXPECT_GT(run.itch, run.inputs.size() / 2);
    EXPECT_EQ(run.invariants, "");
}

TEST(BackgroundFlow, LiveOrdersStayWithinTheirSlotsAndThePriceInTheBand) {
    BackgroundFlowConfig config = flow_config();
    config.max_live_orders = 8;
    config.cancel_share = 0.0;
    config.replace_share = 0.0;
    config.marketable_share = 0.0;
    config.walk_probability = 1.0;
    config.edge_ticks = 5;
    BackgroundFlow flow(config, core::Rng(3));
    FlowSink sink{&flow};
    Engine<FlowSink> engine(engine_config_for(config), sink);
    flow.start(0);
    for (int i = 0; i < 20'000; ++i) {
        const std::int64_t t = flow.next_event_ns();
        (void)flow.poll(Instant{t, t}, 1, [&](const Input& in) noexcept { engine.process(in); });
        ASSERT_LE(flow.live_orders(0), 8u);
        ASSERT_LE(flow.live_orders(1), 8u);
        ASSERT_GE(flow.reference(0), 100'000u - 10'000u + 5 * 100u);
        ASSERT_LE(flow.reference(0), 100'000u + 10'000u - 5 * 100u);
    }
    EXPECT_EQ(flow.counters().rejected, 0u);
    EXPECT_EQ(check_invariants(engine), "");
}

TEST(BackgroundFlow, InvalidConfigurationsAreRefused) {
    BackgroundFlowConfig bad = flow_config();
    bad.cancel_share = 0.8;
    bad.replace_share = 0.3;
    EXPECT_THROW(BackgroundFlow(bad, core::Rng(1)), core::ConfigError);
    bad = flow_config();
    bad.symbols[0].rate_per_s = 0.0;
    EXPECT_THROW(BackgroundFlow(bad, core::Rng(1)), core::ConfigError);
    bad = flow_config();
    bad.participants = 0;
    EXPECT_THROW(BackgroundFlow(bad, core::Rng(1)), core::ConfigError);
    bad = flow_config();
    bad.lot = 100'000;
    bad.max_lots = 10;
    EXPECT_THROW(BackgroundFlow(bad, core::Rng(1)), core::ConfigError);
}

TEST(RateLimiter, AllowsTheBurstThenTheRate) {
    RateLimiter limiter(10, 3);  // one event per 100 ms, three at once
    EXPECT_TRUE(limiter.try_take(0));
    EXPECT_TRUE(limiter.try_take(0));
    EXPECT_TRUE(limiter.try_take(0));
    EXPECT_FALSE(limiter.try_take(0));
    EXPECT_FALSE(limiter.try_take(99'999'999));
    EXPECT_TRUE(limiter.try_take(100'000'000));
    EXPECT_FALSE(limiter.try_take(100'000'000));
    // Credit never passes the burst, however long the pause.
    EXPECT_EQ(limiter.take_up_to(100 * kSecond, 10), 3u);
    EXPECT_EQ(limiter.take_up_to(100 * kSecond, 10), 0u);
    RateLimiter off;
    EXPECT_FALSE(off.enabled());
    EXPECT_EQ(off.take_up_to(0, 1'000'000), 1'000'000u);
}

TEST(SequencedStore, NumbersFromOneGrowsAndRefusesPastItsBound) {
    SequencedStore store(64, 256);
    std::vector<std::vector<std::uint8_t>> written;
    for (std::uint8_t i = 0; i < 20; ++i) {
        std::vector<std::uint8_t> m(static_cast<std::size_t>(i % 7 + 1), i);
        ASSERT_TRUE(store.append(m));
        written.push_back(m);
    }
    EXPECT_EQ(store.count(), 20u);
    EXPECT_EQ(store.next_sequence(), 21u);
    EXPECT_GT(store.growths(), 0u);
    for (std::uint64_t s = 1; s <= 20; ++s) {
        const auto m = store.message(s);
        EXPECT_EQ(std::vector<std::uint8_t>(m.begin(), m.end()), written[s - 1]);
    }
    std::vector<std::uint8_t> big(256 - store.bytes_used() + 1, 1);
    EXPECT_FALSE(store.append(big));
    EXPECT_EQ(store.count(), 20u);
    big.pop_back();
    EXPECT_TRUE(store.append(big));
    EXPECT_EQ(store.bytes_used(), 256u);
}

TEST(OrderTracker, CompactsDeadTokensWhenFull) {
    OrderTracker tracker(3);
    auto all_live = [](const Token&) { return true; };
    EXPECT_TRUE(tracker.add(Token::from("A"), all_live));
    EXPECT_TRUE(tracker.add(Token::from("B"), all_live));
    EXPECT_TRUE(tracker.add(Token::from("C"), all_live));
    EXPECT_FALSE(tracker.add(Token::from("D"), all_live));
    auto b_dead = [](const Token& t) { return t != Token::from("B"); };
    EXPECT_TRUE(tracker.add(Token::from("D"), b_dead));
    ASSERT_EQ(tracker.tokens().size(), 3u);
    EXPECT_EQ(tracker.tokens()[1], Token::from("C"));
    EXPECT_EQ(tracker.tokens()[2], Token::from("D"));
}

TEST(FlowTokens, Base36RoundTripsAndRefusesOtherCharacters) {
    core::Rng rng(1);
    for (int i = 0; i < 1000; ++i) {
        const std::uint64_t value = rng.below(36ULL * 36 * 36 * 36 * 36 * 36 * 36);
        Token token;
        put_base36(token, 3, 7, value);
        std::uint64_t back = 0;
        ASSERT_TRUE(get_base36(token, 3, 7, back));
        EXPECT_EQ(back, value);
    }
    Token max;
    put_base36(max, 1, 13, ~std::uint64_t{0});
    std::uint64_t back = 0;
    ASSERT_TRUE(get_base36(max, 1, 13, back));
    EXPECT_EQ(back, ~std::uint64_t{0});
    Token bad = Token::from("12a4");
    EXPECT_FALSE(get_base36(bad, 0, 4, back));
    EXPECT_FALSE(get_base36(Token::from("12 4"), 0, 4, back));
}

TEST(U64Map, BehavesLikeAMapUnderRandomInsertsAndErases) {
    U64Map map(64);
    std::map<std::uint64_t, std::uint32_t> model;
    core::Rng rng(77);
    for (int step = 0; step < 200'000; ++step) {
        const std::uint64_t key = rng.below(200);  // small key space: many collisions
        const std::uint64_t op = rng.below(3);
        if (op == 0) {
            const auto value = static_cast<std::uint32_t>(rng.below(1000));
            const bool inserted = map.insert(key, value);
            const bool expected = model.size() < 64 && model.count(key) == 0;
            ASSERT_EQ(inserted, expected) << "step " << step;
            if (expected) {
                model[key] = value;
            }
        } else if (op == 1) {
            map.erase(key);
            model.erase(key);
        } else {
            const auto it = model.find(key);
            ASSERT_EQ(map.find(key), it == model.end() ? U64Map::kMissing : it->second)
                << "step " << step;
        }
        ASSERT_EQ(map.size(), model.size());
    }
}

}  // namespace
}  // namespace tb::exchange
