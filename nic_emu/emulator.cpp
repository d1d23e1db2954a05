#include "nic_emu/emulator.hpp"

namespace tb::nic {

std::string link_stream_prefix(std::uint32_t port, Direction direction) {
    return "port" + std::to_string(port) + (direction == Direction::kIn ? "/in" : "/out");
}

std::uint64_t held_frames_bound(const EmulatorConfig& config) {
    // DelayLine rounds its capacity up to a power of two.
    std::uint64_t line = 1;
    while (line < config.line_capacity) {
        line <<= 1;
    }
    std::uint64_t lines = 0;
    for (const PortOptions& port : config.ports) {
        lines += port.in.identity() ? 0 : 1;
        lines += port.in.reorder > 0.0 ? 1 : 0;
        lines += 1;
        lines += port.out.reorder > 0.0 ? 1 : 0;
    }
    return lines * line;
}

void validate_config(const EmulatorConfig& config, std::size_t port_count) {
    using core::ConfigError;
    if (config.ports.size() != port_count) {
        throw ConfigError("the configuration describes " + std::to_string(config.ports.size()) +
                          " ports but " + std::to_string(port_count) + " were given");
    }
    if (port_count == 0 || port_count > kMaxPorts) {
        throw ConfigError("the emulator takes 1 to " + std::to_string(kMaxPorts) + " ports");
    }
    if (config.line_capacity == 0 || config.line_capacity > (1u << 24)) {
        throw ConfigError("the delay line capacity must be 1 to 16777216 frames, not " +
                          std::to_string(config.line_capacity));
    }
    if (config.tx_timeout_ns < 0) {
        throw ConfigError("the tx timeout must not be negative");
    }
    if (config.tap.enabled && config.tap.client_port >= port_count) {
        throw ConfigError("the tick-to-trade tap names port " +
                          std::to_string(config.tap.client_port) + " of " +
                          std::to_string(port_count));
    }
    if (config.tap.enabled &&
        static_cast<int>(config.tap.client_port) == config.switching.mirror_port) {
        throw ConfigError("the tick-to-trade tap cannot watch the mirror port");
    }
    for (std::size_t i = 0; i < port_count; ++i) {
        if (config.ports[i].trailer && i > 255) {
            throw ConfigError("a trailer's source port field holds 0 to 255; port " +
                              std::to_string(i) + " cannot have one");
        }
    }
}

}  // namespace tb::nic
