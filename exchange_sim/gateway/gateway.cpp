#include "exchange_sim/gateway/gateway.hpp"

#include <limits>

#include "core/error.hpp"

namespace tb::exchange {

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& what) {
    throw core::ConfigError("order entry: " + field + ": " + what);
}

}  // namespace

const char* to_string(CloseReason reason) noexcept {
    switch (reason) {
        case CloseReason::kNone:
            return "none";
        case CloseReason::kLoginRejected:
            return "login rejected";
        case CloseReason::kLogout:
            return "logout";
        case CloseReason::kProtocolError:
            return "protocol error";
        case CloseReason::kClientTimeout:
            return "client timeout";
        case CloseReason::kEndOfSession:
            return "end of session";
        case CloseReason::kForced:
            return "forced disconnect";
        case CloseReason::kPeerClosed:
            return "peer closed";
        case CloseReason::kStoreFull:
            return "store full";
    }
    return "unknown";
}

void validate_gateway_config(const GatewayConfig& config) {
    if (config.session.empty() || config.session.size() > 10) {
        fail("session", "expected 1 to 10 characters, got '" + config.session + "'");
    }
    if (config.users.size() >= kNoConnection || config.users.size() >= 0xFFFF) {
        fail("users", "too many users");
    }
    std::vector<bool> seen(kMaxParticipants, false);
    for (std::size_t i = 0; i < config.users.size(); ++i) {
        const UserConfig& user = config.users[i];
        const std::string field = "users[" + std::to_string(i) + "]";
        if (user.username.empty() || user.username.size() > 6) {
            fail(field + ".username", "expected 1 to 6 characters (SoupBinTCP Username)");
        }
        if (user.password.size() > 10) {
            fail(field + ".password", "expected at most 10 characters (SoupBinTCP Password)");
        }
        if (user.participant >= kMaxParticipants) {
            fail(field + ".participant", "expected a participant id below 4096");
        }
        if (seen[user.participant]) {
            fail(field + ".participant", "participant id used twice");
        }
        seen[user.participant] = true;
        for (std::size_t j = 0; j < i; ++j) {
            if (config.users[j].username == user.username) {
                fail(field + ".username", "username '" + user.username + "' used twice");
            }
        }
    }
    if (config.server_heartbeat_interval_ns <= 0) {
        fail("heartbeat_interval", "expected a positive duration");
    }
    if (config.client_timeout_ns <= 0) {
        fail("client_timeout", "expected a positive duration");
    }
    if (config.max_sessions == 0) {
        fail("max_sessions", "expected at least 1");
    }
    if (config.tx_buffer_bytes < 1024) {
        fail("tx_buffer_bytes", "expected at least 1024");
    }
    if (config.max_inbound_packet < 64 || config.max_inbound_packet > 0xFFFF) {
        fail("max_inbound_packet", "expected 64 to 65535");
    }
    if (config.store_max_bytes < config.store_initial_bytes) {
        fail("store_max_bytes", "expected at least store_initial_bytes");
    }
}

OrderEntryGateway::OrderEntryGateway(const GatewayConfig& config)
    : account_of_(kMaxParticipants, kNoAccount),
      heartbeat_interval_ns_(config.server_heartbeat_interval_ns),
      client_timeout_ns_(config.client_timeout_ns),
      close_linger_ns_(config.close_linger_ns),
      cancel_on_disconnect_(config.cancel_on_disconnect),
      max_sessions_(config.max_sessions) {
    validate_gateway_config(config);
    accounts_.reserve(config.users.size());
    for (const UserConfig& user : config.users) {
        account_of_[user.participant] = static_cast<std::uint16_t>(accounts_.size());
        accounts_.emplace_back(user, config);
    }
    const std::size_t slots = config.max_sessions + config.max_pending_logins;
    connections_.reserve(slots);
    for (std::size_t i = 0; i < slots; ++i) {
        connections_.emplace_back(config.tx_buffer_bytes, config.max_inbound_packet);
    }
    // SoupBinTCP 3.0, Login Accepted: the session is right-justified.
    accepted_.session = proto::Alpha<10>::right(config.session);
}

ConnectionId OrderEntryGateway::open(Instant now) noexcept {
    for (ConnectionId id = 0; id < connections_.size(); ++id) {
        Connection& c = connections_[id];
        if (c.state != ConnectionState::kFree) {
            continue;
        }
        c.state = ConnectionState::kAwaitingLogin;
        c.reason = CloseReason::kNone;
        c.account = kNoAccount;
        c.framer.reset();
        c.tx_head = 0;
        c.tx_tail = 0;
        c.cursor = 1;
        c.replay_until = 0;
        c.last_rx_ns = now.clock_ns;
        c.last_tx_ns = now.clock_ns;
        ++counters_.connections_opened;
        return id;
    }
    ++counters_.connections_refused;
    return kNoConnection;
}

void OrderEntryGateway::release(ConnectionId id) noexcept {
    Connection& c = connections_[id];
    if (c.state == ConnectionState::kFree) {
        return;
    }
    assert(c.state == ConnectionState::kClosing);
    c.state = ConnectionState::kFree;
    c.account = kNoAccount;
    c.tx_head = 0;
    c.tx_tail = 0;
    ++counters_.connections_closed;
}

void OrderEntryGateway::send_debug(Connection& c, std::string_view text,
                                   std::int64_t now_ns) noexcept {
    const std::size_t max_size = soup::kPacketHeaderSize + text.size();
    tx_control(c, max_size, now_ns, [&](std::span<std::uint8_t> out) {
        return soup::write_with_payload(
            soup::PacketType::kDebug,
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                          text.size()),
            out);
    });
}

void OrderEntryGateway::reject_login(ConnectionId id, soup::RejectReason reason,
                                     std::int64_t now_ns) noexcept {
    Connection& c = connections_[id];
    tx_control(
        c, soup::kPacketHeaderSize + soup::kLoginRejectedPayload, now_ns,
        [&](std::span<std::uint8_t> out) { return soup::write_login_rejected(reason, out); });
    c.state = ConnectionState::kClosing;
    c.reason = CloseReason::kLoginRejected;
    c.closing_since_ns = now_ns;
}

std::size_t OrderEntryGateway::pump(ConnectionId id, std::int64_t now_ns) noexcept {
    Connection& c = connections_[id];
    if (c.state != ConnectionState::kLoggedIn && c.state != ConnectionState::kEnding) {
        return 0;
    }
    Account& account = accounts_[c.account];
    const SequencedStore& store = account.store;
    std::size_t moved = 0;
    // Bounded by the transmit buffer: each message needs room for its packet.
    while (c.cursor <= store.count()) {
        const std::span<const std::uint8_t> message = store.message(c.cursor);
        const std::size_t size = soup::kPacketHeaderSize + message.size();
        std::uint8_t* p = tx_reserve(c, size);
        if (p == nullptr) {
            break;
        }
        const std::size_t n = soup::write_with_payload(soup::PacketType::kSequencedData, message,
                                                       std::span<std::uint8_t>(p, size));
        assert(n == size);
        c.tx_tail += n;
        if (c.cursor < c.replay_until) {
            ++account.counters.replayed;
        }
        ++account.counters.sequenced_sent;
        ++c.cursor;
        ++moved;
    }
    if (moved > 0) {
        c.last_tx_ns = now_ns;
    }
    if (c.state == ConnectionState::kEnding && c.cursor > store.count()) {
        // SoupBinTCP 3.0: End of Session follows the last sequenced message.
        if (tx_control(c, soup::kPacketHeaderSize, now_ns, [](auto out) {
                return soup::write_empty(soup::PacketType::kEndOfSession, out);
            })) {
            c.state = ConnectionState::kClosing;
            c.reason = CloseReason::kEndOfSession;
            c.closing_since_ns = now_ns;
            account.connection = kNoConnection;
            --logged_in_;
        }
    }
    return moved;
}

void OrderEntryGateway::end_session(Instant now) noexcept {
    ended_ = true;
    for (Connection& c : connections_) {
        if (c.state == ConnectionState::kLoggedIn) {
            c.state = ConnectionState::kEnding;
            c.last_tx_ns = now.clock_ns;
        } else if (c.state == ConnectionState::kAwaitingLogin) {
            c.state = ConnectionState::kClosing;
            c.reason = CloseReason::kEndOfSession;
            c.closing_since_ns = now.clock_ns;
        }
    }
}

const std::vector<Token>& OrderEntryGateway::tracked(ParticipantId participant) const noexcept {
    if (participant >= account_of_.size() || account_of_[participant] == kNoAccount) {
        return no_tokens_;
    }
    return accounts_[account_of_[participant]].tracker.tokens();
}

void OrderEntryGateway::clear_tracked(ParticipantId participant) noexcept {
    if (Account* account = account_for(participant)) {
        account->tracker.clear();
    }
}

std::int64_t OrderEntryGateway::next_timer_ns() const noexcept {
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (const Connection& c : connections_) {
        switch (c.state) {
            case ConnectionState::kAwaitingLogin:
                next = std::min(next, c.last_rx_ns + client_timeout_ns_);
                break;
            case ConnectionState::kLoggedIn:
            case ConnectionState::kEnding:
                next = std::min(next, c.last_rx_ns + client_timeout_ns_);
                // A heartbeat is due only on an idle connection: bytes still waiting for the
                // transport are output enough.
                if (c.tx_head == c.tx_tail) {
                    next = std::min(next, c.last_tx_ns + heartbeat_interval_ns_);
                }
                break;
            case ConnectionState::kClosing:
                next = std::min(next, c.closing_since_ns + close_linger_ns_);
                break;
            case ConnectionState::kFree:
                break;
        }
    }
    return next;
}

}  // namespace tb::exchange
