// Kernel mode: the exchange over kernel sockets on loopback (KernelHost), and a client over
// kernel sockets too (net::KernelTransport), both driven by one thread in real time. Login,
// orders answered over TCP, both feeds received as multicast on the loopback interface,
// retransmission by unicast, the end of the day, and lockstep. Ports are chosen from the
// process id so that concurrent runs do not meet; every wait is bounded.

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/clock.hpp"
#include "exchange_sim/host/kernel_host.hpp"
#include "net/kernel_transport.hpp"
#include "tests/integration/exchange_sim/net_harness.hpp"

namespace tb::exchange::testing {
namespace {

// The exchange and one client machine over kernel sockets, in one thread.
class KernelWorld {
public:
    explicit KernelWorld(const Scenario& scenario, const KernelHostConfig& config = {})
        : host(scenario, config, clock), client(client_config()) {}

    static net::KernelTransportConfig client_config() {
        net::KernelTransportConfig c;
        c.multicast_interface_ip = 0x7F000001;
        return c;
    }

    void start() { host.start(); }
    bool run_until(const std::function<bool()>& done, std::int64_t duration_ns) {
        const std::int64_t end = clock.now_ns() + duration_ns;
        while (clock.now_ns() < end) {
            (void)host.poll();
            (void)client.poll(clock.now_ns());
            if (done()) {
                return true;
            }
        }
        return done();
    }
    // Real time: let what is in flight arrive (loopback takes microseconds).
    void settle() {
        run_until([] { return false; }, 20 * kMsNs);
    }

    net::KernelTransport& stack(std::size_t) { return client; }
    KernelHost::ExchangeType& exchange() { return host.exchange(); }
    net::Endpoint order_entry() {
        return {0x7F000001, host.exchange().scenario().network.order_entry_port};
    }
    net::Endpoint retransmission() {
        return {0x7F000001, host.exchange().scenario().network.retransmission_port};
    }
    net::Endpoint feed_a() {
        const Scenario& s = host.exchange().scenario();
        return {s.network.feed_a.ip, s.network.feed_a.port};
    }
    net::Endpoint feed_b() {
        const Scenario& s = host.exchange().scenario();
        return {s.network.feed_b.ip, s.network.feed_b.port};
    }

    core::TscClock clock;
    KernelHost host;
    net::KernelTransport client;
};

using KernelClient = BasicNetClient<KernelWorld>;
using KernelFeed = BasicFeedReceiver<KernelWorld>;

// Ports of this process: order entry, feed, retransmission, the client's request socket.
std::uint16_t base_port() {
    return static_cast<std::uint16_t>(31000 + (::getpid() % 3000) * 8);
}

Scenario scenario(const std::string& extra = "") {
    const std::uint16_t base = base_port();
    return parse_scenario(base_scenario_yaml() + "order_entry: {port: " + std::to_string(base) +
                              "}\nmarket_data: {feed_a: 233.54.12.111:" + std::to_string(base + 1) +
                              ", feed_b: 233.54.12.112:" + std::to_string(base + 1) +
                              ", retransmission_port: " + std::to_string(base + 2) + "}\n" + extra,
                          "kernel.yaml");
}

TEST(KernelMode, ClientOverKernelSocketsTradesAndReadsBothFeeds) {
    KernelWorld world(scenario("timeline:\n  - {at: 1500ms, end_session: true}\n"));
    KernelFeed feed(world, 0, static_cast<std::uint16_t>(base_port() + 3));
    world.start();
    KernelClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(world.run_until([&] { return !alice.view().accepted.empty(); }, 5 * kSecondNs));
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000), false);
    ASSERT_TRUE(world.run_until([&] { return alice.messages<ouchw::Accepted>().size() == 1; },
                                5 * kSecondNs));
    // Both feeds carry the start of day and the Add, as multicast on the loopback interface.
    ASSERT_TRUE(world.run_until(
        [&] {
            return FeedLog::decode(feed.feed_a).of_type<itchw::AddOrder>().size() == 1 &&
                   FeedLog::decode(feed.feed_b).of_type<itchw::AddOrder>().size() == 1;
        },
        5 * kSecondNs));
    const FeedLog a = FeedLog::decode(feed.feed_a);
    ASSERT_EQ(a.messages.size(), 8u);
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        EXPECT_EQ(a.messages[i].sequence, i + 1);
    }
    EXPECT_EQ(a.of_type<itchw::AddOrder>()[0].order_reference_number,
              alice.messages<ouchw::Accepted>()[0].order_reference_number);
    // Retransmission by unicast from the server's port.
    feed.request("TB20240102", 2, 3);
    ASSERT_TRUE(world.run_until([&] { return FeedLog::decode(feed.unicast).messages.size() == 3; },
                                5 * kSecondNs));
    const FeedLog resent = FeedLog::decode(feed.unicast);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(resent.messages[i].bytes, a.messages[1 + i].bytes);
    }
    EXPECT_EQ(feed.unicast_sources[0].port, base_port() + 2);
    // The end of the day closes the session.
    ASSERT_TRUE(world.run_until([&] { return alice.closed(); }, 5 * kSecondNs));
    EXPECT_EQ(alice.view().end_of_session, 1u);
    ASSERT_TRUE(world.run_until([&] { return world.host.finished(); }, 5 * kSecondNs));
    EXPECT_EQ(world.host.transport().counters().feed_send_failed, 0u);
}

TEST(KernelMode, LockstepWaitsForTheReactionToATrigger) {
    KernelHostConfig config;
    config.lockstep.enabled = true;
    config.lockstep.quiet_period_ns = 5 * kSecondNs;  // the reaction ends the hold, not this
    KernelWorld world(scenario(R"(background:
  participants: 2
  symbols:
    - {stock: ACME, rate: 2000}
timeline:
  - {at: 50ms, order: {stock: BETA, side: sell, shares: 100, price: 49.00, token: TRIG}, trigger: true}
)"),
                      config);
    KernelFeed feed(world, 0, static_cast<std::uint16_t>(base_port() + 3));
    world.start();
    KernelClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(
        world.run_until([&] { return world.host.exchange_clock().holding(); }, 5 * kSecondNs));
    // While the exchange holds, the background flow stands still however long the client
    // thinks.
    const std::uint64_t messages = world.exchange().feed().counters().messages;
    world.run_until([] { return false; }, 100 * kMsNs);
    EXPECT_TRUE(world.host.exchange_clock().holding());
    EXPECT_EQ(world.exchange().feed().counters().messages, messages);
    alice.send_ouch(enter_order("REACT", ouchw::Side::kBuy, 100, "BETA", 490'000), false);
    ASSERT_TRUE(
        world.run_until([&] { return !world.host.exchange_clock().holding(); }, 5 * kSecondNs));
    EXPECT_EQ(world.host.exchange_clock().counters().reactions, 1u);
    // The reaction was processed at the held time: its Executed carries the trigger's time.
    ASSERT_TRUE(world.run_until([&] { return alice.messages<ouchw::Executed>().size() == 1; },
                                5 * kSecondNs));
    const auto trades = FeedLog::decode(feed.feed_a).of_type<itchw::AddOrder>();
    std::uint64_t trigger_time = 0;
    for (const itchw::AddOrder& add : trades) {
        if (add.stock.trimmed() == "BETA") {
            trigger_time = add.timestamp_ns;
        }
    }
    ASSERT_NE(trigger_time, 0u);
    EXPECT_EQ(alice.messages<ouchw::Executed>()[0].timestamp_ns, trigger_time);
}

}  // namespace
}  // namespace tb::exchange::testing
