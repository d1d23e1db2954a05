#pragma once

// TCP sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): a < b when b is ahead of a
// by less than 2^31.

#include <cstdint>

namespace tb::net {

[[nodiscard]] constexpr bool seq_lt(std::uint32_t a, std::uint32_t b) noexcept {
    return static_cast<std::int32_t>(a - b) < 0;
}
[[nodiscard]] constexpr bool seq_leq(std::uint32_t a, std::uint32_t b) noexcept {
    return static_cast<std::int32_t>(a - b) <= 0;
}
[[nodiscard]] constexpr bool seq_gt(std::uint32_t a, std::uint32_t b) noexcept {
    return static_cast<std::int32_t>(a - b) > 0;
}
[[nodiscard]] constexpr bool seq_geq(std::uint32_t a, std::uint32_t b) noexcept {
    return static_cast<std::int32_t>(a - b) >= 0;
}
[[nodiscard]] constexpr std::uint32_t seq_max(std::uint32_t a, std::uint32_t b) noexcept {
    return seq_gt(a, b) ? a : b;
}
[[nodiscard]] constexpr std::uint32_t seq_min(std::uint32_t a, std::uint32_t b) noexcept {
    return seq_lt(a, b) ? a : b;
}
// a <= x < b
[[nodiscard]] constexpr bool seq_in(std::uint32_t x, std::uint32_t a, std::uint32_t b) noexcept {
    return seq_leq(a, x) && seq_lt(x, b);
}

static_assert(seq_lt(0xFFFFFFF0U, 0x10U));
static_assert(seq_gt(0x10U, 0xFFFFFFF0U));
static_assert(seq_in(0U, 0xFFFFFFFFU, 1U));

}  // namespace tb::net
