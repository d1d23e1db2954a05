#pragma once

// A small logger for start-up and control paths only; never call it per packet (count instead,
// see core/counters.hpp). Lines go to stderr as "tickbench <level> <component>: message".
// The threshold comes from set_log_level() or the TB_LOG_LEVEL environment variable
// (error, warn, info, debug; default info).

#include <string_view>

namespace tb::core {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void set_log_level(LogLevel level) noexcept;
[[nodiscard]] LogLevel log_level() noexcept;
// Parses "error", "warn", "info" or "debug"; false for anything else.
[[nodiscard]] bool parse_log_level(std::string_view text, LogLevel& level) noexcept;

// printf-style; the line ends with a newline added here.
void log(LogLevel level, const char* component, const char* format, ...) noexcept
    __attribute__((format(printf, 3, 4)));

}  // namespace tb::core

#define TB_LOG_ERROR(component, ...) \
    ::tb::core::log(::tb::core::LogLevel::kError, component, __VA_ARGS__)
#define TB_LOG_WARN(component, ...) \
    ::tb::core::log(::tb::core::LogLevel::kWarn, component, __VA_ARGS__)
#define TB_LOG_INFO(component, ...) \
    ::tb::core::log(::tb::core::LogLevel::kInfo, component, __VA_ARGS__)
#define TB_LOG_DEBUG(component, ...)                                               \
    do {                                                                           \
        if (::tb::core::log_level() >= ::tb::core::LogLevel::kDebug) {             \
            ::tb::core::log(::tb::core::LogLevel::kDebug, component, __VA_ARGS__); \
        }                                                                          \
    } while (0)
