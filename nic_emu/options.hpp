#pragma once

// The option values of tickbench-nic (and of scenario files that configure the emulator) that
// are more than one number: which link a --link applies to, static MAC and group entries, the
// trailer of a port. Each parser throws core::ConfigError naming the text and what was expected.

#include <cstdint>
#include <optional>
#include <string_view>

#include "nic_emu/link_config.hpp"
#include "nic_emu/switch.hpp"
#include "proto/ethernet.hpp"

namespace tb::nic {

// "PORT[:in|:out]=LINK": the link model for one direction of a port, or both.
struct LinkOption {
    std::uint32_t port = 0;
    bool in = true;
    bool out = true;
    LinkConfig link;
};
[[nodiscard]] LinkOption parse_link_option(std::string_view text, std::uint32_t port_count);

// "aa:bb:cc:dd:ee:ff" (or with dashes); nothing if malformed.
[[nodiscard]] std::optional<proto::MacAddress> parse_mac(std::string_view text) noexcept;

// "PORT=MAC".
[[nodiscard]] StaticMac parse_static_mac(std::string_view text, std::uint32_t port_count);

// "GROUP=PORT[,PORT...]", GROUP an IPv4 multicast address (224.0.0.0/4).
[[nodiscard]] StaticGroup parse_static_group(std::string_view text, std::uint32_t port_count);

// "PORT[:DEVICE]": a port that gets timestamp trailers, with the trailer's device id.
struct TrailerOption {
    std::uint32_t port = 0;
    std::uint16_t device = 0;
};
[[nodiscard]] TrailerOption parse_trailer_option(std::string_view text, std::uint32_t port_count);

// A port number below port_count; `what` names the option in the message.
[[nodiscard]] std::uint32_t parse_port_index(std::string_view text, std::uint32_t port_count,
                                             std::string_view what);

}  // namespace tb::nic
