// Market data and order paths through the real path, in sim mode: what a client machine
// receives from the exchange's feed stacks over the emulated network (nic_emu), next to its
// OUCH session. Order paths seen through OUCH and ITCH together; feed A equal to feed B with
// continuous sequence numbers under background flow; heartbeats and the end of the session;
// retransmission of a requested range by unicast; per-line link impairments (scenario links
// and timeline link events); the tick-to-trade tap and the order round trip at the wire;
// lockstep on a virtual clock; one seed, one digest.

#include <gtest/gtest.h>

#include "tests/integration/exchange_sim/net_harness.hpp"

namespace tb::exchange::testing {
namespace {

constexpr std::uint32_t kTen = 100'000;  // $10.00
constexpr std::uint32_t kCent = 100;

Scenario scenario(const std::string& extra = "") {
    return parse_scenario(base_scenario_yaml() + extra, "test.yaml");
}

const std::string kFlow = R"(background:
  participants: 3
  symbols:
    - {stock: ACME, rate: 20000}
    - {stock: BETA, rate: 5000}
)";

// The ITCH messages of a feed after the start-of-day block, as a string of message types.
std::string types_after(const FeedLog& log, std::size_t skip) {
    std::string types;
    for (std::size_t i = skip; i < log.messages.size(); ++i) {
        types += log.messages[i].type();
    }
    return types;
}

std::string ouch_types(NetClient& client) {
    std::string types;
    for (const auto& m : client.view().sequenced) {
        types += static_cast<char>(m.at(0));
    }
    return types.substr(1);  // without Start of Day
}

TEST(NetMarketData, OrderPathsAreSeenThroughOuchAndItchTogether) {
    SimWorld world(scenario());
    FeedReceiver feed(world);
    world.start();
    world.settle();
    const std::size_t header = FeedLog::decode(feed.feed_a).messages.size();
    ASSERT_EQ(header, 7u);  // O, R x2, S, H x2, Q
    NetClient alice(world);
    NetClient bob(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");

    // Rest, then a partial fill of the resting order by a larger IOC: Executed to both, the
    // IOC's remainder canceled and never added.
    alice.send_ouch(enter_order("A1", ouchw::Side::kSell, 100, "ACME", kTen));
    bob.send_ouch(enter_order("B1", ouchw::Side::kBuy, 300, "ACME", kTen,
                              ouchw::kTimeInForceImmediateOrCancel));
    // A resting buy, canceled in part and then replaced to a new price, then canceled.
    alice.send_ouch(enter_order("A2", ouchw::Side::kBuy, 500, "ACME", kTen - 5 * kCent));
    ouchw::CancelOrder reduce;
    reduce.order_token = proto::Alpha<14>::left("A2");
    reduce.shares = 200;
    alice.send_ouch(reduce);
    ouchw::ReplaceOrder replace;
    replace.existing_order_token = proto::Alpha<14>::left("A2");
    replace.replacement_order_token = proto::Alpha<14>::left("A3");
    replace.shares = 200;
    replace.price = kTen - 2 * kCent;
    replace.display = ouchw::Display::kAnonymous;
    alice.send_ouch(replace);
    ouchw::CancelOrder cancel;
    cancel.order_token = proto::Alpha<14>::left("A3");
    cancel.shares = 0;
    alice.send_ouch(cancel);

    // Accepted, Executed, Accepted, Canceled (down to 200), Replaced, Canceled.
    EXPECT_EQ(ouch_types(alice), "AEACUC");
    EXPECT_EQ(ouch_types(bob), "AEC");
    const FeedLog a = FeedLog::decode(feed.feed_a);
    EXPECT_EQ(types_after(a, header), "AEAXUD");
    const auto maker = alice.messages<ouchw::Executed>();
    const auto taker = bob.messages<ouchw::Executed>();
    ASSERT_EQ(maker.size(), 1u);
    ASSERT_EQ(taker.size(), 1u);
    EXPECT_EQ(maker[0].match_number, taker[0].match_number);
    const auto executed = a.of_type<itchw::OrderExecuted>();
    ASSERT_EQ(executed.size(), 1u);
    EXPECT_EQ(executed[0].match_number, maker[0].match_number);
    EXPECT_EQ(executed[0].executed_shares, 100u);
    const auto accepted = alice.messages<ouchw::Accepted>();
    const auto adds = a.of_type<itchw::AddOrder>();
    ASSERT_EQ(accepted.size(), 2u);
    ASSERT_EQ(adds.size(), 2u);
    EXPECT_EQ(adds[1].order_reference_number, accepted[1].order_reference_number);
    EXPECT_EQ(adds[1].timestamp_ns, accepted[1].timestamp_ns);
    const auto reduced = a.of_type<itchw::OrderCancel>();
    ASSERT_EQ(reduced.size(), 1u);
    EXPECT_EQ(reduced[0].cancelled_shares, 300u);
    const auto replaced = a.of_type<itchw::OrderReplace>();
    const auto replaced_ouch = alice.messages<ouchw::Replaced>();
    ASSERT_EQ(replaced.size(), 1u);
    ASSERT_EQ(replaced_ouch.size(), 1u);
    EXPECT_EQ(replaced[0].new_order_reference_number, replaced_ouch[0].order_reference_number);
    EXPECT_EQ(replaced[0].price, kTen - 2 * kCent);
    // Feed B carried the same packets.
    const FeedLog b = FeedLog::decode(feed.feed_b);
    ASSERT_EQ(b.messages.size(), a.messages.size());
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
        EXPECT_EQ(b.messages[i].bytes, a.messages[i].bytes);
    }
}

TEST(NetMarketData, FeedsAAndBAreEqualAndContinuousUnderBackgroundFlow) {
    SimWorld world(scenario(kFlow));
    FeedReceiver feed(world);
    world.start();
    world.run_for(200 * kMsNs);
    ASSERT_EQ(feed.feed_a.size(), feed.feed_b.size());
    for (std::size_t i = 0; i < feed.feed_a.size(); ++i) {
        ASSERT_EQ(feed.feed_a[i].bytes, feed.feed_b[i].bytes) << "packet " << i;
    }
    const FeedLog log = FeedLog::decode(feed.feed_a);
    ASSERT_GT(log.messages.size(), 4000u);  // 25000 inputs/s for 0.2 s
    for (std::size_t i = 0; i < log.messages.size(); ++i) {
        ASSERT_EQ(log.messages[i].sequence, i + 1);
    }
    EXPECT_EQ(log.invalid, 0u);
    EXPECT_LE(log.largest_packet, 1500u - 28u);
    EXPECT_EQ(log.messages.size(), world.exchange().feed().counters().messages);
    // Nothing lost on the way: every packet the feed stacks sent reached the client.
    EXPECT_EQ(world.host->transport().counters().feed_a_sent, feed.feed_a.size());
    EXPECT_EQ(world.stack().counters().udp_datagrams_received,
              feed.feed_a.size() + feed.feed_b.size());
}

TEST(NetMarketData, HeartbeatsWhenIdleAndEndOfSessionOnBothProtocols) {
    SimWorld world(scenario("timeline:\n  - {at: 3500ms, end_session: true}\n"));
    FeedReceiver feed(world);
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    for (int i = 0; i < 4 && !alice.closed(); ++i) {
        world.run_for(kSecondNs);
        if (!alice.closed()) {
            alice.send_empty(soup::PacketType::kClientHeartbeat);
        }
    }
    const FeedLog log = FeedLog::decode(feed.feed_a);
    EXPECT_EQ(log.heartbeats, 3u);  // at 1 s, 2 s and 3 s of silence
    for (const std::uint64_t sequence : log.heartbeat_sequences) {
        EXPECT_EQ(sequence, 8u);  // the next sequence number after the start of day
    }
    EXPECT_EQ(log.end_of_session, 1u);
    const auto events = log.of_type<itchw::SystemEvent>();
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[5].event_code, itchw::EventCode::kEndOfMessages);
    // Order entry: OUCH End of Day, then SoupBinTCP End of Session, then the exchange closes.
    const auto ouch_events = alice.messages<ouchw::SystemEventMessage>();
    ASSERT_EQ(ouch_events.size(), 2u);
    EXPECT_EQ(ouch_events[1].event_code, ouchw::SystemEvent::kEndOfDay);
    EXPECT_EQ(alice.view().end_of_session, 1u);
    EXPECT_TRUE(alice.closed());
    EXPECT_FALSE(alice.reset());
    EXPECT_TRUE(world.host->finished());
    world.run_for(10 * kMsNs);
    EXPECT_TRUE(world.host->drained());
}

TEST(NetMarketData, RetransmissionAnswersTheRequestedRangeByUnicastFromTheServerPort) {
    SimWorld world(scenario(kFlow));
    FeedReceiver feed(world);
    world.start();
    world.run_for(20 * kMsNs);
    const FeedLog live = FeedLog::decode(feed.feed_a);
    ASSERT_GT(live.messages.size(), 200u);
    feed.request("TB20240102", 100, 50);
    world.settle();
    ASSERT_FALSE(feed.unicast.empty());
    for (const net::Endpoint& source : feed.unicast_sources) {
        EXPECT_EQ(source.ip, 0x0A000001u);
        EXPECT_EQ(source.port, 26478u);
    }
    const FeedLog resent = FeedLog::decode(feed.unicast);
    ASSERT_EQ(resent.messages.size(), 50u);
    for (std::size_t i = 0; i < 50; ++i) {
        EXPECT_EQ(resent.messages[i].sequence, 100 + i);
        EXPECT_EQ(resent.messages[i].bytes, live.messages[99 + i].bytes);
    }
    // A request for another session is not answered.
    feed.request("OTHER", 100, 50);
    world.settle();
    EXPECT_EQ(FeedLog::decode(feed.unicast).messages.size(), 50u);
    EXPECT_EQ(world.exchange().feed().counters().retransmit_wrong_session, 1u);
}

// Feed B's line loses packets (the scenario's links); from 50 ms feed A's line is down by a
// timeline link event, until 100 ms. A client that merges both lines misses nothing it cannot
// get back from the retransmission server.
TEST(NetMarketData, LinkImpairmentsHitOneLineAndTheOtherFillsTheGaps) {
    SimWorld world(scenario(kFlow + R"(links:
  feed_b: "loss=20%"
timeline:
  - {at: 50ms, link: {port: feed_a, spec: "loss=100%"}}
  - {at: 100ms, link: {port: feed_a, spec: ""}}
)"));
    FeedReceiver feed(world);
    world.start();
    world.run_for(150 * kMsNs);
    const FeedLog a = FeedLog::decode(feed.feed_a);
    const FeedLog b = FeedLog::decode(feed.feed_b);
    const auto& counters = world.host->transport().counters();
    ASSERT_EQ(counters.feed_a_sent, counters.feed_b_sent);
    ASSERT_GT(counters.feed_a_sent, 100u);
    // B lost about a fifth of its packets; A lost the third of the run it was down.
    EXPECT_LT(feed.feed_b.size(), counters.feed_b_sent * 9 / 10);
    EXPECT_LT(feed.feed_a.size(), counters.feed_a_sent * 8 / 10);
    EXPECT_GT(feed.feed_a.size(), counters.feed_a_sent * 5 / 10);
    EXPECT_EQ(world.exchange().counters().timeline_events, 2u);
    EXPECT_EQ(counters.link_settings, 2u);
    // Merge A and B by sequence number; fetch what both lost.
    std::map<std::uint64_t, std::vector<std::uint8_t>> merged;
    for (const FeedLog* log : {&a, &b}) {
        for (const FeedLog::Message& m : log->messages) {
            merged.emplace(m.sequence, m.bytes);
        }
    }
    const std::uint64_t last = world.exchange().feed().counters().messages;
    for (std::uint64_t s = 1; s <= last; ++s) {
        if (merged.count(s) == 0) {
            std::uint16_t count = 1;
            while (s + count <= last && merged.count(s + count) == 0 && count < 100) {
                ++count;
            }
            feed.request("TB20240102", s, count);
            world.settle();
            s += count - 1;
        }
    }
    for (const FeedLog::Message& m : FeedLog::decode(feed.unicast).messages) {
        merged.emplace(m.sequence, m.bytes);
    }
    ASSERT_EQ(merged.size(), last);
    EXPECT_EQ(merged.begin()->first, 1u);
    EXPECT_EQ(merged.rbegin()->first, last);
}

// Two client machines on their own ports: both get both feeds, trade with each other, and a
// link setting for one port leaves the other alone.
TEST(NetMarketData, TwoClientPortsEachGetBothFeedsAndTheirOwnLinks) {
    SimWorld world(scenario(R"(background:
  participants: 2
  symbols:
    - {stock: ACME, rate: 20000}
links:
  client1:out: "loss=30%"
  client0: "latency=5us"
)"),
                   2);
    FeedReceiver feed0(world, 0);
    FeedReceiver feed1(world, 1);
    world.start();
    NetClient alice(world, 0);
    NetClient bob(world, 1);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    alice.send_ouch(enter_order("A1", ouchw::Side::kSell, 100, "BETA", 500'000));
    bob.send_ouch(enter_order("B1", ouchw::Side::kBuy, 100, "BETA", 500'000));
    world.run_for(100 * kMsNs);
    ASSERT_EQ(alice.messages<ouchw::Executed>().size(), 1u);
    ASSERT_EQ(bob.messages<ouchw::Executed>().size(), 1u);
    const auto sent = world.host->transport().counters().feed_a_sent;
    EXPECT_EQ(feed0.feed_a.size(), sent);  // latency, no loss
    EXPECT_EQ(feed0.feed_b.size(), sent);
    EXPECT_LT(feed1.feed_a.size(), sent * 85 / 100);  // 30% loss
    EXPECT_GT(feed1.feed_a.size(), sent * 55 / 100);
    EXPECT_EQ(world.host->network().port_counters(kFirstClientPortIndex).tx_frames,
              world.stack(0).counters().rx_frames);
    // Each client's address is its own: the exchange answered both.
    EXPECT_EQ(world.host->transport().counters().tcp_accepted, 2u);
}

// The trigger order's packet reaches the client, which answers 5 us later: the tap measures
// exactly that, at the client's port. The client's own orders measure the exchange's round
// trip on a wire of 1 us each way.
TEST(NetMarketData, TapMeasuresTickToTradeAndTheOrderRoundTripAtTheWire) {
    SimWorld world(scenario(R"(links:
  client: "latency=1us"
initial_book:
  - {stock: ACME, side: sell, shares: 500, price: 10.05}
timeline:
  - {at: 100ms, order: {stock: ACME, side: buy, shares: 100, price: 10.05, token: TRIG1}, trigger: true}
  - {at: 200ms, order: {stock: ACME, side: buy, shares: 100, price: 10.05, token: TRIG2}, trigger: true}
)"));
    FeedReceiver feed(world);
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    for (int trigger = 0; trigger < 2; ++trigger) {
        const std::size_t before =
            FeedLog::decode(feed.feed_a).of_type<itchw::OrderExecuted>().size();
        ASSERT_TRUE(world.run_until(
            [&] {
                return FeedLog::decode(feed.feed_a).of_type<itchw::OrderExecuted>().size() > before;
            },
            kSecondNs));
        world.run_for(5 * kUs);
        alice.send_ouch(enter_order(numbered("R", trigger).c_str(), ouchw::Side::kBuy, 100, "ACME",
                                    kTen - kCent),
                        false);
        world.settle();
    }
    const WireTap& tap = world.host->tap(0);
    ASSERT_EQ(tap.records().size(), 2u);
    for (const WireTapRecord& r : tap.records()) {
        ASSERT_GE(r.t_md_ns, 0);
        EXPECT_EQ(r.t_ord_ns - r.t_md_ns, 5 * kUs);
    }
    EXPECT_EQ(tap.tick_to_trade().total_count(), 2);
    EXPECT_EQ(tap.counters().triggers_repeated, 2u);  // feed B's copies
    // Every Enter Order frame left the client and its Accepted came back 2 us later: the
    // exchange takes no virtual time.
    EXPECT_EQ(tap.order_round_trip().total_count(), 2);
    EXPECT_EQ(tap.order_round_trip().min(), 2 * kUs);
    EXPECT_EQ(tap.order_round_trip().max(), 2 * kUs);
}

// Lockstep on a virtual clock: after the trigger step the exchange's clock waits for the
// client's reaction, however long it takes, so the run's output does not depend on it.
std::pair<std::uint64_t, LockstepCounters> lockstep_run(std::int64_t reaction_ns,
                                                        bool lockstep = true) {
    HostConfig config;
    config.lockstep.enabled = lockstep;
    config.lockstep.quiet_period_ns = 50 * kMsNs;
    SimWorld world(scenario(kFlow + R"(timeline:
  - {at: 100ms, order: {stock: BETA, side: sell, shares: 100, price: 49.00, token: TRIG1}, trigger: true}
  - {at: 300ms, end_session: true}
)"),
                   1, config);
    FeedReceiver feed(world);
    world.start();
    NetClient alice(world);
    EXPECT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    EXPECT_TRUE(world.run_until(
        [&] { return world.host->tap(0).counters().triggers_delivered > 0; }, kSecondNs));
    world.run_for(reaction_ns);
    alice.send_ouch(enter_order("REACT", ouchw::Side::kBuy, 100, "BETA", 49 * 10'000), false);
    world.run_until([&] { return world.host->finished(); }, 2 * kSecondNs);
    EXPECT_TRUE(world.host->finished());
    return {world.exchange().digest().value(), world.host->exchange_clock().counters()};
}

TEST(NetMarketData, LockstepHoldsTheExchangeUntilTheReactionSoTheDigestIsTheSame) {
    const auto [fast, fast_counters] = lockstep_run(3 * kUs);
    const auto [slow, slow_counters] = lockstep_run(20 * kMsNs);
    EXPECT_EQ(fast, slow);
    EXPECT_EQ(fast_counters.reactions, 1u);
    EXPECT_EQ(slow_counters.reactions, 1u);
    EXPECT_GE(slow_counters.held_ns, 20u * kMsNs);
    // Without lockstep the background flow goes on while the client thinks: the reaction meets
    // another market, and the output differs.
    EXPECT_NE(lockstep_run(3 * kUs, false).first, lockstep_run(20 * kMsNs, false).first);
}

TEST(NetMarketData, SameSeedSameDigestAndSameFramesTwice) {
    const auto run = [](std::uint64_t seed) {
        Scenario s = scenario(kFlow + "timeline:\n  - {at: 100ms, end_session: true}\n");
        s.seed = seed;
        SimWorld world(s);
        FeedReceiver feed(world);
        world.start();
        NetClient alice(world);
        EXPECT_TRUE(alice.connect());
        alice.login("ALICE", "secret1");
        alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", kTen - kCent));
        world.run_until([&] { return world.host->finished(); }, kSecondNs);
        std::vector<std::vector<std::uint8_t>> packets;
        for (const SentPacket& p : feed.feed_a) {
            packets.push_back(p.bytes);
        }
        return std::make_pair(world.exchange().digest().value(), packets);
    };
    const auto a = run(11);
    const auto b = run(11);
    const auto c = run(12);
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.second, b.second);
    EXPECT_NE(a.first, c.first);
}

}  // namespace
}  // namespace tb::exchange::testing
