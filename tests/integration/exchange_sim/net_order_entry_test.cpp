// Order entry through the real path, in sim mode: scripted clients on their own net::Stack,
// the emulated network (nic_emu) and the exchange's stack, on net_ring wires in one process.
// Logins good and bad, login again with replay, heartbeats and the client timeout, cancel on
// disconnect, the rate limit, and malformed SoupBinTCP and OUCH answered per the specification
// without harming the other session.

#include <gtest/gtest.h>

#include "tests/integration/exchange_sim/net_harness.hpp"

namespace tb::exchange::testing {
namespace {

Scenario scenario(const std::string& extra = "") {
    return parse_scenario(base_scenario_yaml() + extra, "test.yaml");
}

TEST(NetOrderEntry, GoodLoginOverTcpIsAcceptedAndStartsWithStartOfDay) {
    SimWorld world(scenario());
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    const ClientView& v = alice.view();
    ASSERT_EQ(v.accepted.size(), 1u);
    EXPECT_EQ(v.accepted[0].session.trimmed(), "TB20240102");
    EXPECT_EQ(v.accepted[0].sequence_number, 1u);
    const auto events = alice.messages<ouchw::SystemEventMessage>();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event_code, ouchw::SystemEvent::kStartOfDay);
    EXPECT_FALSE(alice.closed());
    EXPECT_EQ(world.host->transport().counters().tcp_accepted, 1u);
    // The client found the exchange by ARP through the emulated switch.
    EXPECT_GE(world.host->exchange_stack().counters().arp_replies_sent, 1u);
}

TEST(NetOrderEntry, BadLoginIsRejectedAndTheConnectionClosedWithFin) {
    SimWorld world(scenario());
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "wrong");
    ASSERT_EQ(alice.view().rejected.size(), 1u);
    EXPECT_EQ(alice.view().rejected[0], soup::RejectReason::kNotAuthorized);
    EXPECT_TRUE(alice.view().sequenced.empty());
    EXPECT_TRUE(alice.closed());
    EXPECT_FALSE(alice.reset());

    NetClient mallet(world);
    ASSERT_TRUE(mallet.connect());
    mallet.login("MALLET", "secret1");
    ASSERT_EQ(mallet.view().rejected.size(), 1u);
    EXPECT_EQ(mallet.view().rejected[0], soup::RejectReason::kNotAuthorized);

    NetClient wrong_session(world);
    ASSERT_TRUE(wrong_session.connect());
    wrong_session.login("ALICE", "secret1", 0, "OTHER");
    ASSERT_EQ(wrong_session.view().rejected.size(), 1u);
    EXPECT_EQ(wrong_session.view().rejected[0], soup::RejectReason::kSessionNotAvailable);
}

TEST(NetOrderEntry, LoginAgainReplaysWhatWasMissed) {
    SimWorld world(scenario());
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    alice.send_ouch(enter_order("A2", ouchw::Side::kBuy, 200, "ACME", 98'000));
    ASSERT_EQ(alice.view().sequenced.size(), 3u);  // Start of Day, Accepted, Accepted
    const std::vector<std::vector<std::uint8_t>> first_three = alice.view().sequenced;
    alice.send_empty(soup::PacketType::kLogoutRequest);
    EXPECT_TRUE(alice.closed());

    // While ALICE is away, BOB trades against her order: the Executed waits in her stream.
    NetClient bob(world);
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    bob.send_ouch(enter_order("B1", ouchw::Side::kSell, 100, "ACME", 99'000));
    ASSERT_EQ(bob.messages<ouchw::Executed>().size(), 1u);

    NetClient back(world);
    ASSERT_TRUE(back.connect());
    back.login("ALICE", "secret1", 2);
    ASSERT_EQ(back.view().accepted.size(), 1u);
    EXPECT_EQ(back.view().accepted[0].sequence_number, 2u);
    ASSERT_EQ(back.view().sequenced.size(), 3u);  // 2 and 3 again, then the Executed (4)
    EXPECT_EQ(back.view().sequenced[0], first_three[1]);
    EXPECT_EQ(back.view().sequenced[1], first_three[2]);
    const auto executed = back.messages<ouchw::Executed>();
    ASSERT_EQ(executed.size(), 1u);
    EXPECT_EQ(executed[0].order_token.trimmed(), "A1");
    EXPECT_EQ(executed[0].executed_shares, 100u);
}

TEST(NetOrderEntry, ServerHeartbeatsAndTheClientTimeoutEndOnlyTheSilentSession) {
    SimWorld world(scenario("order_entry: {client_timeout: 3s}\n"));
    world.start();
    NetClient alice(world);
    NetClient bob(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    for (int i = 0; i < 5; ++i) {
        world.run_for(kSecondNs);
        bob.send_empty(soup::PacketType::kClientHeartbeat);
    }
    // ALICE said nothing for three seconds: logged out with a Debug packet, connection closed.
    EXPECT_TRUE(alice.closed());
    ASSERT_FALSE(alice.view().debug.empty());
    EXPECT_EQ(alice.view().debug.back(), "heartbeat timeout");
    EXPECT_GE(alice.view().heartbeats, 2u);
    // BOB kept talking: server heartbeats about once a second, still logged in.
    EXPECT_FALSE(bob.closed());
    EXPECT_GE(bob.view().heartbeats, 4u);
    EXPECT_LE(bob.view().heartbeats, 6u);
    EXPECT_EQ(world.exchange().gateway().session_counters(0).client_timeouts, 1u);
    EXPECT_EQ(world.exchange().gateway().session_counters(1).heartbeats_in, 5u);
}

TEST(NetOrderEntry, ResetConnectionCancelsTheAccountsOrdersOnTheFeed) {
    SimWorld world(scenario("order_entry: {cancel_on_disconnect: true}\n"));
    FeedReceiver feed(world);
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    alice.send_ouch(enter_order("A2", ouchw::Side::kSell, 100, "ACME", 101'000));
    ASSERT_EQ(alice.messages<ouchw::Accepted>().size(), 2u);
    alice.abort();
    world.settle();
    const FeedLog log = FeedLog::decode(feed.feed_a);
    const auto adds = log.of_type<itchw::AddOrder>();
    const auto deletes = log.of_type<itchw::OrderDelete>();
    ASSERT_EQ(adds.size(), 2u);
    ASSERT_EQ(deletes.size(), 2u);
    EXPECT_EQ(deletes[0].order_reference_number, adds[0].order_reference_number);
    EXPECT_EQ(deletes[1].order_reference_number, adds[1].order_reference_number);
    EXPECT_EQ(world.exchange().counters().cancel_on_disconnect, 2u);
    // The cancels wait in ALICE's stream for her next login.
    NetClient back(world);
    ASSERT_TRUE(back.connect());
    back.login("ALICE", "secret1", 4);
    EXPECT_EQ(back.messages<ouchw::Canceled>().size(), 2u);
}

TEST(NetOrderEntry, RateLimitRejectsTheExcessAndNeverLimitsCancels) {
    SimWorld world(scenario("order_entry: {rate_limit: 5, rate_burst: 5}\n"));
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    for (int i = 0; i < 8; ++i) {
        alice.send_ouch(enter_order(numbered("R", i).c_str(), ouchw::Side::kBuy, 100, "ACME",
                                    99'000 - 100 * static_cast<std::uint32_t>(i)),
                        false);
    }
    world.settle();
    EXPECT_EQ(alice.messages<ouchw::Accepted>().size(), 5u);
    const auto rejected = alice.messages<ouchw::Rejected>();
    ASSERT_EQ(rejected.size(), 3u);
    for (const ouchw::Rejected& r : rejected) {
        EXPECT_EQ(r.reason, ouchw::RejectReason::kOther);
    }
    for (int i = 0; i < 5; ++i) {
        ouchw::CancelOrder cancel;
        cancel.order_token = proto::Alpha<14>::left(numbered("R", i));
        cancel.shares = 0;
        alice.send_ouch(cancel, false);
    }
    world.settle();
    EXPECT_EQ(alice.messages<ouchw::Canceled>().size(), 5u);
    EXPECT_EQ(world.exchange().gateway().session_counters(0).rate_limited, 3u);
    // A second later the bucket is full again.
    world.run_for(kSecondNs);
    alice.send_ouch(enter_order("LATER", ouchw::Side::kBuy, 100, "ACME", 99'000));
    EXPECT_EQ(alice.messages<ouchw::Accepted>().size(), 6u);
}

// A malformed SoupBinTCP packet ends only the session that sent it (Debug packet, then FIN);
// BOB's session goes on trading.
TEST(NetOrderEntry, MalformedSoupBinTcpEndsOnlyThatSession) {
    SimWorld world(scenario());
    world.start();
    NetClient bob(world);
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    bob.send_ouch(enter_order("B1", ouchw::Side::kSell, 100, "ACME", 101'000));
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    const std::uint8_t unknown_type[] = {0x00, 0x01, 'X'};
    alice.send(unknown_type);
    EXPECT_TRUE(alice.closed());
    ASSERT_FALSE(alice.view().debug.empty());
    EXPECT_EQ(world.exchange().gateway().counters().protocol_errors, 1u);

    bob.send_ouch(enter_order("B2", ouchw::Side::kSell, 100, "ACME", 101'100));
    EXPECT_FALSE(bob.closed());
    EXPECT_EQ(bob.messages<ouchw::Accepted>().size(), 2u);

    NetClient zero(world);
    ASSERT_TRUE(zero.connect());
    zero.login("ALICE", "secret1");
    const std::uint8_t zero_length[] = {0x00, 0x00};
    zero.send(zero_length);
    EXPECT_TRUE(zero.closed());
    EXPECT_EQ(world.exchange().gateway().counters().protocol_errors, 2u);
    bob.send_ouch(enter_order("B3", ouchw::Side::kSell, 100, "ACME", 101'200));
    EXPECT_EQ(bob.messages<ouchw::Accepted>().size(), 3u);
}

TEST(NetOrderEntry, MalformedOuchIsRejectedWithItsTokenAndTheSessionStays) {
    SimWorld world(scenario());
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    // An Enter Order cut short by 4 bytes, inside a well-formed Unsequenced Data packet.
    std::uint8_t bytes[128];
    const std::size_t n =
        soup::write_message(soup::PacketType::kUnsequencedData,
                            enter_order("SHORT", ouchw::Side::kBuy, 100, "ACME", 99'000), bytes);
    const std::uint16_t length = static_cast<std::uint16_t>(n - 2 - 4);
    bytes[0] = static_cast<std::uint8_t>(length >> 8);
    bytes[1] = static_cast<std::uint8_t>(length);
    alice.send(std::span<const std::uint8_t>(bytes, n - 4));
    const auto rejected = alice.messages<ouchw::Rejected>();
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].order_token.trimmed(), "SHORT");
    EXPECT_EQ(rejected[0].reason, ouchw::RejectReason::kOther);
    EXPECT_FALSE(alice.closed());
    alice.send_ouch(enter_order("GOOD", ouchw::Side::kBuy, 100, "ACME", 99'000));
    EXPECT_EQ(alice.messages<ouchw::Accepted>().size(), 1u);
}

TEST(NetOrderEntry, ConnectionsTheGatewayCannotTakeAreReset) {
    SimWorld world(scenario("order_entry: {max_sessions: 1}\n"));
    world.start();
    // One session plus four connections waiting for a login fill the gateway's table.
    std::vector<std::unique_ptr<NetClient>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<NetClient>(world));
        ASSERT_TRUE(clients.back()->connect());
    }
    NetClient extra(world);
    EXPECT_FALSE(extra.connect());
    EXPECT_TRUE(extra.reset());
    EXPECT_EQ(world.host->transport().counters().tcp_refused, 1u);
}

TEST(NetOrderEntry, ForcedDisconnectResetsTheConnection) {
    SimWorld world(
        scenario("order_entry: {cancel_on_disconnect: true}\n"
                 "timeline:\n  - {at: 50ms, disconnect: ALICE}\n"));
    world.start();
    NetClient alice(world);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    world.run_for(100 * kMsNs);
    EXPECT_TRUE(alice.closed());
    EXPECT_TRUE(alice.reset());
    EXPECT_TRUE(alice.view().debug.empty());
    EXPECT_EQ(alice.view().end_of_session, 0u);
    EXPECT_EQ(world.exchange().counters().cancel_on_disconnect, 1u);
}

}  // namespace
}  // namespace tb::exchange::testing
