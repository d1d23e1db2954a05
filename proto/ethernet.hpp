#pragma once

// Ethernet II header (IEEE 802.3 framing, DIX type field) with an optional IEEE 802.1Q VLAN tag.
// Frames here carry no FCS (as DPDK and pcap hand them over).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "proto/status.hpp"

namespace tb::proto {

using MacAddress = std::array<std::uint8_t, 6>;

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q tag
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88A8;  // IEEE 802.1ad service tag

inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kVlanTagSize = 4;
inline constexpr std::size_t kMinFrameSize = 60;  // without FCS; shorter frames are padded

struct EthernetHeader {
    MacAddress destination{};
    MacAddress source{};
    bool has_vlan = false;
    std::uint16_t vlan_tci = 0;    // PCP (3 bits), DEI (1), VLAN ID (12), when has_vlan
    std::uint16_t ether_type = 0;  // of the payload (after the tag, if any)

    [[nodiscard]] std::uint16_t vlan_id() const noexcept { return vlan_tci & 0x0FFF; }
    [[nodiscard]] std::size_t size() const noexcept {
        return kEthernetHeaderSize + (has_vlan ? kVlanTagSize : 0);
    }
    bool operator==(const EthernetHeader&) const noexcept = default;
};

// Parses the header; `payload` is what follows it. A stacked second tag (Q-in-Q) is
// kUnsupported. Ether types below 0x0600 (802.3 lengths) are kUnsupported too.
[[nodiscard]] Status parse_ethernet(std::span<const std::uint8_t> frame, EthernetHeader& header,
                                    std::span<const std::uint8_t>& payload) noexcept;

// Writes the header (14 or 18 bytes); returns its size, or 0 if `out` is too small.
[[nodiscard]] std::size_t write_ethernet(const EthernetHeader& header,
                                         std::span<std::uint8_t> out) noexcept;

[[nodiscard]] std::string format_mac(const MacAddress& mac);

}  // namespace tb::proto
