#pragma once

// The order-entry gateway: SoupBinTCP 3.0 server sessions carrying OUCH 4.2, at the payload
// level. The transport (phase 2: the exchange's TCP stack or Boost.Asio) hands over received
// bytes and connection events; the gateway answers with bytes to send, queued per connection,
// which the owner drains with tx_pending()/tx_consumed(). Nothing here knows about sockets.
//
// Accounts and connections. An account is one OUCH account of the scenario (username,
// password, participant id): it owns the day's sequenced message stream (SequencedStore),
// numbered from 1 and kept for replay. A connection is one TCP connection; once logged in it is
// bound to one account and sends that account's stream from a cursor. Live messages and replay
// are the same path: each pass pump() copies messages from the cursor into the connection's
// transmit buffer while there is room, so a replay of a long stream proceeds as the transport
// drains it and never blocks the loop.
//
// Session state machine per connection (SoupBinTCP 3.00: "Protocol Flow", "Heartbeats" and the
// server and client packet types):
//   kAwaitingLogin --Login Request ok--> kLoggedIn --End of Session--> kEnding --> kClosing
//         |                                   |
//         +-- bad login: Login Rejected ----> kClosing <-- Logout Request, client timeout,
//                                                          protocol error, forced disconnect
//  - Login Request (client packet 'L'): username and password must match an account, or
//    Login Rejected 'A' (not authorized). A Requested Session other than blank or the day's
//    session, an account already logged in on another connection, the maximum number of
//    sessions reached, a session already ended, or an account whose store overflowed: Login
//    Rejected 'S' (session not available). Requested Sequence Number 0 means "from the next new
//    message", a number above the next one is treated as the next one, anything else replays
//    from that number. Login Accepted carries the session and the first sequence number sent.
//  - Heartbeats: the server sends Server Heartbeat 'H' after `server_heartbeat_interval_ns`
//    (1 s, as the spec asks) without sending anything; a client that sends nothing for
//    `client_timeout_ns` (15 s by default, the spec's "typically 15 seconds") is logged out.
//    The same timeout bounds the wait for a Login Request on a new connection.
//  - Logout Request 'O': the server closes the connection; the account's stream stays, so the
//    client may log in again and replay.
//  - End of Session 'Z' after the last sequenced message, at the end of the day.
//  - Protocol errors (bad packet length, unknown packet type, a packet type only the server
//    sends, a wrong payload length, a second Login Request, anything but a Login Request before
//    login): SoupBinTCP cannot resynchronise a stream, so the server logs the client out: it
//    sends a Debug packet '+' naming the error and closes the connection. Other connections are
//    untouched.
//  - OUCH 4.2 (section 2) in Unsequenced Data: Enter Order, Replace Order and Cancel Order go to
//    the engine; the engine's OUCH answers come back through publish(). An inbound message that
//    cannot be decoded (wrong length for its type) is answered with Rejected, reason 'O'
//    (Other, section 3.3 "Rejected Order Reasons"), when its order token can be read: the token
//    of an Enter Order, the replacement token of a Replace Order. A cancel that cannot be read,
//    an unknown message type and Modify Order (2.4; the engine does not implement it) are
//    ignored and counted: OUCH 4.2 has no answer for them, and dropping them changes no order.
//    The session stays up in every case.
//  - Rate limit (optional): Enter Order and Replace Order above the account's rate are answered
//    with Rejected reason 'O' (Other): OUCH 4.2's reject reasons (section 3.3) have no code for
//    a message-rate limit, and 'O' is the catch-all. Cancel Order is never limited, so a client
//    can always take risk off. A rejected replace leaves the existing order intact (as the
//    engine's Replace outcome 3).
//  - Cancel on disconnect (optional): when a logged-in connection goes away for any reason
//    before the end of the session, the handler's session_lost() is called so the exchange can
//    cancel the account's live orders.
//
// No allocation per message: connections, their framers and transmit buffers are allocated at
// construction; stores grow only as documented in sequenced_store.hpp.
//
// Handler (compile-time; the exchange core): every entry point that can cause work takes one.
//     void submit(const Input& input) noexcept;                // OUCH inbound, for the engine
//     void reject(const OuchRejected& rejected) noexcept;     // the gateway's own Rejected
//     void session_lost(ParticipantId participant) noexcept;  // cancel on disconnect
//
// Thread rules: one owner (the exchange thread).

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exchange_sim/engine/config.hpp"
#include "exchange_sim/engine/events.hpp"
#include "exchange_sim/engine/inputs.hpp"
#include "exchange_sim/gateway/order_tracker.hpp"
#include "exchange_sim/gateway/ouch_codec.hpp"
#include "exchange_sim/gateway/rate_limiter.hpp"
#include "exchange_sim/gateway/sequenced_store.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace tb::exchange {

namespace soup = tb::proto::soup;

using ConnectionId = std::uint32_t;
inline constexpr ConnectionId kNoConnection = 0xFFFF'FFFF;

// Two clocks' worth of "now": the exchange clock (timers) and the time of day stamped on
// messages (nanoseconds since midnight of the session date).
struct Instant {
    std::int64_t clock_ns = 0;
    std::int64_t day_ns = 0;
};

struct UserConfig {
    std::string username;  // SoupBinTCP Username: up to 6 characters
    std::string password;  // up to 10 characters
    ParticipantId participant = 0;
    Firm firm;  // the account's default firm (OUCH 4.2 section 2.1, Firm)
};

struct GatewayConfig {
    std::vector<UserConfig> users;
    std::string session = "TB00000001";  // SoupBinTCP session name, up to 10 characters
    std::int64_t server_heartbeat_interval_ns = 1'000'000'000;
    std::int64_t client_timeout_ns = 15'000'000'000;
    std::int64_t close_linger_ns = 1'000'000'000;  // longest wait to flush before closing
    bool cancel_on_disconnect = false;
    std::uint32_t max_sessions = 8;           // logged-in connections at once
    std::uint32_t max_pending_logins = 4;     // connections waiting for a Login Request
    std::uint64_t rate_limit_per_s = 0;       // Enter/Replace Order per second per session; 0: off
    std::uint64_t rate_limit_burst = 0;       // 0: one second's worth
    std::size_t tx_buffer_bytes = 64 * 1024;  // per connection
    std::size_t max_inbound_packet = 1024;    // largest SoupBinTCP Packet Length accepted
    std::size_t store_initial_bytes = 256 * 1024;
    std::size_t store_max_bytes = 64 * 1024 * 1024;
    std::size_t max_tracked_orders = 65'536;  // per account, for cancel on disconnect
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_gateway_config(const GatewayConfig& config);

enum class ConnectionState : std::uint8_t { kFree, kAwaitingLogin, kLoggedIn, kEnding, kClosing };

enum class CloseReason : std::uint8_t {
    kNone,
    kLoginRejected,
    kLogout,
    kProtocolError,
    kClientTimeout,
    kEndOfSession,
    kForced,
    kPeerClosed,
    kStoreFull,
};

[[nodiscard]] const char* to_string(CloseReason reason) noexcept;

// Counters of one account (one SoupBinTCP session).
struct SessionCounters {
    std::uint64_t logins = 0;
    std::uint64_t login_rejects = 0;
    std::uint64_t sequenced_out = 0;   // messages stored in the stream
    std::uint64_t sequenced_sent = 0;  // messages written to a connection (replays included)
    std::uint64_t replayed = 0;        // of those, sent again after a login asking for them
    std::uint64_t unsequenced_in = 0;
    std::uint64_t enter_orders = 0;
    std::uint64_t replace_orders = 0;
    std::uint64_t cancel_orders = 0;
    std::uint64_t rate_limited = 0;
    std::uint64_t malformed_ouch = 0;
    std::uint64_t modify_ignored = 0;
    std::uint64_t heartbeats_out = 0;
    std::uint64_t heartbeats_in = 0;
    std::uint64_t protocol_errors = 0;
    std::uint64_t client_timeouts = 0;
    std::uint64_t logouts = 0;
    std::uint64_t disconnects = 0;  // sessions lost without a logout
    std::uint64_t untracked_orders = 0;
    std::uint64_t store_overflow = 0;

    template <class F>
    void visit(F&& f) const {
        f("logins", logins);
        f("login_rejects", login_rejects);
        f("sequenced_out", sequenced_out);
        f("sequenced_sent", sequenced_sent);
        f("replayed", replayed);
        f("unsequenced_in", unsequenced_in);
        f("enter_orders", enter_orders);
        f("replace_orders", replace_orders);
        f("cancel_orders", cancel_orders);
        f("rate_limited", rate_limited);
        f("malformed_ouch", malformed_ouch);
        f("modify_ignored", modify_ignored);
        f("heartbeats_out", heartbeats_out);
        f("heartbeats_in", heartbeats_in);
        f("protocol_errors", protocol_errors);
        f("client_timeouts", client_timeouts);
        f("logouts", logouts);
        f("disconnects", disconnects);
        f("untracked_orders", untracked_orders);
        f("store_overflow", store_overflow);
    }
};

// Counters of the gateway as a whole.
struct GatewayCounters {
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_refused = 0;  // no free connection slot
    std::uint64_t connections_closed = 0;
    std::uint64_t logins_unknown_user = 0;  // Login Rejected 'A'
    std::uint64_t logins_unavailable = 0;   // Login Rejected 'S'
    std::uint64_t protocol_errors = 0;      // before or after login
    std::uint64_t login_timeouts = 0;
    std::uint64_t tx_overflow = 0;  // a control packet found no room in a transmit buffer

    template <class F>
    void visit(F&& f) const {
        f("connections_opened", connections_opened);
        f("connections_refused", connections_refused);
        f("connections_closed", connections_closed);
        f("logins_unknown_user", logins_unknown_user);
        f("logins_unavailable", logins_unavailable);
        f("protocol_errors", protocol_errors);
        f("login_timeouts", login_timeouts);
        f("tx_overflow", tx_overflow);
    }
};

class OrderEntryGateway {
public:
    // Validates the configuration (tb::core::ConfigError) and allocates every connection,
    // buffer and store.
    explicit OrderEntryGateway(const GatewayConfig& config);

    OrderEntryGateway(const OrderEntryGateway&) = delete;
    OrderEntryGateway& operator=(const OrderEntryGateway&) = delete;

    // ---- transport side ----

    // A TCP connection was accepted. Returns its id, or kNoConnection when every slot is taken
    // (the transport then closes the connection at once).
    [[nodiscard]] ConnectionId open(Instant now) noexcept;

    // Bytes received on a connection, in stream order, split anywhere. Returns the number of
    // SoupBinTCP packets handled.
    template <class Handler>
    std::size_t receive(ConnectionId id, std::span<const std::uint8_t> bytes, Instant now,
                        Handler& handler) noexcept;

    // The peer closed or reset the connection: the slot is freed at once.
    template <class Handler>
    void peer_closed(ConnectionId id, Instant now, Handler& handler) noexcept;

    // Bytes waiting to be sent on a connection (after pump()).
    [[nodiscard]] std::span<const std::uint8_t> tx_pending(ConnectionId id) const noexcept {
        const Connection& c = connections_[id];
        return {c.tx.data() + c.tx_head, c.tx_tail - c.tx_head};
    }
    // The transport took `bytes` of tx_pending().
    void tx_consumed(ConnectionId id, std::size_t bytes) noexcept {
        Connection& c = connections_[id];
        assert(bytes <= c.tx_tail - c.tx_head);
        c.tx_head += bytes;
        if (c.tx_head == c.tx_tail) {
            c.tx_head = 0;
            c.tx_tail = 0;
        }
    }
    // Whether the connection has said everything and should now be closed by the transport,
    // which then calls release().
    [[nodiscard]] bool should_close(ConnectionId id, Instant now) const noexcept {
        const Connection& c = connections_[id];
        return c.state == ConnectionState::kClosing &&
               (c.tx_head == c.tx_tail || now.clock_ns - c.closing_since_ns >= close_linger_ns_);
    }
    // The transport closed the connection; frees its slot.
    void release(ConnectionId id) noexcept;

    // ---- the exchange core ----

    // Appends an outbound OUCH message to the stream of `participant`'s account. Returns its
    // sequence number, or 0 when the participant has no account here or its store is full.
    template <class M>
    [[nodiscard]] std::uint64_t publish(ParticipantId participant, const M& message,
                                        std::span<std::uint8_t> encoded_out) noexcept;

    // Moves sequenced messages into the connection's transmit buffer, writes End of Session
    // when an ending connection has sent everything; returns the messages moved.
    std::size_t pump(ConnectionId id, std::int64_t now_ns) noexcept;

    // Heartbeats, client timeouts and login timeouts; returns the work done.
    template <class Handler>
    std::size_t poll_timers(Instant now, Handler& handler) noexcept;

    // Ends the connection of `participant`'s account without a word (a forced disconnect).
    // False if the account has no connection.
    template <class Handler>
    bool disconnect(ParticipantId participant, Instant now, Handler& handler) noexcept;

    // End of the day: every logged-in connection sends the rest of its stream, then End of
    // Session, then closes; connections waiting for a login are closed; later logins are
    // rejected.
    void end_session(Instant now) noexcept;

    // Remembers a token the engine accepted for `participant`, for cancel on disconnect.
    template <class IsLive>
    void track(ParticipantId participant, const Token& token, IsLive&& is_live) noexcept;
    // The tokens tracked for the participant's account (empty if it has none).
    [[nodiscard]] const std::vector<Token>& tracked(ParticipantId participant) const noexcept;
    void clear_tracked(ParticipantId participant) noexcept;

    // Earliest clock time at which poll_timers() has something to do.
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept;

    // ---- inspection ----
    [[nodiscard]] std::size_t connection_capacity() const noexcept { return connections_.size(); }
    [[nodiscard]] ConnectionState state(ConnectionId id) const noexcept {
        return connections_[id].state;
    }
    [[nodiscard]] CloseReason close_reason(ConnectionId id) const noexcept {
        return connections_[id].reason;
    }
    [[nodiscard]] bool has_account(ParticipantId participant) const noexcept {
        return participant < account_of_.size() && account_of_[participant] != kNoAccount;
    }
    [[nodiscard]] std::size_t account_count() const noexcept { return accounts_.size(); }
    [[nodiscard]] const std::string& username(std::size_t account) const noexcept {
        return accounts_[account].name;
    }
    [[nodiscard]] ParticipantId participant(std::size_t account) const noexcept {
        return accounts_[account].participant;
    }
    [[nodiscard]] const SessionCounters& session_counters(std::size_t account) const noexcept {
        return accounts_[account].counters;
    }
    [[nodiscard]] const SequencedStore& store(std::size_t account) const noexcept {
        return accounts_[account].store;
    }
    [[nodiscard]] const GatewayCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::uint32_t logged_in() const noexcept { return logged_in_; }
    [[nodiscard]] bool session_ended() const noexcept { return ended_; }
    [[nodiscard]] bool cancel_on_disconnect() const noexcept { return cancel_on_disconnect_; }
    [[nodiscard]] const soup::LoginAccepted& login_template() const noexcept { return accepted_; }

private:
    static constexpr std::uint16_t kNoAccount = 0xFFFF;

    struct Account {
        Account(const UserConfig& user, const GatewayConfig& config)
            : name(user.username),
              username(proto::Alpha<6>::left(user.username)),
              password(proto::Alpha<10>::left(user.password)),
              participant(user.participant),
              store(config.store_initial_bytes, config.store_max_bytes),
              limiter(config.rate_limit_per_s, config.rate_limit_burst == 0
                                                   ? config.rate_limit_per_s
                                                   : config.rate_limit_burst),
              tracker(config.max_tracked_orders) {}

        std::string name;
        proto::Alpha<6> username;
        proto::Alpha<10> password;
        ParticipantId participant;
        SequencedStore store;
        RateLimiter limiter;
        OrderTracker tracker;
        ConnectionId connection = kNoConnection;
        bool store_full = false;
        SessionCounters counters;
    };

    struct Connection {
        Connection(std::size_t tx_bytes, std::size_t max_packet)
            : framer(max_packet), tx(tx_bytes) {}

        ConnectionState state = ConnectionState::kFree;
        CloseReason reason = CloseReason::kNone;
        std::uint16_t account = kNoAccount;
        soup::Framer framer;
        std::vector<std::uint8_t> tx;
        std::size_t tx_head = 0;
        std::size_t tx_tail = 0;
        std::uint64_t cursor = 1;        // next sequence number to send
        std::uint64_t replay_until = 0;  // sequence numbers below this are replays
        std::int64_t last_rx_ns = 0;
        std::int64_t last_tx_ns = 0;
        std::int64_t closing_since_ns = 0;
    };

    // Room for `size` more bytes at the tail of the transmit buffer, compacting if needed.
    [[nodiscard]] std::uint8_t* tx_reserve(Connection& c, std::size_t size) noexcept {
        if (c.tx.size() - c.tx_tail < size && c.tx_head > 0) {
            std::memmove(c.tx.data(), c.tx.data() + c.tx_head, c.tx_tail - c.tx_head);
            c.tx_tail -= c.tx_head;
            c.tx_head = 0;
        }
        if (c.tx.size() - c.tx_tail < size) {
            return nullptr;
        }
        return c.tx.data() + c.tx_tail;
    }
    // Writes a control packet (written by `write`) if it fits; counts it otherwise.
    template <class Write>
    bool tx_control(Connection& c, std::size_t max_size, std::int64_t now_ns,
                    Write&& write) noexcept {
        std::uint8_t* p = tx_reserve(c, max_size);
        if (p == nullptr) {
            ++counters_.tx_overflow;
            return false;
        }
        const std::size_t n = write(std::span<std::uint8_t>(p, max_size));
        assert(n > 0);
        c.tx_tail += n;
        c.last_tx_ns = now_ns;
        return true;
    }
    void send_debug(Connection& c, std::string_view text, std::int64_t now_ns) noexcept;

    template <class Handler>
    void on_packet(ConnectionId id, std::span<const std::uint8_t> bytes, Instant now,
                   Handler& handler) noexcept;
    template <class Handler>
    void on_login(ConnectionId id, std::span<const std::uint8_t> payload, Instant now,
                  Handler& handler) noexcept;
    template <class Handler>
    void on_unsequenced(Account& account, std::span<const std::uint8_t> payload, Instant now,
                        Handler& handler) noexcept;
    template <class Handler>
    void protocol_error(ConnectionId id, std::string_view what, Instant now,
                        Handler& handler) noexcept;
    void reject_login(ConnectionId id, soup::RejectReason reason, std::int64_t now_ns) noexcept;

    // Leaves the logged-in state (if in it) and starts closing; calls session_lost() when cancel
    // on disconnect applies.
    template <class Handler>
    void begin_close(ConnectionId id, CloseReason reason, bool discard_tx, Instant now,
                     Handler& handler) noexcept;

    [[nodiscard]] Account* account_for(ParticipantId participant) noexcept {
        if (participant >= account_of_.size() || account_of_[participant] == kNoAccount) {
            return nullptr;
        }
        return &accounts_[account_of_[participant]];
    }

    std::vector<Account> accounts_;
    std::vector<std::uint16_t> account_of_;  // participant id -> account index
    std::vector<Connection> connections_;
    soup::LoginAccepted accepted_;  // the session name; the sequence number is set per login
    std::int64_t heartbeat_interval_ns_;
    std::int64_t client_timeout_ns_;
    std::int64_t close_linger_ns_;
    bool cancel_on_disconnect_;
    std::uint32_t max_sessions_;
    std::uint32_t logged_in_ = 0;
    bool ended_ = false;
    GatewayCounters counters_;
    std::vector<Token> no_tokens_;
};

// ---- template members ----

template <class Handler>
std::size_t OrderEntryGateway::receive(ConnectionId id, std::span<const std::uint8_t> bytes,
                                       Instant now, Handler& handler) noexcept {
    if (id >= connections_.size()) {
        return 0;
    }
    Connection& c = connections_[id];
    if (c.state == ConnectionState::kEnding) {
        c.last_rx_ns = now.clock_ns;  // alive, but the day is over: nothing more is read
        return 0;
    }
    if (c.state != ConnectionState::kAwaitingLogin && c.state != ConnectionState::kLoggedIn) {
        return 0;  // closing: whatever the client still sends is not read
    }
    c.last_rx_ns = now.clock_ns;
    std::size_t packets = 0;
    const proto::Status status =
        c.framer.feed(bytes, [&](std::span<const std::uint8_t> packet) noexcept {
            // A packet after the one that ended the session is not read.
            if (c.state == ConnectionState::kAwaitingLogin ||
                c.state == ConnectionState::kLoggedIn) {
                ++packets;
                on_packet(id, packet, now, handler);
            }
        });
    if (status != proto::Status::kOk &&
        (c.state == ConnectionState::kAwaitingLogin || c.state == ConnectionState::kLoggedIn)) {
        protocol_error(id, "bad packet length", now, handler);
    }
    return packets;
}

template <class Handler>
void OrderEntryGateway::on_packet(ConnectionId id, std::span<const std::uint8_t> bytes, Instant now,
                                  Handler& handler) noexcept {
    Connection& c = connections_[id];
    soup::Packet packet;
    const proto::Status status = soup::parse_packet(bytes, packet);
    if (status == proto::Status::kUnknownType) {
        protocol_error(id, "unknown packet type", now, handler);
        return;
    }
    if (status != proto::Status::kOk) {
        protocol_error(id, "bad payload length", now, handler);
        return;
    }
    if (c.state == ConnectionState::kAwaitingLogin) {
        switch (packet.type) {
            case soup::PacketType::kLoginRequest:
                on_login(id, packet.payload, now, handler);
                return;
            case soup::PacketType::kDebug:
                return;
            default:
                protocol_error(id, "expected a login request", now, handler);
                return;
        }
    }
    Account& account = accounts_[c.account];
    switch (packet.type) {
        case soup::PacketType::kUnsequencedData:
            ++account.counters.unsequenced_in;
            on_unsequenced(account, packet.payload, now, handler);
            return;
        case soup::PacketType::kClientHeartbeat:
            ++account.counters.heartbeats_in;
            return;
        case soup::PacketType::kLogoutRequest:
            ++account.counters.logouts;
            begin_close(id, CloseReason::kLogout, false, now, handler);
            return;
        case soup::PacketType::kDebug:
            return;
        case soup::PacketType::kLoginRequest:
            protocol_error(id, "already logged in", now, handler);
            return;
        default:
            protocol_error(id, "packet type not sent by clients", now, handler);
            return;
    }
}

template <class Handler>
void OrderEntryGateway::on_login(ConnectionId id, std::span<const std::uint8_t> payload,
                                 Instant now, Handler& handler) noexcept {
    Connection& c = connections_[id];
    soup::LoginRequest request;
    if (soup::decode_login_request(payload, request) != proto::Status::kOk) {
        protocol_error(id, "malformed login request", now, handler);
        return;
    }
    std::size_t index = accounts_.size();
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
        if (accounts_[i].username.trimmed() == request.username.trimmed()) {
            index = i;
            break;
        }
    }
    if (index == accounts_.size() ||
        accounts_[index].password.trimmed() != request.password.trimmed()) {
        ++counters_.logins_unknown_user;
        if (index != accounts_.size()) {
            ++accounts_[index].counters.login_rejects;
        }
        reject_login(id, soup::RejectReason::kNotAuthorized, now.clock_ns);
        return;
    }
    Account& account = accounts_[index];
    const std::string_view requested = request.requested_session.trimmed();
    const bool session_ok = requested.empty() || requested == accepted_.session.trimmed();
    if (!session_ok || account.connection != kNoConnection || logged_in_ >= max_sessions_ ||
        ended_ || account.store_full) {
        ++counters_.logins_unavailable;
        ++account.counters.login_rejects;
        reject_login(id, soup::RejectReason::kSessionNotAvailable, now.clock_ns);
        return;
    }
    const std::uint64_t next = account.store.next_sequence();
    std::uint64_t first = request.requested_sequence_number;
    if (first == 0 || first > next) {
        first = next;
    }
    c.state = ConnectionState::kLoggedIn;
    c.account = static_cast<std::uint16_t>(index);
    c.cursor = first;
    c.replay_until = next;
    account.connection = id;
    ++account.counters.logins;
    ++logged_in_;
    soup::LoginAccepted accepted = accepted_;
    accepted.sequence_number = first;
    tx_control(
        c, soup::kPacketHeaderSize + soup::kLoginAcceptedPayload, now.clock_ns,
        [&](std::span<std::uint8_t> out) { return soup::write_login_accepted(accepted, out); });
    pump(id, now.clock_ns);
}

template <class Handler>
void OrderEntryGateway::on_unsequenced(Account& account, std::span<const std::uint8_t> payload,
                                       Instant now, Handler& handler) noexcept {
    const ParticipantId participant = account.participant;
    auto reject = [&](const void* token_bytes, ouch::RejectReason reason) noexcept {
        OuchRejected rejected;
        rejected.timestamp_ns = now.day_ns;
        rejected.participant = participant;
        std::memcpy(rejected.token.chars.data(), token_bytes, rejected.token.chars.size());
        rejected.reason = reason;
        handler.reject(rejected);
    };
    struct Visitor {
        OrderEntryGateway& gateway;
        Account& account;
        Instant now;
        Handler& handler;
        decltype(reject)& reject_with;

        void operator()(const wire_ouch::EnterOrder& m) noexcept {
            ++account.counters.enter_orders;
            if (!account.limiter.try_take(now.clock_ns)) {
                ++account.counters.rate_limited;
                reject_with(m.order_token.bytes.data(), ouch::RejectReason::kOther);
                return;
            }
            handler.submit(Input{to_input(m, account.participant, now.day_ns)});
        }
        void operator()(const wire_ouch::ReplaceOrder& m) noexcept {
            ++account.counters.replace_orders;
            if (!account.limiter.try_take(now.clock_ns)) {
                ++account.counters.rate_limited;
                reject_with(m.replacement_order_token.bytes.data(), ouch::RejectReason::kOther);
                return;
            }
            handler.submit(Input{to_input(m, account.participant, now.day_ns)});
        }
        void operator()(const wire_ouch::CancelOrder& m) noexcept {
            ++account.counters.cancel_orders;
            handler.submit(Input{to_input(m, account.participant, now.day_ns)});
        }
        void operator()(const wire_ouch::ModifyOrder&) noexcept {
            ++account.counters.modify_ignored;
        }
    };
    Visitor visitor{*this, account, now, handler, reject};
    const proto::Status status = wire_ouch::decode_inbound(payload, visitor);
    if (status == proto::Status::kOk) {
        return;
    }
    ++account.counters.malformed_ouch;
    // OUCH 4.2 section 2: the token sits right after the type byte in Enter Order, and the
    // replacement token right after the existing one in Replace Order.
    constexpr std::size_t kTokenSize = 14;
    if (payload.empty()) {
        return;
    }
    const char type = static_cast<char>(payload[0]);
    if (type == static_cast<char>(ouch::InboundType::kEnterOrder) &&
        payload.size() >= 1 + kTokenSize) {
        reject(payload.data() + 1, ouch::RejectReason::kOther);
    } else if (type == static_cast<char>(ouch::InboundType::kReplaceOrder) &&
               payload.size() >= 1 + 2 * kTokenSize) {
        reject(payload.data() + 1 + kTokenSize, ouch::RejectReason::kOther);
    }
}

template <class Handler>
void OrderEntryGateway::protocol_error(ConnectionId id, std::string_view what, Instant now,
                                       Handler& handler) noexcept {
    Connection& c = connections_[id];
    ++counters_.protocol_errors;
    if (c.account != kNoAccount) {
        ++accounts_[c.account].counters.protocol_errors;
    }
    send_debug(c, what, now.clock_ns);
    begin_close(id, CloseReason::kProtocolError, false, now, handler);
}

template <class Handler>
void OrderEntryGateway::begin_close(ConnectionId id, CloseReason reason, bool discard_tx,
                                    Instant now, Handler& handler) noexcept {
    Connection& c = connections_[id];
    if (c.state == ConnectionState::kFree || c.state == ConnectionState::kClosing) {
        return;
    }
    const bool was_logged_in =
        c.state == ConnectionState::kLoggedIn || c.state == ConnectionState::kEnding;
    c.state = ConnectionState::kClosing;
    c.reason = reason;
    c.closing_since_ns = now.clock_ns;
    if (discard_tx) {
        c.tx_head = 0;
        c.tx_tail = 0;
    }
    if (!was_logged_in) {
        return;
    }
    Account& account = accounts_[c.account];
    account.connection = kNoConnection;
    --logged_in_;
    if (reason != CloseReason::kLogout && reason != CloseReason::kEndOfSession) {
        ++account.counters.disconnects;
    }
    if (cancel_on_disconnect_ && !ended_) {
        handler.session_lost(account.participant);
    }
}

template <class Handler>
void OrderEntryGateway::peer_closed(ConnectionId id, Instant now, Handler& handler) noexcept {
    if (id >= connections_.size()) {
        return;
    }
    begin_close(id, CloseReason::kPeerClosed, true, now, handler);
    release(id);
}

template <class M>
std::uint64_t OrderEntryGateway::publish(ParticipantId participant, const M& message,
                                         std::span<std::uint8_t> encoded_out) noexcept {
    Account* account = account_for(participant);
    if (account == nullptr || account->store_full) {
        return 0;
    }
    const std::size_t size = proto::encode(message, encoded_out.data(), encoded_out.size());
    assert(size > 0);
    if (!account->store.append(encoded_out.first(size))) {
        account->store_full = true;
        ++account->counters.store_overflow;
        if (account->connection != kNoConnection) {
            // The stream cannot go on without a gap: end this connection (see the class comment).
            Connection& c = connections_[account->connection];
            send_debug(c, "session store full", c.last_tx_ns);
            c.state = ConnectionState::kClosing;
            c.reason = CloseReason::kStoreFull;
            c.closing_since_ns = c.last_tx_ns;
            account->connection = kNoConnection;
            --logged_in_;
        }
        return 0;
    }
    ++account->counters.sequenced_out;
    return account->store.count();
}

template <class Handler>
std::size_t OrderEntryGateway::poll_timers(Instant now, Handler& handler) noexcept {
    std::size_t work = 0;
    for (ConnectionId id = 0; id < connections_.size(); ++id) {
        Connection& c = connections_[id];
        if (c.state == ConnectionState::kAwaitingLogin) {
            if (now.clock_ns - c.last_rx_ns >= client_timeout_ns_) {
                ++counters_.login_timeouts;
                send_debug(c, "login timeout", now.clock_ns);
                begin_close(id, CloseReason::kClientTimeout, false, now, handler);
                ++work;
            }
            continue;
        }
        if (c.state != ConnectionState::kLoggedIn && c.state != ConnectionState::kEnding) {
            continue;
        }
        Account& account = accounts_[c.account];
        // A client that stops reading at the end of the day is timed out like any other.
        if (now.clock_ns - c.last_rx_ns >= client_timeout_ns_) {
            ++account.counters.client_timeouts;
            send_debug(c, "heartbeat timeout", now.clock_ns);
            begin_close(id, CloseReason::kClientTimeout, false, now, handler);
            ++work;
            continue;
        }
        // SoupBinTCP 3.0: the server sends a heartbeat after one second without other output.
        if (now.clock_ns - c.last_tx_ns >= heartbeat_interval_ns_ && c.tx_head == c.tx_tail) {
            if (tx_control(c, soup::kPacketHeaderSize, now.clock_ns, [](auto out) {
                    return soup::write_empty(soup::PacketType::kServerHeartbeat, out);
                })) {
                ++account.counters.heartbeats_out;
                ++work;
            }
        }
    }
    return work;
}

template <class Handler>
bool OrderEntryGateway::disconnect(ParticipantId participant, Instant now,
                                   Handler& handler) noexcept {
    Account* account = account_for(participant);
    if (account == nullptr || account->connection == kNoConnection) {
        return false;
    }
    begin_close(account->connection, CloseReason::kForced, true, now, handler);
    return true;
}

template <class IsLive>
void OrderEntryGateway::track(ParticipantId participant, const Token& token,
                              IsLive&& is_live) noexcept {
    Account* account = account_for(participant);
    if (account == nullptr || !cancel_on_disconnect_) {
        return;
    }
    if (!account->tracker.add(token, is_live)) {
        ++account->counters.untracked_orders;
    }
}

}  // namespace tb::exchange
