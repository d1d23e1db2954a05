// tickbench-nic: the emulated NIC and network between any set of DPDK ports (see
// nic_emu/emulator.hpp), with link impairments, a switch, capture and timestamp trailers.

#include <time.h>
#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/eal.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/signals.hpp"
#include "core/units.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"
#include "nic_emu/options.hpp"
#include "nic_emu/report.hpp"
#include "nic_emu/tap.hpp"

namespace po = boost::program_options;
using namespace tb;
using core::ConfigError;
using core::StartupError;

namespace {

constexpr const char* kUsage =
    R"(Usage: tickbench-nic [EAL args] -- --port SPEC --port SPEC [...] [options]

An emulated NIC and network between DPDK ports: every frame a port sends goes through that
port's "in" link, a switch, and the "out" link of each port it is switched to. Links delay,
drop, duplicate, reorder, corrupt and rate-limit frames from one seed, reproducibly.

Ports (numbered 0, 1, ... in the order given):
  memif:server:PATH  memif:client:PATH  ring:NAME  vdev:DRIVER[,ARGS]  dev:NAME  port:N
A memif server waits (--link-timeout) for its client to connect.

Links: --link PORT[:in|:out]=LINK, both directions when none is named. "in" is what the
device on the port sends, "out" what it receives. LINK is "none" or options joined by commas:
  latency=DURATION                 base one-way delay
  jitter=uniform:W                 uniform in [-W, +W]     (added to the latency per frame;
  jitter=normal:SIGMA              mean 0                   a link never reorders because of
  jitter=lognormal:MEAN:SIGMA      >= 0                     jitter: a frame waits for the
  jitter=pareto:SCALE:SHAPE        X - SCALE, >= 0          one before it)
  jitter=empirical:FILE            one duration per line, may be negative
  loss=PROB                        Bernoulli
  loss=ge:P,R[,H[,K]]              Gilbert-Elliott: P good->bad, R bad->good, H and K the
                                   delivery probabilities in bad and good (default 0 and 1)
  dup=PROB                         deliver twice
  reorder=PROB:DELAY               hold a frame back by DELAY more; later frames overtake it
  corrupt=PROB                     flip one bit a checksum covers (IPv4 header, TCP/UDP)
  rate=RATE                        serialize at RATE (bit, kbit, mbit, gbit, tbit); preamble,
                                   FCS, inter-frame gap and the 64-byte minimum count
  queue=FRAMES                     queue bound of the rate limit, tail drop (default 1000)
  down=START+DURATION              link down for a window (repeatable)
  drop=N:FILTER[@START]            drop the next N frames matching FILTER (repeatable):
                                   any, udp[:PORT], tcp[:PORT], tcp-data[:PORT],
                                   group:A.B.C.D[:PORT]
  step=AT:LATENCY                  latency changes at AT (repeatable)
PROB is a percentage (0.1%) or a probability (0.001). Times of down, drop and step count from
the moment every link is up. Example:
  --link 1:out=latency=2us,jitter=normal:100ns,loss=0.1%,rate=10gbit

Switch: learns source MACs (--no-learning: static entries and flooding only), floods unknown
unicast and broadcast, forwards IPv4 multicast by group from --group entries and IGMP
snooping (--no-igmp-snooping), and copies every switched frame to the --mirror port.

Capture and timestamps: --capture FILE writes pcapng with one interface per port, nanosecond
timestamps and the direction of each frame (inbound: entered the wire; outbound: handed to
the port). --trailer PORT[:DEVICE] appends an Arista 7130 (Metamako) timestamp trailer to
frames handed to PORT; tshark decodes it with --enable-heuristic metamako_eth.

Tick-to-trade: --tap-client PORT --triggers 5,100-200 (MoldUDP64 sequence numbers) times from
a trigger's hand-over to the client until its next order frame (TCP with payload to
--order-port), into a histogram (--tap-hgrm FILE).

Output: "N ports open, waiting for links" once the ports are set up (start memif clients after
it), "N ports up, forwarding" when every link is up, and a report when the run ends
(--duration, SIGINT or SIGTERM): counters per port, link and switch, the delivery error
(hand-over minus due time) and the tap; --json prints the report as one JSON object (and the
messages on stderr), --stats FILE writes that object to a file.

Stop tickbench-nic before its memif peers: with DPDK 22.11, a memif peer that leaves while
the other side polls can crash it (the driver unmaps the rings under the poller).

Durations take ns, us, ms, s or min. Exit status: 0 success, 1 the run could not start or
failed, 2 bad options.

Options)";

struct Settings {
    std::vector<std::string> ports;
    nic::EmulatorConfig config;
    std::int64_t duration_ns = 0;  // 0: until a signal
    std::int64_t link_timeout_ns = 30'000'000'000;
    std::int64_t connect_timeout_ns = 10'000'000'000;
    std::string stats_path;
    std::string hgrm_path;
    bool json = false;
};

std::int64_t duration_option(const po::variables_map& vm, const char* name) {
    const std::string text = vm[name].as<std::string>();
    const std::optional<std::int64_t> ns = core::parse_duration_ns(text);
    if (!ns) {
        throw ConfigError(std::string("--") + name + " '" + text +
                          "' is not a duration (for example 250ms, 5s)");
    }
    return *ns;
}

std::vector<std::string> strings(const po::variables_map& vm, const char* name) {
    return vm.count(name) != 0 ? vm[name].as<std::vector<std::string>>()
                               : std::vector<std::string>{};
}

std::optional<Settings> parse(const std::vector<std::string>& args) {
    po::options_description described(kUsage);
    // One option per line reads better than the formatter's packing of this call chain.
    // clang-format off
    described.add_options()
        ("help,h", "print this help and exit")
        ("port", po::value<std::vector<std::string>>(), "a port spec; repeat for each port")
        ("link", po::value<std::vector<std::string>>(), "PORT[:in|:out]=LINK (repeatable)")
        ("seed", po::value<std::uint64_t>()->default_value(1), "seed of every random stream")
        ("mac", po::value<std::vector<std::string>>(), "static MAC entry PORT=MAC (repeatable)")
        ("group", po::value<std::vector<std::string>>(),
         "static multicast group GROUP=PORT[,PORT...] (repeatable)")
        ("no-learning", "do not learn source MACs")
        ("no-igmp-snooping", "do not read IGMP membership reports")
        ("unknown-multicast", po::value<std::string>()->default_value("flood"),
         "groups without members: flood or drop")
        ("mirror", po::value<std::string>(), "port that receives a copy of every switched frame")
        ("capture", po::value<std::string>(), "write every frame in and out to this pcapng file")
        ("trailer", po::value<std::vector<std::string>>(),
         "PORT[:DEVICE]: append a Metamako timestamp trailer to frames handed to PORT")
        ("tap-client", po::value<std::string>(), "tick-to-trade: the client's port")
        ("triggers", po::value<std::string>(), "tick-to-trade: trigger sequence numbers")
        ("trigger-file", po::value<std::string>(), "tick-to-trade: file of sequence numbers")
        ("feed-port", po::value<std::uint16_t>()->default_value(nic::kDefaultFeedPort),
         "tick-to-trade: UDP port of the MoldUDP64 feed")
        ("order-port", po::value<std::uint16_t>()->default_value(nic::kDefaultOrderPort),
         "tick-to-trade: TCP port order frames go to")
        ("tap-hgrm", po::value<std::string>(), "tick-to-trade: write the histogram (.hgrm)")
        ("delay-capacity", po::value<std::uint32_t>()->default_value(4096),
         "frames each delay line holds")
        ("tx-timeout", po::value<std::string>()->default_value("1ms"),
         "drop a frame a port still refuses this long after it was due (0: at once)")
        ("duration", po::value<std::string>(), "stop after this long (default: at SIGINT/SIGTERM)")
        ("link-timeout", po::value<std::string>()->default_value("30s"),
         "wait this long for every link to come up")
        ("connect-timeout", po::value<std::string>()->default_value("10s"),
         "memif client: wait this long for the server")
        ("stats", po::value<std::string>(), "write the final report as JSON to this file")
        ("json", "print the final report as one JSON object");
    // clang-format on
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(described).run(), vm);
    po::notify(vm);
    if (vm.count("help") != 0) {
        std::cout << described << '\n';
        return std::nullopt;
    }
    Settings s;
    s.ports = strings(vm, "port");
    if (s.ports.empty()) {
        throw ConfigError("at least one --port is required; see --help");
    }
    if (s.ports.size() > nic::kMaxPorts) {
        throw ConfigError("at most " + std::to_string(nic::kMaxPorts) + " ports");
    }
    const auto count = static_cast<std::uint32_t>(s.ports.size());
    nic::EmulatorConfig& c = s.config;
    c.seed = vm["seed"].as<std::uint64_t>();
    c.ports.resize(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        c.ports[i].name = s.ports[i];
    }
    for (const std::string& text : strings(vm, "link")) {
        const nic::LinkOption option = nic::parse_link_option(text, count);
        if (option.in) {
            c.ports[option.port].in = option.link;
        }
        if (option.out) {
            c.ports[option.port].out = option.link;
        }
    }
    for (const std::string& text : strings(vm, "mac")) {
        c.switching.macs.push_back(nic::parse_static_mac(text, count));
    }
    for (const std::string& text : strings(vm, "group")) {
        c.switching.groups.push_back(nic::parse_static_group(text, count));
    }
    c.switching.learning = vm.count("no-learning") == 0;
    c.switching.igmp_snooping = vm.count("no-igmp-snooping") == 0;
    const std::string unknown = vm["unknown-multicast"].as<std::string>();
    if (unknown == "flood") {
        c.switching.unknown_multicast = nic::UnknownMulticast::kFlood;
    } else if (unknown == "drop") {
        c.switching.unknown_multicast = nic::UnknownMulticast::kDrop;
    } else {
        throw ConfigError("--unknown-multicast '" + unknown + "' is not flood or drop");
    }
    if (vm.count("mirror") != 0) {
        c.switching.mirror_port = static_cast<int>(
            nic::parse_port_index(vm["mirror"].as<std::string>(), count, "--mirror"));
    }
    if (vm.count("capture") != 0) {
        c.capture_path = vm["capture"].as<std::string>();
    }
    for (const std::string& text : strings(vm, "trailer")) {
        const nic::TrailerOption option = nic::parse_trailer_option(text, count);
        c.ports[option.port].trailer = true;
        c.ports[option.port].trailer_device = option.device;
    }
    if (vm.count("tap-client") != 0) {
        c.tap.enabled = true;
        c.tap.client_port =
            nic::parse_port_index(vm["tap-client"].as<std::string>(), count, "--tap-client");
        c.tap.feed_port = vm["feed-port"].as<std::uint16_t>();
        c.tap.order_port = vm["order-port"].as<std::uint16_t>();
        if (vm.count("triggers") != 0) {
            c.tap.triggers = nic::parse_trigger_list(vm["triggers"].as<std::string>());
        }
        if (vm.count("trigger-file") != 0) {
            const auto more = nic::read_trigger_file(vm["trigger-file"].as<std::string>());
            c.tap.triggers.insert(c.tap.triggers.end(), more.begin(), more.end());
        }
        if (c.tap.triggers.empty()) {
            throw ConfigError("--tap-client needs --triggers or --trigger-file");
        }
        if (vm.count("tap-hgrm") != 0) {
            s.hgrm_path = vm["tap-hgrm"].as<std::string>();
        }
    } else if (vm.count("triggers") != 0 || vm.count("trigger-file") != 0 ||
               vm.count("tap-hgrm") != 0) {
        throw ConfigError("--triggers, --trigger-file and --tap-hgrm need --tap-client");
    }
    c.line_capacity = vm["delay-capacity"].as<std::uint32_t>();
    c.tx_timeout_ns = duration_option(vm, "tx-timeout");
    if (vm.count("duration") != 0) {
        s.duration_ns = duration_option(vm, "duration");
    }
    s.link_timeout_ns = duration_option(vm, "link-timeout");
    s.connect_timeout_ns = duration_option(vm, "connect-timeout");
    if (vm.count("stats") != 0) {
        s.stats_path = vm["stats"].as<std::string>();
    }
    s.json = vm.count("json") != 0;
    nic::validate_config(c, count);
    return s;
}

// Wall-clock time of TscClock's time 0: TscClock counts like CLOCK_MONOTONIC, the capture and
// the trailers want time since 1970. Read once, at start-up.
std::int64_t monotonic_to_realtime_ns() {
    timespec real{};
    timespec mono{};
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    const auto ns = [](const timespec& t) {
        return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
    };
    return ns(real) - ns(mono);
}

// Ring sizes of every port.
constexpr std::uint32_t kRing = 1024;

// Frames in each port's mbuf pool: every pool can end up holding every delay line's frames, on
// top of its rings.
std::uint64_t pool_frames(const nic::EmulatorConfig& config) {
    return 2 * kRing + 1024 + nic::held_frames_bound(config);
}

// Ends the process once everything it has to say is written, without closing the DPDK ports.
// DPDK 22.11's memif driver frees a server's listening socket without taking its callback out of
// EAL's interrupt thread, which then reads freed memory; closing a memif server can crash or hang
// the process after the run succeeded. The kernel closes the sockets and frees the memory; the
// next server on the same path replaces the socket file (core::EthPort) and the next tickbench
// process removes this one's EAL runtime files.
[[noreturn]] void leave(int status) noexcept {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}

void write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) {
        throw StartupError("cannot write " + path);
    }
}

// Opens the ports, waits for their links and forwards until --duration, SIGINT or SIGTERM;
// then writes the report. Returns the exit status; throws on start-up failures.
int forward(Settings& s, std::vector<std::unique_ptr<core::EthPort>>& ports) {
    nic::EmulatorConfig& c = s.config;
    std::vector<core::EthPort*> raw;
    for (const std::string& spec : s.ports) {
        core::EthPortConfig config;
        config.spec = spec;
        config.rx_ring_size = kRing;
        config.tx_ring_size = kRing;
        config.pool_size = static_cast<std::uint32_t>(pool_frames(c));
        config.connect_timeout_ns = s.connect_timeout_ns;
        ports.push_back(std::make_unique<core::EthPort>(config));
        raw.push_back(ports.back().get());
    }
    // Clients should connect only now: a memif client that connects while its server's port
    // is still being set up can be left with a link that never comes up.
    std::fprintf(s.json ? stderr : stdout, "tickbench-nic: %zu ports open, waiting for links\n",
                 ports.size());
    std::fflush(s.json ? stderr : stdout);
    const core::TscClock clock;
    const std::int64_t link_deadline = clock.now_ns() + s.link_timeout_ns;
    for (std::size_t i = 0; i < ports.size(); ++i) {
        const std::int64_t remaining = std::max<std::int64_t>(link_deadline - clock.now_ns(), 0);
        if (!ports[i]->wait_link_up(remaining)) {
            throw StartupError("link of port " + std::to_string(i) + " (" + s.ports[i] +
                               ") did not come up within " +
                               std::to_string(s.link_timeout_ns / 1'000'000) +
                               " ms; start the other end (for a memif server, its client) or "
                               "raise --link-timeout");
        }
        if (core::stop_requested()) {
            return core::kExitStartup;
        }
    }
    c.epoch_ns = monotonic_to_realtime_ns();
    nic::Emulator<core::EthPort, core::TscClock> emulator(c, raw, clock);
    std::fprintf(s.json ? stderr : stdout, "tickbench-nic: %zu ports up, forwarding\n",
                 ports.size());
    std::fflush(s.json ? stderr : stdout);

    const std::int64_t end_ns = s.duration_ns > 0 ? emulator.start_ns() + s.duration_ns : INT64_MAX;
    std::uint32_t passes = 0;
    while (!core::stop_requested()) {
        (void)emulator.poll();
        // The deadline is a control check: every 4096 passes is often enough.
        if ((++passes & 0xFFF) == 0 && clock.now_ns() >= end_ns) {
            break;
        }
    }
    emulator.finish();
    const std::string json = nic::report_json(emulator, c);
    if (s.json) {
        std::printf("%s\n", json.c_str());
    } else {
        std::printf("%s", nic::report_text(emulator, c).c_str());
    }
    if (!s.stats_path.empty()) {
        write_text_file(s.stats_path, json + "\n");
    }
    if (!s.hgrm_path.empty()) {
        write_text_file(s.hgrm_path, emulator.tap().histogram().percentile_distribution());
    }
    return core::kExitOk;
}

// Starts EAL and forwards. Throws when EAL does not start; from then on it does not return but
// leaves (see leave()) with the exit status.
[[noreturn]] void run(Settings& s, const std::vector<std::string>& eal_args) {
    core::install_stop_handler();
    const std::uint64_t pool = pool_frames(s.config);
    if (pool > (1u << 24)) {
        throw ConfigError("--delay-capacity " + std::to_string(s.config.line_capacity) +
                          " makes mbuf pools of " + std::to_string(pool) + " frames; lower it");
    }
    // About 2.5 KiB per mbuf, plus room for the drivers' own memory.
    const auto memory_mb = static_cast<int>(256 + pool * s.ports.size() * 2560 / (1 << 20));
    core::Eal eal(
        core::EalOptions{.args = eal_args, .program = "tickbench-nic", .memory_mb = memory_mb});
    std::vector<std::unique_ptr<core::EthPort>> ports;
    try {
        leave(forward(s, ports));
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "tickbench-nic: %s\n", e.what());
        leave(core::kExitConfig);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-nic: %s\n", e.what());
        leave(core::kExitStartup);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const core::CommandLine line = core::split_command_line(argc, argv);
    std::optional<Settings> settings;
    try {
        settings = parse(line.program_args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-nic: %s (see --help)\n", e.what());
        return core::kExitConfig;
    }
    if (!settings) {
        return core::kExitOk;
    }
    try {
        run(*settings, line.eal_args);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "tickbench-nic: %s\n", e.what());
        return core::kExitConfig;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-nic: %s\n", e.what());
        return core::kExitStartup;
    }
}
