#include "proto/arp.hpp"

#include <cstring>

#include "core/endian.hpp"

namespace tb::proto {

Status parse_arp(std::span<const std::uint8_t> bytes, ArpPacket& arp) noexcept {
    if (bytes.size() < kArpSize) {
        return Status::kTruncated;
    }
    const std::uint8_t* p = bytes.data();
    if (core::load_be16(p) != 1 || core::load_be16(p + 2) != kEtherTypeIpv4 || p[4] != 6 ||
        p[5] != 4) {
        return Status::kBadValue;
    }
    ArpPacket a;
    a.operation = core::load_be16(p + 6);
    if (a.operation != kArpRequest && a.operation != kArpReply) {
        return Status::kBadValue;
    }
    std::memcpy(a.sender_mac.data(), p + 8, 6);
    a.sender_ip = core::load_be32(p + 14);
    std::memcpy(a.target_mac.data(), p + 18, 6);
    a.target_ip = core::load_be32(p + 24);
    arp = a;
    return Status::kOk;
}

std::size_t write_arp(const ArpPacket& arp, std::span<std::uint8_t> out) noexcept {
    if (out.size() < kArpSize) {
        return 0;
    }
    std::uint8_t* p = out.data();
    core::store_be16(p, 1);
    core::store_be16(p + 2, kEtherTypeIpv4);
    p[4] = 6;
    p[5] = 4;
    core::store_be16(p + 6, arp.operation);
    std::memcpy(p + 8, arp.sender_mac.data(), 6);
    core::store_be32(p + 14, arp.sender_ip);
    std::memcpy(p + 18, arp.target_mac.data(), 6);
    core::store_be32(p + 24, arp.target_ip);
    return kArpSize;
}

}  // namespace tb::proto
