// The exchange host's hot phase allocates nothing (STYLE.md, "The hot path"): in sim mode over
// net_ring, with background flow, a logged-in client entering and cancelling orders, malformed
// input, heartbeats, retransmissions, triggers through the wire tap, timeline link settings
// through the stages, a forced disconnect and a reconnection, every allocation the thread
// makes inside Host::poll() is counted (the test's scripted client, which keeps what it
// receives in vectors, runs outside the count).

#include <gtest/gtest.h>

#include "tests/integration/exchange_sim/net_harness.hpp"
#include "tests/support/counting_new.hpp"

namespace tb::exchange::testing {
namespace {

TEST(HostAllocation, TheCounterSeesAllocations) {
    const tb::test::AllocationScope scope;
    void* p = ::operator new(64);
    const std::uint64_t counted = scope.allocations();
    ::operator delete(p);
    EXPECT_EQ(counted, 1u) << "without a working counter the zero below means nothing";
}

TEST(HostAllocation, HotPhaseAllocatesNothing) {
    SimWorld world(
        parse_scenario(base_scenario_yaml() + R"(order_entry: {cancel_on_disconnect: true}
links:
  client: "latency=2us,jitter=normal:100ns"
background:
  participants: 3
  symbols:
    - {stock: ACME, rate: 20000}
    - {stock: BETA, rate: 5000}
timeline:
  - {at: 30ms, order: {stock: BETA, side: sell, shares: 100, price: 51.00, token: T1}, trigger: true}
  - {at: 40ms, link: {port: feed_b, spec: "loss=10%,latency=3us"}}
  - {at: 60ms, link: {port: feed_b, spec: ""}}
  - {at: 80ms, disconnect: ALICE}
  - {at: 90ms, halt: {stock: ACME, reason: T1}}
  - {at: 95ms, resume: ACME}
)",
                       "allocation.yaml"));
    FeedReceiver feed(world);
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    world.run_for(10 * kMsNs);  // warm-up: books, ARP, the first of everything

    std::uint64_t allocations = 0;
    const auto step = [&](std::int64_t duration_ns) {
        const std::int64_t end = world.clock.now_ns() + duration_ns;
        for (int i = 0; i < 200'000 && world.clock.now_ns() < end; ++i) {
            std::size_t work = 0;
            {
                const tb::test::AllocationScope scope;
                work += world.host->poll();
                allocations += scope.allocations();
            }
            work += world.poll_clients();
            if (work == 0) {
                const std::int64_t next =
                    std::min(world.host->next_event_ns(), world.clients_next());
                world.clock.set(std::min(end, std::max(next, world.clock.now_ns() + 1)));
            }
        }
    };
    for (int i = 0; i < 20; ++i) {
        alice.send_ouch(enter_order(numbered("A", i).c_str(), ouchw::Side::kBuy, 100, "ACME",
                                    95'000 + 10 * static_cast<std::uint32_t>(i)),
                        false);
        step(kMsNs);
        ouchw::CancelOrder cancel;
        cancel.order_token = proto::Alpha<14>::left(numbered("A", i));
        alice.send_ouch(cancel, false);
        step(kMsNs);
    }
    const std::uint8_t short_enter[] = {0x00, 0x03, 'U', 'O', 'x'};
    alice.send(short_enter, false);
    alice.send_empty(soup::PacketType::kClientHeartbeat);
    feed.request("TB20240102", 10, 100);
    step(60 * kMsNs);  // trigger, link settings, the disconnect, halt and resume
    EXPECT_TRUE(alice.closed());
    NetClient again(world);
    ASSERT_TRUE(again.connect());
    again.login("ALICE", "secret1", 0);
    step(20 * kMsNs);
    EXPECT_EQ(allocations, 0u);
    // The phase did what it says.
    EXPECT_EQ(world.exchange().counters().timeline_events, 6u);
    EXPECT_EQ(world.host->tap(0).counters().triggers_delivered, 1u);
    EXPECT_GT(world.exchange().feed().counters().retransmit_messages, 0u);
    EXPECT_GT(world.host->wire_port(kFeedBPortIndex).counters().stage_frames, 0u);
    EXPECT_EQ(world.exchange().gateway().session_counters(0).logins, 2u);
    EXPECT_EQ(world.exchange().gateway().session_counters(0).malformed_ouch, 1u);
}

}  // namespace
}  // namespace tb::exchange::testing
