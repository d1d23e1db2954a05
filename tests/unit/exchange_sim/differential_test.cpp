// Differential test: seeded random order flow through the engine and through the std::map
// reference model must give identical event streams, input by input, and the engine's
// invariants must hold throughout.
//
// The default run is 500,000 inputs for each of four seeds (two million in all, about 20 s under
// the sanitizers); TB_ENGINE_DIFF_OPS=<n> changes the number of inputs per seed, for example
//   TB_ENGINE_DIFF_OPS=2000000 build/test/tests/engine_differential_test

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/invariants.hpp"
#include "exchange_sim/engine/sinks.hpp"
#include "tests/unit/exchange_sim/random_flow.hpp"
#include "tests/unit/exchange_sim/reference_model.hpp"

namespace tb::exchange {
namespace {

std::uint64_t ops_per_seed() {
    if (const char* text = std::getenv("TB_ENGINE_DIFF_OPS")) {
        return std::strtoull(text, nullptr, 10);
    }
    return 500'000;
}

struct Totals {
    std::uint64_t events = 0;
    std::uint64_t executions = 0;
    std::uint64_t aiq = 0;
    std::uint64_t rejects = 0;
    std::uint64_t replaces = 0;
};

// Runs `ops` inputs; returns false (with a failure recorded) at the first divergence.
bool run_differential(std::uint64_t seed, std::uint64_t ops, Totals& totals) {
    const EngineConfig config = testing::random_flow_config();
    RecordingSink sink(4096);
    Engine<RecordingSink> engine(config, sink);
    testing::ReferenceModel model(config);
    testing::RandomFlow flow(seed);
    flow.set_liveness([&model](ParticipantId p, const Token& t) { return model.live(p, t); });
    for (std::uint64_t i = 0; i < ops; ++i) {
        const Input input = flow.next();
        sink.clear();
        model.events().clear();
        engine.process(input);
        model.process(input);
        const auto& got = sink.events();
        const auto& want = model.events();
        EXPECT_EQ(sink.dropped(), 0u);
        const std::size_t n = std::max(got.size(), want.size());
        for (std::size_t e = 0; e < n; ++e) {
            const std::string engine_event = e < got.size() ? to_string(got[e]) : "(none)";
            const std::string model_event = e < want.size() ? to_string(want[e]) : "(none)";
            if (engine_event != model_event) {
                ADD_FAILURE() << "seed " << seed << ", input " << i << ", event " << e
                              << "\n  engine: " << engine_event << "\n  model:  " << model_event;
                return false;
            }
        }
        totals.events += got.size();
        if (i % 97 == 0) {
            const std::string violation = check_invariants(engine);
            if (!violation.empty()) {
                ADD_FAILURE() << "seed " << seed << ", input " << i << ": " << violation;
                return false;
            }
        }
    }
    const std::string violation = check_invariants(engine);
    EXPECT_EQ(violation, "");
    totals.executions += engine.counters().executions;
    totals.aiq += engine.counters().aiq_decrements;
    totals.rejects += engine.counters().orders_rejected;
    totals.replaces += engine.counters().orders_replaced;
    return violation.empty();
}

TEST(EngineDifferential, RandomFlowMatchesReferenceModel) {
    const std::uint64_t ops = ops_per_seed();
    Totals totals;
    for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL, 0xC0FFEEULL}) {
        if (!run_differential(seed, ops, totals)) {
            return;
        }
    }
    // The flow must actually exercise the interesting paths, or the comparison proves little.
    EXPECT_GT(totals.executions, ops / 10);
    EXPECT_GT(totals.aiq, ops / 200);
    EXPECT_GT(totals.rejects, ops / 100);
    EXPECT_GT(totals.replaces, ops / 20);
}

}  // namespace
}  // namespace tb::exchange
