#include "client/types.hpp"

#include <cstdio>

namespace tb::client {

std::string format_price(std::int64_t price4) {
    const bool negative = price4 < 0;
    const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-(price4 + 1)) + 1
                                             : static_cast<std::uint64_t>(price4);
    char text[32];
    std::snprintf(text, sizeof text, "%s%llu.%04llu", negative ? "-" : "",
                  static_cast<unsigned long long>(magnitude / kPriceScale),
                  static_cast<unsigned long long>(magnitude % kPriceScale));
    return text;
}

bool parse_price(std::string_view text, Price& price) noexcept {
    if (text.empty()) {
        return false;
    }
    std::uint64_t whole = 0;
    std::size_t i = 0;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
        whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
        if (whole > 0xFFFF'FFFFULL / kPriceScale) {
            return false;
        }
    }
    std::uint64_t fraction = 0;
    std::size_t decimals = 0;
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            if (++decimals > 4) {
                return false;
            }
            fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        }
        if (decimals == 0 && digits == 0) {
            return false;
        }
    } else if (digits == 0) {
        return false;
    }
    if (i != text.size()) {
        return false;
    }
    for (std::size_t d = decimals; d < 4; ++d) {
        fraction *= 10;
    }
    const std::uint64_t value = whole * kPriceScale + fraction;
    if (value > 0xFFFF'FFFFULL) {
        return false;
    }
    price = static_cast<Price>(value);
    return true;
}

}  // namespace tb::client
