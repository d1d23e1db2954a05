#pragma once

// Errors outside the data path (STYLE.md, "Errors, logs, counters").
//
// StartupError: something needed to start is missing or unusable (no DPDK port, socket in use,
// peer never came up). Thrown before the hot loop starts; main() prints what() as one line and
// exits with kExitStartup. The message says what failed and what to do about it.
//
// ConfigError: a command line, configuration or scenario file is invalid; exit kExitConfig.

#include <stdexcept>
#include <string>

namespace tb::core {

inline constexpr int kExitOk = 0;
inline constexpr int kExitStartup = 1;  // also: the run itself failed (link lost, checks failed)
inline constexpr int kExitConfig = 2;

class StartupError : public std::runtime_error {
public:
    explicit StartupError(const std::string& message) : std::runtime_error(message) {}
};

class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace tb::core
