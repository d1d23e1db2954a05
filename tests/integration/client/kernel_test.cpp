// Kernel mode (DESIGN.md, "Modes"): the client over kernel sockets on loopback against the
// exchange over kernel sockets (exchange_sim's KernelHost), in real time.
//  - In one process: Client<net::KernelTransport, Maker> and the host polled by one thread;
//    after the end of the session the client's books equal the exchange's and its live orders
//    are the account's live orders.
//  - The tickbench-client binary as a child process, `--transport kernel`, against the host
//    in this process: it logs in, trades (pingpong), receives both feeds, ends with the session
//    and writes its report.
// Ports come from the process id so concurrent runs do not meet; every wait is bounded.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "client/client.hpp"
#include "client/strategies.hpp"
#include "core/clock.hpp"
#include "exchange_sim/host/kernel_host.hpp"
#include "exchange_sim/scenario/scenario.hpp"
#include "net/kernel_transport.hpp"
#include "tests/integration/client/direct_world.hpp"
#include "tests/support/process.hpp"

#ifndef TB_CLIENT_BINARY
#error "TB_CLIENT_BINARY must name the tickbench-client binary"
#endif

namespace tb::client::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

// Order entry, feed A, feed B, retransmission, the client's request port.
std::uint16_t base_port(int offset) {
    return static_cast<std::uint16_t>(41000 + (::getpid() % 2000) * 10 + offset);
}

exchange::Scenario scenario(int offset, const std::string& end) {
    const std::uint16_t base = base_port(offset);
    return exchange::parse_scenario(
        "name: client-kernel\nseed: 3\nsession: {date: 2024-01-02, start: \"09:30:00\"}\n"
        "symbols:\n"
        "  - {stock: ACME, tick: 0.01, reference: 10.00, band: 1.00}\n"
        "  - {stock: BETA, tick: 0.01, reference: 50.00, band: 5.00}\n"
        "users:\n  - {username: CLIENT, password: secret, participant: 1, firm: CLNT}\n"
        "order_entry: {port: " +
            std::to_string(base) +
            "}\n"
            "market_data: {feed_a: 233.54.12.111:" +
            std::to_string(base + 1) + ", feed_b: 233.54.12.112:" + std::to_string(base + 2) +
            ", retransmission_port: " + std::to_string(base + 3) +
            "}\n"
            "initial_book:\n"
            "  - {stock: ACME, side: buy, shares: 500, price: 9.99}\n"
            "  - {stock: ACME, side: sell, shares: 400, price: 10.01}\n"
            "background:\n  participants: 3\n  symbols:\n"
            "    - {stock: ACME, rate: 2000}\n    - {stock: BETA, rate: 1000}\n"
            "timeline:\n" +
            end,
        "client-kernel.yaml");
}

NetConfig net_config(int offset) {
    const std::uint16_t base = base_port(offset);
    NetConfig n;
    n.exchange = {0x7F000001, base};
    n.feed_a = {0xE9360C6F, static_cast<std::uint16_t>(base + 1)};
    n.feed_b = {0xE9360C70, static_cast<std::uint16_t>(base + 2)};
    n.retransmission = {0x7F000001, static_cast<std::uint16_t>(base + 3)};
    n.request_port = static_cast<std::uint16_t>(base + 4);
    return n;
}

TEST(KernelMode, TheClientsBooksEqualTheExchangesOverKernelSockets) {
    const core::TscClock clock;
    exchange::KernelHost host(scenario(0, "  - {at: 1500ms, end_session: true}\n"), {}, clock);
    net::KernelTransportConfig kernel;
    kernel.multicast_interface_ip = 0x7F000001;
    net::KernelTransport transport(kernel);
    ClientConfig config;
    config.books.max_books = 16;
    config.books.max_orders = 1u << 14;
    config.books.max_levels = 1u << 12;
    config.feed.reorder_window = 1u << 12;
    config.session.username = "CLIENT";
    config.session.password = "secret";
    config.orders.max_orders = 256;
    StrategyConfig maker_config;
    maker_config.name = "maker";
    maker_config.symbol = "ACME";
    maker_config.max_position = 300;
    Maker maker(maker_config);
    Client<net::KernelTransport, Maker> client(config, net_config(0), transport, maker);
    host.start();
    client.start(clock.now_ns());
    auto& core = client.core();
    const std::int64_t deadline = clock.now_ns() + 20 * kSecond;
    // Bounded by the deadline: until the session ended and the feed is complete.
    while (clock.now_ns() < deadline && !(core.session().state() == SessionState::kEnded &&
                                          core.feed().complete() && host.finished())) {
        (void)host.poll();
        (void)client.poll(clock.now_ns());
    }
    ASSERT_EQ(core.session().state(), SessionState::kEnded);
    ASSERT_TRUE(core.feed().complete());
    EXPECT_EQ(core.session().counters().logins, 1U);
    EXPECT_GT(core.orders().counters().accepted, 0U);
    EXPECT_EQ(core.feed().counters().lost, 0U);
    // Separate ports per line: each datagram's line is known.
    EXPECT_EQ(client.net_counters().unattributed, 0U);
    EXPECT_GT(core.feed().line(FeedLine::kA).packets, 10U);
    EXPECT_GT(core.feed().line(FeedLine::kB).packets, 10U);
    EXPECT_EQ(core.feed().line(FeedLine::kA).packets, core.feed().line(FeedLine::kB).packets);
    EXPECT_GT(expect_books_equal(core.books(), host.exchange().engine()), 20U);
}

TEST(KernelMode, TheClientBinaryTradesOverKernelSocketsAndReports) {
    const core::TscClock clock;
    exchange::KernelHost host(scenario(5,
                                       "  - {at: 300ms, order: {stock: ACME, side: sell, "
                                       "shares: 100, price: 9.99}, trigger: true}\n"
                                       "  - {at: 1500ms, end_session: true}\n"),
                              {}, clock);
    const NetConfig net = net_config(5);
    const test::TempDir dir;
    const std::string report = dir.file("report.json");
    // The exchange is listening before the client starts.
    test::Process client(
        {TB_CLIENT_BINARY,    "--",
         "--transport",       "kernel",
         "--username",        "CLIENT",
         "--password",        "secret",
         "--exchange",        "127.0.0.1:" + std::to_string(net.exchange.port),
         "--feed-a",          "233.54.12.111:" + std::to_string(net.feed_a.port),
         "--feed-b",          "233.54.12.112:" + std::to_string(net.feed_b.port),
         "--retransmission",  "127.0.0.1:" + std::to_string(net.retransmission.port),
         "--request-port",    std::to_string(net.request_port),
         "--symbols",         "ACME,BETA",
         "--strategy",        "pingpong",
         "--symbol",          "ACME",
         "--duration",        "20s",
         "--max-book-orders", "65536",
         "--report",          report},
        dir.file("stdout"), dir.file("stderr"));
    // The exchange starts once the client had time to connect (it retries until then).
    const std::int64_t start_at = clock.now_ns() + 300 * kMs;
    while (clock.now_ns() < start_at) {
        (void)host.poll();
    }
    host.start();
    const std::int64_t deadline = clock.now_ns() + 30 * kSecond;
    std::optional<int> status;
    // Bounded by the deadline: the host runs until the client exits.
    while (clock.now_ns() < deadline && !status) {
        for (int i = 0; i < 1000; ++i) {
            (void)host.poll();
        }
        status = client.wait_for(std::chrono::milliseconds(0));
    }
    ASSERT_TRUE(status.has_value()) << test::read_file(dir.file("stderr"));
    EXPECT_EQ(*status, 0) << test::read_file(dir.file("stderr"));
    const std::string out = test::read_file(dir.file("stdout"));
    std::printf("%s", out.c_str());  // the client's report, for the test log
    EXPECT_NE(out.find("session: state=ended"), std::string::npos) << out;
    EXPECT_NE(out.find("feed: session=TB20240102 complete=yes"), std::string::npos) << out;
    EXPECT_NE(out.find("lost=0"), std::string::npos) << out;
    EXPECT_NE(out.find("symbol ACME:"), std::string::npos) << out;
    const std::string json = test::read_file(report);
    EXPECT_NE(json.find("\"transport\":\"kernel\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"complete\":true"), std::string::npos) << json;
    // The trigger was a trade in ACME: pingpong answered it with an order that filled.
    EXPECT_EQ(json.find("\"entered\":0,"), std::string::npos) << json;
    EXPECT_GT(host.exchange().engine().counters().orders_accepted, 5U);
}

TEST(ClientBinary, HelpAndBadOptions) {
    const test::TempDir dir;
    const auto run = [&](const std::vector<std::string>& args) {
        std::vector<std::string> argv = {TB_CLIENT_BINARY, "--"};
        argv.insert(argv.end(), args.begin(), args.end());
        test::Process p(argv, dir.file("out"), dir.file("err"));
        const std::optional<int> status = p.wait_for(std::chrono::seconds(30));
        return std::make_tuple(status.value_or(-1), test::read_file(dir.file("out")),
                               test::read_file(dir.file("err")));
    };
    auto [status, out, err] = run({"--help"});
    EXPECT_EQ(status, 0);
    EXPECT_NE(out.find("Usage: tickbench-client [EAL args] -- [options]"), std::string::npos);
    std::tie(status, out, err) =
        run({"--transport", "kernel", "--username", "U", "--symbol", "ACME", "--shares", "x"});
    EXPECT_EQ(status, 2);
    EXPECT_EQ(err, "tickbench-client: --shares: expected an integer in 1..999999, got 'x'\n");
    std::tie(status, out, err) = run({"--config", dir.file("missing.yaml")});
    EXPECT_EQ(status, 2);
    EXPECT_NE(err.find("--config: cannot read"), std::string::npos) << err;
}

}  // namespace
}  // namespace tb::client::testing
