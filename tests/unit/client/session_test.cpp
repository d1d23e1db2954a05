// The SoupBinTCP order session (client/session.hpp) against a fake connection on an injected
// clock: login, sequence tracking, heartbeats both ways, timeouts, reconnect with login at the
// next expected sequence number, login rejects, end of session, protocol errors, and the
// transmit buffer under backpressure.

#include <gtest/gtest.h>

#include <limits>

#include "client/session.hpp"
#include "client_test_support.hpp"

namespace tb::client {
namespace {

using namespace testing;

constexpr std::int64_t kMs = 1'000'000;

struct SentPacket {
    soup::PacketType type;
    Bytes payload;
};

struct FakeIo {
    bool connect_result = true;
    int connects = 0;
    int aborts = 0;
    int closes = 0;
    std::size_t accept_limit = std::numeric_limits<std::size_t>::max();
    Bytes sent;

    bool connect() noexcept {
        ++connects;
        return connect_result;
    }
    std::size_t send(std::span<const std::uint8_t> bytes) noexcept {
        const std::size_t take = std::min(bytes.size(), accept_limit);
        sent.insert(sent.end(), bytes.begin(), bytes.begin() + static_cast<long>(take));
        return take;
    }
    void abort() noexcept { ++aborts; }
    void close() noexcept { ++closes; }

    // Every whole packet sent so far, in order (and forgets them).
    std::vector<SentPacket> take_packets() {
        std::vector<SentPacket> out;
        soup::Framer framer(4096);
        (void)framer.feed(sent, [&](std::span<const std::uint8_t> bytes) {
            soup::Packet p;
            if (soup::parse_packet(bytes, p) == proto::Status::kOk) {
                out.push_back({p.type, Bytes(p.payload.begin(), p.payload.end())});
            }
        });
        sent.clear();
        return out;
    }
};

struct Handler {
    std::vector<std::pair<std::uint64_t, Bytes>> sequenced;
    std::vector<soup::LoginAccepted> logins;
    int end_of_session = 0;
    void on_sequenced(std::uint64_t seq, std::span<const std::uint8_t> m) noexcept {
        sequenced.emplace_back(seq, Bytes(m.begin(), m.end()));
    }
    void on_login(const soup::LoginAccepted& a) noexcept { logins.push_back(a); }
    void on_end_of_session() noexcept { ++end_of_session; }
};

SessionConfig config() {
    SessionConfig c;
    c.username = "CLIENT";
    c.password = "secret";
    c.heartbeat_interval_ns = 1000 * kMs;
    c.server_timeout_ns = 3000 * kMs;
    c.connect_timeout_ns = 500 * kMs;
    c.login_timeout_ns = 500 * kMs;
    c.reconnect_delay_ns = 100 * kMs;
    c.reconnect_max_delay_ns = 400 * kMs;
    c.max_reconnects = 5;
    c.tx_buffer_bytes = 256;
    return c;
}

Bytes login_accepted(const char* session, std::uint64_t next) {
    soup::LoginAccepted a;
    a.session = proto::Alpha<10>::right(session);
    a.sequence_number = next;
    Bytes out(64);
    out.resize(soup::write_login_accepted(a, out));
    return out;
}

Bytes login_rejected(soup::RejectReason reason) {
    Bytes out(8);
    out.resize(soup::write_login_rejected(reason, out));
    return out;
}

Bytes empty_packet(soup::PacketType type) {
    Bytes out(3);
    out.resize(soup::write_empty(type, out));
    return out;
}

Bytes system_event_message() {
    ouch::SystemEventMessage m;
    m.event_code = ouch::SystemEvent::kStartOfDay;
    return sequenced(m);
}

struct SessionTest : ::testing::Test {
    FakeIo io;
    Handler handler;
    OrderSession<FakeIo, Handler> session{config(), io, handler};
    std::int64_t now = 0;

    void advance(std::int64_t ns) {
        now += ns;
        (void)session.poll(now);
    }
    void receive(const Bytes& bytes) { session.on_data(bytes, now); }

    // Connect and log in; the server's next sequence number is `next`.
    void log_in(std::uint64_t next) {
        session.start(now);
        session.on_connected(now);
        receive(login_accepted("TB0001", next));
        ASSERT_TRUE(session.logged_in());
    }
};

TEST_F(SessionTest, LoginRequestCarriesTheCredentialsAndSequenceNumberOne) {
    session.start(now);
    EXPECT_EQ(session.state(), SessionState::kConnecting);
    EXPECT_EQ(io.connects, 1);
    session.on_connected(now);
    EXPECT_EQ(session.state(), SessionState::kLoggingIn);
    const std::vector<SentPacket> sent = io.take_packets();
    ASSERT_EQ(sent.size(), 1U);
    ASSERT_EQ(sent[0].type, soup::PacketType::kLoginRequest);
    soup::LoginRequest request;
    ASSERT_EQ(soup::decode_login_request(sent[0].payload, request), proto::Status::kOk);
    EXPECT_EQ(request.username.trimmed(), "CLIENT");
    EXPECT_EQ(request.password.trimmed(), "secret");
    EXPECT_EQ(request.requested_session.trimmed(), "");
    EXPECT_EQ(request.requested_sequence_number, 1U);
}

TEST_F(SessionTest, SequencedMessagesAreNumberedFromLoginAccepted) {
    log_in(5);
    ASSERT_EQ(handler.logins.size(), 1U);
    Bytes stream = system_event_message();
    const Bytes second = system_event_message();
    stream.insert(stream.end(), second.begin(), second.end());
    // Split anywhere: the framer puts the packets back together.
    receive(Bytes(stream.begin(), stream.begin() + 5));
    receive(Bytes(stream.begin() + 5, stream.end()));
    ASSERT_EQ(handler.sequenced.size(), 2U);
    EXPECT_EQ(handler.sequenced[0].first, 5U);
    EXPECT_EQ(handler.sequenced[1].first, 6U);
    EXPECT_EQ(session.next_expected(), 7U);
    EXPECT_EQ(session.counters().sequence_gaps, 4U);  // asked for 1, the server starts at 5
}

TEST_F(SessionTest, ClientHeartbeatsGoOutWhenNothingElseDoes) {
    log_in(1);
    (void)io.take_packets();
    advance(999 * kMs);
    EXPECT_TRUE(io.take_packets().empty());
    advance(1 * kMs);
    std::vector<SentPacket> sent = io.take_packets();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].type, soup::PacketType::kClientHeartbeat);
    // An order resets the heartbeat timer.
    advance(500 * kMs);
    ouch::CancelOrder cancel;
    cancel.order_token = proto::Alpha<14>::left("X");
    ASSERT_TRUE(session.send_message(cancel, now));
    advance(900 * kMs);
    sent = io.take_packets();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].type, soup::PacketType::kUnsequencedData);
    EXPECT_EQ(session.counters().heartbeats_sent, 1U);
}

TEST_F(SessionTest, ServerHeartbeatsKeepTheSessionAlive) {
    log_in(1);
    for (int i = 0; i < 5; ++i) {
        advance(1000 * kMs);
        receive(empty_packet(soup::PacketType::kServerHeartbeat));
    }
    EXPECT_TRUE(session.logged_in());
    EXPECT_EQ(session.counters().heartbeats_received, 5U);
}

TEST_F(SessionTest, ASilentServerIsDroppedAndTheLoginResumesAtTheNextSequenceNumber) {
    log_in(1);
    receive(system_event_message());
    receive(system_event_message());
    EXPECT_EQ(session.next_expected(), 3U);
    (void)io.take_packets();
    advance(3000 * kMs);
    EXPECT_EQ(session.state(), SessionState::kWaitingReconnect);
    EXPECT_EQ(io.aborts, 1);
    EXPECT_EQ(session.counters().server_timeouts, 1U);
    advance(100 * kMs);
    EXPECT_EQ(session.state(), SessionState::kConnecting);
    EXPECT_EQ(io.connects, 2);
    session.on_connected(now);
    const std::vector<SentPacket> sent = io.take_packets();
    ASSERT_EQ(sent.size(), 1U);
    soup::LoginRequest request;
    ASSERT_EQ(soup::decode_login_request(sent[0].payload, request), proto::Status::kOk);
    EXPECT_EQ(request.requested_sequence_number, 3U);
    EXPECT_EQ(request.requested_session.trimmed(), "TB0001");  // the session we were in
    receive(login_accepted("TB0001", 3));
    receive(system_event_message());
    EXPECT_EQ(handler.sequenced.back().first, 3U);
    EXPECT_EQ(session.counters().sequence_gaps, 0U);
}

TEST_F(SessionTest, ALostConnectionReconnectsWithBackoff) {
    log_in(1);
    session.on_disconnected(now);
    EXPECT_EQ(session.state(), SessionState::kWaitingReconnect);
    EXPECT_EQ(session.next_timer_ns(), now + 100 * kMs);
    advance(100 * kMs);
    EXPECT_EQ(io.connects, 2);
    session.on_disconnected(now);  // refused
    EXPECT_EQ(session.next_timer_ns(), now + 200 * kMs);
    advance(200 * kMs);
    session.on_disconnected(now);
    EXPECT_EQ(session.next_timer_ns(), now + 400 * kMs);
    advance(400 * kMs);
    session.on_disconnected(now);
    EXPECT_EQ(session.next_timer_ns(), now + 400 * kMs);  // capped
    advance(400 * kMs);
    session.on_connected(now);
    receive(login_accepted("TB0001", 1));
    EXPECT_TRUE(session.logged_in());
    EXPECT_EQ(session.failed_attempts(), 0U);
    EXPECT_EQ(session.counters().disconnects, 4U);
}

TEST_F(SessionTest, TooManyFailedAttemptsFailTheSession) {
    io.connect_result = false;
    session.start(now);
    for (int i = 0; i < 10 && session.state() != SessionState::kFailed; ++i) {
        advance(1000 * kMs);
    }
    EXPECT_EQ(session.state(), SessionState::kFailed);
    EXPECT_EQ(io.connects, 6);  // the first and five retries
}

TEST_F(SessionTest, AConnectThatHangsTimesOut) {
    session.start(now);
    advance(500 * kMs);
    EXPECT_EQ(session.counters().connect_timeouts, 1U);
    EXPECT_EQ(io.aborts, 1);
    EXPECT_EQ(session.state(), SessionState::kWaitingReconnect);
}

TEST_F(SessionTest, ALoginThatIsNotAnsweredTimesOut) {
    session.start(now);
    session.on_connected(now);
    advance(500 * kMs);
    EXPECT_EQ(session.counters().login_timeouts, 1U);
    EXPECT_EQ(session.state(), SessionState::kWaitingReconnect);
}

TEST_F(SessionTest, NotAuthorizedFailsAndSessionNotAvailableIsRetried) {
    session.start(now);
    session.on_connected(now);
    receive(login_rejected(soup::RejectReason::kSessionNotAvailable));
    EXPECT_EQ(session.state(), SessionState::kWaitingReconnect);
    advance(100 * kMs);
    session.on_connected(now);
    receive(login_rejected(soup::RejectReason::kNotAuthorized));
    EXPECT_EQ(session.state(), SessionState::kFailed);
    EXPECT_EQ(session.counters().login_rejected, 2U);
    advance(10'000 * kMs);
    EXPECT_EQ(io.connects, 2);
}

TEST_F(SessionTest, EndOfSessionEndsWithoutReconnecting) {
    log_in(1);
    receive(empty_packet(soup::PacketType::kEndOfSession));
    EXPECT_EQ(session.state(), SessionState::kEnded);
    EXPECT_EQ(handler.end_of_session, 1);
    EXPECT_EQ(io.closes, 1);
    session.on_disconnected(now);
    advance(10'000 * kMs);
    EXPECT_EQ(io.connects, 1);
}

TEST_F(SessionTest, ProtocolErrorsResetTheConnection) {
    log_in(1);
    // A packet type only clients send.
    receive(empty_packet(soup::PacketType::kClientHeartbeat));
    EXPECT_EQ(session.counters().protocol_errors, 1U);
    EXPECT_EQ(session.state(), SessionState::kWaitingReconnect);
    advance(100 * kMs);
    session.on_connected(now);
    receive(login_accepted("TB0001", 1));
    // A zero packet length cannot be followed.
    receive(Bytes{0, 0, 'H'});
    EXPECT_EQ(session.counters().protocol_errors, 2U);
    advance(200 * kMs);
    session.on_connected(now);
    // Sequenced data before the login was accepted.
    receive(system_event_message());
    EXPECT_EQ(session.counters().protocol_errors, 3U);
    EXPECT_TRUE(handler.sequenced.empty());
}

TEST_F(SessionTest, DebugPacketsAreCountedAndIgnored) {
    log_in(1);
    Bytes debug(16);
    const Bytes text = {'h', 'i'};
    debug.resize(soup::write_with_payload(soup::PacketType::kDebug, text, debug));
    receive(debug);
    EXPECT_EQ(session.counters().debug, 1U);
    EXPECT_TRUE(session.logged_in());
}

TEST_F(SessionTest, OrdersAreRefusedUnlessLoggedIn) {
    ouch::CancelOrder cancel;
    EXPECT_FALSE(session.send_message(cancel, now));
    session.start(now);
    session.on_connected(now);
    EXPECT_FALSE(session.send_message(cancel, now));
    EXPECT_EQ(session.counters().refused_not_logged_in, 2U);
}

TEST_F(SessionTest, BytesTheTransportDoesNotTakeWaitWholeMessagesAreNeverSplit) {
    log_in(1);
    (void)io.take_packets();
    io.accept_limit = 10;
    ouch::CancelOrder cancel;  // 22 bytes on the wire
    cancel.order_token = proto::Alpha<14>::left("TOKEN");
    ASSERT_TRUE(session.send_message(cancel, now));
    EXPECT_EQ(session.tx_pending(), 12U);
    // Fill the 256-byte buffer: a message that does not fit whole is refused.
    io.accept_limit = 0;
    int taken = 0;
    while (session.send_message(cancel, now)) {
        ++taken;
    }
    EXPECT_EQ(taken, 11);  // 12 + 11 * 22 = 254 bytes
    EXPECT_EQ(session.counters().refused_buffer_full, 1U);
    io.accept_limit = std::numeric_limits<std::size_t>::max();
    advance(1);
    EXPECT_EQ(session.tx_pending(), 0U);
    const std::vector<SentPacket> sent = io.take_packets();
    ASSERT_EQ(sent.size(), 12U);
    for (const SentPacket& p : sent) {
        EXPECT_EQ(p.type, soup::PacketType::kUnsequencedData);
        EXPECT_EQ(p.payload.size(), proto::wire_size<ouch::CancelOrder>());
    }
}

TEST_F(SessionTest, LogoutSendsALogoutRequestAndDoesNotReconnect) {
    log_in(1);
    (void)io.take_packets();
    session.logout(now);
    const std::vector<SentPacket> sent = io.take_packets();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].type, soup::PacketType::kLogoutRequest);
    EXPECT_EQ(io.closes, 1);
    session.on_disconnected(now);
    EXPECT_EQ(session.state(), SessionState::kIdle);
    advance(10'000 * kMs);
    EXPECT_EQ(io.connects, 1);
}

}  // namespace
}  // namespace tb::client
