#pragma once

// Background order flow: seeded synthetic participants that keep every configured symbol's
// book busy, so a client under test sees a live market.
//
// Model (scenarios/README.md, "background"):
//  - Arrivals: one Poisson process per symbol with `rate_per_s` inputs per second; their
//    superposition is one Poisson process of the total rate, each arrival belonging to a symbol
//    with probability proportional to its rate (so one exponential gap and one discrete draw per
//    input, whatever the number of symbols).
//  - Reference price: a random walk per symbol; at each of the symbol's arrivals it moves one
//    tick up or down with probability `walk_probability`, reflected to stay
//    `edge_ticks` inside the symbol's price band.
//  - Each arrival is one engine input, chosen with the configured shares: cancel one of the
//    symbol's own live orders (uniformly), replace one (new price around the reference, new
//    size, new token), a marketable IOC order (priced `marketable_ticks` through the reference),
//    or else a new limit order placed passively: buys at reference - k ticks, sells at
//    reference + k, k = 1 + an exponential draw of mean `depth_ticks`. Sizes are round lots: `lot`
//    times a uniform 1..`max_lots`. A cancel or replace with no live order becomes a new order;
//    a new order with every slot in use becomes a cancel.
//  - Orders come from `participants` synthetic participants (drawn uniformly), each its own
//    OUCH account and firm "FLnn"; the scenario gives those firms no anti-internalization, so
//    flow orders trade with each other.
// Every draw comes from the scenario's Rng sub-stream "background": same seed, same flow.
//
// The flow learns what happened to its orders from the engine's OUCH events for its
// participants (on()), delivered synchronously while an input is processed. Tokens encode the
// symbol, the order slot and a per-symbol counter (flow_tokens.hpp), so those events find their
// order without a search; nothing allocates after construction.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/engine/inputs.hpp"
#include "exchange_sim/flow/flow_tokens.hpp"
#include "exchange_sim/gateway/gateway.hpp"

namespace tb::exchange {

struct FlowSymbolConfig {
    Stock stock;
    Price tick = 100;
    Price reference_price = 0;
    Price band = 0;
    double rate_per_s = 0.0;  // inputs per second for this symbol
};

struct BackgroundFlowConfig {
    std::vector<FlowSymbolConfig> symbols;
    ParticipantId first_participant = 3000;  // participants first .. first + participants - 1
    std::uint32_t participants = 4;
    double cancel_share = 0.30;
    double replace_share = 0.10;
    double marketable_share = 0.05;
    double walk_probability = 0.10;
    double depth_ticks = 4.0;
    std::uint32_t marketable_ticks = 2;
    std::uint32_t edge_ticks = 20;
    Shares lot = 100;
    std::uint32_t max_lots = 10;
    std::uint32_t max_live_orders = 4096;  // per symbol
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_flow_config(const BackgroundFlowConfig& config);

// The firm of flow participant `index` ("FL00", "FL01", ...).
[[nodiscard]] Firm flow_firm(std::uint32_t index) noexcept;

struct FlowCounters {
    std::uint64_t inputs = 0;
    std::uint64_t new_orders = 0;
    std::uint64_t marketable_orders = 0;
    std::uint64_t cancels = 0;
    std::uint64_t replaces = 0;
    std::uint64_t rejected = 0;
    std::uint64_t executions = 0;

    template <class F>
    void visit(F&& f) const {
        f("inputs", inputs);
        f("new_orders", new_orders);
        f("marketable_orders", marketable_orders);
        f("cancels", cancels);
        f("replaces", replaces);
        f("rejected", rejected);
        f("executions", executions);
    }
};

class BackgroundFlow {
public:
    BackgroundFlow(const BackgroundFlowConfig& config, const core::Rng& rng);

    // Starts the arrival process at clock time start_ns.
    void start(std::int64_t start_ns) noexcept;
    // Stops generating (end of session).
    void stop() noexcept { next_ns_ = std::numeric_limits<std::int64_t>::max(); }

    // Clock time of the next arrival (max when stopped or without symbols).
    [[nodiscard]] std::int64_t next_event_ns() const noexcept { return next_ns_; }

    // Generates the arrivals due by `now`, at most `budget`, handing each input to
    // submit(const Input&) (which runs the engine). Returns the inputs generated.
    template <class Submit>
    std::size_t poll(Instant now, std::size_t budget, Submit&& submit) noexcept {
        std::size_t done = 0;
        while (done < budget && next_ns_ <= now.clock_ns) {
            const std::int64_t day_ns = now.day_ns - (now.clock_ns - next_ns_);
            last_day_ns_ = std::max(last_day_ns_, day_ns);
            generate(last_day_ns_, submit);
            next_ns_ += gap_ns();
            ++done;
        }
        return done;
    }

    [[nodiscard]] bool owns(ParticipantId participant) const noexcept {
        return participant >= first_participant_ &&
               participant < first_participant_ + participant_count_;
    }

    // OUCH events for the flow's participants.
    void on(const OuchAccepted& e) noexcept;
    void on(const OuchReplaced& e) noexcept;
    void on(const OuchCanceled& e) noexcept { reduce(e.token, e.decrement_shares); }
    void on(const OuchAiqCanceled& e) noexcept { reduce(e.token, e.decrement_shares); }
    void on(const OuchExecuted& e) noexcept {
        ++counters_.executions;
        reduce(e.token, e.executed_shares);
    }
    void on(const OuchRejected& e) noexcept;

    [[nodiscard]] const FlowCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::size_t live_orders(std::size_t symbol) const noexcept {
        return symbols_[symbol].active.size();
    }
    [[nodiscard]] Price reference(std::size_t symbol) const noexcept {
        return symbols_[symbol].reference;
    }

private:
    static constexpr std::uint32_t kNotActive = 0xFFFF'FFFF;

    struct Slot {
        Token token;
        Token pending;  // replacement token while a Replace Order is in the engine
        Price price = 0;
        Shares open = 0;
        BookSide side = BookSide::kBuy;
        ParticipantId participant = 0;
        bool in_use = false;
        std::uint32_t active_index = kNotActive;  // position in SymbolState::active
    };

    struct SymbolState {
        FlowSymbolConfig config;
        Price reference = 0;
        Price low = 0;  // reflecting bounds of the walk
        Price high = 0;
        Price band_low = 0;
        Price band_high = 0;
        std::uint64_t token_counter = 0;
        std::vector<Slot> slots;
        std::vector<std::uint32_t> free;
        std::vector<std::uint32_t> active;
    };

    static constexpr std::size_t kSymbolDigits = 3;
    static constexpr std::size_t kSlotDigits = 4;
    static constexpr std::size_t kCounterDigits = 7;

    [[nodiscard]] std::int64_t gap_ns() noexcept;
    [[nodiscard]] Token make_token(std::size_t symbol, std::uint32_t slot) noexcept;
    [[nodiscard]] Slot* find(const Token& token) noexcept;
    [[nodiscard]] std::uint32_t allocate(SymbolState& state) noexcept;
    void release(SymbolState& state, std::uint32_t slot) noexcept;
    void reduce(const Token& token, Shares shares) noexcept;
    void walk(SymbolState& state) noexcept;
    [[nodiscard]] Price passive_price(const SymbolState& state, BookSide side) noexcept;
    [[nodiscard]] Shares draw_shares() noexcept;

    template <class Submit>
    void generate(std::int64_t day_ns, Submit& submit) noexcept;
    template <class Submit>
    void new_order(std::size_t symbol, bool marketable, std::int64_t day_ns,
                   Submit& submit) noexcept;

    core::Rng rng_;
    std::vector<SymbolState> symbols_;
    core::Discrete pick_symbol_;
    core::Exponential gap_;
    core::Exponential depth_;
    double cancel_share_;
    double replace_share_;
    double marketable_share_;
    double walk_probability_;
    std::uint32_t marketable_ticks_;
    Shares lot_;
    std::uint32_t max_lots_;
    ParticipantId first_participant_;
    std::uint32_t participant_count_;
    std::int64_t next_ns_ = std::numeric_limits<std::int64_t>::max();
    std::int64_t last_day_ns_ = 0;
    FlowCounters counters_;
};

template <class Submit>
void BackgroundFlow::generate(std::int64_t day_ns, Submit& submit) noexcept {
    const std::size_t symbol = pick_symbol_(rng_);
    SymbolState& state = symbols_[symbol];
    walk(state);
    ++counters_.inputs;
    const double u = rng_.uniform01();
    const bool has_live = !state.active.empty();
    if (u < cancel_share_ && has_live) {
        const std::uint32_t slot = state.active[rng_.below(state.active.size())];
        const Slot& s = state.slots[slot];
        CancelOrder in;
        in.timestamp_ns = day_ns;
        in.participant = s.participant;
        in.token = s.token;
        in.shares = 0;
        ++counters_.cancels;
        submit(Input{in});
        return;
    }
    if (u < cancel_share_ + replace_share_ && has_live) {
        const std::uint32_t slot = state.active[rng_.below(state.active.size())];
        Slot& s = state.slots[slot];
        ReplaceOrder in;
        in.timestamp_ns = day_ns;
        in.participant = s.participant;
        in.existing_token = s.token;
        in.replacement_token = make_token(symbol, slot);
        in.shares = draw_shares();
        in.price = passive_price(state, s.side);
        in.time_in_force = ouch::kTimeInForceMarketHours;
        in.display = ouch::Display::kAnonymous;
        s.pending = in.replacement_token;
        ++counters_.replaces;
        submit(Input{in});
        state.slots[slot].pending = Token{};
        return;
    }
    if (state.free.empty()) {
        // Every slot is in use: take an order off instead.
        const std::uint32_t slot = state.active[rng_.below(state.active.size())];
        CancelOrder in;
        in.timestamp_ns = day_ns;
        in.participant = state.slots[slot].participant;
        in.token = state.slots[slot].token;
        ++counters_.cancels;
        submit(Input{in});
        return;
    }
    const bool marketable = u >= cancel_share_ + replace_share_ &&
                            u < cancel_share_ + replace_share_ + marketable_share_;
    new_order(symbol, marketable, day_ns, submit);
}

template <class Submit>
void BackgroundFlow::new_order(std::size_t symbol, bool marketable, std::int64_t day_ns,
                               Submit& submit) noexcept {
    SymbolState& state = symbols_[symbol];
    const std::uint32_t slot = allocate(state);
    Slot& s = state.slots[slot];
    s.side = (rng_.next() & 1) != 0 ? BookSide::kBuy : BookSide::kSell;
    s.participant = static_cast<ParticipantId>(first_participant_ + rng_.below(participant_count_));
    s.token = make_token(symbol, slot);
    s.open = 0;
    EnterOrder in;
    in.timestamp_ns = day_ns;
    in.participant = s.participant;
    in.token = s.token;
    in.side = s.side == BookSide::kBuy ? ouch::Side::kBuy : ouch::Side::kSell;
    in.shares = draw_shares();
    in.stock = state.config.stock;
    in.display = ouch::Display::kAnonymous;
    if (marketable) {
        const Price through = marketable_ticks_ * state.config.tick;
        in.price = s.side == BookSide::kBuy
                       ? std::min<Price>(state.reference + through, state.band_high)
                       : std::max<Price>(state.reference - through, state.band_low);
        in.time_in_force = ouch::kTimeInForceImmediateOrCancel;
        ++counters_.marketable_orders;
    } else {
        in.price = passive_price(state, s.side);
        in.time_in_force = ouch::kTimeInForceMarketHours;
        ++counters_.new_orders;
    }
    s.price = in.price;
    submit(Input{in});
    // Rejected, fully executed or an IOC remainder canceled: the events released the slot.
    // Accepted and resting: the slot is live. An input the engine ignored leaves it unused.
    Slot& after = state.slots[slot];
    if (after.in_use && after.active_index == kNotActive) {
        release(state, slot);
    }
}

}  // namespace tb::exchange
