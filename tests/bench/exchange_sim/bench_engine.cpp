// bench_engine: matching engine throughput and per-operation latency on three workloads.
//
//  1. exchange-core's mix on one symbol with about 1,000 resting orders: about 82% replace
//     (move: new price and/or size, new token), 9% new limit orders, 6% cancels, 3% IOC;
//  2. a crossing, insert-heavy mix: 90% new limit orders priced around the mid (about half
//     cross and trade), 10% cancels;
//  3. a deep book: 10,000 resting orders over 1,000 levels, with the mix of workload 1.
//
// Each workload's inputs are generated once, before timing, by driving a generator engine of the
// same configuration (so cancels and replaces name live orders); the timed engine replays them
// and, being deterministic, does exactly the same work. The sink only counts events.
// Reported: items_per_second (operations per second) from the untimed run (timed:0), and
// p50/p99/p99.9 per-operation latency in nanoseconds from the timed run (timed:1), a
// tb::core::Histogram of TSC readings around each operation.
//
// The token table of a day is large (every replace uses a new token), so its slots miss the
// cache; the timed loop hints the next inputs' slots to the CPU (Engine::prefetch) a few
// operations ahead, as a gateway processing a burst does.
//
// Run: scripts/bench bench_engine (or build/release/bench/bench_engine --benchmark_repetitions=5)
//      --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/histogram.hpp"
#include "core/random.hpp"
#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/engine/sinks.hpp"

namespace tb::exchange {
namespace {

constexpr Price kMid = 1'000'000;  // $100.00
constexpr Price kTick = 100;       // $0.01
constexpr ParticipantId kParticipants = 16;
constexpr std::size_t kPrefetchDistance = 8;

struct Workload {
    std::string name;
    std::size_t warmup_ops = 0;  // inputs that build the book, not timed
    std::vector<Input> inputs;   // warm-up inputs first, then the timed ones
};

// `prefix` followed by the decimal digits of n (GCC 12 at -O3 warns falsely on std::string
// concatenation, so the digits are written by hand).
template <std::size_t N>
Alpha<N> numbered(char prefix, std::uint64_t n) {
    char digits[20];
    std::size_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    Alpha<N> alpha;
    alpha.chars[0] = prefix;
    for (std::size_t i = 0; i < count && i + 1 < N; ++i) {
        alpha.chars[i + 1] = digits[count - 1 - i];
    }
    return alpha;
}

EngineConfig bench_config(std::uint32_t max_tokens) {
    EngineConfig config;
    config.symbols.push_back({Stock::from("BENCH"), 0, kTick, kMid, 2'000 * kTick, false});
    for (ParticipantId p = 0; p < kParticipants; ++p) {
        // Every account its own firm: exchange-core has no anti-internalization, so neither
        // does the benchmark's flow.
        config.participants.push_back({p, numbered<4>('F', 100 + p)});
    }
    config.max_orders = 1u << 16;
    config.max_tokens = max_tokens;
    return config;
}

// Generates inputs against a generator engine so that targets are live orders.
class Generator {
public:
    Generator(std::uint64_t seed, std::uint32_t max_tokens)
        : rng_(core::Rng(seed).fork("bench-engine")), engine_(bench_config(max_tokens), sink_) {}

    // Passive limit order `depth` ticks behind the mid on a random side.
    void add_passive(std::vector<Input>& out, std::uint32_t max_depth) {
        const bool buy = rng_.below(2) == 0;
        const auto depth = 1 + static_cast<Price>(rng_.below(max_depth));
        push_enter(out, buy, buy ? kMid - depth * kTick : kMid + depth * kTick,
                   ouch::kTimeInForceMarketHours, 1 + static_cast<Shares>(rng_.below(500)));
    }

    // Aggressive IOC reaching up to `reach` ticks through the best contra price.
    void add_ioc(std::vector<Input>& out, std::uint32_t reach) {
        const bool buy = rng_.below(2) == 0;
        const SymbolBook& book = engine_.book(0);
        const PriceLevels& contra = buy ? book.asks : book.bids;
        const Price best = contra.empty() ? kMid : book.price_of(contra.best());
        const auto through = static_cast<Price>(rng_.below(reach + 1)) * kTick;
        push_enter(out, buy, buy ? best + through : best - through,
                   ouch::kTimeInForceImmediateOrCancel, 1 + static_cast<Shares>(rng_.below(300)));
    }

    // Limit order around the mid: about half of them cross.
    void add_crossing(std::vector<Input>& out) {
        const bool buy = rng_.below(2) == 0;
        const auto offset = static_cast<std::int64_t>(rng_.below(11)) - 5;
        const auto price =
            static_cast<Price>(static_cast<std::int64_t>(kMid) + (buy ? -offset : offset) * kTick);
        push_enter(out, buy, price, ouch::kTimeInForceMarketHours,
                   1 + static_cast<Shares>(rng_.below(500)));
    }

    // Moves a live order by up to two ticks and/or changes its size, with a new token.
    bool add_replace(std::vector<Input>& out) {
        Live target;
        if (!pick_live(target)) {
            return false;
        }
        const Order& order = *engine_.find_order(target.participant, target.token);
        ReplaceOrder in;
        in.timestamp_ns = ++now_ns_;
        in.participant = target.participant;
        in.existing_token = target.token;
        in.replacement_token = next_token(target.participant);
        const auto move = static_cast<std::int64_t>(rng_.below(5)) - 2;
        const std::int64_t price = static_cast<std::int64_t>(order.price) + move * kTick;
        // Keep moves on the order's own side of the mid, as exchange-core's moves mostly do.
        const bool buy = order.side == BookSide::kBuy;
        in.price = static_cast<Price>(buy ? std::min<std::int64_t>(price, kMid - kTick)
                                          : std::max<std::int64_t>(price, kMid + kTick));
        in.shares = rng_.below(4) == 0 ? 1 + static_cast<Shares>(rng_.below(500)) : order.open;
        in.display = ouch::Display::kAnonymous;
        out.emplace_back(in);
        engine_.replace(in);
        live_[target.slot] = {target.participant, in.replacement_token, target.slot};
        return true;
    }

    bool add_cancel(std::vector<Input>& out) {
        Live target;
        if (!pick_live(target)) {
            return false;
        }
        CancelOrder in;
        in.timestamp_ns = ++now_ns_;
        in.participant = target.participant;
        in.token = target.token;
        in.shares = 0;
        out.emplace_back(in);
        engine_.cancel(in);
        return true;
    }

    [[nodiscard]] std::uint32_t resting() const { return engine_.pool().in_use(); }
    [[nodiscard]] core::Rng& rng() { return rng_; }

private:
    struct Live {
        ParticipantId participant = 0;
        Token token;
        std::size_t slot = 0;
    };

    Token next_token(ParticipantId participant) {
        (void)participant;
        return numbered<14>('B', ++serial_);
    }

    void push_enter(std::vector<Input>& out, bool buy, Price price, std::uint32_t tif,
                    Shares shares) {
        EnterOrder in;
        in.timestamp_ns = ++now_ns_;
        in.participant = static_cast<ParticipantId>(rng_.below(kParticipants));
        in.token = next_token(in.participant);
        in.side = buy ? ouch::Side::kBuy : ouch::Side::kSell;
        in.shares = shares;
        in.stock = Stock::from("BENCH");
        in.price = price;
        in.time_in_force = tif;
        out.emplace_back(in);
        engine_.enter(in);
        if (tif != ouch::kTimeInForceImmediateOrCancel &&
            engine_.find_order(in.participant, in.token) != nullptr) {
            live_.push_back({in.participant, in.token, live_.size()});
        }
    }

    // A uniformly chosen live order; dead entries are dropped on the way.
    bool pick_live(Live& target) {
        while (!live_.empty()) {
            const std::size_t i = rng_.below(live_.size());
            if (engine_.find_order(live_[i].participant, live_[i].token) != nullptr) {
                target = live_[i];
                target.slot = i;
                return true;
            }
            live_[i] = live_.back();
            live_.pop_back();
        }
        return false;
    }

    core::Rng rng_;
    CountingSink sink_;
    Engine<CountingSink> engine_;
    std::vector<Live> live_;
    std::int64_t now_ns_ = 34'200'000'000'000;
    std::uint64_t serial_ = 0;
};

constexpr std::size_t kTimedOps = 2'000'000;
// Tokens of a run (each replace takes one): 2^21 keeps the table at 2^22 slots (96 MiB).
constexpr std::uint32_t kMaxTokens = 1u << 21;

// Workloads 1 and 3: exchange-core's mix around a book of `target` resting orders placed up to
// `depth` levels from the mid on each side.
Workload exchange_core_mix(const char* name, std::uint32_t target, std::uint32_t depth) {
    Workload w;
    w.name = name;
    Generator gen(1, kMaxTokens);
    while (gen.resting() < target) {
        gen.add_passive(w.inputs, depth);
    }
    w.warmup_ops = w.inputs.size();
    while (w.inputs.size() < w.warmup_ops + kTimedOps) {
        const std::uint64_t pick = gen.rng().below(100);
        const bool low = gen.resting() < target * 95 / 100;
        const bool high = gen.resting() > target * 105 / 100;
        // Adds and cancels trade places when the book drifts 5% off its target size.
        if (pick < 82) {
            if (!gen.add_replace(w.inputs)) {
                gen.add_passive(w.inputs, depth);
            }
        } else if ((pick < 91 && !high) || (pick < 97 && low)) {
            gen.add_passive(w.inputs, depth);
        } else if (pick < 97) {
            if (!gen.add_cancel(w.inputs)) {
                gen.add_passive(w.inputs, depth);
            }
        } else {
            gen.add_ioc(w.inputs, 1);
        }
    }
    return w;
}

// Workload 2: crossing, insert-heavy.
Workload crossing_inserts() {
    Workload w;
    w.name = "crossing_inserts";
    Generator gen(2, kMaxTokens);
    while (gen.resting() < 200) {
        gen.add_passive(w.inputs, 20);
    }
    w.warmup_ops = w.inputs.size();
    // Cancels keep the book near 2,000 orders as the resting half of the inserts piles up.
    while (w.inputs.size() < w.warmup_ops + kTimedOps) {
        const bool cancel = gen.rng().below(100) < 10 || gen.resting() > 2'000;
        if (!cancel || !gen.add_cancel(w.inputs)) {
            gen.add_crossing(w.inputs);
        }
    }
    return w;
}

const Workload& workload(int which) {
    static std::unique_ptr<Workload> cache[3];
    if (!cache[which]) {
        switch (which) {
            case 0:
                cache[0] = std::make_unique<Workload>(
                    exchange_core_mix("exchange_core_mix_1k", 1'000, 50));
                break;
            case 1:
                cache[1] = std::make_unique<Workload>(crossing_inserts());
                break;
            default:
                cache[2] =
                    std::make_unique<Workload>(exchange_core_mix("deep_book_10k", 10'000, 500));
                break;
        }
    }
    return *cache[which];
}

// state.range(0): 0 measures throughput alone; 1 also reads the TSC around every operation
// for the latency percentiles (two counter reads per operation cost a few nanoseconds, so the
// throughput figure comes from mode 0).
void run_workload(benchmark::State& state, int which) {
    const Workload& w = workload(which);
    const bool timed = state.range(0) == 1;
    static const core::TscClock clock;
    const double ns_per_tick = 1e9 / clock.tsc_hz();
    // TSC ticks are recorded raw and converted once at the end, to keep the harness cheap.
    core::Histogram latency_ticks(1'000'000'000);
    CountingSink sink;
    Engine<CountingSink> engine(bench_config(kMaxTokens), sink);
    for (std::size_t i = 0; i < w.warmup_ops; ++i) {
        engine.process(w.inputs[i]);
    }
    const std::size_t end = w.inputs.size();
    std::size_t i = w.warmup_ops;
    for (auto _ : state) {
        if (i + kPrefetchDistance < end) {
            engine.prefetch(w.inputs[i + kPrefetchDistance]);
        }
        if (timed) {
            const std::uint64_t start = core::TscClock::read_tsc();
            engine.process(w.inputs[i]);
            const std::uint64_t stop = core::TscClock::read_tsc();
            latency_ticks.record(static_cast<std::int64_t>(stop - start));
        } else {
            engine.process(w.inputs[i]);
        }
        ++i;
    }
    benchmark::DoNotOptimize(sink.itch_events());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    if (timed) {
        const auto ns = [&](double percentile) {
            return static_cast<double>(latency_ticks.value_at_percentile(percentile)) * ns_per_tick;
        };
        state.counters["p50_ns"] = ns(50.0);
        state.counters["p99_ns"] = ns(99.0);
        state.counters["p99.9_ns"] = ns(99.9);
    }
    state.counters["resting_orders"] = static_cast<double>(engine.pool().in_use());
    state.counters["executions"] = static_cast<double>(engine.counters().executions);
}

void BM_ExchangeCoreMix(benchmark::State& state) {
    run_workload(state, 0);
}
void BM_CrossingInserts(benchmark::State& state) {
    run_workload(state, 1);
}
void BM_DeepBook(benchmark::State& state) {
    run_workload(state, 2);
}

BENCHMARK(BM_ExchangeCoreMix)
    ->ArgName("timed")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(kTimedOps)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CrossingInserts)
    ->ArgName("timed")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(kTimedOps)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DeepBook)
    ->ArgName("timed")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(kTimedOps)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tb::exchange

BENCHMARK_MAIN();
