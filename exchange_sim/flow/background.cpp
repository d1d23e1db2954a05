#include "exchange_sim/flow/background.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace tb::exchange {

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& what) {
    throw core::ConfigError("background: " + field + ": " + what);
}

std::vector<double> rates_of(const BackgroundFlowConfig& config) {
    std::vector<double> rates;
    for (const FlowSymbolConfig& symbol : config.symbols) {
        rates.push_back(symbol.rate_per_s);
    }
    if (rates.empty()) {
        rates.push_back(1.0);  // a placeholder distribution; never drawn from without symbols
    }
    return rates;
}

double total_rate(const BackgroundFlowConfig& config) {
    double total = 0.0;
    for (const FlowSymbolConfig& symbol : config.symbols) {
        total += symbol.rate_per_s;
    }
    return total;
}

constexpr std::uint64_t pow36(std::size_t digits) {
    std::uint64_t value = 1;
    for (std::size_t i = 0; i < digits; ++i) {
        value *= 36;
    }
    return value;
}

}  // namespace

void validate_flow_config(const BackgroundFlowConfig& config) {
    auto share_ok = [](double share) { return share >= 0.0 && share <= 1.0; };
    if (config.symbols.size() >= pow36(3)) {
        fail("symbols", "too many symbols");
    }
    for (std::size_t i = 0; i < config.symbols.size(); ++i) {
        const FlowSymbolConfig& symbol = config.symbols[i];
        if (!(symbol.rate_per_s > 0.0) || !std::isfinite(symbol.rate_per_s)) {
            fail("symbols[" + std::to_string(i) + "].rate", "expected a positive rate");
        }
        if (symbol.tick == 0 || symbol.reference_price < symbol.tick) {
            fail("symbols[" + std::to_string(i) + "]", "needs a tick and a reference price");
        }
    }
    if (config.participants == 0 || config.participants > 100 ||
        config.first_participant + config.participants > kMaxParticipants) {
        fail("participants", "expected 1 to 100 participants with ids below 4096");
    }
    if (!share_ok(config.cancel_share) || !share_ok(config.replace_share) ||
        !share_ok(config.marketable_share) ||
        config.cancel_share + config.replace_share + config.marketable_share > 1.0) {
        fail("cancel_share/replace_share/marketable_share",
             "expected shares in [0, 1] that add up to at most 1");
    }
    if (!share_ok(config.walk_probability)) {
        fail("walk_probability", "expected a probability in [0, 1]");
    }
    if (!(config.depth_ticks >= 0.0) || config.depth_ticks > 1000.0) {
        fail("depth_ticks", "expected 0 to 1000");
    }
    if (config.lot == 0 || config.max_lots == 0 ||
        std::uint64_t{config.lot} * config.max_lots >= 1'000'000) {
        fail("lot/max_lots", "expected lot * max_lots below 1,000,000 shares");
    }
    if (config.max_live_orders == 0 || config.max_live_orders >= pow36(4)) {
        fail("max_live_orders", "expected 1 to 1679615");
    }
}

Firm flow_firm(std::uint32_t index) noexcept {
    Firm firm = Firm::from("FL00");
    firm.chars[2] = static_cast<char>('0' + (index / 10) % 10);
    firm.chars[3] = static_cast<char>('0' + index % 10);
    return firm;
}

BackgroundFlow::BackgroundFlow(const BackgroundFlowConfig& config, const core::Rng& rng)
    : rng_((validate_flow_config(config), rng.fork("background"))),
      pick_symbol_(rates_of(config)),
      gap_(config.symbols.empty() ? 1.0 : 1e9 / total_rate(config)),
      depth_(config.depth_ticks > 0.0 ? config.depth_ticks : 1e-9),
      cancel_share_(config.cancel_share),
      replace_share_(config.replace_share),
      marketable_share_(config.marketable_share),
      walk_probability_(config.walk_probability),
      marketable_ticks_(config.marketable_ticks),
      lot_(config.lot),
      max_lots_(config.max_lots),
      first_participant_(config.first_participant),
      participant_count_(config.participants) {
    symbols_.resize(config.symbols.size());
    for (std::size_t i = 0; i < config.symbols.size(); ++i) {
        SymbolState& state = symbols_[i];
        state.config = config.symbols[i];
        const FlowSymbolConfig& c = state.config;
        state.reference = c.reference_price;
        // The engine's band (engine/config.cpp, lowest_price): prices on the grid from there.
        state.band_low = c.band >= c.reference_price ? c.tick : c.reference_price - c.band;
        state.band_high =
            state.band_low + (c.reference_price + c.band - state.band_low) / c.tick * c.tick;
        const Price edge = std::min<Price>(config.edge_ticks * c.tick, c.band / 2);
        state.low = state.band_low + edge;
        state.high = state.band_high - edge;
        state.slots.resize(config.max_live_orders);
        state.free.reserve(config.max_live_orders);
        state.active.reserve(config.max_live_orders);
        for (std::uint32_t s = config.max_live_orders; s > 0; --s) {
            state.free.push_back(s - 1);
        }
    }
}

void BackgroundFlow::start(std::int64_t start_ns) noexcept {
    if (symbols_.empty()) {
        return;
    }
    next_ns_ = start_ns + gap_ns();
}

std::int64_t BackgroundFlow::gap_ns() noexcept {
    // At least 1 ns, so time always moves on between arrivals.
    const double gap = gap_(rng_);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(gap + 0.5));
}

Token BackgroundFlow::make_token(std::size_t symbol, std::uint32_t slot) noexcept {
    SymbolState& state = symbols_[symbol];
    Token token;
    put_base36(token, 0, kSymbolDigits, symbol);
    put_base36(token, kSymbolDigits, kSlotDigits, slot);
    put_base36(token, kSymbolDigits + kSlotDigits, kCounterDigits,
               state.token_counter++ % pow36(kCounterDigits));
    return token;
}

BackgroundFlow::Slot* BackgroundFlow::find(const Token& token) noexcept {
    std::uint64_t symbol = 0;
    std::uint64_t slot = 0;
    if (!get_base36(token, 0, kSymbolDigits, symbol) ||
        !get_base36(token, kSymbolDigits, kSlotDigits, slot) || symbol >= symbols_.size() ||
        slot >= symbols_[symbol].slots.size()) {
        return nullptr;
    }
    Slot& s = symbols_[symbol].slots[slot];
    if (!s.in_use || (s.token != token && s.pending != token)) {
        return nullptr;
    }
    return &s;
}

std::uint32_t BackgroundFlow::allocate(SymbolState& state) noexcept {
    assert(!state.free.empty());
    const std::uint32_t slot = state.free.back();
    state.free.pop_back();
    Slot& s = state.slots[slot];
    s.in_use = true;
    s.open = 0;
    s.pending = Token{};
    s.active_index = kNotActive;
    return slot;
}

void BackgroundFlow::release(SymbolState& state, std::uint32_t slot) noexcept {
    Slot& s = state.slots[slot];
    if (!s.in_use) {
        return;
    }
    if (s.active_index != kNotActive) {
        const std::uint32_t last = state.active.back();
        state.active[s.active_index] = last;
        state.slots[last].active_index = s.active_index;
        state.active.pop_back();
    }
    s.in_use = false;
    s.active_index = kNotActive;
    s.open = 0;
    state.free.push_back(slot);
}

void BackgroundFlow::on(const OuchAccepted& e) noexcept {
    Slot* s = find(e.token);
    if (s == nullptr) {
        return;
    }
    std::uint64_t symbol = 0;
    (void)get_base36(e.token, 0, kSymbolDigits, symbol);
    SymbolState& state = symbols_[symbol];
    s->open = e.shares;
    if (s->active_index == kNotActive) {
        s->active_index = static_cast<std::uint32_t>(state.active.size());
        state.active.push_back(static_cast<std::uint32_t>(s - state.slots.data()));
    }
}

void BackgroundFlow::on(const OuchReplaced& e) noexcept {
    Slot* s = find(e.replacement_token);
    if (s == nullptr) {
        return;
    }
    s->token = e.replacement_token;
    s->pending = Token{};
    s->price = e.price;
    s->open = e.shares;
}

void BackgroundFlow::on(const OuchRejected& e) noexcept {
    ++counters_.rejected;
    Slot* s = find(e.token);
    if (s == nullptr) {
        return;
    }
    if (s->pending == e.token) {
        s->pending = Token{};  // a refused replacement: the existing order stays
        return;
    }
    std::uint64_t symbol = 0;
    (void)get_base36(e.token, 0, kSymbolDigits, symbol);
    release(symbols_[symbol], static_cast<std::uint32_t>(s - symbols_[symbol].slots.data()));
}

void BackgroundFlow::reduce(const Token& token, Shares shares) noexcept {
    Slot* s = find(token);
    if (s == nullptr) {
        return;
    }
    s->open = shares >= s->open ? 0 : s->open - shares;
    if (s->open == 0) {
        std::uint64_t symbol = 0;
        (void)get_base36(token, 0, kSymbolDigits, symbol);
        release(symbols_[symbol], static_cast<std::uint32_t>(s - symbols_[symbol].slots.data()));
    }
}

void BackgroundFlow::walk(SymbolState& state) noexcept {
    if (rng_.uniform01() >= walk_probability_) {
        return;
    }
    const Price tick = state.config.tick;
    const bool up = (rng_.next() & 1) != 0;
    if (up) {
        state.reference =
            state.reference + tick <= state.high ? state.reference + tick : state.reference - tick;
    } else {
        state.reference =
            state.reference >= state.low + tick ? state.reference - tick : state.reference + tick;
    }
}

Price BackgroundFlow::passive_price(const SymbolState& state, BookSide side) noexcept {
    const Price tick = state.config.tick;
    const auto ticks = 1 + static_cast<std::uint64_t>(depth_(rng_));
    const std::uint64_t offset = std::min<std::uint64_t>(ticks * tick, state.config.band);
    if (side == BookSide::kBuy) {
        const std::uint64_t floor = state.band_low;
        return static_cast<Price>(state.reference > floor + offset ? state.reference - offset
                                                                   : floor);
    }
    return static_cast<Price>(std::min<std::uint64_t>(state.reference + offset, state.band_high));
}

Shares BackgroundFlow::draw_shares() noexcept {
    return static_cast<Shares>(lot_ * (1 + rng_.below(max_lots_)));
}

}  // namespace tb::exchange
