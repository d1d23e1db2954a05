// Order entry through the exchange core: SoupBinTCP 3.0 sessions (login, replay, heartbeats,
// logout, end of session, protocol errors) and OUCH 4.2 gateway options (rate limit, cancel on
// disconnect, maximum sessions, malformed messages), driven by a scripted client in one process.

#include <gtest/gtest.h>

#include "core/random.hpp"
#include "exchange_sim/engine/invariants.hpp"
#include "tests/integration/exchange_sim/harness.hpp"

namespace tb::exchange::testing {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

Scenario scenario(const std::string& extra = "") {
    return parse_scenario(base_scenario_yaml() + extra, "test.yaml");
}

TEST(OrderEntry, GoodLoginIsAcceptedWithTheSessionAndStartsWithStartOfDay) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    const ClientView& v = alice.view();
    ASSERT_EQ(v.accepted.size(), 1u);
    EXPECT_EQ(v.accepted[0].session.trimmed(), "TB20240102");
    EXPECT_EQ(v.accepted[0].session.raw(), "TB20240102");
    EXPECT_EQ(v.accepted[0].sequence_number, 1u);
    const auto events = alice.messages<ouchw::SystemEventMessage>();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event_code, ouchw::SystemEvent::kStartOfDay);
    // OUCH timestamps are nanoseconds since midnight: 09:30:00 at the start.
    EXPECT_EQ(events[0].timestamp_ns, 34'200ULL * kSecond);
    EXPECT_EQ(alice.view().sequenced.size(), 1u);
    EXPECT_FALSE(alice.closed());
}

TEST(OrderEntry, WrongPasswordIsRejectedNotAuthorizedAndClosed) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "wrong");
    const ClientView& v = alice.view();
    ASSERT_EQ(v.rejected.size(), 1u);
    EXPECT_EQ(v.rejected[0], soup::RejectReason::kNotAuthorized);
    EXPECT_TRUE(v.accepted.empty());
    EXPECT_TRUE(v.sequenced.empty());
    EXPECT_TRUE(alice.closed());
}

TEST(OrderEntry, UnknownUserIsRejectedNotAuthorized) {
    Harness h(scenario());
    TestClient client(h);
    ASSERT_TRUE(client.connect());
    client.login("MALLET", "secret1");
    ASSERT_EQ(client.view().rejected.size(), 1u);
    EXPECT_EQ(client.view().rejected[0], soup::RejectReason::kNotAuthorized);
    EXPECT_EQ(h.exchange->gateway().counters().logins_unknown_user, 1u);
}

TEST(OrderEntry, UnknownRequestedSessionIsRejectedSessionNotAvailable) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1", 0, "OTHER");
    ASSERT_EQ(alice.view().rejected.size(), 1u);
    EXPECT_EQ(alice.view().rejected[0], soup::RejectReason::kSessionNotAvailable);
    EXPECT_TRUE(alice.closed());

    TestClient again(h);
    ASSERT_TRUE(again.connect());
    again.login("ALICE", "secret1", 0, "TB20240102");
    EXPECT_EQ(again.view().accepted.size(), 1u);
}

TEST(OrderEntry, SecondLoginOfALoggedInAccountIsRejected) {
    Harness h(scenario());
    TestClient first(h);
    TestClient second(h);
    ASSERT_TRUE(first.connect());
    first.login("ALICE", "secret1");
    ASSERT_TRUE(second.connect());
    second.login("ALICE", "secret1");
    ASSERT_EQ(second.view().rejected.size(), 1u);
    EXPECT_EQ(second.view().rejected[0], soup::RejectReason::kSessionNotAvailable);
    EXPECT_FALSE(first.closed());
}

TEST(OrderEntry, MaximumSessionsRefusesTheNextLogin) {
    Harness h(scenario("order_entry: {max_sessions: 1}\n"));
    TestClient alice(h);
    TestClient bob(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_EQ(alice.view().accepted.size(), 1u);
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    ASSERT_EQ(bob.view().rejected.size(), 1u);
    EXPECT_EQ(bob.view().rejected[0], soup::RejectReason::kSessionNotAvailable);
    // Once ALICE logs out, BOB may log in.
    alice.send_empty(soup::PacketType::kLogoutRequest);
    TestClient bob_again(h);
    ASSERT_TRUE(bob_again.connect());
    bob_again.login("BOB", "secret2");
    EXPECT_EQ(bob_again.view().accepted.size(), 1u);
}

TEST(OrderEntry, ConnectionsBeyondTheTableAreRefused) {
    Harness h(scenario("order_entry: {max_sessions: 1}\n"));
    // One session plus four connections waiting for a login (GatewayConfig::max_pending_logins).
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<TestClient>(h));
        ASSERT_TRUE(clients.back()->connect());
    }
    TestClient extra(h);
    EXPECT_FALSE(extra.connect());
    EXPECT_EQ(h.exchange->gateway().counters().connections_refused, 1u);
}

TEST(OrderEntry, LoginAgainReplaysFromTheRequestedSequenceNumber) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    alice.send_ouch(enter_order("A2", ouchw::Side::kBuy, 200, "ACME", 98'000));
    ASSERT_EQ(alice.view().sequenced.size(), 3u);  // Start of Day, Accepted, Accepted
    const std::vector<std::vector<std::uint8_t>> first_three = alice.view().sequenced;
    alice.send_empty(soup::PacketType::kLogoutRequest);
    EXPECT_TRUE(alice.closed());

    // While ALICE is away, BOB trades against her order: the Executed waits in her stream.
    TestClient bob(h);
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    bob.send_ouch(enter_order("B1", ouchw::Side::kSell, 100, "ACME", 99'000));

    TestClient back(h);
    ASSERT_TRUE(back.connect());
    back.login("ALICE", "secret1", 2);
    const ClientView& v = back.view();
    ASSERT_EQ(v.accepted.size(), 1u);
    EXPECT_EQ(v.accepted[0].sequence_number, 2u);
    ASSERT_EQ(v.sequenced.size(), 3u);  // 2, 3 again, then the Executed (4)
    EXPECT_EQ(v.sequenced[0], first_three[1]);
    EXPECT_EQ(v.sequenced[1], first_three[2]);
    const auto executed = back.messages<ouchw::Executed>();
    ASSERT_EQ(executed.size(), 1u);
    EXPECT_EQ(executed[0].order_token.trimmed(), "A1");
    EXPECT_EQ(executed[0].executed_shares, 100u);
    EXPECT_EQ(executed[0].liquidity_flag, ouchw::LiquidityFlag::kAdded);
    // Replayed: messages already in the stream when a login asked for them (the first login
    // asked for Start of Day, the second for three).
    EXPECT_EQ(h.exchange->gateway().session_counters(0).replayed, 4u);

    // Sequence number 0 asks for new messages only.
    back.send_empty(soup::PacketType::kLogoutRequest);
    TestClient latest(h);
    ASSERT_TRUE(latest.connect());
    latest.login("ALICE", "secret1", 0);
    ASSERT_EQ(latest.view().accepted.size(), 1u);
    EXPECT_EQ(latest.view().accepted[0].sequence_number, 5u);
    EXPECT_TRUE(latest.view().sequenced.empty());
}

TEST(OrderEntry, RequestedSequenceBeyondTheStreamStartsAtTheNextMessage) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1", 1000);
    ASSERT_EQ(alice.view().accepted.size(), 1u);
    EXPECT_EQ(alice.view().accepted[0].sequence_number, 2u);
    EXPECT_TRUE(alice.view().sequenced.empty());
}

TEST(OrderEntry, ServerSendsHeartbeatsAfterOneSecondOfSilence) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    h.run_for(900 * kMs);
    EXPECT_EQ(alice.view().heartbeats, 0u);
    for (int i = 0; i < 5; ++i) {
        h.run_for(kSecond);
        alice.send_empty(soup::PacketType::kClientHeartbeat);
    }
    EXPECT_GE(alice.view().heartbeats, 4u);
    EXPECT_LE(alice.view().heartbeats, 6u);
    EXPECT_FALSE(alice.closed());
    EXPECT_EQ(h.exchange->gateway().session_counters(0).heartbeats_in, 5u);
}

TEST(OrderEntry, ClientSilentPastTheTimeoutIsLoggedOut) {
    Harness h(scenario());
    TestClient alice(h);
    TestClient bob(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    for (int i = 0; i < 16; ++i) {
        h.run_for(kSecond);
        bob.send_empty(soup::PacketType::kClientHeartbeat);
    }
    EXPECT_TRUE(alice.closed());
    ASSERT_FALSE(alice.view().debug.empty());
    EXPECT_EQ(alice.view().debug.back(), "heartbeat timeout");
    EXPECT_FALSE(bob.closed());
    EXPECT_EQ(h.exchange->gateway().session_counters(0).client_timeouts, 1u);
}

TEST(OrderEntry, ClientTimeoutIsConfigurable) {
    Harness h(scenario("order_entry: {client_timeout: 3s}\n"));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    h.run_for(2 * kSecond);
    EXPECT_FALSE(alice.closed());
    h.run_for(2 * kSecond);
    EXPECT_TRUE(alice.closed());
}

TEST(OrderEntry, ConnectionWithoutLoginTimesOut) {
    Harness h(scenario());
    TestClient idle(h);
    ASSERT_TRUE(idle.connect());
    h.run_for(16 * kSecond);
    EXPECT_TRUE(idle.closed());
    EXPECT_EQ(h.exchange->gateway().counters().login_timeouts, 1u);
}

TEST(OrderEntry, LoginSplitAcrossManyReadsIsAssembled) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    soup::LoginRequest request;
    request.username = proto::Alpha<6>::left("ALICE");
    request.password = proto::Alpha<10>::left("secret1");
    request.requested_session = proto::Alpha<10>::left("");
    std::uint8_t bytes[64];
    const std::size_t n = soup::write_login_request(request, bytes);
    for (std::size_t i = 0; i < n; ++i) {
        alice.send(std::span<const std::uint8_t>(bytes + i, 1));
    }
    EXPECT_EQ(alice.view().accepted.size(), 1u);
}

// Each malformed SoupBinTCP input ends that session with a Debug packet naming the error, and
// leaves BOB's session working.
void expect_protocol_error(const std::vector<std::uint8_t>& bytes, bool before_login,
                           const std::string& debug) {
    Harness h(scenario());
    TestClient bob(h);
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    bob.send_ouch(enter_order("B1", ouchw::Side::kSell, 100, "ACME", 101'000));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    if (!before_login) {
        alice.login("ALICE", "secret1");
    }
    alice.send(bytes);
    EXPECT_TRUE(alice.closed());
    ASSERT_FALSE(alice.view().debug.empty());
    EXPECT_EQ(alice.view().debug.back(), debug);
    EXPECT_EQ(h.exchange->gateway().counters().protocol_errors, 1u);
    // BOB trades on.
    bob.send_ouch(enter_order("B2", ouchw::Side::kBuy, 100, "ACME", 99'000));
    EXPECT_EQ(bob.messages<ouchw::Accepted>().size(), 2u);
    EXPECT_FALSE(bob.closed());
}

TEST(OrderEntry, ZeroPacketLengthEndsOnlyThatSession) {
    expect_protocol_error({0x00, 0x00, 'R'}, false, "bad packet length");
}

TEST(OrderEntry, OversizedPacketLengthEndsOnlyThatSession) {
    expect_protocol_error({0xFF, 0xFF, 'U'}, false, "bad packet length");
}

TEST(OrderEntry, UnknownPacketTypeEndsOnlyThatSession) {
    expect_protocol_error({0x00, 0x01, 'Q'}, false, "unknown packet type");
}

TEST(OrderEntry, ServerPacketTypeFromTheClientEndsOnlyThatSession) {
    expect_protocol_error({0x00, 0x01, 'H'}, false, "packet type not sent by clients");
}

TEST(OrderEntry, HeartbeatWithAPayloadEndsOnlyThatSession) {
    expect_protocol_error({0x00, 0x02, 'R', 'x'}, false, "bad payload length");
}

TEST(OrderEntry, DataBeforeLoginEndsTheConnection) {
    expect_protocol_error({0x00, 0x02, 'U', 'O'}, true, "expected a login request");
}

TEST(OrderEntry, ShortLoginRequestEndsTheConnection) {
    expect_protocol_error({0x00, 0x03, 'L', 'A', 'B'}, true, "bad payload length");
}

TEST(OrderEntry, NonNumericRequestedSequenceEndsTheConnection) {
    std::vector<std::uint8_t> bytes = {0x00, 47, 'L'};
    std::string field(46, ' ');
    field.replace(0, 5, "ALICE");
    field.replace(6, 7, "secret1");
    field.replace(26, 20, "                12x4");
    bytes.insert(bytes.end(), field.begin(), field.end());
    expect_protocol_error(bytes, true, "malformed login request");
}

TEST(OrderEntry, SecondLoginRequestOnASessionEndsIt) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.login("ALICE", "secret1");
    EXPECT_TRUE(alice.closed());
    EXPECT_EQ(alice.view().debug.back(), "already logged in");
}

TEST(OrderEntry, PacketsAfterAProtocolErrorInTheSameReadAreNotRead) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    std::uint8_t order[64];
    const std::size_t n =
        soup::write_message(soup::PacketType::kUnsequencedData,
                            enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000), order);
    std::vector<std::uint8_t> bytes = {0x00, 0x01, 'Q'};
    bytes.insert(bytes.end(), order, order + n);
    alice.send(bytes);
    EXPECT_TRUE(alice.closed());
    EXPECT_TRUE(alice.messages<ouchw::Accepted>().empty());
    EXPECT_EQ(h.exchange->engine().counters().orders_accepted, 0u);
}

TEST(OrderEntry, ShortEnterOrderIsRejectedWithItsTokenAndTheSessionStays) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    std::uint8_t wire[64];
    const std::size_t n =
        proto::encode(enter_order("SHORT1", ouchw::Side::kBuy, 100, "ACME", 99'000), wire, 64);
    std::vector<std::uint8_t> packet = {0x00, static_cast<std::uint8_t>(1 + n - 5), 'U'};
    packet.insert(packet.end(), wire, wire + n - 5);
    alice.send(packet);
    const auto rejected = alice.messages<ouchw::Rejected>();
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].order_token.trimmed(), "SHORT1");
    EXPECT_EQ(rejected[0].reason, ouchw::RejectReason::kOther);
    EXPECT_FALSE(alice.closed());
    // The token was not consumed by the engine and the session still takes orders.
    alice.send_ouch(enter_order("SHORT1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    EXPECT_EQ(alice.messages<ouchw::Accepted>().size(), 1u);
}

TEST(OrderEntry, LongReplaceOrderIsRejectedForTheReplacementToken) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    ouchw::ReplaceOrder replace;
    replace.existing_order_token = proto::Alpha<14>::left("A1");
    replace.replacement_order_token = proto::Alpha<14>::left("A2");
    replace.shares = 50;
    replace.price = 99'000;
    std::uint8_t wire[64];
    const std::size_t n = proto::encode(replace, wire, 64);
    std::vector<std::uint8_t> packet = {0x00, static_cast<std::uint8_t>(1 + n + 1), 'U'};
    packet.insert(packet.end(), wire, wire + n);
    packet.push_back(0);
    alice.send(packet);
    const auto rejected = alice.messages<ouchw::Rejected>();
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].order_token.trimmed(), "A2");
    // The existing order is untouched.
    EXPECT_NE(h.exchange->engine().find_order(1, Token::from("A1")), nullptr);
}

TEST(OrderEntry, UnknownOuchTypeShortCancelAndModifyAreIgnoredAndCounted) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send(std::vector<std::uint8_t>{0x00, 0x03, 'U', 'Z', 'Z'});
    alice.send(std::vector<std::uint8_t>{0x00, 0x04, 'U', 'X', 'A', '1'});
    alice.send(std::vector<std::uint8_t>{0x00, 0x01, 'U'});
    ouchw::ModifyOrder modify;
    modify.order_token = proto::Alpha<14>::left("A1");
    alice.send_ouch(modify);
    EXPECT_FALSE(alice.closed());
    EXPECT_EQ(alice.view().sequenced.size(), 1u);  // Start of Day only
    const SessionCounters& c = h.exchange->gateway().session_counters(0);
    EXPECT_EQ(c.malformed_ouch, 3u);
    EXPECT_EQ(c.modify_ignored, 1u);
}

TEST(OrderEntry, RateLimitRejectsExcessOrdersWithOtherAndNeverLimitsCancels) {
    Harness h(scenario("order_entry: {rate_limit: 5}\n"));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    for (int i = 0; i < 8; ++i) {
        alice.send_ouch(
            enter_order(numbered("R", i).c_str(), ouchw::Side::kBuy, 100, "ACME", 99'000));
    }
    EXPECT_EQ(alice.messages<ouchw::Accepted>().size(), 5u);
    const auto rejected = alice.messages<ouchw::Rejected>();
    ASSERT_EQ(rejected.size(), 3u);
    for (const auto& r : rejected) {
        EXPECT_EQ(r.reason, ouchw::RejectReason::kOther);
    }
    EXPECT_EQ(rejected[0].order_token.trimmed(), "R5");
    // Cancels pass while the bucket is empty.
    ouchw::CancelOrder cancel;
    cancel.order_token = proto::Alpha<14>::left("R0");
    cancel.shares = 0;
    alice.send_ouch(cancel);
    EXPECT_EQ(alice.messages<ouchw::Canceled>().size(), 1u);
    // A second later the bucket has refilled.
    h.run_for(kSecond);
    alice.send_ouch(enter_order("LATER", ouchw::Side::kBuy, 100, "ACME", 99'000));
    EXPECT_EQ(alice.messages<ouchw::Accepted>().size(), 6u);
    EXPECT_EQ(h.exchange->gateway().session_counters(0).rate_limited, 3u);
}

TEST(OrderEntry, CancelOnDisconnectCancelsTheAccountsLiveOrders) {
    Harness h(scenario("order_entry: {cancel_on_disconnect: true}\n"));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    alice.send_ouch(enter_order("A2", ouchw::Side::kSell, 300, "ACME", 101'000));
    alice.send_ouch(enter_order("A3", ouchw::Side::kBuy, 100, "ACME", 98'000));
    ouchw::CancelOrder cancel;
    cancel.order_token = proto::Alpha<14>::left("A3");
    alice.send_ouch(cancel);
    alice.close();
    h.poll();
    EXPECT_EQ(h.exchange->engine().find_order(1, Token::from("A1")), nullptr);
    EXPECT_EQ(h.exchange->engine().find_order(1, Token::from("A2")), nullptr);
    EXPECT_EQ(h.exchange->counters().cancel_on_disconnect, 2u);
    // The cancels show on the feed and wait in ALICE's stream.
    const FeedLog feed = FeedLog::decode(h.transport.feed_a);
    EXPECT_EQ(feed.of_type<itchw::OrderDelete>().size(), 3u);
    TestClient back(h);
    ASSERT_TRUE(back.connect());
    back.login("ALICE", "secret1", 1);
    EXPECT_EQ(back.messages<ouchw::Canceled>().size(), 3u);
}

TEST(OrderEntry, WithoutCancelOnDisconnectOrdersSurviveTheSession) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    alice.close();
    h.poll();
    EXPECT_NE(h.exchange->engine().find_order(1, Token::from("A1")), nullptr);
    EXPECT_EQ(h.exchange->counters().cancel_on_disconnect, 0u);
}

TEST(OrderEntry, ForcedDisconnectFromTheTimelineClosesWithoutAWordAndCancels) {
    Harness h(scenario(R"(order_entry: {cancel_on_disconnect: true}
timeline:
  - {at: 10ms, disconnect: ALICE}
)"));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    const std::size_t before = alice.view().sequenced.size();
    h.run_for(20 * kMs);
    EXPECT_TRUE(alice.closed());
    EXPECT_TRUE(alice.view().debug.empty());
    EXPECT_EQ(alice.view().sequenced.size(), before);
    EXPECT_EQ(h.exchange->engine().find_order(1, Token::from("A1")), nullptr);
    EXPECT_EQ(h.exchange->gateway().close_reason(alice.id()), CloseReason::kForced);
}

TEST(OrderEntry, SlowReaderGetsTheWholeStreamInOrder) {
    Harness h(scenario());
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    h.transport.set_accept_limit(7);
    alice.login("ALICE", "secret1");
    for (int i = 0; i < 20; ++i) {
        alice.send_ouch(
            enter_order(numbered("S", i).c_str(), ouchw::Side::kBuy, 100, "ACME", 99'000));
    }
    h.run_for(kMs);
    for (int i = 0; i < 400; ++i) {
        h.poll();
    }
    const auto accepted = alice.messages<ouchw::Accepted>();
    ASSERT_EQ(accepted.size(), 20u);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(accepted[static_cast<std::size_t>(i)].order_token.trimmed(), numbered("S", i));
    }
    EXPECT_GT(h.exchange->counters().tcp_backpressure, 0u);
    EXPECT_EQ(alice.view().unparsed, 0u);
}

TEST(OrderEntry, EndOfSessionFollowsTheLastMessageAndLaterLoginsAreRefused) {
    Harness h(scenario(R"(timeline:
  - {at: 50ms, end_session: true}
)"));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "ACME", 99'000));
    h.run_for(100 * kMs);
    const ClientView& v = alice.view();
    EXPECT_EQ(v.end_of_session, 1u);
    EXPECT_TRUE(alice.closed());
    const auto events = alice.messages<ouchw::SystemEventMessage>();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].event_code, ouchw::SystemEvent::kEndOfDay);
    EXPECT_EQ(events[1].timestamp_ns, 34'200ULL * kSecond + 50 * kMs);
    TestClient late(h);
    ASSERT_TRUE(late.connect());
    late.login("ALICE", "secret1");
    ASSERT_EQ(late.view().rejected.size(), 1u);
    EXPECT_EQ(late.view().rejected[0], soup::RejectReason::kSessionNotAvailable);
    h.run_for(2 * kSecond);
    EXPECT_TRUE(h.exchange->finished());
}

TEST(OrderEntry, ClientThatStopsReadingAtTheEndOfTheDayIsTimedOut) {
    Harness h(scenario(
        "order_entry: {tx_buffer_bytes: 1024}\ntimeline:\n  - {at: 10ms, end_session: true}\n"));
    TestClient alice(h);
    ASSERT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    h.transport.set_accept_limit(0);  // the client's receive window stays shut
    for (int i = 0; i < 30; ++i) {    // more than the transmit buffer holds
        alice.send_ouch(
            enter_order(numbered("E", i).c_str(), ouchw::Side::kBuy, 100, "ACME", 99'000));
    }
    h.run_for(5 * kSecond);
    EXPECT_FALSE(alice.closed());
    EXPECT_FALSE(h.exchange->finished());
    h.run_for(20 * kSecond);
    EXPECT_TRUE(alice.closed());
    EXPECT_TRUE(h.exchange->finished());
    EXPECT_EQ(alice.view().end_of_session, 0u);  // it never read that far
}

TEST(OrderEntry, RandomBytesFromManyConnectionsNeverHarmAnotherSession) {
    Harness h(scenario());
    TestClient bob(h);
    ASSERT_TRUE(bob.connect());
    bob.login("BOB", "secret2");
    core::Rng rng(2024);
    std::size_t bob_orders = 0;
    for (int round = 0; round < 300; ++round) {
        TestClient noise(h);
        ASSERT_TRUE(noise.connect());
        if (rng.below(2) == 0) {
            noise.login("ALICE", "secret1");
        }
        for (int chunk = 0; chunk < 8 && !noise.closed(); ++chunk) {
            std::vector<std::uint8_t> bytes(rng.below(64) + 1);
            for (auto& b : bytes) {
                b = static_cast<std::uint8_t>(rng.next());
            }
            if (bytes.size() >= 2 && rng.below(3) == 0) {
                // A plausible header: a small length and a client packet type.
                bytes[0] = 0;
                bytes[1] = static_cast<std::uint8_t>(rng.below(60));
                if (bytes.size() > 2) {
                    bytes[2] = static_cast<std::uint8_t>("LURO+"[rng.below(5)]);
                }
            }
            noise.send(bytes);
        }
        if (!noise.closed()) {
            noise.close();
        }
        h.poll();
        bob.send_ouch(
            enter_order(numbered("B", round).c_str(), ouchw::Side::kBuy, 100, "BETA", 490'000));
        ++bob_orders;
    }
    EXPECT_EQ(bob.messages<ouchw::Accepted>().size(), bob_orders);
    EXPECT_FALSE(bob.closed());
    EXPECT_EQ(bob.view().unparsed, 0u);
    EXPECT_EQ(check_invariants(h.exchange->engine()), "");
    EXPECT_GT(h.exchange->gateway().counters().protocol_errors, 100u);
}

}  // namespace
}  // namespace tb::exchange::testing
