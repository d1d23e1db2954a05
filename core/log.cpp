#include "core/log.hpp"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace tb::core {
namespace {

LogLevel initial_level() noexcept {
    LogLevel level = LogLevel::kInfo;
    if (const char* env = std::getenv("TB_LOG_LEVEL"); env != nullptr) {
        if (!parse_log_level(env, level)) {
            std::fprintf(stderr,
                         "tickbench warn log: TB_LOG_LEVEL=%s is not one of error, warn, info, "
                         "debug; using info\n",
                         env);
        }
    }
    return level;
}

std::atomic<int>& level_storage() noexcept {
    static std::atomic<int> level{static_cast<int>(initial_level())};
    return level;
}

const char* level_name(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::kError:
            return "error";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kDebug:
            return "debug";
    }
    return "?";
}

}  // namespace

void set_log_level(LogLevel level) noexcept {
    level_storage().store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() noexcept {
    return static_cast<LogLevel>(level_storage().load(std::memory_order_relaxed));
}

bool parse_log_level(std::string_view text, LogLevel& level) noexcept {
    for (const LogLevel candidate :
         {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
        if (text == level_name(candidate)) {
            level = candidate;
            return true;
        }
    }
    return false;
}

void log(LogLevel level, const char* component, const char* format, ...) noexcept {
    if (level > log_level()) {
        return;
    }
    // One write per line so that lines from two processes sharing a terminal do not interleave.
    char line[1024];
    int n = std::snprintf(line, sizeof line, "tickbench %s %s: ", level_name(level), component);
    if (n < 0) {
        return;
    }
    va_list args;
    va_start(args, format);
    const int body =
        std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n), format, args);
    va_end(args);
    if (body < 0) {
        return;
    }
    n = std::min<int>(n + body, static_cast<int>(sizeof line) - 2);
    line[n] = '\n';
    std::fwrite(line, 1, static_cast<std::size_t>(n) + 1, stderr);
}

}  // namespace tb::core
