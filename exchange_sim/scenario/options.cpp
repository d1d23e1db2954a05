#include "exchange_sim/scenario/options.hpp"

#include <sstream>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/units.hpp"

namespace tb::exchange {

namespace po = boost::program_options;

ExchangeOptions parse_exchange_options(int argc, const char* const* argv) {
    ExchangeOptions options;
    std::string seed;
    std::string quiet;
    po::options_description description(
        "tickbench-exchange [EAL args] -- --scenario FILE [options]\n\n"
        "The simulated exchange: order entry (SoupBinTCP/OUCH 4.2 on TCP), market data\n"
        "(MoldUDP64/ITCH 5.0 on feeds A and B, retransmission server), background flow and the\n"
        "scenario's timeline, in one busy-polling thread. The scenario format is in\n"
        "scenarios/README.md. Exit status: 0 done, 1 start-up or run failure, 2 bad command line\n"
        "or scenario.\n\nOptions");
    description.add_options()("help,h", "print this help and exit")(
        "scenario", po::value<std::string>(&options.scenario), "scenario file (YAML), required")(
        "seed", po::value<std::string>(&seed), "seed overriding the scenario's (unsigned 64-bit)")(
        "run-dir", po::value<std::string>(&options.run_dir),
        "folder of the memif sockets (default /run/tickbench or $XDG_RUNTIME_DIR)")(
        "lockstep", po::bool_switch(&options.lockstep),
        "after each timeline step wait for the client's reaction or a quiet period")(
        "quiet-period", po::value<std::string>(&quiet),
        "lockstep: longest wait for a reaction (duration, default 100ms)")(
        "capture", po::value<std::string>(&options.capture),
        "write a pcapng capture of every port")(
        "hgrm", po::value<std::string>(&options.tick_to_trade_hgrm),
        "write the tick-to-trade histogram (HdrHistogram .hgrm)")(
        "report", po::value<std::string>(&options.report),
        "write the end-of-run report (counters and digest) as JSON");
    std::ostringstream help;
    help << description;
    options.help = help.str();
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(description).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw core::ConfigError(std::string("command line: ") + e.what() + " (see --help)");
    }
    if (vm.count("help") != 0) {
        options.help_requested = true;
        return options;
    }
    if (options.scenario.empty()) {
        throw core::ConfigError("command line: --scenario FILE is required (see --help)");
    }
    if (!seed.empty()) {
        std::uint64_t value = 0;
        std::size_t used = 0;
        try {
            value = std::stoull(seed, &used, 10);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != seed.size() || seed.empty() || seed[0] == '-') {
            throw core::ConfigError("command line: --seed: expected an unsigned integer, got '" +
                                    seed + "'");
        }
        options.seed = value;
    }
    if (!quiet.empty()) {
        const std::optional<std::int64_t> ns = core::parse_duration_ns(quiet);
        if (!ns || *ns <= 0) {
            throw core::ConfigError(
                "command line: --quiet-period: expected a positive duration such as 100ms, got '" +
                quiet + "'");
        }
        options.quiet_period_ns = *ns;
    }
    return options;
}

}  // namespace tb::exchange
