// tickbench-exchange: the simulated exchange service (DESIGN.md; issue 7). One thread,
// busy-polling: in memif mode the embedded nic_emu, the exchange's network stacks and the
// exchange (exchange_sim/host/host.hpp); in kernel mode the exchange over kernel sockets on
// loopback (exchange_sim/host/kernel_host.hpp). --help documents everything.

#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/eal.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/signals.hpp"
#include "exchange_sim/host/host.hpp"
#include "exchange_sim/host/kernel_host.hpp"
#include "exchange_sim/scenario/options.hpp"
#include "exchange_sim/scenario/scenario.hpp"

using namespace tb;
using core::ConfigError;
using core::StartupError;

namespace {

// After the session ended and every connection closed, the last frames (End of Session, the
// closing segments) still cross the emulated wire: poll this long at most for them.
constexpr std::int64_t kDrainNs = 200'000'000;
// Control checks (deadline, signals) every this many passes: a clock read costs about 9 ns.
constexpr std::uint32_t kControlMask = 0xFFF;

void say(const std::string& line, bool json) {
    std::FILE* out = json ? stderr : stdout;
    std::fprintf(out, "tickbench-exchange: %s\n", line.c_str());
    std::fflush(out);
}

void write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.close();
    if (!out) {
        throw StartupError("cannot write " + path +
                           "; check that its folder exists and is "
                           "writable");
    }
}

// mkdir -p, 0700 for folders we create.
void make_run_dir(const std::string& path) {
    std::string partial;
    std::size_t at = 0;
    while (at != std::string::npos) {
        at = path.find('/', at + 1);
        partial = path.substr(0, at);
        if (partial.empty()) {
            continue;
        }
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            throw StartupError("cannot create the run directory " + path + " (" +
                               std::strerror(errno) + "); pass a writable folder with --run-dir");
        }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        throw StartupError("the run directory " + path +
                           " is not a folder; pass a writable folder with --run-dir");
    }
}

// Wall-clock time of TscClock's time 0 (TscClock counts like CLOCK_MONOTONIC), for capture
// timestamps. Read once, at start-up.
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

std::string addresses(const exchange::Scenario& s, std::uint32_t exchange_ip) {
    return exchange::format_ipv4(exchange_ip) + ":" + std::to_string(s.network.order_entry_port) +
           " (order entry), feed A " + exchange::format_ipv4(s.network.feed_a.ip) + ":" +
           std::to_string(s.network.feed_a.port) + ", feed B " +
           exchange::format_ipv4(s.network.feed_b.ip) + ":" +
           std::to_string(s.network.feed_b.port) + ", retransmission " +
           exchange::format_ipv4(exchange_ip) + ":" + std::to_string(s.network.retransmission_port);
}

// The poll loop of either host: until the session ended and the wire drained, a signal, or
// the --duration bound (which ends the session first).
template <class H>
void run_loop(H& host, const core::TscClock& clock, const exchange::ExchangeOptions& options) {
    const std::int64_t start = clock.now_ns();
    const std::int64_t deadline = options.duration_ns ? start + *options.duration_ns : INT64_MAX;
    std::int64_t drain_until = -1;
    bool ended = false;
    for (std::uint32_t passes = 1;; ++passes) {
        (void)host.poll();
        if ((passes & kControlMask) != 0) {
            continue;
        }
        const std::int64_t now = clock.now_ns();
        if (!ended && (now >= deadline || core::stop_requested())) {
            ended = true;
            host.end_session();
        }
        if (drain_until < 0 && host.finished()) {
            drain_until = now + kDrainNs;
        }
        if (drain_until >= 0 && (host.drained() || now >= drain_until)) {
            return;
        }
        // Clients that never close after the end of the day are cut off by the gateway's own
        // timeout; the --duration bound also covers that wait.
        if (ended && now >= deadline + kDrainNs + 2'000'000'000) {
            return;
        }
    }
}

void report(const std::string& text, const std::string& json,
            const exchange::ExchangeOptions& options) {
    if (options.json) {
        std::printf("%s\n", json.c_str());
    } else {
        std::printf("%s", text.c_str());
    }
    std::fflush(stdout);
    if (!options.report.empty()) {
        write_text_file(options.report, json + "\n");
    }
}

int run_kernel(const exchange::Scenario& scenario, const exchange::ExchangeOptions& options) {
    const core::TscClock clock;
    exchange::KernelHostConfig config;
    config.lockstep.enabled = options.lockstep;
    config.lockstep.quiet_period_ns = options.quiet_period_ns;
    exchange::KernelHost host(scenario, config, clock);
    bool links = !scenario.links.empty();
    for (const exchange::TimelineEvent& e : scenario.timeline) {
        links = links || e.kind == exchange::TimelineKind::kLink;
    }
    if (links) {
        say("note: the scenario's link settings do not apply in kernel mode (no emulated "
            "network)",
            options.json);
    }
    say("kernel mode on loopback: " + addresses(scenario, config.bind_ip) + "; waiting for clients",
        options.json);
    host.start();
    say("trading", options.json);
    run_loop(host, clock, options);
    say("session over", options.json);
    report(host.report_text(), host.report_json(), options);
    return core::kExitOk;
}

int run_memif(const exchange::Scenario& scenario, const exchange::ExchangeOptions& options,
              const std::vector<std::string>& eal_args) {
    exchange::HostConfig config;
    config.lockstep.enabled = options.lockstep;
    config.lockstep.quiet_period_ns = options.quiet_period_ns;
    config.capture_path = options.capture;
    std::vector<std::string> specs = options.ports;
    if (specs.empty()) {
        make_run_dir(options.run_dir);
        for (std::uint32_t i = 0; i < options.clients; ++i) {
            specs.push_back("memif:server:" + options.run_dir + "/client" + std::to_string(i) +
                            ".sock");
        }
    }
    // Six internal wire ends (the exchange's three ports) and one per client, each pool sized
    // by host_port_config; about 2.5 KiB per mbuf, plus room for the drivers.
    const core::EthPortConfig sizing = exchange::host_port_config("", config);
    const std::uint64_t pools = 6 + specs.size();
    const auto memory_mb = static_cast<int>(128 + pools * sizing.pool_size * 2560 / (1u << 20));
    core::Eal eal(core::EalOptions{
        .args = eal_args, .program = "tickbench-exchange", .memory_mb = memory_mb});
    std::vector<std::unique_ptr<core::EthPort>> ports;
    std::vector<core::EthPort*> raw;
    for (const std::string& spec : specs) {
        ports.push_back(std::make_unique<core::EthPort>(exchange::host_port_config(spec, config)));
        raw.push_back(ports.back().get());
    }
    std::string listing;
    for (const std::string& spec : specs) {
        listing += (listing.empty() ? "" : ", ") + spec;
    }
    say(std::to_string(specs.size()) + " client port(s) open (" + listing +
            "); waiting for clients",
        options.json);
    const core::TscClock clock;
    const std::int64_t link_deadline = clock.now_ns() + options.link_timeout_ns;
    for (std::size_t i = 0; i < ports.size(); ++i) {
        while (!ports[i]->link_up()) {
            if (core::stop_requested()) {
                return core::kExitStartup;
            }
            if (clock.now_ns() >= link_deadline) {
                throw StartupError("client port " + std::to_string(i) + " (" + specs[i] +
                                   ") did not come up within " +
                                   std::to_string(options.link_timeout_ns / 1'000'000) +
                                   " ms; start the client (a memif client on that socket) or "
                                   "raise --link-timeout");
            }
            (void)ports[i]->wait_link_up(10'000'000);
        }
    }
    config.capture_epoch_ns = monotonic_to_realtime_ns();
    exchange::Host<core::TscClock> host(scenario, config, raw, clock);
    say("exchange at " + addresses(scenario, scenario.network.exchange_ip), options.json);
    host.start();
    say("trading", options.json);
    run_loop(host, clock, options);
    say("session over", options.json);
    host.finish();
    report(host.report_text(), host.report_json(), options);
    if (!options.tick_to_trade_hgrm.empty()) {
        write_text_file(options.tick_to_trade_hgrm, host.tick_to_trade().percentile_distribution());
    }
    return core::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    const core::CommandLine line = core::split_command_line(argc, argv);
    exchange::ExchangeOptions options;
    exchange::Scenario scenario;
    try {
        std::vector<const char*> args = {argv[0]};
        for (const std::string& a : line.program_args) {
            args.push_back(a.c_str());
        }
        options = exchange::parse_exchange_options(static_cast<int>(args.size()), args.data());
        if (options.help_requested) {
            std::printf("%s\n", options.help.c_str());
            return core::kExitOk;
        }
        scenario = exchange::load_scenario(options.scenario);
        if (options.seed) {
            scenario.seed = *options.seed;
        }
        if (options.mode == exchange::ExchangeMode::kKernel && !line.eal_args.empty()) {
            throw ConfigError("command line: kernel mode takes no EAL arguments");
        }
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "tickbench-exchange: %s\n", e.what());
        return core::kExitConfig;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-exchange: %s\n", e.what());
        return core::kExitStartup;
    }
    core::install_stop_handler();
    try {
        if (options.mode == exchange::ExchangeMode::kKernel) {
            return run_kernel(scenario, options);
        }
        return run_memif(scenario, options, line.eal_args);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "tickbench-exchange: %s\n", e.what());
        return core::kExitConfig;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-exchange: %s\n", e.what());
        return core::kExitStartup;
    }
}
