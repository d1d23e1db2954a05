// Market data through the exchange core: the start and end of day as Nasdaq sends them, feed A
// equal to feed B with continuous sequence numbers, MTU-bounded packing, heartbeats, end of
// session, the retransmission server (ranges, bounds, rate limit, bad requests) and trigger
// marking.

#include <gtest/gtest.h>

#include "tests/integration/exchange_sim/harness.hpp"

namespace tb::exchange::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

Scenario scenario(const std::string& extra = "") {
    return parse_scenario(base_scenario_yaml() + extra, "test.yaml");
}

const std::string kFlow = R"(background:
  participants: 3
  symbols:
    - {stock: ACME, rate: 20000}
    - {stock: BETA, rate: 5000}
)";

std::vector<std::uint8_t> request(const std::string& session, std::uint64_t sequence,
                                  std::uint16_t count) {
    mold::RetransmissionRequest r;
    r.session = mold::Session::left(session);
    r.sequence_number = sequence;
    r.requested_count = count;
    std::vector<std::uint8_t> bytes(mold::kHeaderSize);
    EXPECT_EQ(mold::write_request(r, bytes), mold::kHeaderSize);
    return bytes;
}

TEST(MarketData, DayStartsWithSystemEventsDirectoryAndTradingActions) {
    Harness h(scenario());
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    std::string types;
    for (const auto& m : log.messages) {
        types += m.type();
    }
    EXPECT_EQ(types, "SRRSHHS");
    const auto events = log.of_type<itchw::SystemEvent>();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].event_code, itchw::EventCode::kStartOfMessages);
    EXPECT_EQ(events[1].event_code, itchw::EventCode::kStartOfSystemHours);
    EXPECT_EQ(events[2].event_code, itchw::EventCode::kStartOfMarketHours);
    EXPECT_EQ(events[0].timestamp_ns, 34'200ULL * kSecond);
    const auto directory = log.of_type<itchw::StockDirectory>();
    ASSERT_EQ(directory.size(), 2u);
    EXPECT_EQ(directory[0].stock.trimmed(), "ACME");
    EXPECT_EQ(directory[0].stock_locate, 1u);
    EXPECT_EQ(directory[1].stock.trimmed(), "BETA");
    EXPECT_EQ(directory[1].stock_locate, 2u);
    EXPECT_EQ(directory[0].round_lot_size, 100u);
    const auto actions = log.of_type<itchw::StockTradingAction>();
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_EQ(actions[0].trading_state, itchw::TradingState::kTrading);
    for (std::size_t i = 0; i < log.messages.size(); ++i) {
        EXPECT_EQ(log.messages[i].sequence, i + 1);
    }
}

TEST(MarketData, HaltedAtStartSymbolIsAnnouncedHalted) {
    std::string yaml = base_scenario_yaml();
    yaml.replace(yaml.find("    band: 5.00\n"), 14, "    band: 5.00\n    halted: true\n");
    Harness h(parse_scenario(yaml, "test.yaml"));
    const auto actions = FeedLog::decode(h.transport.feed_a).of_type<itchw::StockTradingAction>();
    ASSERT_EQ(actions.size(), 2u);
    EXPECT_EQ(actions[1].trading_state, itchw::TradingState::kHalted);
}

TEST(MarketData, FeedsAAndBCarryIdenticalPacketsWithContinuousSequences) {
    Harness h(scenario(kFlow));
    h.run_for(200 * kMs);
    ASSERT_EQ(h.transport.feed_a.size(), h.transport.feed_b.size());
    for (std::size_t i = 0; i < h.transport.feed_a.size(); ++i) {
        ASSERT_EQ(h.transport.feed_a[i].bytes, h.transport.feed_b[i].bytes) << "packet " << i;
    }
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    EXPECT_EQ(log.invalid, 0u);
    ASSERT_GT(log.messages.size(), 3000u);
    for (std::size_t i = 0; i < log.messages.size(); ++i) {
        ASSERT_EQ(log.messages[i].sequence, i + 1);
    }
    // Every message the flow caused decodes as ITCH, and its timestamp never goes back.
    std::uint64_t last_ts = 0;
    for (const auto& m : log.messages) {
        std::uint64_t ts = 0;
        ASSERT_EQ(itchw::decode(m.bytes, [&](const auto& decoded) { ts = decoded.timestamp_ns; }),
                  proto::Status::kOk);
        EXPECT_GE(ts, last_ts);
        last_ts = ts;
    }
    EXPECT_EQ(h.exchange->counters().feed_a_packets, h.exchange->counters().feed_b_packets);
}

TEST(MarketData, PacketsFillUpToTheMtuAndNeverPassIt) {
    // Sixteen orders at one instant: their Add Orders (36 bytes + 2 of length each) are packed
    // six to a packet under an MTU of 300 (272 bytes of UDP payload, 20 of MoldUDP64 header).
    std::string timeline = "timeline:\n";
    for (int i = 0; i < 16; ++i) {
        timeline += "  - {at: 1ms, order: {stock: ACME, side: buy, shares: 100, price: 9." +
                    std::to_string(50 + i) + "}}\n";
    }
    Harness h(scenario(timeline + "market_data: {mtu: 300}\n"));
    const std::size_t before = h.transport.feed_a.size();
    h.run_for(2 * kMs);
    std::vector<SentPacket> burst(h.transport.feed_a.begin() + static_cast<long>(before),
                                  h.transport.feed_a.end());
    const FeedLog log = FeedLog::decode(burst);
    EXPECT_EQ(log.messages.size(), 16u);
    EXPECT_EQ(log.data_packets, 3u);
    EXPECT_EQ(log.largest_packet, 20u + 6 * 38);
    EXPECT_LE(log.largest_packet, mold::payload_limit_for_mtu(300));
    EXPECT_EQ(log.invalid, 0u);
}

TEST(MarketData, EveryPassSendsItsMessagesWithoutWaitingForAFullPacket) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    const std::size_t before = h.transport.feed_a.size();
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    ASSERT_EQ(h.transport.feed_a.size(), before + 1);
    EXPECT_EQ(h.transport.feed_a.back().info.message_count, 1u);
}

TEST(MarketData, HeartbeatsWhenIdleCarryTheNextSequenceNumber) {
    Harness h(scenario());
    const std::uint64_t next = h.exchange->feed().next_sequence();
    h.run_for(3 * kSecond + 500 * kMs);
    const FeedLog log = FeedLog::decode(h.transport.feed_b);
    EXPECT_EQ(log.heartbeats, 3u);
    for (const std::uint64_t s : log.heartbeat_sequences) {
        EXPECT_EQ(s, next);
    }
}

TEST(MarketData, HeartbeatIntervalIsConfigurable) {
    Harness h(scenario("market_data: {heartbeat_interval: 250ms}\n"));
    h.run_for(kSecond + 100 * kMs);
    EXPECT_EQ(FeedLog::decode(h.transport.feed_a).heartbeats, 4u);
}

TEST(MarketData, EndOfDaySendsSystemEventsThenEndOfSession) {
    Harness h(scenario("timeline:\n  - {at: 10ms, end_session: true}\n"));
    h.run_for(20 * kMs);
    const FeedLog log = FeedLog::decode(h.transport.feed_a);
    ASSERT_GE(log.messages.size(), 3u);
    const auto events = log.of_type<itchw::SystemEvent>();
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[3].event_code, itchw::EventCode::kEndOfMarketHours);
    EXPECT_EQ(events[4].event_code, itchw::EventCode::kEndOfSystemHours);
    EXPECT_EQ(events[5].event_code, itchw::EventCode::kEndOfMessages);
    EXPECT_EQ(log.end_of_session, 1u);
    mold::Header header;
    ASSERT_EQ(mold::parse_header(h.transport.feed_a.back().bytes, header), proto::Status::kOk);
    EXPECT_EQ(header.kind(), mold::PacketKind::kEndOfSession);
    EXPECT_EQ(header.sequence_number, log.messages.back().sequence + 1);
    // Nothing after the end: no heartbeats, no messages.
    const std::size_t packets = h.transport.feed_a.size();
    h.run_for(5 * kSecond);
    EXPECT_EQ(h.transport.feed_a.size(), packets);
}

TEST(MarketData, DurationEndsTheSession) {
    std::string yaml = base_scenario_yaml();
    yaml.replace(yaml.find("  start: \"09:30:00\"\n"), 20,
                 "  start: \"09:30:00\"\n  duration: 2s\n");
    Harness timed(parse_scenario(yaml, "test.yaml"));
    timed.run_for(1900 * kMs);
    EXPECT_EQ(FeedLog::decode(timed.transport.feed_a).end_of_session, 0u);
    timed.run_for(200 * kMs);
    EXPECT_EQ(FeedLog::decode(timed.transport.feed_a).end_of_session, 1u);
}

TEST(MarketData, RetransmissionAnswersTheRequestedRangeByUnicast) {
    Harness h(scenario(kFlow));
    h.run_for(20 * kMs);
    const FeedLog live = FeedLog::decode(h.transport.feed_a);
    ASSERT_GT(live.messages.size(), 200u);
    const UdpEndpoint client{0x0A000002, 40000};
    h.exchange->udp_received(client, request("TB20240102", 100, 50), h.now());
    ASSERT_FALSE(h.transport.unicast.empty());
    std::vector<SentPacket> answers;
    for (const auto& [to, bytes] : h.transport.unicast) {
        EXPECT_EQ(to, client);
        answers.push_back({bytes, {}});
    }
    const FeedLog resent = FeedLog::decode(answers);
    ASSERT_EQ(resent.messages.size(), 50u);
    for (std::size_t i = 0; i < 50; ++i) {
        EXPECT_EQ(resent.messages[i].sequence, 100 + i);
        EXPECT_EQ(resent.messages[i].bytes, live.messages[99 + i].bytes);
    }
    EXPECT_EQ(h.exchange->feed().counters().retransmit_messages, 50u);
}

TEST(MarketData, RetransmissionIsCutToThePerRequestMaximumAndTheLastSentMessage) {
    Harness h(scenario("market_data: {retransmit_max_messages: 4}\n"));
    const UdpEndpoint client{0x0A000002, 40000};
    h.exchange->udp_received(client, request("TB20240102", 2, 100), h.now());
    std::vector<SentPacket> answers;
    for (const auto& [to, bytes] : h.transport.unicast) {
        answers.push_back({bytes, {}});
    }
    EXPECT_EQ(FeedLog::decode(answers).messages.size(), 4u);
    EXPECT_EQ(h.exchange->feed().counters().retransmit_truncated, 1u);

    h.transport.unicast.clear();
    h.exchange->udp_received(client, request("TB20240102", 6, 3), h.now());  // 7 messages sent
    answers.clear();
    for (const auto& [to, bytes] : h.transport.unicast) {
        answers.push_back({bytes, {}});
    }
    const FeedLog tail = FeedLog::decode(answers);
    ASSERT_EQ(tail.messages.size(), 2u);
    EXPECT_EQ(tail.messages.back().sequence, 7u);
}

TEST(MarketData, BadRetransmissionRequestsAreDroppedAndCounted) {
    Harness h(scenario());
    const UdpEndpoint client{0x0A000002, 40000};
    h.exchange->udp_received(client, request("OTHER", 1, 2), h.now());
    h.exchange->udp_received(client, request("TB20240102", 100, 2), h.now());
    auto bytes = request("TB20240102", 1, 2);
    bytes.push_back(0);
    h.exchange->udp_received(client, bytes, h.now());
    h.exchange->udp_received(client, std::vector<std::uint8_t>(5, 0), h.now());
    h.exchange->udp_received(client, request("TB20240102", 0, 2), h.now());
    EXPECT_TRUE(h.transport.unicast.empty());
    const FeedCounters& c = h.exchange->feed().counters();
    EXPECT_EQ(c.retransmit_wrong_session, 1u);
    EXPECT_EQ(c.retransmit_unavailable, 2u);
    EXPECT_EQ(c.retransmit_malformed, 2u);
}

TEST(MarketData, RetransmissionsAreRateLimited) {
    Harness h(scenario("market_data: {retransmit_rate: 10}\n"));
    const UdpEndpoint client{0x0A000002, 40000};
    for (int i = 0; i < 5; ++i) {
        h.exchange->udp_received(client, request("TB20240102", 1, 3), h.now());
    }
    EXPECT_EQ(h.exchange->feed().counters().retransmit_messages, 9u);  // 10 per second, burst 10
    EXPECT_EQ(h.exchange->feed().counters().retransmit_rate_limited, 2u);
    h.run_for(kSecond);
    h.exchange->udp_received(client, request("TB20240102", 1, 3), h.now());
    EXPECT_EQ(h.exchange->feed().counters().retransmit_messages, 12u);
}

TEST(MarketData, OverwrittenMessagesAreNoLongerRetransmitted) {
    Harness h(scenario(kFlow + "market_data: {store_messages: 64}\n"));
    h.run_for(20 * kMs);
    const std::uint64_t next = h.exchange->feed().next_sequence();
    ASSERT_GT(next, 200u);
    const UdpEndpoint client{0x0A000002, 40000};
    h.exchange->udp_received(client, request("TB20240102", 1, 1), h.now());
    EXPECT_TRUE(h.transport.unicast.empty());
    h.exchange->udp_received(client, request("TB20240102", next - 64, 64), h.now());
    std::vector<SentPacket> answers;
    for (const auto& [to, bytes] : h.transport.unicast) {
        answers.push_back({bytes, {}});
    }
    EXPECT_EQ(FeedLog::decode(answers).messages.size(), 64u);
}

TEST(MarketData, TriggerOrderMarksThePacketCarryingItsMessage) {
    Harness h(scenario(R"(timeline:
  - {at: 5ms, order: {stock: ACME, side: buy, shares: 100, price: 9.95}, trigger: true}
  - {at: 6ms, order: {stock: ACME, side: buy, shares: 100, price: 9.94}}
)"));
    h.run_for(10 * kMs);
    std::size_t marked = 0;
    for (const SentPacket& p : h.transport.feed_a) {
        if (p.info.trigger) {
            ++marked;
            const FeedLog log = FeedLog::decode({p});
            ASSERT_EQ(log.messages.size(), 1u);
            EXPECT_EQ(log.messages[0].type(), 'A');
            EXPECT_EQ(log.messages[0].sequence, h.exchange->trigger_sequences().at(0));
        }
    }
    EXPECT_EQ(marked, 1u);
    EXPECT_EQ(h.exchange->counters().triggers, 1u);
}

TEST(MarketData, LinkImpairmentsReachTheTransportVerbatim) {
    Harness h(scenario(R"(timeline:
  - {at: 1ms, link: {port: client, spec: "latency=2us,jitter=normal:100ns,loss=0.1%"}}
)"));
    h.run_for(2 * kMs);
    ASSERT_EQ(h.transport.links.size(), 1u);
    EXPECT_EQ(h.transport.links[0].port, "client");
    EXPECT_EQ(h.transport.links[0].spec, "latency=2us,jitter=normal:100ns,loss=0.1%");
}

}  // namespace
}  // namespace tb::exchange::testing
