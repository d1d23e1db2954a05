// tickbench-client: the reference kernel-bypass trading client (client/README.md).
//
// One thread busy-polls the transport: the user-space stack over a DPDK port (--transport dpdk),
// or kernel sockets (--transport kernel) for the baseline. The clock is read once per loop pass.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "client/options.hpp"
#include "client/report.hpp"
#include "client/strategies.hpp"
#include "core/clock.hpp"
#include "core/counters.hpp"
#include "core/eal.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/log.hpp"
#include "core/signals.hpp"
#include "net/kernel_transport.hpp"
#include "net/stack.hpp"

namespace {

using namespace tb;
using namespace tb::client;

constexpr const char* kComponent = "client";
constexpr std::int64_t kControlIntervalNs = 1'000'000;  // stop conditions, once a millisecond
constexpr std::int64_t kLogoutWaitNs = 200'000'000;

// Runs one client until a stop condition; returns the exit status.
template <class T, class S>
int run_client(T& transport, S& strategy, const ClientOptions& options, const char* transport_name,
               const core::TscClock& clock) {
    Client<T, S> client(options.client, options.net, transport, strategy);
    const std::int64_t start_ns = clock.now_ns();
    client.start(start_ns);
    TB_LOG_INFO(kComponent, "%s transport, strategy %s, exchange %s:%u, feeds %s:%u and %s:%u",
                transport_name, options.strategy.name.c_str(),
                format_ipv4(options.net.exchange.ip).c_str(), options.net.exchange.port,
                format_ipv4(options.net.feed_a.ip).c_str(), options.net.feed_a.port,
                format_ipv4(options.net.feed_b.ip).c_str(), options.net.feed_b.port);
    auto& core = client.core();
    std::int64_t next_control_ns = start_ns;
    std::int64_t settle_from_ns = 0;  // when the run's end condition first held
    bool failed = false;
    std::string why = "signal";
    std::int64_t now = start_ns;
    // Bounded by the stop conditions below: a signal, the duration, the end of the session,
    // the order budget, or a failed session.
    for (;;) {
        now = clock.now_ns();
        (void)client.poll(now);
        if (now < next_control_ns) {
            continue;
        }
        next_control_ns = now + kControlIntervalNs;
        if (core::stop_requested()) {
            break;
        }
        if (options.duration_ns > 0 && now - start_ns >= options.duration_ns) {
            why = "duration";
            break;
        }
        const SessionState state = core.session().state();
        if (state == SessionState::kFailed) {
            why = "the order session failed (login rejected or too many reconnects)";
            failed = true;
            break;
        }
        if (core.session().counters().logins == 0 && now - start_ns >= options.login_wait_ns) {
            TB_LOG_ERROR(kComponent,
                         "no login at %s:%u within %lld ms: start the exchange first, check "
                         "--exchange and the credentials, or raise --login-wait",
                         format_ipv4(options.net.exchange.ip).c_str(), options.net.exchange.port,
                         static_cast<long long>(options.login_wait_ns / 1'000'000));
            why = "no login";
            failed = true;
            break;
        }
        const bool session_over = state == SessionState::kEnded;
        const bool budget_spent = !core.orders().budget_left() && core.orders().open_orders() == 0;
        if (session_over || budget_spent) {
            if (settle_from_ns == 0) {
                settle_from_ns = now;
            }
            // Let the feed finish (end of session) or late answers arrive (budget).
            if ((session_over && core.feed().complete()) ||
                now - settle_from_ns >= options.linger_ns) {
                why = session_over ? "end of session" : "order budget spent";
                break;
            }
        }
    }
    client.stop(now);
    const std::int64_t logout_end = now + kLogoutWaitNs;
    // Bounded by kLogoutWaitNs: flush the Logout Request.
    while (now < logout_end && core.session().state() == SessionState::kLoggingOut) {
        now = clock.now_ns();
        (void)client.poll(now);
    }
    ClientReport report = make_report(core, options.strategy.name, strategy.counters());
    report.transport = transport_name;
    report.run_seconds = static_cast<double>(now - start_ns) / 1e9;
    TB_LOG_INFO(kComponent, "stopped: %s", why.c_str());
    if (options.json) {
        std::printf("%s\n", report_json(report).c_str());
    } else {
        std::printf("%s", format_report(report).c_str());
        const std::string net = core::format_counters(client.net_counters());
        std::printf("net: %s\n", net.c_str());
    }
    std::fflush(stdout);
    if (!options.report_file.empty()) {
        std::ofstream out(options.report_file);
        out << report_json(report) << '\n';
        if (!out) {
            TB_LOG_ERROR(kComponent, "cannot write the report to %s", options.report_file.c_str());
            return core::kExitStartup;
        }
    }
    return failed ? core::kExitStartup : core::kExitOk;
}

template <class T>
int run_strategy(T& transport, const ClientOptions& options, const char* transport_name,
                 const core::TscClock& clock) {
    const std::string& name = options.strategy.name;
    if (name == "pingpong") {
        PingPong strategy(options.strategy);
        return run_client(transport, strategy, options, transport_name, clock);
    }
    if (name == "taker") {
        Taker strategy(options.strategy);
        return run_client(transport, strategy, options, transport_name, clock);
    }
    if (name == "maker") {
        Maker strategy(options.strategy);
        return run_client(transport, strategy, options, transport_name, clock);
    }
    Quiet strategy(options.strategy);
    return run_client(transport, strategy, options, transport_name, clock);
}

int run(const ClientOptions& options, const std::vector<std::string>& eal_args) {
    const core::TscClock clock;
    if (options.transport == "kernel") {
        net::KernelTransportConfig config;
        config.multicast_interface_ip = options.interface_ip;
        config.bind_ip = options.interface_ip;
        net::KernelTransport transport(config);
        return run_strategy(transport, options, "kernel", clock);
    }
    core::Eal eal(core::EalOptions{.args = eal_args, .program = "tickbench-client"});
    core::EthPortConfig port_config;
    port_config.spec = options.port;
    core::EthPort port(port_config);
    if (!port.wait_link_up(options.link_timeout_ns)) {
        throw core::StartupError("link of " + options.port + " did not come up within " +
                                 std::to_string(options.link_timeout_ns / 1'000'000) +
                                 " ms; start the exchange (for memif, the server side) or raise "
                                 "--link-timeout");
    }
    net::StackConfig stack_config;
    const rte_ether_addr mac = port.mac();
    std::memcpy(stack_config.mac.data(), mac.addr_bytes, stack_config.mac.size());
    if (stack_config.mac == proto::MacAddress{}) {
        // Ports without an address of their own (net_ring): a locally administered one made
        // from our IPv4 address.
        const std::uint32_t ip = options.client_ip;
        stack_config.mac = proto::MacAddress{0x02,
                                             0x00,
                                             static_cast<std::uint8_t>(ip >> 24),
                                             static_cast<std::uint8_t>(ip >> 16),
                                             static_cast<std::uint8_t>(ip >> 8),
                                             static_cast<std::uint8_t>(ip)};
    }
    stack_config.ip = options.client_ip;
    stack_config.netmask = options.netmask;
    stack_config.gateway = options.gateway;
    stack_config.mtu = options.mtu;
    net::Stack stack(stack_config, port, clock.now_ns());
    return run_strategy(stack, options, "dpdk", clock);
}

}  // namespace

int main(int argc, char** argv) {
    const core::CommandLine command_line = core::split_command_line(argc, argv);
    try {
        const ClientOptions options = parse_client_options(command_line.program_args);
        if (options.help_requested) {
            std::printf("%s\n", options.help.c_str());
            return core::kExitOk;
        }
        if (!options.log_level.empty()) {
            core::LogLevel level;
            if (!core::parse_log_level(options.log_level, level)) {
                throw core::ConfigError("--log-level: expected error, warn, info or debug, got '" +
                                        options.log_level + "'");
            }
            core::set_log_level(level);
        }
        core::install_stop_handler();
        return run(options, command_line.eal_args);
    } catch (const core::ConfigError& e) {
        std::fprintf(stderr, "tickbench-client: %s\n", e.what());
        return core::kExitConfig;
    } catch (const core::StartupError& e) {
        std::fprintf(stderr, "tickbench-client: %s\n", e.what());
        return core::kExitStartup;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tickbench-client: %s\n", e.what());
        return core::kExitStartup;
    }
}
