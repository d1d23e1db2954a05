#include "exchange_sim/engine/config.hpp"

#include <set>
#include <string>

#include "core/endian.hpp"
#include "core/error.hpp"
#include "core/random.hpp"

namespace tb::exchange {

namespace {

// The largest valid limit price: OUCH 4.2 reserves 0x7FFFFFFF ($214,748.3647) for market orders.
constexpr Price kMaxLimitPrice = 0x7FFF'FFFE;

[[noreturn]] void fail(const std::string& message) {
    throw core::ConfigError("engine configuration: " + message);
}

std::string symbol_name(const SymbolConfig& symbol, std::size_t index) {
    return "symbols[" + std::to_string(index) + "] (" + symbol.stock.str() + ")";
}

}  // namespace

Price lowest_price(const SymbolConfig& symbol) noexcept {
    if (symbol.band >= symbol.reference_price) {
        return symbol.tick;
    }
    return symbol.reference_price - symbol.band;
}

std::uint32_t level_count(const SymbolConfig& symbol) noexcept {
    const Price low = lowest_price(symbol);
    const Price high = symbol.reference_price + symbol.band;
    return (high - low) / symbol.tick + 1;
}

void validate_config(const EngineConfig& config) {
    if (config.symbols.empty()) {
        fail("symbols: at least one symbol is needed");
    }
    if (config.symbols.size() > kMaxSymbols) {
        fail("symbols: at most " + std::to_string(kMaxSymbols) + " symbols");
    }
    std::set<std::string> stocks;
    std::set<StockLocate> locates;
    for (std::size_t i = 0; i < config.symbols.size(); ++i) {
        const SymbolConfig& symbol = config.symbols[i];
        const std::string name = symbol_name(symbol, i);
        if (symbol.stock.blank()) {
            fail("symbols[" + std::to_string(i) + "].stock: must not be blank");
        }
        if (!stocks.insert(symbol.stock.str()).second) {
            fail(name + ".stock: listed twice");
        }
        const StockLocate locate =
            symbol.locate != 0 ? symbol.locate : static_cast<StockLocate>(i + 1);
        if (!locates.insert(locate).second) {
            fail(name + ".locate: " + std::to_string(locate) + " is used twice");
        }
        if (symbol.tick == 0) {
            fail(name + ".tick: must be positive");
        }
        if (symbol.reference_price == 0 || symbol.reference_price % symbol.tick != 0) {
            fail(name + ".reference_price: must be a positive multiple of the tick");
        }
        if (symbol.band % symbol.tick != 0) {
            fail(name + ".band: must be a multiple of the tick");
        }
        if (static_cast<std::uint64_t>(symbol.reference_price) + symbol.band > kMaxLimitPrice) {
            fail(name + ".band: reference_price + band exceeds the largest OUCH limit price");
        }
        if (level_count(symbol) > kMaxLevelsPerSide) {
            fail(name + ".band: " + std::to_string(level_count(symbol)) +
                 " price levels per side, at most " + std::to_string(kMaxLevelsPerSide));
        }
    }
    std::set<ParticipantId> participants;
    for (std::size_t i = 0; i < config.participants.size(); ++i) {
        const ParticipantConfig& participant = config.participants[i];
        const std::string name = "participants[" + std::to_string(i) + "]";
        if (participant.id >= kMaxParticipants) {
            fail(name + ".id: must be below " + std::to_string(kMaxParticipants));
        }
        if (!participants.insert(participant.id).second) {
            fail(name + ".id: " + std::to_string(participant.id) + " is listed twice");
        }
    }
    std::set<std::string> firms;
    for (std::size_t i = 0; i < config.firms.size(); ++i) {
        const FirmConfig& firm = config.firms[i];
        const std::string name = "firms[" + std::to_string(i) + "]";
        if (firm.firm.blank()) {
            fail(name + ".firm: must not be blank");
        }
        if (!firms.insert(firm.firm.str()).second) {
            fail(name + ".firm: " + firm.firm.str() + " is listed twice");
        }
        if (static_cast<std::uint8_t>(firm.aiq) > 4) {
            fail(name + ".aiq: unknown method");
        }
    }
    if (static_cast<std::uint8_t>(config.default_aiq) > 4) {
        fail("default_aiq: unknown method");
    }
    if (config.max_order_shares == 0) {
        fail("max_order_shares: must be positive");
    }
    if (config.max_orders == 0 || config.max_orders >= (1u << 31)) {
        fail("max_orders: must be in [1, 2^31)");
    }
    if (config.max_tokens == 0 || config.max_tokens > (1u << 30)) {
        fail("max_tokens: must be in [1, 2^30]");
    }
}

std::uint64_t config_fingerprint(const EngineConfig& config) noexcept {
    std::uint64_t hash = 0x7462'656E'6769'6E65ULL;  // "tbengine"
    auto add = [&hash](std::uint64_t value) { hash = core::mix64(hash ^ core::mix64(value)); };
    add(config.symbols.size());
    for (const SymbolConfig& symbol : config.symbols) {
        add(core::load_be64(symbol.stock.chars.data()));
        add(symbol.locate);
        add(symbol.tick);
        add(symbol.reference_price);
        add(symbol.band);
        add(symbol.halted_at_start ? 1 : 0);
    }
    add(config.participants.size());
    for (const ParticipantConfig& participant : config.participants) {
        add(participant.id);
        add(core::load_be32(participant.default_firm.chars.data()));
    }
    add(config.firms.size());
    for (const FirmConfig& firm : config.firms) {
        add(core::load_be32(firm.firm.chars.data()));
        add(static_cast<std::uint64_t>(firm.aiq));
    }
    add(static_cast<std::uint64_t>(config.default_aiq));
    add(config.max_order_shares);
    add(config.max_orders);
    add(config.max_tokens);
    return hash;
}

}  // namespace tb::exchange
