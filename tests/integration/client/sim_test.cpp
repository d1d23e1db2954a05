// Sim mode (DESIGN.md, "Modes"): the client's DPDK build, Client<net::Stack, Strategy> on the
// user-space stack over a net_ring port, against exchange_sim's Host (the exchange with its
// emulated network, nic_emu inside) in one process and one thread on a virtual clock. This is
// the path tickbench-client runs with --transport dpdk, minus EAL's device choice.
//  - after a seeded run with background flow and a lossy feed A link, the client's books equal
//    the exchange's, order by order, and nothing was lost;
//  - pingpong answers a scripted trigger, measured at the emulated wire (tick-to-trade).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "client/strategies.hpp"
#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "exchange_sim/host/host.hpp"
#include "exchange_sim/scenario/scenario.hpp"
#include "net/stack.hpp"
#include "tests/integration/client/direct_world.hpp"

namespace tb::client::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// The exchange host, and the client machine on the other end of a ring wire.
template <class S>
class SimWorld {
public:
    SimWorld(const exchange::Scenario& scenario, const ClientConfig& config, S& strategy)
        : clock(1'000'000'000) {
        static int worlds = 0;
        const std::string spec = "ring:clsim" + std::to_string(worlds++);
        const exchange::HostConfig host_config;
        nic_end = std::make_unique<core::EthPort>(exchange::host_port_config(spec, host_config));
        client_end = std::make_unique<core::EthPort>(exchange::host_port_config(spec, host_config));
        std::vector<core::EthPort*> ends = {nic_end.get()};
        host = std::make_unique<exchange::Host<core::VirtualClock>>(scenario, host_config, ends,
                                                                    clock);
        net::StackConfig stack_config;
        stack_config.ip = scenario.network.client_ip;
        stack_config.mac = proto::MacAddress{0x02, 0x43, 0x4C, 0, 0, 2};
        stack = std::make_unique<net::Stack>(stack_config, *client_end, clock.now_ns());
        client = std::make_unique<Client<net::Stack, S>>(config, NetConfig{}, *stack, strategy);
    }
    ~SimWorld() {
        client.reset();
        host.reset();  // before the client's port: it holds frames of its pool
    }

    void start() {
        host->start();
        client->start(clock.now_ns());
    }

    void run_for(std::int64_t duration_ns, std::size_t max_steps = 4'000'000) {
        const std::int64_t end = clock.now_ns() + duration_ns;
        const auto others = [&] { return client->poll(clock.now_ns()); };
        const auto others_next = [&] { return client->next_timer_ns(); };
        for (std::size_t step = 0; step < max_steps; ++step) {
            if (!exchange::sim_step(*host, clock, others, others_next, end)) {
                clock.set(std::max(end, clock.now_ns()));
                (void)exchange::sim_settle(*host, others);
                return;
            }
        }
        ADD_FAILURE() << "the world did not reach its end within " << max_steps << " steps";
    }

    core::VirtualClock clock;
    std::unique_ptr<core::EthPort> nic_end;
    std::unique_ptr<core::EthPort> client_end;
    std::unique_ptr<exchange::Host<core::VirtualClock>> host;
    std::unique_ptr<net::Stack> stack;
    std::unique_ptr<Client<net::Stack, S>> client;
};

ClientConfig client_config() {
    ClientConfig c;
    c.books.max_books = 16;
    c.books.max_orders = 1u << 15;
    c.books.max_levels = 1u << 13;
    c.feed.reorder_window = 1u << 13;
    c.session.username = "CLIENT";
    c.session.password = "secret";
    c.orders.max_orders = 256;
    return c;
}

const char* kBase = R"(name: client-sim
seed: 21
session: {date: 2024-01-02, start: "09:30:00"}
symbols:
  - {stock: ACME, tick: 0.01, reference: 10.00, band: 1.00}
  - {stock: BETA, tick: 0.01, reference: 50.00, band: 5.00}
users:
  - {username: CLIENT, password: secret, participant: 1, firm: CLNT}
initial_book:
  - {stock: ACME, side: buy, shares: 500, price: 9.99}
  - {stock: ACME, side: sell, shares: 400, price: 10.01}
)";

TEST(SimMode, OverTheUserSpaceStackTheBooksEqualTheExchangesDespiteFeedALoss) {
    const exchange::Scenario scenario = exchange::parse_scenario(std::string(kBase) + R"(links:
  feed_a: "loss=3%"
  feed_b: "latency=5us"
background:
  participants: 3
  symbols:
    - {stock: ACME, rate: 5000}
    - {stock: BETA, rate: 2000}
)",
                                                                 "client-sim.yaml");
    StrategyConfig maker_config;
    maker_config.name = "maker";
    maker_config.symbol = "ACME";
    maker_config.max_position = 300;
    Maker maker(maker_config);
    SimWorld<Maker> world(scenario, client_config(), maker);
    world.start();
    world.run_for(600 * kMs);
    const auto& core = world.client->core();
    EXPECT_EQ(core.session().state(), SessionState::kLoggedIn);
    EXPECT_GT(core.orders().counters().accepted, 0U);
    const FeedCounters& feed = core.feed().counters();
    EXPECT_GT(feed.gaps, 0U);  // feed A, the faster line, lost frames on its link ...
    EXPECT_EQ(feed.lost, 0U);  // ... and nothing was lost for good
    EXPECT_GT(core.feed().line(FeedLine::kB).first, 0U);
    EXPECT_EQ(world.client->net_counters().unattributed, 0U);
    EXPECT_GT(expect_books_equal(core.books(), world.host->exchange().engine()), 50U);
}

TEST(SimMode, PingPongAnswersTheTriggerAtTheWire) {
    const exchange::Scenario scenario = exchange::parse_scenario(std::string(kBase) + R"(timeline:
  - {at: 200ms, order: {stock: ACME, side: sell, shares: 100, price: 9.99}, trigger: true}
)",
                                                                 "client-sim-trigger.yaml");
    StrategyConfig pingpong_config;
    pingpong_config.name = "pingpong";
    pingpong_config.symbol = "ACME";
    PingPong pingpong(pingpong_config);
    SimWorld<PingPong> world(scenario, client_config(), pingpong);
    world.start();
    world.run_for(400 * kMs);
    const auto& core = world.client->core();
    EXPECT_EQ(core.orders().counters().entered, 1U);
    EXPECT_EQ(core.orders().counters().filled, 1U);
    EXPECT_EQ(core.orders().position(core.books().find("ACME")).position, 100);
    // The tap saw the trigger frame go to the client and the order frame come back.
    EXPECT_EQ(world.host->tick_to_trade().total_count(), 1);
}

}  // namespace
}  // namespace tb::client::testing
