#include "nic_emu/options.hpp"

#include <charconv>
#include <string>

#include "core/error.hpp"
#include "nic_emu/link_syntax.hpp"
#include "proto/ipv4.hpp"

namespace tb::nic {
namespace {

using core::ConfigError;

std::pair<std::string_view, std::string_view> split_at(std::string_view text, char separator) {
    const std::size_t at = text.find(separator);
    if (at == std::string_view::npos) {
        return {text, {}};
    }
    return {text.substr(0, at), text.substr(at + 1)};
}

}  // namespace

std::uint32_t parse_port_index(std::string_view text, std::uint32_t port_count,
                               std::string_view what) {
    std::uint32_t port = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        throw ConfigError(std::string(what) + ": '" + std::string(text) + "' is not a port number");
    }
    if (port >= port_count) {
        throw ConfigError(std::string(what) + ": port " + std::to_string(port) +
                          " does not exist; ports are numbered 0 to " +
                          std::to_string(port_count == 0 ? 0 : port_count - 1) +
                          " in the order of --port");
    }
    return port;
}

LinkOption parse_link_option(std::string_view text, std::uint32_t port_count) {
    const auto [target, link] = split_at(text, '=');
    if (link.empty() && text.find('=') == std::string_view::npos) {
        throw ConfigError("--link '" + std::string(text) +
                          "': expected PORT[:in|:out]=LINK, for example 0:out=latency=2us");
    }
    const auto [port_text, direction] = split_at(target, ':');
    LinkOption option;
    option.port = parse_port_index(port_text, port_count, "--link '" + std::string(text) + "'");
    if (direction == "in") {
        option.out = false;
    } else if (direction == "out") {
        option.in = false;
    } else if (!direction.empty() || target.find(':') != std::string_view::npos) {
        throw ConfigError("--link '" + std::string(text) + "': direction '" +
                          std::string(direction) + "' is not in or out");
    }
    try {
        option.link = parse_link(link);
    } catch (const ConfigError& e) {
        throw ConfigError("--link " + std::string(target) + ": " + e.what());
    }
    return option;
}

std::optional<proto::MacAddress> parse_mac(std::string_view text) noexcept {
    proto::MacAddress mac{};
    if (text.size() != 17) {
        return std::nullopt;
    }
    const char separator = text[2];
    if (separator != ':' && separator != '-') {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < 6; ++i) {
        const std::string_view byte = text.substr(3 * i, 2);
        if (i < 5 && text[3 * i + 2] != separator) {
            return std::nullopt;
        }
        std::uint8_t value = 0;
        const auto [end, error] = std::from_chars(byte.data(), byte.data() + 2, value, 16);
        if (error != std::errc{} || end != byte.data() + 2) {
            return std::nullopt;
        }
        mac[i] = value;
    }
    return mac;
}

StaticMac parse_static_mac(std::string_view text, std::uint32_t port_count) {
    const auto [port_text, mac_text] = split_at(text, '=');
    StaticMac entry;
    entry.port = parse_port_index(port_text, port_count, "--mac '" + std::string(text) + "'");
    const auto mac = parse_mac(mac_text);
    if (!mac) {
        throw ConfigError("--mac '" + std::string(text) + "': '" + std::string(mac_text) +
                          "' is not a MAC address such as 02:00:00:00:00:01");
    }
    entry.mac = *mac;
    return entry;
}

StaticGroup parse_static_group(std::string_view text, std::uint32_t port_count) {
    const auto [group_text, ports] = split_at(text, '=');
    const std::string what = "--group '" + std::string(text) + "'";
    const auto group = proto::parse_ipv4_address(group_text);
    if (!group || (*group >> 28) != 0xE) {
        throw ConfigError(what + ": '" + std::string(group_text) +
                          "' is not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)");
    }
    if (ports.empty()) {
        throw ConfigError(what + ": expected GROUP=PORT[,PORT...]");
    }
    StaticGroup entry;
    entry.group = *group;
    std::string_view rest = ports;
    while (!rest.empty()) {
        const auto [port_text, tail] = split_at(rest, ',');
        entry.ports |= port_bit(parse_port_index(port_text, port_count, what));
        rest = tail;
    }
    return entry;
}

TrailerOption parse_trailer_option(std::string_view text, std::uint32_t port_count) {
    const auto [port_text, device_text] = split_at(text, ':');
    TrailerOption option;
    const std::string what = "--trailer '" + std::string(text) + "'";
    option.port = parse_port_index(port_text, port_count, what);
    if (!device_text.empty()) {
        const auto [end, error] = std::from_chars(
            device_text.data(), device_text.data() + device_text.size(), option.device);
        if (error != std::errc{} || end != device_text.data() + device_text.size()) {
            throw ConfigError(what + ": '" + std::string(device_text) +
                              "' is not a device id (0 to 65535)");
        }
    }
    return option;
}

}  // namespace tb::nic
