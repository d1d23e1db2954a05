#pragma once

// The command line of tickbench-exchange after the EAL arguments ("--"), parsed into options:
//
//     tickbench-exchange [EAL args] -- --scenario FILE [options]
//
// parse_exchange_options() throws tb::core::ConfigError for a bad command line (exit status 2)
// and returns help_requested with the help text in `help` for --help.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tb::exchange {

enum class ExchangeMode : std::uint8_t {
    kMemif,   // memif server ports, the emulated network and the exchange's own stacks
    kKernel,  // kernel sockets on loopback
};

struct ExchangeOptions {
    std::string scenario;                           // --scenario FILE (required)
    std::optional<std::uint64_t> seed;              // --seed N: overrides the scenario's seed
    ExchangeMode mode = ExchangeMode::kMemif;       // --mode memif|kernel
    std::string run_dir;                            // --run-dir DIR: where memif sockets live
    std::uint32_t clients = 1;                      // --clients N: memif sockets client0..N-1
    std::vector<std::string> ports;                 // --port SPEC: client ports instead
    bool lockstep = false;                          // --lockstep
    std::int64_t quiet_period_ns = 100'000'000;     // --quiet-period: lockstep's bounded wait
    std::string capture;                            // --capture FILE.pcapng
    std::string tick_to_trade_hgrm;                 // --hgrm FILE.hgrm
    std::string report;                             // --report FILE.json: counters and digest
    bool json = false;                              // --json: print the report as JSON
    std::optional<std::int64_t> duration_ns;        // --duration: wall-clock bound of the run
    std::int64_t link_timeout_ns = 30'000'000'000;  // --link-timeout: wait for the clients
    bool help_requested = false;
    std::string help;
};

// argv[0] is the program name; the arguments are those after EAL's "--".
[[nodiscard]] ExchangeOptions parse_exchange_options(int argc, const char* const* argv);

// The run directory when --run-dir is not given: $XDG_RUNTIME_DIR/tickbench when that
// variable is set (a user's own runtime folder), /run/tickbench otherwise (DESIGN.md).
[[nodiscard]] std::string default_run_dir();

}  // namespace tb::exchange
