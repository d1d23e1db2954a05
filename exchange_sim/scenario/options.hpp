#pragma once

// The command line of tickbench-exchange after the EAL arguments ("--"), parsed into options,
// for the binary (phase 2) to call:
//
//     tickbench-exchange [EAL args] -- --scenario FILE [options]
//
// parse_exchange_options() throws tb::core::ConfigError for a bad command line (exit status 2)
// and returns help_requested with the help text in `help` for --help.

#include <cstdint>
#include <optional>
#include <string>

namespace tb::exchange {

struct ExchangeOptions {
    std::string scenario;                        // --scenario FILE (required)
    std::optional<std::uint64_t> seed;           // --seed N: overrides the scenario's seed
    std::string run_dir;                         // --run-dir DIR: where memif sockets live
    bool lockstep = false;                       // --lockstep
    std::int64_t quiet_period_ns = 100'000'000;  // --quiet-period: lockstep's bounded wait
    std::string capture;                         // --capture FILE.pcapng
    std::string tick_to_trade_hgrm;              // --hgrm FILE.hgrm
    std::string report;                          // --report FILE.json: counters and digest
    bool help_requested = false;
    std::string help;
};

// argv[0] is the program name; the arguments are those after EAL's "--".
[[nodiscard]] ExchangeOptions parse_exchange_options(int argc, const char* const* argv);

}  // namespace tb::exchange
