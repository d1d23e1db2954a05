#pragma once

// Basic value types of the matching engine: prices, share counts, identifiers and the fixed-width
// alpha fields that OUCH 4.2 and ITCH 5.0 carry (order token, stock symbol, firm/MPID).
//
// Prices are integers in ITCH/OUCH `Price(4)` units: 1/10000 of a dollar, so $12.34 is 123400
// (OUCH 4.2 section 1.2, ITCH 5.0 section 3). Timestamps are nanoseconds since midnight, given by
// the caller with every input; the engine never reads a clock.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tb::exchange {

using Price = std::uint32_t;  // Price(4): 1/10000 dollar
using Shares = std::uint32_t;
using OrderRef = std::uint64_t;       // ITCH order reference number, day-unique
using MatchNumber = std::uint64_t;    // day-unique, shared by both sides of an execution
using ParticipantId = std::uint16_t;  // one OUCH account (SoupBinTCP session owner)
using StockLocate = std::uint16_t;    // ITCH stock locate code, 1-based

inline constexpr Price kPriceScale = 10'000;  // Price(4): four implied decimals

// A left-justified, space-padded alpha field of N bytes (OUCH 4.2 section 1.2, "Alpha").
template <std::size_t N>
struct Alpha {
    // Default: all spaces, the wire's "blank".
    std::array<char, N> chars = spaces();

    // Copies text, truncated to N bytes, and pads with spaces.
    [[nodiscard]] static constexpr Alpha from(std::string_view text) noexcept {
        Alpha alpha;
        alpha.chars.fill(' ');
        const std::size_t n = std::min(text.size(), N);
        for (std::size_t i = 0; i < n; ++i) {
            alpha.chars[i] = text[i];
        }
        return alpha;
    }

    [[nodiscard]] static constexpr std::array<char, N> spaces() noexcept {
        std::array<char, N> blank{};
        blank.fill(' ');
        return blank;
    }

    [[nodiscard]] constexpr bool blank() const noexcept {
        return std::all_of(chars.begin(), chars.end(), [](char c) { return c == ' '; });
    }

    // The text without trailing spaces (for messages and test output).
    [[nodiscard]] std::string str() const {
        std::size_t n = N;
        while (n > 0 && chars[n - 1] == ' ') {
            --n;
        }
        return std::string(chars.data(), n);
    }

    friend constexpr bool operator==(const Alpha&, const Alpha&) = default;
};

using Token = Alpha<14>;        // OUCH order token: day-unique per OUCH account
using Stock = Alpha<8>;         // stock symbol
using Firm = Alpha<4>;          // firm identifier; on the feed it is the MPID attribution
using ActionReason = Alpha<4>;  // ITCH Stock Trading Action reason ("T1  ", "    " ...)

// Firm and stock packed into integers for hashing and fast comparison; the byte order is the
// field's own, so the value is only compared for equality, never ordered.
[[nodiscard]] inline std::uint32_t firm_key(const Firm& firm) noexcept {
    std::uint32_t key;
    std::memcpy(&key, firm.chars.data(), sizeof key);
    return key;
}
[[nodiscard]] inline std::uint64_t stock_key(const Stock& stock) noexcept {
    std::uint64_t key;
    std::memcpy(&key, stock.chars.data(), sizeof key);
    return key;
}

// The two sides of a book. OUCH's sell short ('T') and sell short exempt ('E') rest on the sell
// side; ITCH reports them as 'S'.
enum class BookSide : std::uint8_t { kBuy = 0, kSell = 1 };

[[nodiscard]] constexpr BookSide opposite(BookSide side) noexcept {
    return side == BookSide::kBuy ? BookSide::kSell : BookSide::kBuy;
}

// ITCH 5.0 Buy/Sell Indicator byte.
[[nodiscard]] constexpr char itch_side(BookSide side) noexcept {
    return side == BookSide::kBuy ? 'B' : 'S';
}

}  // namespace tb::exchange
