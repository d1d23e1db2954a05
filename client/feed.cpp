#include "client/feed.hpp"

#include <bit>
#include <string>

#include "core/error.hpp"

namespace tb::client {

void validate_feed_config(const FeedConfig& config) {
    if (config.session.size() > mold::kSessionSize) {
        throw core::ConfigError("feed.session: expected at most 10 characters, got '" +
                                config.session + "'");
    }
    if (config.reorder_window < 2 || !std::has_single_bit(config.reorder_window)) {
        throw core::ConfigError("feed.reorder_window: expected a power of two >= 2, got " +
                                std::to_string(config.reorder_window));
    }
    if (config.gap_wait_ns < 0) {
        throw core::ConfigError("feed.gap_wait: expected a duration >= 0");
    }
    if (config.max_request_messages == 0 || config.max_request_messages > mold::kMaxMessageCount) {
        throw core::ConfigError("feed.max_request_messages: expected 1..65534, got " +
                                std::to_string(config.max_request_messages));
    }
    if (config.max_outstanding_requests > 64) {
        throw core::ConfigError("feed.max_outstanding_requests: expected 0..64, got " +
                                std::to_string(config.max_outstanding_requests));
    }
    if (config.request_timeout_ns <= 0) {
        throw core::ConfigError("feed.request_timeout: expected a positive duration");
    }
    if (config.line_timeout_ns <= 0) {
        throw core::ConfigError("feed.line_timeout: expected a positive duration");
    }
}

}  // namespace tb::client
