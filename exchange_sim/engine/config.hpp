#pragma once

// Configuration of the matching engine, fixed at start-up: the symbols with their tick size,
// reference price and price band, the OUCH accounts (participants) with their default firm, the
// anti-internalization method of each firm, and the capacities that size every table once.
//
// validate_config() throws tb::core::ConfigError with a message naming the field; the engine
// constructor calls it, so a running engine always has a valid configuration.

#include <cstdint>
#include <string>
#include <vector>

#include "exchange_sim/engine/types.hpp"

namespace tb::exchange {

// Anti-internalization (AIQ, "self-match prevention") methods. Nasdaq's anti-internalization rule
// (Equity 4, Rule 4757(a)(1)(E)) lets a member choose, per MPID, what happens when two of its
// orders would trade with each other; OUCH 4.2 reports the result with AIQ Canceled messages
// (reason Q, section 3.3). "Newest" is the incoming order, "oldest" the resting one.
enum class AiqMethod : std::uint8_t {
    kNone = 0,                    // no prevention: the firm's orders may trade with each other
    kCancelNewest = 1,            // cancel the incoming order's remaining shares
    kCancelOldest = 2,            // cancel the resting order and keep matching
    kCancelBoth = 3,              // cancel both
    kDecrementCancelSmaller = 4,  // cancel the smaller, decrement the larger by its size;
                                  // equal sizes cancel both
};

struct SymbolConfig {
    Stock stock;
    StockLocate locate = 0;     // ITCH stock locate; 0 means "position in the list + 1"
    Price tick = 100;           // tick size in Price(4) units ($0.01)
    Price reference_price = 0;  // centre of the price band, on the tick grid
    Price band = 0;             // valid prices: [reference - band, reference + band]
    bool halted_at_start = false;
};

struct ParticipantConfig {
    ParticipantId id = 0;
    // Used when an order's Firm field is blank (OUCH 4.2 section 2.1: "If this field is blank,
    // the default firm for the OUCH account will be used").
    Firm default_firm;
};

struct FirmConfig {
    Firm firm;
    AiqMethod aiq = AiqMethod::kDecrementCancelSmaller;
};

struct EngineConfig {
    std::vector<SymbolConfig> symbols;
    std::vector<ParticipantConfig> participants;
    std::vector<FirmConfig> firms;  // firms not listed use default_aiq
    AiqMethod default_aiq = AiqMethod::kDecrementCancelSmaller;

    // OUCH 4.2 section 2.1: Shares "must be greater than zero and less than 1,000,000".
    Shares max_order_shares = 999'999;
    std::uint32_t max_orders = 1u << 20;  // live orders across all symbols
    std::uint32_t max_tokens = 1u << 22;  // order tokens accepted per day, live or dead
};

inline constexpr std::uint32_t kMaxParticipants = 4096;  // participant ids are below this
inline constexpr std::uint32_t kMaxLevelsPerSide = 64 * 64 * 64;
inline constexpr std::uint32_t kMaxSymbols = 65'535;

// Throws tb::core::ConfigError naming the first invalid field.
void validate_config(const EngineConfig& config);

// A 64-bit fingerprint of every field that changes the engine's outputs; a journal records it,
// and replay refuses a journal written under another configuration.
[[nodiscard]] std::uint64_t config_fingerprint(const EngineConfig& config) noexcept;

// Number of price levels per side for a symbol: the ticks in its band, both ends included.
[[nodiscard]] std::uint32_t level_count(const SymbolConfig& symbol) noexcept;
// Lowest valid price of a symbol (the band's floor, at least one tick).
[[nodiscard]] Price lowest_price(const SymbolConfig& symbol) noexcept;

}  // namespace tb::exchange
