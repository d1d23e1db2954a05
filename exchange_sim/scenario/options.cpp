#include "exchange_sim/scenario/options.hpp"

#include <cstdlib>
#include <sstream>
#include <utility>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/units.hpp"

namespace tb::exchange {

namespace po = boost::program_options;

std::string default_run_dir() {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    if (xdg != nullptr && xdg[0] != '\0') {
        return std::string(xdg) + "/tickbench";
    }
    return "/run/tickbench";
}

namespace {

std::int64_t duration_value(const std::string& text, const char* option) {
    const std::optional<std::int64_t> ns = core::parse_duration_ns(text);
    if (!ns || *ns <= 0) {
        throw core::ConfigError(std::string("command line: --") + option +
                                ": expected a positive duration such as 100ms or 30s, got '" +
                                text + "'");
    }
    return *ns;
}

}  // namespace

ExchangeOptions parse_exchange_options(int argc, const char* const* argv) {
    ExchangeOptions options;
    std::string seed;
    std::string quiet;
    std::string mode;
    std::string duration;
    std::string link_timeout;
    po::options_description description(
        "tickbench-exchange [EAL args] -- --scenario FILE [options]\n\n"
        "The simulated exchange: order entry (SoupBinTCP 3.0 / OUCH 4.2 on TCP), market data\n"
        "(MoldUDP64 / ITCH 5.0 on multicast feeds A and B, a retransmission server), background\n"
        "flow and the scenario's timeline, in one busy-polling thread.\n\n"
        "Modes:\n"
        "  memif   (default) the exchange's own network stacks behind an emulated NIC and\n"
        "          network (nic_emu, embedded): one memif server port per client, socket files\n"
        "          <run-dir>/client0.sock, client1.sock, ... (or --port SPEC). A client's DPDK\n"
        "          port: --vdev net_memif0,role=client,socket=<run-dir>/client0.sock,\n"
        "          socket-abstract=no. Wire identities from the scenario (default exchange\n"
        "          10.0.0.1, TCP 15000, feeds 233.54.12.111/112:26477, retransmission UDP\n"
        "          26478); link settings, capture and the tick-to-trade tap apply here.\n"
        "  kernel  kernel sockets on loopback: TCP 127.0.0.1:<order-entry port>, the feeds as\n"
        "          multicast on the loopback interface with TTL 0 (clients join on 127.0.0.1),\n"
        "          retransmission requests to 127.0.0.1:<retransmission port>. No EAL\n"
        "          arguments, no emulated network.\n\n"
        "Lockstep (--lockstep, either mode): after each timeline step the exchange's clock\n"
        "(timeline, background flow, timers) holds until the client's reaction (an OUCH order\n"
        "after a trigger) arrived or nothing came from any client for --quiet-period, so a\n"
        "deterministic client gets the same digest on every run.\n\n"
        "The run ends when the scenario ends the session (timeline end_session or\n"
        "session.duration), when --duration passes (the session is ended then), or at SIGINT\n"
        "or SIGTERM (the same); then the report: per-session and per-feed counters, the\n"
        "transport, stacks and emulated network, tick-to-trade and the exchange's order round\n"
        "trip at the wire, and the digest of every outbound message.\n\n"
        "EAL arguments (memif mode) pass through; without them: --no-huge, memory sized\n"
        "for the mbuf pools, --no-pci and a file prefix of this process's own.\n\n"
        "Capture: one pcapng interface per port (exchange, feed_a, feed_b, client0, ...);\n"
        "every frame appears as it enters and as it leaves the wire. tshark:\n"
        "  tshark -r wire.pcapng -o tcp.analyze_sequence_numbers:FALSE\n"
        "    -d tcp.port==15000,soupbintcp -d udp.port==26477,moldudp64\n"
        "and tickbench-dump wire.pcapng for the ITCH.\n\n"
        "Examples:\n"
        "  tickbench-exchange -- --scenario scenarios/basic.yaml --run-dir /tmp/tb\n"
        "      --capture wire.pcapng --hgrm t2t.hgrm --report report.json\n"
        "  tickbench-exchange -- --scenario scenarios/basic.yaml --mode kernel --lockstep\n\n"
        "Output: 'waiting for clients' once the ports are open (start clients then),\n"
        "'trading' at the start of day, the report at the end. Exit status: 0 done, 1 start-up\n"
        "or run failure (one line saying what and what to do), 2 bad command line or scenario\n"
        "(file:line:column: field: what was expected). The scenario format is in\n"
        "scenarios/README.md.\n\nOptions");
    // One option per line reads better than the formatter's packing of this call chain.
    // clang-format off
    description.add_options()
        ("help,h", "print this help and exit")
        ("scenario", po::value<std::string>(&options.scenario), "scenario file (YAML), required")
        ("seed", po::value<std::string>(&seed), "seed overriding the scenario's (unsigned 64-bit)")
        ("mode", po::value<std::string>(&mode), "memif (default) or kernel")
        ("run-dir", po::value<std::string>(&options.run_dir),
         "folder of the memif sockets (default $XDG_RUNTIME_DIR/tickbench if set, else "
         "/run/tickbench); created if missing")
        ("clients", po::value<std::uint32_t>(&options.clients),
         "memif: number of client ports (default 1)")
        ("port", po::value<std::vector<std::string>>(&options.ports),
         "memif: a client port spec instead of the run directory's sockets (repeatable): "
         "memif:server:PATH, ring:NAME, vdev:..., dev:NAME")
        ("lockstep", po::bool_switch(&options.lockstep),
         "after each timeline step wait for the client's reaction or a quiet period")
        ("quiet-period", po::value<std::string>(&quiet),
         "lockstep: longest silence before the exchange moves on (duration, default 100ms)")
        ("capture", po::value<std::string>(&options.capture),
         "memif: write a pcapng capture of every port of the emulated network")
        ("hgrm", po::value<std::string>(&options.tick_to_trade_hgrm),
         "memif: write the tick-to-trade histogram (HdrHistogram .hgrm, ns)")
        ("report", po::value<std::string>(&options.report),
         "write the end-of-run report (counters and digest) as JSON")
        ("json", po::bool_switch(&options.json), "print the report as one JSON object")
        ("duration", po::value<std::string>(&duration),
         "end the session after this long (wall clock) at the latest")
        ("link-timeout", po::value<std::string>(&link_timeout),
         "memif: wait this long for every client to connect (default 30s)");
    // clang-format on
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
        options.quiet_period_ns = duration_value(quiet, "quiet-period");
    }
    if (!mode.empty()) {
        if (mode == "memif") {
            options.mode = ExchangeMode::kMemif;
        } else if (mode == "kernel") {
            options.mode = ExchangeMode::kKernel;
        } else {
            throw core::ConfigError("command line: --mode: expected memif or kernel, got '" + mode +
                                    "'");
        }
    }
    if (!duration.empty()) {
        options.duration_ns = duration_value(duration, "duration");
    }
    if (!link_timeout.empty()) {
        options.link_timeout_ns = duration_value(link_timeout, "link-timeout");
    }
    if (options.clients == 0 || options.clients > 32) {
        throw core::ConfigError("command line: --clients: expected 1 to 32, got " +
                                std::to_string(options.clients));
    }
    if (!options.ports.empty() && vm.count("clients") != 0) {
        throw core::ConfigError("command line: --clients and --port exclude each other");
    }
    if (options.mode == ExchangeMode::kKernel) {
        for (const auto& [option, given] :
             {std::pair{"--capture", !options.capture.empty()},
              std::pair{"--hgrm", !options.tick_to_trade_hgrm.empty()},
              std::pair{"--port", !options.ports.empty()},
              std::pair{"--clients", vm.count("clients") != 0},
              std::pair{"--run-dir", !options.run_dir.empty()}}) {
            if (given) {
                throw core::ConfigError(std::string("command line: ") + option +
                                        " applies to memif mode only (no emulated network in "
                                        "kernel mode)");
            }
        }
    }
    if (options.run_dir.empty() && options.mode == ExchangeMode::kMemif) {
        options.run_dir = default_run_dir();
    }
    return options;
}

}  // namespace tb::exchange
