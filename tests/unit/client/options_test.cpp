// tickbench-client's options (client/options.hpp): defaults from DESIGN.md's wire identities,
// flags, the YAML file, and the messages for bad input.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "client/options.hpp"
#include "core/error.hpp"

namespace tb::client {
namespace {

// The message of the ConfigError `args` cause ("" when they parse).
std::string error_of(const std::vector<std::string>& args) {
    try {
        (void)parse_client_options(args);
    } catch (const core::ConfigError& e) {
        return e.what();
    }
    return "";
}

struct TempFile {
    explicit TempFile(const std::string& text)
        : path("/tmp/tb-client-options-" + std::to_string(getpid()) + ".yaml") {
        std::ofstream(path) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string path;
};

TEST(ClientOptions, DefaultsAreTheWireIdentitiesOfTheDesign) {
    const ClientOptions o = parse_client_options({"--username", "CLIENT", "--symbol", "ACME"});
    EXPECT_EQ(o.transport, "dpdk");
    EXPECT_EQ(o.port, "port:0");
    EXPECT_EQ(o.net.exchange, (net::Endpoint{0x0A000001, 15000}));
    EXPECT_EQ(o.client_ip, 0x0A000002U);
    EXPECT_EQ(o.net.feed_a, (net::Endpoint{0xE9360C6F, 26477}));
    EXPECT_EQ(o.net.feed_b, (net::Endpoint{0xE9360C70, 26477}));
    EXPECT_EQ(o.net.retransmission, (net::Endpoint{0x0A000001, 26478}));
    EXPECT_EQ(o.strategy.name, "pingpong");
    EXPECT_EQ(o.client.session.username, "CLIENT");
    EXPECT_EQ(o.client.session.first_sequence, 1U);
    EXPECT_TRUE(o.client.books.symbols.empty());
}

TEST(ClientOptions, TheKernelTransportDefaultsToLoopback) {
    const ClientOptions o =
        parse_client_options({"--transport", "kernel", "--username", "CLIENT", "--symbol", "ACME"});
    EXPECT_EQ(o.net.exchange, (net::Endpoint{0x7F000001, 15000}));
    EXPECT_EQ(o.net.retransmission, (net::Endpoint{0x7F000001, 26478}));
    EXPECT_EQ(o.net.feed_a.ip, 0xE9360C6FU);
}

TEST(ClientOptions, FlagsSetEveryPart) {
    const ClientOptions o = parse_client_options({"--username",
                                                  "U1",
                                                  "--password",
                                                  "pw",
                                                  "--exchange",
                                                  "10.1.2.3:16000",
                                                  "--feed-a",
                                                  "239.1.1.1:5000",
                                                  "--feed-b",
                                                  "239.1.1.2:5001",
                                                  "--symbols",
                                                  "ACME, BETA",
                                                  "--strategy",
                                                  "taker",
                                                  "--symbol",
                                                  "BETA",
                                                  "--buy-below",
                                                  "49.5",
                                                  "--shares",
                                                  "300",
                                                  "--max-position",
                                                  "900",
                                                  "--duration",
                                                  "2s",
                                                  "--max-orders",
                                                  "10",
                                                  "--gap-wait",
                                                  "0",
                                                  "--request-timeout",
                                                  "20ms",
                                                  "--max-requests",
                                                  "8",
                                                  "--json",
                                                  "--no-feed-b"});
    EXPECT_EQ(o.net.exchange, (net::Endpoint{0x0A010203, 16000}));
    EXPECT_EQ(o.net.feed_b, (net::Endpoint{0xEF010102, 5001}));
    EXPECT_FALSE(o.net.feed_b_enabled);
    EXPECT_EQ(o.client.books.symbols, (std::vector<std::string>{"ACME", "BETA"}));
    EXPECT_EQ(o.strategy.name, "taker");
    EXPECT_EQ(o.strategy.buy_below, 495'000U);
    EXPECT_EQ(o.strategy.shares, 300U);
    EXPECT_EQ(o.strategy.max_position, 900);
    EXPECT_EQ(o.duration_ns, 2'000'000'000);
    EXPECT_EQ(o.client.orders.max_orders_sent, 10U);
    EXPECT_EQ(o.client.feed.gap_wait_ns, 0);
    EXPECT_EQ(o.client.feed.request_timeout_ns, 20'000'000);
    EXPECT_EQ(o.client.feed.max_outstanding_requests, 8U);
    EXPECT_TRUE(o.json);
}

TEST(ClientOptions, AYamlFileGivesOptionsAndTheCommandLineWins) {
    const TempFile file(
        "username: CLIENT\n"
        "password: secret\n"
        "strategy: maker\n"
        "symbol: ACME\n"
        "symbols: [ACME, BETA]\n"
        "max_position: 500\n"
        "edge-ticks: 2\n"
        "no-feed-b: true\n");
    const ClientOptions o = parse_client_options({"--config", file.path, "--edge-ticks", "3"});
    EXPECT_EQ(o.strategy.name, "maker");
    EXPECT_EQ(o.strategy.max_position, 500);
    EXPECT_EQ(o.strategy.edge_ticks, 3U);
    EXPECT_EQ(o.client.books.symbols, (std::vector<std::string>{"ACME", "BETA"}));
    EXPECT_FALSE(o.net.feed_b_enabled);
}

TEST(ClientOptions, FileErrorsNameTheFileLineColumnAndKey) {
    const TempFile unknown("username: CLIENT\nsymbol: ACME\nhearbeat: 1s\n");
    EXPECT_EQ(error_of({"--config", unknown.path}),
              unknown.path +
                  ":3:1: hearbeat: unknown key; expected an option name of tickbench-client "
                  "(see --help)");
    const TempFile bad("username: CLIENT\nsymbol: ACME\nshares: lots\n");
    EXPECT_EQ(error_of({"--config", bad.path}),
              bad.path + ":3:9: shares: expected an integer in 1..999999, got 'lots'");
    const TempFile flag("username: CLIENT\nsymbol: ACME\njson: yes\n");
    EXPECT_EQ(error_of({"--config", flag.path}),
              flag.path + ":3:7: json: expected true or false, got 'yes'");
    const TempFile broken("username: [CLIENT\n");
    EXPECT_NE(error_of({"--config", broken.path}).find(broken.path + ":"), std::string::npos);
    EXPECT_EQ(error_of({"--config", "/nonexistent/client.yaml"}),
              "--config: cannot read '/nonexistent/client.yaml'");
}

TEST(ClientOptions, CommandLineErrorsSayWhatWasExpected) {
    EXPECT_EQ(error_of({"--symbol", "ACME"}),
              "--username: required (the SoupBinTCP account to log in as)");
    EXPECT_EQ(error_of({"--username", "U", "--symbol", "ACME", "--transport", "rdma"}),
              "--transport: expected dpdk or kernel, got 'rdma'");
    EXPECT_EQ(error_of({"--username", "U", "--symbol", "ACME", "--exchange", "10.0.0.1"}),
              "--exchange: expected an IPv4 address and port such as 10.0.0.1:15000, got "
              "'10.0.0.1'");
    EXPECT_EQ(error_of({"--username", "U", "--symbol", "ACME", "--duration", "soon"}),
              "--duration: expected a duration such as 250ms, got 'soon'");
    EXPECT_EQ(error_of({"--username", "U", "--symbol", "ACME", "--buy-below", "1.23456"}),
              "--buy-below: expected a price in dollars with at most 4 decimals, such as 10.25, "
              "got '1.23456'");
    EXPECT_NE(error_of({"--username", "U", "--strategy", "taker", "--symbol", "ACME"})
                  .find("the taker needs at least one threshold"),
              std::string::npos);
    EXPECT_EQ(error_of({"--username", "U", "--symbol", "GAMA", "--symbols", "ACME"}),
              "--symbol GAMA: not among --symbols, so it would have no book");
    EXPECT_NE(error_of({"--username", "U", "--bogus"}).find("command line:"), std::string::npos);
    EXPECT_NE(error_of({"--username", "U", "--symbol", "ACME", "--request-port", "26477"})
                  .find("must differ from the feed ports"),
              std::string::npos);
    EXPECT_EQ(error_of({"--username", "TOOLONGNAME", "--symbol", "ACME"}),
              "--username: expected 1-6 characters, got 'TOOLONGNAME'");
}

TEST(ClientOptions, HelpListsTheOptions) {
    const ClientOptions o = parse_client_options({"--help"});
    EXPECT_TRUE(o.help_requested);
    EXPECT_NE(o.help.find("--transport"), std::string::npos);
    EXPECT_NE(o.help.find("--max-position"), std::string::npos);
}

TEST(ClientOptions, AddressesParseStrictly) {
    std::uint32_t ip = 0;
    EXPECT_TRUE(parse_ipv4("233.54.12.111", ip));
    EXPECT_EQ(ip, 0xE9360C6FU);
    EXPECT_FALSE(parse_ipv4("256.1.1.1", ip));
    EXPECT_FALSE(parse_ipv4("1.2.3", ip));
    EXPECT_FALSE(parse_ipv4("1.2.3.4.5", ip));
    EXPECT_FALSE(parse_ipv4("1.2.3.4 ", ip));
    net::Endpoint e;
    EXPECT_FALSE(parse_endpoint("1.2.3.4:0", e));
    EXPECT_FALSE(parse_endpoint("1.2.3.4:70000", e));
    EXPECT_EQ(format_ipv4(0x0A000002), "10.0.0.2");
}

}  // namespace
}  // namespace tb::client
