#pragma once

// Value types shared by every part of the trading client (namespace tb::client).
//
// Prices are integers in ITCH 5.0 / OUCH 4.2 Price(4) units, 1/10000 of a dollar ($12.34 is
// 123400); money (cash, P&L) is kept in the same unit as a signed 64-bit integer, so every sum
// is exact. Shares are unsigned 32-bit counts, as on the wire. Times are int64 nanoseconds from
// the injected clock (DESIGN.md, "Time").

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/wire.hpp"

namespace tb::client {

using Price = std::uint32_t;   // Price(4)
using Shares = std::uint32_t;  // share count
using Money = std::int64_t;    // signed, in Price(4) units (1/10000 dollar)
using BookId = std::uint32_t;  // index of a book in the BookBuilder; stable for the process
using Stock = proto::Alpha<8>;

inline constexpr Price kPriceScale = 10'000;
inline constexpr BookId kNoBook = 0xFFFF'FFFF;

// The two sides of a book; also an array index (0 bids, 1 asks).
enum class Side : std::uint8_t { kBuy = 0, kSell = 1 };

[[nodiscard]] constexpr Side opposite(Side side) noexcept {
    return side == Side::kBuy ? Side::kSell : Side::kBuy;
}
[[nodiscard]] constexpr unsigned index_of(Side side) noexcept {
    return static_cast<unsigned>(side);
}
[[nodiscard]] constexpr std::string_view to_string(Side side) noexcept {
    return side == Side::kBuy ? "buy" : "sell";
}

// Whether price `a` is better than price `b` for `side` (higher for bids, lower for asks).
[[nodiscard]] constexpr bool better(Side side, Price a, Price b) noexcept {
    return side == Side::kBuy ? a > b : a < b;
}

// "12.3400" for 123400; negative amounts (money) get a leading '-'.
[[nodiscard]] std::string format_price(std::int64_t price4);

// "12.34" or "12" -> Price(4); nothing for anything else (at most 4 decimals, no sign).
[[nodiscard]] bool parse_price(std::string_view text, Price& price) noexcept;

// A stock symbol as the wire has it (left-justified, space padded), from text of 1-8 characters.
[[nodiscard]] inline Stock make_stock(std::string_view text) noexcept {
    return Stock::left(text);
}

// The 8 bytes of a symbol as one integer: a cheap, exact hash-table key (never 0, since the
// bytes are printable characters or spaces).
[[nodiscard]] inline std::uint64_t stock_key(const Stock& stock) noexcept {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        key = (key << 8) | static_cast<std::uint8_t>(stock.bytes[i]);
    }
    return key;
}

}  // namespace tb::client
