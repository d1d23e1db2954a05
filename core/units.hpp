#pragma once

// Parsing of the units people write on command lines and in scenario files.

#include <cstdint>
#include <optional>
#include <string_view>

namespace tb::core {

// "250ns", "2us", "1.5ms", "3s", "0"; a bare number is nanoseconds. Units: ns, us, ms, s, min.
// Returns nothing for anything else, negative values, or values that overflow int64 ns.
[[nodiscard]] std::optional<std::int64_t> parse_duration_ns(std::string_view text) noexcept;

}  // namespace tb::core
