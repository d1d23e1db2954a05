#pragma once

// The order-entry session: a SoupBinTCP 3.0 client carrying OUCH 4.2 (Nasdaq "SoupBinTCP",
// version 3.00, "Protocol Flow", "Heartbeats", client and server packet types).
//
// States:
//   kIdle --start()--> kConnecting --connected--> kLoggingIn --Login Accepted--> kLoggedIn
//   kLoggedIn --End of Session--> kEnded            kLoggedIn --logout()--> kLoggingOut -> kIdle
//   any connection loss, timeout or protocol error --> kWaitingReconnect --delay--> kConnecting
//   Login Rejected 'A' (not authorized), or too many failed attempts --> kFailed
// - Login Request: username and password, the session (blank the first time, then the one the
//   server accepted) and the Requested Sequence Number: the next sequenced message we expect
//   (first_sequence at start: 1 replays the whole day, which also rebuilds the orders and the
//   position of a restarted client; 0 asks only for new messages). After a reconnect the server
//   replays everything we missed. Login Accepted's sequence number becomes the next expected;
//   if it is beyond what we asked for, the messages in between are gone (counted).
// - Sequenced Data: numbered by counting from Login Accepted's number; each message goes to the
//   handler with its number.
// - Heartbeats: a Client Heartbeat after heartbeat_interval_ns without sending; the connection
//   is considered dead after server_timeout_ns without receiving anything (the server sends a
//   heartbeat every second), and is reset and reopened.
// - Login Rejected 'S' (session not available: for example the server has not yet seen the
//   previous connection go) is retried like a lost connection. Reconnects back off from
//   reconnect_delay_ns, doubling up to reconnect_max_delay_ns; after max_reconnects attempts
//   without a login the session fails.
// - End of Session: the day is over; no reconnect.
// - A stream the framer cannot follow (bad packet length), or a packet type only clients send,
//   is a protocol error: the connection is reset and reopened.
//
// Sending: send_message() frames one OUCH message as Unsequenced Data. A message is either
// taken whole (handed to the transport, or held in the transmit buffer until the transport has
// room) or refused (not logged in, buffer full): never half sent.
//
// Io (compile-time):
//     bool connect() noexcept;                                // start a connection
//     std::size_t send(std::span<const std::uint8_t>) noexcept;  // bytes taken
//     void abort() noexcept;   // reset now; no disconnect notification follows
//     void close() noexcept;   // orderly close after what was sent
// The owner reports connected/data/disconnected back through on_connected(), on_data() and
// on_disconnected().
// Handler (compile-time):
//     void on_sequenced(std::uint64_t sequence, std::span<const std::uint8_t> ouch) noexcept;
//     void on_login(const proto::soup::LoginAccepted& accepted) noexcept;
//     void on_end_of_session() noexcept;
//
// Memory: the framer and transmit buffers are allocated at construction. Thread rules: one
// owner thread; the clock is the owner's.

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "proto/soupbintcp.hpp"

namespace tb::client {

namespace soup = tb::proto::soup;

struct SessionConfig {
    std::string username;  // 1-6 characters
    std::string password;  // 1-10 characters
    std::string session;   // requested session; "" the current one
    std::uint64_t first_sequence = 1;
    std::int64_t heartbeat_interval_ns = 1'000'000'000;
    std::int64_t server_timeout_ns = 15'000'000'000;
    std::int64_t connect_timeout_ns = 2'000'000'000;
    std::int64_t login_timeout_ns = 5'000'000'000;
    std::int64_t reconnect_delay_ns = 100'000'000;
    std::int64_t reconnect_max_delay_ns = 5'000'000'000;
    std::uint32_t max_reconnects = 1000;  // attempts in a row without a login
    std::size_t tx_buffer_bytes = 64 * 1024;
    std::size_t max_packet_length = 1024;  // largest SoupBinTCP packet taken from the server
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_session_config(const SessionConfig& config);

enum class SessionState : std::uint8_t {
    kIdle,
    kConnecting,
    kLoggingIn,
    kLoggedIn,
    kWaitingReconnect,
    kLoggingOut,
    kEnded,
    kFailed,
};

[[nodiscard]] const char* to_string(SessionState state) noexcept;

struct SessionCounters {
    std::uint64_t connects = 0;  // connection attempts
    std::uint64_t connect_timeouts = 0;
    std::uint64_t logins = 0;
    std::uint64_t login_rejected = 0;
    std::uint64_t login_timeouts = 0;
    std::uint64_t disconnects = 0;  // connections lost (not by logout or end of session)
    std::uint64_t server_timeouts = 0;
    std::uint64_t protocol_errors = 0;
    std::uint64_t heartbeats_sent = 0;
    std::uint64_t heartbeats_received = 0;
    std::uint64_t sequenced = 0;      // Sequenced Data packets
    std::uint64_t sequence_gaps = 0;  // messages the server could not replay
    std::uint64_t unsequenced_sent = 0;
    std::uint64_t refused_not_logged_in = 0;
    std::uint64_t refused_buffer_full = 0;
    std::uint64_t debug = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;

    template <class F>
    void visit(F&& f) const {
        f("connects", connects);
        f("connect_timeouts", connect_timeouts);
        f("logins", logins);
        f("login_rejected", login_rejected);
        f("login_timeouts", login_timeouts);
        f("disconnects", disconnects);
        f("server_timeouts", server_timeouts);
        f("protocol_errors", protocol_errors);
        f("heartbeats_sent", heartbeats_sent);
        f("heartbeats_received", heartbeats_received);
        f("sequenced", sequenced);
        f("sequence_gaps", sequence_gaps);
        f("unsequenced_sent", unsequenced_sent);
        f("refused_not_logged_in", refused_not_logged_in);
        f("refused_buffer_full", refused_buffer_full);
        f("debug", debug);
        f("bytes_in", bytes_in);
        f("bytes_out", bytes_out);
    }
};

template <class Io, class Handler>
class OrderSession {
public:
    // Allocates the buffers; throws tb::core::ConfigError for a bad configuration. Io and
    // handler must outlive the session.
    OrderSession(const SessionConfig& config, Io& io, Handler& handler)
        : config_((validate_session_config(config), config)),
          io_(io),
          handler_(handler),
          framer_(config.max_packet_length),
          tx_(config.tx_buffer_bytes),
          next_expected_(config.first_sequence),
          requested_session_(proto::Alpha<10>::left(config.session)) {}

    OrderSession(const OrderSession&) = delete;
    OrderSession& operator=(const OrderSession&) = delete;

    // Opens the first connection.
    void start(std::int64_t now_ns) noexcept {
        if (state_ == SessionState::kIdle) {
            connect(now_ns);
        }
    }

    // ---- from the transport ----
    void on_connected(std::int64_t now_ns) noexcept {
        if (state_ != SessionState::kConnecting) {
            return;
        }
        state_ = SessionState::kLoggingIn;
        since_ns_ = now_ns;
        last_rx_ns_ = now_ns;
        framer_.reset();
        tx_used_ = 0;
        tx_head_ = 0;
        soup::LoginRequest request;
        request.username = proto::Alpha<6>::left(config_.username);
        request.password = proto::Alpha<10>::left(config_.password);
        request.requested_session = requested_session_;
        request.requested_sequence_number = next_expected_;
        std::uint8_t bytes[soup::kPacketHeaderSize + soup::kLoginRequestPayload];
        const std::size_t n = soup::write_login_request(request, bytes);
        assert(n == sizeof bytes);
        (void)queue(std::span<const std::uint8_t>(bytes, n), now_ns);
    }

    void on_data(std::span<const std::uint8_t> bytes, std::int64_t now_ns) noexcept {
        if (state_ != SessionState::kLoggingIn && state_ != SessionState::kLoggedIn &&
            state_ != SessionState::kLoggingOut) {
            return;
        }
        counters_.bytes_in += bytes.size();
        last_rx_ns_ = now_ns;
        const proto::Status status = framer_.feed(
            bytes,
            [&](std::span<const std::uint8_t> packet) noexcept { on_packet(packet, now_ns); });
        if (status != proto::Status::kOk && framer_.failed() && connection_open()) {
            protocol_error(now_ns);
        }
    }

    // The connection ended (closed by the peer, reset, refused, timed out).
    void on_disconnected(std::int64_t now_ns) noexcept {
        switch (state_) {
            case SessionState::kConnecting:
            case SessionState::kLoggingIn:
            case SessionState::kLoggedIn:
                ++counters_.disconnects;
                schedule_reconnect(now_ns);
                return;
            case SessionState::kLoggingOut:
                state_ = SessionState::kIdle;
                return;
            default:
                return;
        }
    }

    // Timers and the transmit buffer; returns the work done. Call once per loop pass.
    unsigned poll(std::int64_t now_ns) noexcept {
        unsigned work = 0;
        if (tx_used_ > tx_head_ && connection_open()) {
            work += flush(now_ns) ? 1 : 0;
        }
        switch (state_) {
            case SessionState::kConnecting:
                if (now_ns - since_ns_ >= config_.connect_timeout_ns) {
                    ++counters_.connect_timeouts;
                    io_.abort();
                    schedule_reconnect(now_ns);
                    ++work;
                }
                break;
            case SessionState::kLoggingIn:
                if (now_ns - since_ns_ >= config_.login_timeout_ns) {
                    ++counters_.login_timeouts;
                    io_.abort();
                    schedule_reconnect(now_ns);
                    ++work;
                }
                break;
            case SessionState::kLoggedIn:
                if (now_ns - last_rx_ns_ >= config_.server_timeout_ns) {
                    ++counters_.server_timeouts;
                    io_.abort();
                    schedule_reconnect(now_ns);
                    ++work;
                } else if (now_ns - last_tx_ns_ >= config_.heartbeat_interval_ns) {
                    std::uint8_t bytes[soup::kPacketHeaderSize];
                    const std::size_t n =
                        soup::write_empty(soup::PacketType::kClientHeartbeat, bytes);
                    if (queue(std::span<const std::uint8_t>(bytes, n), now_ns)) {
                        ++counters_.heartbeats_sent;
                    }
                    ++work;
                }
                break;
            case SessionState::kWaitingReconnect:
                if (now_ns >= reconnect_at_ns_) {
                    connect(now_ns);
                    ++work;
                }
                break;
            case SessionState::kLoggingOut:
                if (now_ns - since_ns_ >= config_.heartbeat_interval_ns) {
                    io_.abort();
                    state_ = SessionState::kIdle;
                    ++work;
                }
                break;
            default:
                break;
        }
        return work;
    }

    // When poll() next has something to do (INT64_MAX: never).
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept {
        constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
        switch (state_) {
            case SessionState::kConnecting:
                return since_ns_ + config_.connect_timeout_ns;
            case SessionState::kLoggingIn:
                return since_ns_ + config_.login_timeout_ns;
            case SessionState::kLoggedIn:
                return std::min(last_rx_ns_ + config_.server_timeout_ns,
                                last_tx_ns_ + config_.heartbeat_interval_ns);
            case SessionState::kWaitingReconnect:
                return reconnect_at_ns_;
            case SessionState::kLoggingOut:
                return since_ns_ + config_.heartbeat_interval_ns;
            default:
                return kNever;
        }
    }

    // Frames `message` (OUCH inbound) as Unsequenced Data; false if refused (not logged in, or
    // no room in the transmit buffer).
    template <class M>
    [[nodiscard]] bool send_message(const M& message, std::int64_t now_ns) noexcept {
        if (state_ != SessionState::kLoggedIn) {
            ++counters_.refused_not_logged_in;
            return false;
        }
        std::uint8_t bytes[soup::kPacketHeaderSize + proto::wire_size<M>()];
        const std::size_t n =
            soup::write_message(soup::PacketType::kUnsequencedData, message, bytes);
        assert(n == sizeof bytes);
        if (!queue(std::span<const std::uint8_t>(bytes, n), now_ns)) {
            ++counters_.refused_buffer_full;
            return false;
        }
        ++counters_.unsequenced_sent;
        return true;
    }

    // Logout Request and an orderly close (no reconnect afterwards).
    void logout(std::int64_t now_ns) noexcept {
        if (state_ == SessionState::kLoggedIn) {
            std::uint8_t bytes[soup::kPacketHeaderSize];
            const std::size_t n = soup::write_empty(soup::PacketType::kLogoutRequest, bytes);
            (void)queue(std::span<const std::uint8_t>(bytes, n), now_ns);
            state_ = SessionState::kLoggingOut;
            since_ns_ = now_ns;
            io_.close();
        } else if (state_ == SessionState::kConnecting || state_ == SessionState::kLoggingIn) {
            io_.abort();
            state_ = SessionState::kIdle;
        } else if (state_ == SessionState::kWaitingReconnect) {
            state_ = SessionState::kIdle;
        }
    }

    [[nodiscard]] SessionState state() const noexcept { return state_; }
    [[nodiscard]] bool logged_in() const noexcept { return state_ == SessionState::kLoggedIn; }
    // The sequence number of the next Sequenced Data packet expected.
    [[nodiscard]] std::uint64_t next_expected() const noexcept { return next_expected_; }
    [[nodiscard]] const proto::Alpha<10>& session_name() const noexcept {
        return requested_session_;
    }
    [[nodiscard]] std::size_t tx_pending() const noexcept { return tx_used_ - tx_head_; }
    [[nodiscard]] const SessionCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::uint32_t failed_attempts() const noexcept { return attempts_; }

private:
    [[nodiscard]] bool connection_open() const noexcept {
        return state_ == SessionState::kLoggingIn || state_ == SessionState::kLoggedIn ||
               state_ == SessionState::kLoggingOut;
    }

    void connect(std::int64_t now_ns) noexcept {
        ++counters_.connects;
        state_ = SessionState::kConnecting;
        since_ns_ = now_ns;
        if (!io_.connect()) {
            schedule_reconnect(now_ns);
        }
    }

    void schedule_reconnect(std::int64_t now_ns) noexcept {
        if (++attempts_ > config_.max_reconnects) {
            state_ = SessionState::kFailed;
            return;
        }
        std::int64_t delay = config_.reconnect_delay_ns;
        for (std::uint32_t i = 1; i < attempts_ && delay < config_.reconnect_max_delay_ns; ++i) {
            delay *= 2;
        }
        delay = std::min(delay, config_.reconnect_max_delay_ns);
        state_ = SessionState::kWaitingReconnect;
        reconnect_at_ns_ = now_ns + delay;
        tx_used_ = 0;
        tx_head_ = 0;
    }

    void protocol_error(std::int64_t now_ns) noexcept {
        ++counters_.protocol_errors;
        io_.abort();
        schedule_reconnect(now_ns);
    }

    // Hands bytes to the transport, keeping what it does not take; false (nothing taken) when
    // the transmit buffer cannot hold the rest.
    [[nodiscard]] bool queue(std::span<const std::uint8_t> bytes, std::int64_t now_ns) noexcept {
        if (tx_used_ == tx_head_) {
            tx_used_ = tx_head_ = 0;
            const std::size_t taken = io_.send(bytes);
            counters_.bytes_out += taken;
            last_tx_ns_ = now_ns;
            if (taken == bytes.size()) {
                return true;
            }
            std::memcpy(tx_.data(), bytes.data() + taken, bytes.size() - taken);
            tx_used_ = bytes.size() - taken;
            return true;
        }
        if (tx_.size() - tx_used_ < bytes.size()) {
            if (tx_.size() - (tx_used_ - tx_head_) < bytes.size()) {
                return false;
            }
            std::memmove(tx_.data(), tx_.data() + tx_head_, tx_used_ - tx_head_);
            tx_used_ -= tx_head_;
            tx_head_ = 0;
        }
        std::memcpy(tx_.data() + tx_used_, bytes.data(), bytes.size());
        tx_used_ += bytes.size();
        (void)flush(now_ns);
        return true;
    }

    bool flush(std::int64_t now_ns) noexcept {
        const std::size_t taken =
            io_.send(std::span<const std::uint8_t>(tx_.data() + tx_head_, tx_used_ - tx_head_));
        counters_.bytes_out += taken;
        tx_head_ += taken;
        if (tx_head_ == tx_used_) {
            tx_head_ = tx_used_ = 0;
        }
        if (taken > 0) {
            last_tx_ns_ = now_ns;
        }
        return taken > 0;
    }

    void on_packet(std::span<const std::uint8_t> bytes, std::int64_t now_ns) noexcept {
        if (!connection_open()) {
            return;  // an earlier packet of this batch ended the connection
        }
        soup::Packet packet;
        if (soup::parse_packet(bytes, packet) != proto::Status::kOk) {
            protocol_error(now_ns);
            return;
        }
        switch (packet.type) {
            case soup::PacketType::kSequencedData:
                if (state_ != SessionState::kLoggedIn && state_ != SessionState::kLoggingOut) {
                    protocol_error(now_ns);
                    return;
                }
                ++counters_.sequenced;
                handler_.on_sequenced(next_expected_++, packet.payload);
                return;
            case soup::PacketType::kServerHeartbeat:
                ++counters_.heartbeats_received;
                return;
            case soup::PacketType::kLoginAccepted: {
                soup::LoginAccepted accepted;
                if (state_ != SessionState::kLoggingIn ||
                    soup::decode_login_accepted(packet.payload, accepted) != proto::Status::kOk) {
                    protocol_error(now_ns);
                    return;
                }
                ++counters_.logins;
                attempts_ = 0;
                state_ = SessionState::kLoggedIn;
                if (next_expected_ != 0 && accepted.sequence_number > next_expected_) {
                    counters_.sequence_gaps += accepted.sequence_number - next_expected_;
                }
                next_expected_ = accepted.sequence_number;
                requested_session_ = proto::Alpha<10>::left(accepted.session.trimmed());
                handler_.on_login(accepted);
                return;
            }
            case soup::PacketType::kLoginRejected: {
                soup::RejectReason reason = soup::RejectReason::kNotAuthorized;
                ++counters_.login_rejected;
                if (soup::decode_login_rejected(packet.payload, reason) != proto::Status::kOk ||
                    reason == soup::RejectReason::kNotAuthorized) {
                    io_.abort();
                    state_ = SessionState::kFailed;
                    return;
                }
                io_.abort();
                schedule_reconnect(now_ns);
                return;
            }
            case soup::PacketType::kEndOfSession:
                state_ = SessionState::kEnded;
                io_.close();
                handler_.on_end_of_session();
                return;
            case soup::PacketType::kDebug:
                ++counters_.debug;
                return;
            default:
                // Types only a client sends: the server's stream is not what we expect.
                protocol_error(now_ns);
                return;
        }
    }

    SessionConfig config_;
    Io& io_;
    Handler& handler_;
    soup::Framer framer_;
    std::vector<std::uint8_t> tx_;
    std::size_t tx_head_ = 0;
    std::size_t tx_used_ = 0;
    SessionState state_ = SessionState::kIdle;
    std::uint64_t next_expected_;
    proto::Alpha<10> requested_session_;
    std::int64_t since_ns_ = 0;
    std::int64_t last_rx_ns_ = 0;
    std::int64_t last_tx_ns_ = 0;
    std::int64_t reconnect_at_ns_ = 0;
    std::uint32_t attempts_ = 0;
    SessionCounters counters_;
};

}  // namespace tb::client
