#include "client/session.hpp"

#include <string>

#include "core/error.hpp"

namespace tb::client {

const char* to_string(SessionState state) noexcept {
    switch (state) {
        case SessionState::kIdle:
            return "idle";
        case SessionState::kConnecting:
            return "connecting";
        case SessionState::kLoggingIn:
            return "logging in";
        case SessionState::kLoggedIn:
            return "logged in";
        case SessionState::kWaitingReconnect:
            return "waiting to reconnect";
        case SessionState::kLoggingOut:
            return "logging out";
        case SessionState::kEnded:
            return "ended";
        case SessionState::kFailed:
            return "failed";
    }
    return "unknown";
}

void validate_session_config(const SessionConfig& config) {
    if (config.username.empty() || config.username.size() > 6) {
        throw core::ConfigError("session.username: expected 1-6 characters, got '" +
                                config.username + "'");
    }
    if (config.password.size() > 10) {
        throw core::ConfigError("session.password: expected at most 10 characters");
    }
    if (config.session.size() > 10) {
        throw core::ConfigError("session.session: expected at most 10 characters, got '" +
                                config.session + "'");
    }
    for (const std::int64_t ns :
         {config.heartbeat_interval_ns, config.server_timeout_ns, config.connect_timeout_ns,
          config.login_timeout_ns, config.reconnect_delay_ns, config.reconnect_max_delay_ns}) {
        if (ns <= 0) {
            throw core::ConfigError(
                "session: heartbeat interval, timeouts and reconnect delays must be positive");
        }
    }
    if (config.tx_buffer_bytes < 256) {
        throw core::ConfigError("session.tx_buffer_bytes: expected at least 256");
    }
    if (config.max_packet_length < 64 || config.max_packet_length > 65535) {
        throw core::ConfigError("session.max_packet_length: expected 64..65535");
    }
}

}  // namespace tb::client
