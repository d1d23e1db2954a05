#pragma once

// The command line of tickbench-client after the EAL arguments ("--"), and its YAML file:
//
//     tickbench-client [EAL args] -- [options]
//     tickbench-client [EAL args] -- --config client.yaml [options]
//
// Every option can also be written in the file, as a top-level key with the option's name
// (dashes or underscores), for example `max-position: 500` or `symbols: [ACME, BETA]`; options
// on the command line win over the file. Defaults follow DESIGN.md's wire identities; with
// `--transport kernel` the exchange and the retransmission server default to 127.0.0.1.
//
// parse_client_options() throws tb::core::ConfigError ("FILE:LINE:COLUMN: key: expected ...,
// got ..." for the file, "--option: expected ..." for the command line): exit status 2.

#include <cstdint>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "client/strategies.hpp"
#include "client/trading_client.hpp"

namespace tb::client {

struct ClientOptions {
    ClientConfig client;
    NetConfig net;
    StrategyConfig strategy;
    std::string transport = "dpdk";         // dpdk (net::Stack over a DPDK port) or kernel
    std::string port = "port:0";            // DPDK port spec (core/eth_port.hpp)
    std::uint32_t client_ip = 0x0A00'0002;  // 10.0.0.2 (dpdk)
    std::uint32_t netmask = 0xFFFF'FF00;
    std::uint32_t gateway = 0;
    std::uint16_t mtu = 1500;
    std::uint32_t interface_ip = 0x7F00'0001;  // kernel: multicast interface
    std::int64_t duration_ns = 0;              // 0: until the session ends (or a signal)
    std::int64_t linger_ns = 200'000'000;      // after the order budget is spent: wait for answers
    std::int64_t link_timeout_ns = 30'000'000'000;
    std::int64_t login_wait_ns = 30'000'000'000;  // give up if the first login takes longer
    std::string report_file;                      // JSON report
    bool json = false;                            // print the report as JSON
    std::string log_level;
    bool help_requested = false;
    std::string help;
};

// `args` are the program options (after EAL's "--"), without the program name.
[[nodiscard]] ClientOptions parse_client_options(const std::vector<std::string>& args);

// "10.0.0.1" -> host order; "233.54.12.111:26477" -> endpoint. Nothing for bad text.
[[nodiscard]] bool parse_ipv4(std::string_view text, std::uint32_t& ip) noexcept;
[[nodiscard]] bool parse_endpoint(std::string_view text, net::Endpoint& endpoint) noexcept;
[[nodiscard]] std::string format_ipv4(std::uint32_t ip);

}  // namespace tb::client
