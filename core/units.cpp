#include "core/units.hpp"

#include <charconv>
#include <cmath>

namespace tb::core {

std::optional<std::int64_t> parse_duration_ns(std::string_view text) noexcept {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t digits_end = 0;
    while (digits_end < text.size() &&
           ((text[digits_end] >= '0' && text[digits_end] <= '9') || text[digits_end] == '.')) {
        ++digits_end;
    }
    const std::string_view number = text.substr(0, digits_end);
    const std::string_view unit = text.substr(digits_end);
    if (number.empty() || number.front() == '.' || number.back() == '.') {
        return std::nullopt;
    }
    double scale = 0.0;
    if (unit.empty() || unit == "ns") {
        scale = 1.0;
    } else if (unit == "us") {
        scale = 1e3;
    } else if (unit == "ms") {
        scale = 1e6;
    } else if (unit == "s") {
        scale = 1e9;
    } else if (unit == "min") {
        scale = 60e9;
    } else {
        return std::nullopt;
    }
    if (number.find('.') == std::string_view::npos) {
        // Integers stay exact.
        std::int64_t value = 0;
        const auto [end, error] =
            std::from_chars(number.data(), number.data() + number.size(), value);
        if (error != std::errc{} || end != number.data() + number.size()) {
            return std::nullopt;
        }
        const auto factor = static_cast<std::int64_t>(scale);
        if (value > INT64_MAX / factor) {
            return std::nullopt;
        }
        return value * factor;
    }
    double value = 0.0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc{} || end != number.data() + number.size()) {
        return std::nullopt;
    }
    const double ns = std::round(value * scale);
    if (!(ns >= 0.0) || ns >= 9.2e18) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(ns);
}

}  // namespace tb::core
