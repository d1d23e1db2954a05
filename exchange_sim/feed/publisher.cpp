#include "exchange_sim/feed/publisher.hpp"

#include "core/error.hpp"

namespace tb::exchange {

void validate_feed_config(const FeedConfig& config) {
    auto fail = [](const std::string& field, const std::string& what) {
        throw core::ConfigError("market data: " + field + ": " + what);
    };
    if (config.session.empty() || config.session.size() > mold::kSessionSize) {
        fail("session", "expected 1 to 10 characters, got '" + config.session + "'");
    }
    // The largest ITCH message (50 bytes) with its length must fit one packet after the header.
    if (mold::payload_limit_for_mtu(config.mtu) < mold::kHeaderSize + 2 + 50 || config.mtu > 9000) {
        fail("mtu", "expected 100 to 9000 bytes");
    }
    if (config.heartbeat_interval_ns <= 0) {
        fail("heartbeat_interval", "expected a positive duration");
    }
    if (config.store_messages < 2 || config.store_messages > (std::size_t{1} << 28)) {
        fail("store_messages", "expected 2 to 268435456");
    }
    if (config.retransmit_max_messages == 0 ||
        config.retransmit_max_messages > mold::kMaxMessageCount) {
        fail("retransmit_max_messages", "expected 1 to 65534");
    }
}

}  // namespace tb::exchange
