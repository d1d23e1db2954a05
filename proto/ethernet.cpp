#include "proto/ethernet.hpp"

#include <cstdio>
#include <cstring>

#include "core/endian.hpp"

namespace tb::proto {

Status parse_ethernet(std::span<const std::uint8_t> frame, EthernetHeader& header,
                      std::span<const std::uint8_t>& payload) noexcept {
    if (frame.size() < kEthernetHeaderSize) {
        return Status::kTruncated;
    }
    EthernetHeader h;
    std::memcpy(h.destination.data(), frame.data(), 6);
    std::memcpy(h.source.data(), frame.data() + 6, 6);
    std::uint16_t type = core::load_be16(frame.data() + 12);
    std::size_t offset = kEthernetHeaderSize;
    if (type == kEtherTypeVlan) {
        if (frame.size() < kEthernetHeaderSize + kVlanTagSize) {
            return Status::kTruncated;
        }
        h.has_vlan = true;
        h.vlan_tci = core::load_be16(frame.data() + 14);
        type = core::load_be16(frame.data() + 16);
        offset += kVlanTagSize;
    }
    if (type == kEtherTypeVlan || type == kEtherTypeQinQ || type < 0x0600) {
        return Status::kUnsupported;
    }
    h.ether_type = type;
    header = h;
    payload = frame.subspan(offset);
    return Status::kOk;
}

std::size_t write_ethernet(const EthernetHeader& header, std::span<std::uint8_t> out) noexcept {
    const std::size_t size = header.size();
    if (out.size() < size) {
        return 0;
    }
    std::memcpy(out.data(), header.destination.data(), 6);
    std::memcpy(out.data() + 6, header.source.data(), 6);
    if (header.has_vlan) {
        core::store_be16(out.data() + 12, kEtherTypeVlan);
        core::store_be16(out.data() + 14, header.vlan_tci);
        core::store_be16(out.data() + 16, header.ether_type);
    } else {
        core::store_be16(out.data() + 12, header.ether_type);
    }
    return size;
}

std::string format_mac(const MacAddress& mac) {
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                  mac[3], mac[4], mac[5]);
    return text;
}

}  // namespace tb::proto
