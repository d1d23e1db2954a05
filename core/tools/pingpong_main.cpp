// tickbench-pingpong: exercises a DPDK port with numbered test frames (see core/pingpong.hpp).

#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "core/counters.hpp"
#include "core/eal.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/histogram.hpp"
#include "core/pingpong.hpp"
#include "core/signals.hpp"
#include "core/units.hpp"

namespace po = boost::program_options;
using namespace tb::core;

namespace {

constexpr const char* kUsage =
    R"(Usage: tickbench-pingpong [EAL args] -- --port SPEC --mode MODE [options]

Exchanges numbered test frames over a DPDK port and checks or times them. Run one end of a pair
in each process (or thread):
  stream <-> stream   both ends send --frames numbered frames; each checks the other's arrive
                      complete, in order and intact (exit 1 otherwise)
  ping   <-> echo     round-trip latency, one frame in flight; prints percentiles
  blast  <-> sink     one-way throughput; the sink checks order and reports its count

Port specs: memif:server:PATH, memif:client:PATH, ring:NAME, vdev:DRIVER[,ARGS], dev:NAME,
port:N. EAL arguments before `--` are passed to DPDK as they are. Where they say nothing about
it, EAL runs without hugepages (-m 256) and without PCI devices, with its own file prefix, and
unpinned (pin with -l CPU).

Example, two shells:
  tickbench-pingpong -l 0 -- --port memif:server:/tmp/tb.sock --mode echo
  tickbench-pingpong -l 1 -- --port memif:client:/tmp/tb.sock --mode ping --frames 100000

Durations take ns, us, ms, s or min (for example 500ms). Exit status: 0 success, 1 the run
failed or could not start, 2 bad options.

Options)";

struct Settings {
    std::string port;
    std::string mode;
    pingpong::Options options;
    std::int64_t link_timeout_ns = 30'000'000'000;
    std::int64_t connect_timeout_ns = 10'000'000'000;
    std::string hgrm_path;
    bool json = false;
};

std::int64_t duration_option(const po::variables_map& vm, const char* name) {
    const std::string text = vm[name].as<std::string>();
    const std::optional<std::int64_t> ns = parse_duration_ns(text);
    if (!ns) {
        throw ConfigError(std::string("--") + name + " '" + text +
                          "' is not a duration (for example 250ms, 5s)");
    }
    return *ns;
}

// Parses program options; returns nothing when --help was printed.
std::optional<Settings> parse(const std::vector<std::string>& args) {
    po::options_description described(kUsage);
    // One option per line reads better than the formatter's packing of this call chain.
    // clang-format off
    described.add_options()
        ("help,h", "print this help and exit")
        ("port", po::value<std::string>(), "port spec (required)")
        ("mode", po::value<std::string>(), "stream, ping, echo, blast or sink (required)")
        ("frames", po::value<std::uint64_t>(),
         "data frames (stream, blast, sink) or timed pings; default 1000000, ping 100000")
        ("warmup", po::value<std::uint64_t>()->default_value(1000),
         "ping: untimed round trips first")
        ("size", po::value<unsigned>()->default_value(64), "frame size in bytes (64..1514, no FCS)")
        ("burst", po::value<unsigned>()->default_value(32), "frames per burst (1..64)")
        ("idle-timeout", po::value<std::string>()->default_value("5s"),
         "fail after this long without progress")
        ("timeout", po::value<std::string>()->default_value("300s"), "fail after this long in all")
        ("link-timeout", po::value<std::string>()->default_value("30s"),
         "wait this long for the link (a memif server waits for its client)")
        ("connect-timeout", po::value<std::string>()->default_value("10s"),
         "memif client: wait this long for the server")
        ("hgrm", po::value<std::string>(),
         "ping: write the round trips as an HdrHistogram .hgrm file")
        ("json", "print the result as one JSON line");
    // clang-format on
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(described).run(), vm);
    po::notify(vm);
    if (vm.count("help") != 0) {
        std::cout << described << '\n';
        return std::nullopt;
    }
    Settings s;
    if (vm.count("port") == 0 || vm.count("mode") == 0) {
        throw ConfigError("--port and --mode are required; see --help");
    }
    s.port = vm["port"].as<std::string>();
    s.mode = vm["mode"].as<std::string>();
    if (s.mode != "stream" && s.mode != "ping" && s.mode != "echo" && s.mode != "blast" &&
        s.mode != "sink") {
        throw ConfigError("--mode '" + s.mode + "' is not one of stream, ping, echo, blast, sink");
    }
    s.options.frames = vm.count("frames") != 0 ? vm["frames"].as<std::uint64_t>()
                       : s.mode == "ping"      ? 100'000
                                               : 1'000'000;
    s.options.warmup = vm["warmup"].as<std::uint64_t>();
    const unsigned size = vm["size"].as<unsigned>();
    if (size < pingpong::kMinFrameSize || size > pingpong::kMaxFrameSize) {
        throw ConfigError("--size " + std::to_string(size) + " is outside 64..1514");
    }
    s.options.frame_size = static_cast<std::uint16_t>(size);
    const unsigned burst = vm["burst"].as<unsigned>();
    if (burst < 1 || burst > 64) {
        throw ConfigError("--burst " + std::to_string(burst) + " is outside 1..64");
    }
    s.options.burst = static_cast<std::uint16_t>(burst);
    s.options.idle_timeout_ns = duration_option(vm, "idle-timeout");
    s.options.run_timeout_ns = duration_option(vm, "timeout");
    s.link_timeout_ns = duration_option(vm, "link-timeout");
    s.connect_timeout_ns = duration_option(vm, "connect-timeout");
    if (vm.count("hgrm") != 0) {
        s.hgrm_path = vm["hgrm"].as<std::string>();
    }
    s.json = vm.count("json") != 0;
    return s;
}

void print_result(const Settings& s, const pingpong::Result& r, const Histogram& rtt,
                  const PortStats& stats) {
    const std::uint64_t frames = s.mode == "blast" ? r.sent : r.received;
    const double mpps = r.elapsed_ns > 0 && s.mode != "ping" && s.mode != "echo"
                            ? static_cast<double>(frames) * 1e3 / static_cast<double>(r.elapsed_ns)
                            : 0.0;
    if (s.json) {
        std::printf(
            "{\"mode\":\"%s\",\"ok\":%s,\"sent\":%llu,\"received\":%llu,\"lost\":%llu,"
            "\"out_of_order\":%llu,\"corrupt\":%llu,\"elapsed_ns\":%lld,\"mpps\":%.4f",
            s.mode.c_str(), r.ok ? "true" : "false", static_cast<unsigned long long>(r.sent),
            static_cast<unsigned long long>(r.received), static_cast<unsigned long long>(r.lost),
            static_cast<unsigned long long>(r.out_of_order),
            static_cast<unsigned long long>(r.corrupt), static_cast<long long>(r.elapsed_ns), mpps);
        if (rtt.total_count() > 0) {
            std::printf(
                ",\"rtt_ns\":{\"count\":%lld,\"p50\":%lld,\"p99\":%lld,\"p99.9\":%lld,"
                "\"max\":%lld}",
                static_cast<long long>(rtt.total_count()),
                static_cast<long long>(rtt.value_at_percentile(50)),
                static_cast<long long>(rtt.value_at_percentile(99)),
                static_cast<long long>(rtt.value_at_percentile(99.9)),
                static_cast<long long>(rtt.max()));
        }
        std::printf(",\"port\":%s}\n", counters_json(stats).c_str());
        return;
    }
    std::printf("%s: %s, sent %llu, received %llu, lost %llu, out of order %llu, corrupt %llu",
                s.mode.c_str(), r.ok ? "ok" : "FAILED", static_cast<unsigned long long>(r.sent),
                static_cast<unsigned long long>(r.received),
                static_cast<unsigned long long>(r.lost),
                static_cast<unsigned long long>(r.out_of_order),
                static_cast<unsigned long long>(r.corrupt));
    if (mpps > 0.0) {
        std::printf(", %.3f Mpps", mpps);
    }
    std::printf("\n");
    if (rtt.total_count() > 0) {
        std::printf("round trip, %u-byte frames: %s\n", s.options.frame_size,
                    rtt.summary().c_str());
    }
    std::printf("port %s: %s\n", s.port.c_str(), format_counters(stats).c_str());
    if (!r.ok) {
        std::fprintf(stderr, "tickbench-pingpong: %s\n", r.error.c_str());
    }
}

int run(const Settings& s, const std::vector<std::string>& eal_args) {
    install_stop_handler();
    Eal eal(EalOptions{.args = eal_args, .program = "tickbench-pingpong"});
    EthPortConfig config;
    config.spec = s.port;
    config.connect_timeout_ns = s.connect_timeout_ns;
    EthPort port(config);
    if (!port.wait_link_up(s.link_timeout_ns)) {
        throw StartupError("link of " + s.port + " did not come up within " +
                           std::to_string(s.link_timeout_ns / 1'000'000) +
                           " ms; start the other end (for memif, the client) or raise "
                           "--link-timeout");
    }
    if (!s.json) {
        std::printf("port %s: link up\n", s.port.c_str());
        std::fflush(stdout);
    }
    Histogram rtt;
    pingpong::Result result;
    if (s.mode == "stream") {
        result = pingpong::run_stream(port, s.options);
    } else if (s.mode == "ping") {
        result = pingpong::run_ping(port, s.options, rtt);
    } else if (s.mode == "echo") {
        result = pingpong::run_echo(port, s.options);
    } else if (s.mode == "blast") {
        result = pingpong::run_blast(port, s.options);
    } else {
        result = pingpong::run_sink(port, s.options);
    }
    print_result(s, result, rtt, port.stats());
    if (!s.hgrm_path.empty() && rtt.total_count() > 0) {
        std::ofstream out(s.hgrm_path);
        out << rtt.percentile_distribution();
        if (!out) {
            throw StartupError("cannot write " + s.hgrm_path);
        }
    }
    return result.ok ? kExitOk : kExitStartup;
}

}  // namespace

int main(int argc, char** argv) {
    const CommandLine line = split_command_line(argc, argv);
    std::optional<Settings> settings;
    try {
        settings = parse(line.program_args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-pingpong: %s (see --help)\n", e.what());
        return kExitConfig;
    }
    if (!settings) {
        return kExitOk;
    }
    try {
        return run(*settings, line.eal_args);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "tickbench-pingpong: %s\n", e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-pingpong: %s\n", e.what());
        return kExitStartup;
    }
}
