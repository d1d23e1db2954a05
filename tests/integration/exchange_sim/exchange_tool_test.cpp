// tickbench-exchange as a user runs it, in its own process:
//  - --help, and the exit statuses: 2 for a bad command line or scenario (with file:line:col),
//    1 for a start-up failure (a run directory that cannot be made, a client that never comes),
//    each with one line saying what to do;
//  - memif mode with this process as the client, over a memif wire to the exchange's server
//    socket in a run directory: a net::Stack at the client's address, a scripted SoupBinTCP/
//    OUCH session and both feeds, a trigger answered, the end of the session, the report, the
//    capture and the tick-to-trade histogram;
//  - kernel mode with this process as a kernel-socket client on loopback.
// Every wait is bounded; no time is asserted. Busy-polling processes: serial.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "net/kernel_transport.hpp"
#include "net/stack.hpp"
#include "tests/integration/exchange_sim/net_harness.hpp"
#include "tests/support/process.hpp"

namespace tb::exchange::testing {
namespace {

using namespace std::chrono_literals;
using tb::test::Process;
using tb::test::TempDir;

const std::string kExchange = TB_EXCHANGE_BIN;

// One client machine in real time in this process: a transport (net::Stack over a memif port,
// or kernel sockets) polled by run_until, with the exchange's addresses.
template <class T>
class RealWorld {
public:
    RealWorld(T& transport, net::Endpoint order_entry, net::Endpoint retransmission,
              std::uint16_t feed_port = 26477)
        : transport_(transport),
          order_entry_(order_entry),
          retransmission_(retransmission),
          feed_port_(feed_port) {}

    bool run_until(const std::function<bool()>& done, std::int64_t duration_ns) {
        const std::int64_t end = clock_.now_ns() + duration_ns;
        while (clock_.now_ns() < end) {
            (void)transport_.poll(clock_.now_ns());
            if (done()) {
                return true;
            }
        }
        return done();
    }
    void settle() {
        run_until([] { return false; }, 20 * kMsNs);
    }
    T& stack(std::size_t) { return transport_; }
    net::Endpoint order_entry() const { return order_entry_; }
    net::Endpoint retransmission() const { return retransmission_; }
    net::Endpoint feed_a() const { return {0xE9360C6F, feed_port_}; }
    net::Endpoint feed_b() const { return {0xE9360C70, feed_port_}; }

private:
    core::TscClock clock_;
    T& transport_;
    net::Endpoint order_entry_;
    net::Endpoint retransmission_;
    std::uint16_t feed_port_;
};

std::string write_scenario(const TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream(path) << text;
    return path;
}

// The day of the two-process runs: one symbol with a resting offer, a trigger that takes part
// of it, the end of the session a little later.
std::string day(const std::string& extra = "") {
    return base_scenario_yaml() + R"(initial_book:
  - {stock: ACME, side: sell, shares: 1000, price: 10.05}
timeline:
  - {at: 1500ms, order: {stock: ACME, side: buy, shares: 100, price: 10.05, token: TRIG}, trigger: true}
  - {at: 3s, end_session: true}
)" + extra;
}

std::vector<std::string> eal(const TempDir& dir) {
    return {"--no-huge",
            "-m",
            "512",
            "--no-pci",
            "--file-prefix",
            "hexT" + std::to_string(::getpid()) + "x",
            "--log-level=error"};
    (void)dir;
}

struct Outcome {
    std::optional<int> status;
    std::string out;
    std::string err;
};

Outcome run_tool(const TempDir& dir, std::vector<std::string> args,
                 std::chrono::milliseconds bound = 60s) {
    args.insert(args.begin(), kExchange);
    Process p(args, dir.file("tool.out"), dir.file("tool.err"));
    Outcome o;
    o.status = p.wait_for(bound);
    o.out = tb::test::read_file(dir.file("tool.out"));
    o.err = tb::test::read_file(dir.file("tool.err"));
    return o;
}

TEST(ExchangeTool, HelpDocumentsTheModesAndEveryOption) {
    TempDir dir;
    const Outcome o = run_tool(dir, {"--", "--help"});
    ASSERT_EQ(o.status, 0);
    for (const char* option :
         {"--scenario", "--seed", "--mode", "--run-dir", "--clients", "--port", "--lockstep",
          "--quiet-period", "--capture", "--hgrm", "--report", "--json", "--duration",
          "--link-timeout", "kernel", "memif", "client0.sock", "Exit status"}) {
        EXPECT_NE(o.out.find(option), std::string::npos) << option;
    }
}

TEST(ExchangeTool, BadScenarioAndCommandLineExitTwoNamingWhere) {
    TempDir dir;
    const std::string bad = write_scenario(
        dir, "bad.yaml", base_scenario_yaml() + "order_entry: {hearbeat_interval: 1s}\n");
    const Outcome scenario = run_tool(dir, {"--", "--scenario", bad});
    EXPECT_EQ(scenario.status, 2);
    EXPECT_NE(scenario.err.find(bad + ":17:15: order_entry.hearbeat_interval: unknown key"),
              std::string::npos)
        << scenario.err;
    const Outcome option = run_tool(dir, {"--", "--scenario", bad, "--mode", "warp"});
    EXPECT_EQ(option.status, 2);
    EXPECT_NE(option.err.find("--mode"), std::string::npos) << option.err;
    const std::string good = write_scenario(dir, "good.yaml", day());
    const Outcome kernel_capture =
        run_tool(dir, {"--", "--scenario", good, "--mode", "kernel", "--capture", "x.pcapng"});
    EXPECT_EQ(kernel_capture.status, 2);
    const Outcome link = run_tool(
        dir,
        {"--", "--scenario",
         write_scenario(dir, "link.yaml",
                        base_scenario_yaml() + "links:\n  client: \"latency=2us,jiter=1\"\n")});
    EXPECT_EQ(link.status, 2);
    EXPECT_NE(link.err.find("link.yaml:18:11: links.client"), std::string::npos) << link.err;
}

TEST(ExchangeTool, StartUpFailuresExitOneSayingWhatToDo) {
    TempDir dir;
    const std::string good = write_scenario(dir, "good.yaml", day());
    std::vector<std::string> args = eal(dir);
    args.insert(args.end(), {"--", "--scenario", good, "--run-dir", "/proc/tickbench-cannot"});
    const Outcome run_dir = run_tool(dir, args);
    EXPECT_EQ(run_dir.status, 1);
    EXPECT_NE(run_dir.err.find("--run-dir"), std::string::npos) << run_dir.err;

    args = eal(dir);
    args.insert(args.end(), {"--", "--scenario", good, "--run-dir", dir.file("run"),
                             "--link-timeout", "500ms"});
    const Outcome nobody = run_tool(dir, args);
    EXPECT_EQ(nobody.status, 1);
    EXPECT_NE(nobody.err.find("did not come up"), std::string::npos) << nobody.err;
    EXPECT_NE(nobody.err.find("--link-timeout"), std::string::npos) << nobody.err;
}

TEST(ExchangeTool, MemifModeServesAClientProcessEndToEnd) {
    TempDir dir;
    const std::string path = write_scenario(dir, "day.yaml", day());
    std::vector<std::string> args = eal(dir);
    args.insert(args.end(), {"--", "--scenario", path, "--run-dir", dir.file("run"), "--capture",
                             dir.file("wire.pcapng"), "--hgrm", dir.file("t2t.hgrm"), "--report",
                             dir.file("report.json"), "--duration", "60s"});
    args.insert(args.begin(), kExchange);
    Process exchange(args, dir.file("x.out"), dir.file("x.err"));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("x.out"), "waiting for clients", 60s))
        << tb::test::read_file(dir.file("x.err"));

    core::EthPortConfig port_config;
    port_config.spec = "memif:client:" + dir.file("run") + "/client0.sock";
    port_config.connect_timeout_ns = 30'000'000'000;
    core::EthPort port(port_config);
    ASSERT_TRUE(port.wait_link_up(30'000'000'000));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("x.out"), "trading", 30s))
        << tb::test::read_file(dir.file("x.err"));
    const core::TscClock clock;
    net::StackConfig stack_config;
    stack_config.ip = 0x0A000002;
    stack_config.mac = proto::MacAddress{0x02, 0x10, 0, 0, 0, 1};
    net::Stack stack(stack_config, port, clock.now_ns());
    RealWorld<net::Stack> world(stack, {0x0A000001, 15000}, {0x0A000001, 26478});
    BasicFeedReceiver<RealWorld<net::Stack>> feed(world);
    BasicNetClient<RealWorld<net::Stack>> alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(world.run_until([&] { return !alice.view().accepted.empty(); }, 10 * kSecondNs));
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000), false);
    ASSERT_TRUE(world.run_until([&] { return alice.messages<ouchw::Accepted>().size() == 1; },
                                10 * kSecondNs));
    // The trigger's execution reaches the client on the feed; it answers with an order.
    ASSERT_TRUE(world.run_until(
        [&] { return !FeedLog::decode(feed.feed_a).of_type<itchw::OrderExecuted>().empty(); },
        20 * kSecondNs));
    alice.send_ouch(enter_order("REACT", ouchw::Side::kBuy, 100, "ACME", 100'500), false);
    ASSERT_TRUE(world.run_until([&] { return alice.messages<ouchw::Executed>().size() == 1; },
                                10 * kSecondNs));
    // Heartbeats keep the session up until the end of the day closes it.
    std::int64_t last = clock.now_ns();
    ASSERT_TRUE(world.run_until(
        [&] {
            if (clock.now_ns() - last > 500 * kMsNs) {
                alice.send_empty(soup::PacketType::kClientHeartbeat);
                last = clock.now_ns();
            }
            return alice.closed();
        },
        20 * kSecondNs));
    EXPECT_EQ(alice.view().end_of_session, 1u);
    const std::optional<int> status = exchange.wait_for(30s);
    ASSERT_EQ(status, 0) << tb::test::read_file(dir.file("x.err"));
    const std::string out = tb::test::read_file(dir.file("x.out"));
    EXPECT_NE(out.find("digest: "), std::string::npos) << out;
    EXPECT_NE(out.find("session ALICE participant=1"), std::string::npos) << out;
    EXPECT_NE(out.find("enter_orders=2"), std::string::npos) << out;
    EXPECT_NE(out.find("client0 tap: triggers=1 triggers_delivered=1"), std::string::npos) << out;
    const FeedLog a = FeedLog::decode(feed.feed_a);
    const FeedLog b = FeedLog::decode(feed.feed_b);
    EXPECT_EQ(a.end_of_session, 1u);
    EXPECT_EQ(a.messages.size(), b.messages.size());
    const std::string report = tb::test::read_file(dir.file("report.json"));
    EXPECT_NE(report.find("\"digest\":\""), std::string::npos);
    const std::string hgrm = tb::test::read_file(dir.file("t2t.hgrm"));
    EXPECT_NE(hgrm.find("Total count    =            1]"), std::string::npos) << hgrm;
    std::ifstream capture(dir.file("wire.pcapng"), std::ios::binary | std::ios::ate);
    EXPECT_GT(static_cast<long>(capture.tellg()), 1000);
}

// One lockstep run of the exchange process with a deterministic memif client: it logs in,
// waits for the trigger's execution on the feed, answers it, and keeps its session alive until
// the end of the day. Returns the report's JSON.
std::string lockstep_run(const TempDir& dir, const std::string& name) {
    const std::string path =
        write_scenario(dir, name + ".yaml", base_scenario_yaml() + R"(initial_book:
  - {stock: BETA, side: sell, shares: 1000, price: 50.05}
background:
  participants: 2
  symbols:
    - {stock: ACME, rate: 2000}
timeline:
  - {at: 1s, order: {stock: BETA, side: buy, shares: 100, price: 50.05, token: TRIG}, trigger: true}
  - {at: 2s, end_session: true}
)");
    std::vector<std::string> args = eal(dir);
    args.insert(args.end(), {"--", "--scenario", path, "--run-dir", dir.file(name), "--lockstep",
                             "--quiet-period", "5s", "--report", dir.file(name + ".json"),
                             "--duration", "60s"});
    args.insert(args.begin(), kExchange);
    Process exchange(args, dir.file(name + ".out"), dir.file(name + ".err"));
    EXPECT_TRUE(tb::test::wait_for_text(dir.file(name + ".out"), "waiting for clients", 60s))
        << tb::test::read_file(dir.file(name + ".err"));
    core::EthPortConfig port_config;
    port_config.spec = "memif:client:" + dir.file(name) + "/client0.sock";
    port_config.connect_timeout_ns = 30'000'000'000;
    core::EthPort port(port_config);
    EXPECT_TRUE(port.wait_link_up(30'000'000'000));
    EXPECT_TRUE(tb::test::wait_for_text(dir.file(name + ".out"), "trading", 30s))
        << tb::test::read_file(dir.file(name + ".err"));
    const core::TscClock clock;
    net::StackConfig stack_config;
    stack_config.ip = 0x0A000002;
    stack_config.mac = proto::MacAddress{0x02, 0x10, 0, 0, 0, 1};
    net::Stack stack(stack_config, port, clock.now_ns());
    RealWorld<net::Stack> world(stack, {0x0A000001, 15000}, {0x0A000001, 26478});
    BasicFeedReceiver<RealWorld<net::Stack>> feed(world);
    BasicNetClient<RealWorld<net::Stack>> alice(world);
    EXPECT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    std::int64_t last = clock.now_ns();
    const auto keep_alive = [&] {
        if (clock.now_ns() - last > 500 * kMsNs) {
            alice.send_empty(soup::PacketType::kClientHeartbeat);
            last = clock.now_ns();
        }
    };
    EXPECT_TRUE(world.run_until(
        [&] {
            keep_alive();
            for (const auto& e : FeedLog::decode(feed.feed_a).of_type<itchw::OrderExecuted>()) {
                if (e.stock_locate == 2) {
                    return true;
                }
            }
            return false;
        },
        20 * kSecondNs));
    alice.send_ouch(enter_order("REACT", ouchw::Side::kBuy, 200, "BETA", 500'500), false);
    EXPECT_TRUE(world.run_until(
        [&] {
            keep_alive();
            return alice.closed();
        },
        20 * kSecondNs));
    EXPECT_EQ(alice.messages<ouchw::Executed>().size(), 1u);
    EXPECT_EQ(exchange.wait_for(30s), 0) << tb::test::read_file(dir.file(name + ".err"));
    return tb::test::read_file(dir.file(name + ".json"));
}

std::string json_field(const std::string& json, const std::string& key) {
    const std::size_t at = json.find("\"" + key + "\":");
    if (at == std::string::npos) {
        return "";
    }
    const std::size_t start = at + key.size() + 3;
    return json.substr(start, json.find_first_of(",}", start) - start);
}

TEST(ExchangeTool, MemifLockstepWithADeterministicClientGivesTheSameDigestTwice) {
    TempDir dir;
    const std::string first = lockstep_run(dir, "first");
    const std::string second = lockstep_run(dir, "second");
    EXPECT_NE(json_field(first, "digest"), "");
    EXPECT_EQ(json_field(first, "digest"), json_field(second, "digest"));
    EXPECT_EQ(json_field(first, "digest_messages"), json_field(second, "digest_messages"));
    EXPECT_EQ(json_field(first, "reactions"), "1") << first;
    EXPECT_EQ(json_field(second, "reactions"), "1") << second;
}

TEST(ExchangeTool, KernelModeServesAKernelSocketClient) {
    TempDir dir;
    const auto base = static_cast<std::uint16_t>(41000 + (::getpid() % 2000) * 8);
    const std::string path =
        write_scenario(dir, "kernel.yaml",
                       day("order_entry: {port: " + std::to_string(base) +
                           "}\nmarket_data: {feed_a: 233.54.12.111:" + std::to_string(base + 1) +
                           ", feed_b: 233.54.12.112:" + std::to_string(base + 1) +
                           ", retransmission_port: " + std::to_string(base + 2) + "}\n"));
    Process exchange(
        {kExchange, "--", "--scenario", path, "--mode", "kernel", "--duration", "60s", "--json"},
        dir.file("k.out"), dir.file("k.err"));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("k.err"), "trading", 30s))
        << tb::test::read_file(dir.file("k.err"));
    net::KernelTransportConfig config;
    config.multicast_interface_ip = 0x7F000001;
    net::KernelTransport kernel(config);
    RealWorld<net::KernelTransport> world(kernel, {0x7F000001, base},
                                          {0x7F000001, static_cast<std::uint16_t>(base + 2)},
                                          static_cast<std::uint16_t>(base + 1));
    BasicFeedReceiver<RealWorld<net::KernelTransport>> feed(world, 0,
                                                            static_cast<std::uint16_t>(base + 3));
    BasicNetClient<RealWorld<net::KernelTransport>> alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000), false);
    ASSERT_TRUE(world.run_until([&] { return alice.messages<ouchw::Accepted>().size() == 1; },
                                10 * kSecondNs));
    std::int64_t last = 0;
    const core::TscClock clock;
    ASSERT_TRUE(world.run_until(
        [&] {
            if (clock.now_ns() - last > 500 * kMsNs) {
                alice.send_empty(soup::PacketType::kClientHeartbeat);
                last = clock.now_ns();
            }
            return alice.closed();
        },
        20 * kSecondNs));
    const std::optional<int> status = exchange.wait_for(30s);
    ASSERT_EQ(status, 0) << tb::test::read_file(dir.file("k.err"));
    const std::string json = tb::test::read_file(dir.file("k.out"));
    EXPECT_EQ(json.rfind("{\"exchange\":{\"scenario\":\"test\"", 0), 0u) << json;
    // The client joined after the start of day: it saw its own order added and the trigger's
    // execution against the initial book.
    const FeedLog a = FeedLog::decode(feed.feed_a);
    EXPECT_EQ(a.of_type<itchw::AddOrder>().size(), 1u);
    EXPECT_EQ(a.of_type<itchw::OrderExecuted>().size(), 1u);
    EXPECT_EQ(a.end_of_session, 1u);
}

}  // namespace
}  // namespace tb::exchange::testing
