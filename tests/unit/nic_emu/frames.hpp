#pragma once

// Frames for the nic_emu tests, built with proto's builders: UDP feed-like frames, TCP order-like
// frames, IGMP reports and non-IP frames, with a sequence number in the payload to follow them.

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/endian.hpp"
#include "nic_emu/igmp.hpp"
#include "proto/ethernet.hpp"
#include "proto/frame.hpp"
#include "proto/ipv4.hpp"
#include "proto/moldudp64.hpp"

namespace tb::nic::test {

using Bytes = std::vector<std::uint8_t>;

inline constexpr proto::MacAddress kExchangeMac = {0x02, 0, 0, 0, 0, 0x01};
inline constexpr proto::MacAddress kClientMac = {0x02, 0, 0, 0, 0, 0x02};
inline constexpr std::uint32_t kExchangeIp = 0x0A000001;  // 10.0.0.1
inline constexpr std::uint32_t kClientIp = 0x0A000002;    // 10.0.0.2
inline constexpr std::uint32_t kFeedA = 0xE9360C6F;       // 233.54.12.111
inline constexpr std::uint32_t kFeedB = 0xE9360C70;       // 233.54.12.112

// The Ethernet multicast address of an IPv4 group (RFC 1112, section 6.4).
inline proto::MacAddress group_mac(std::uint32_t group) {
    return {0x01,
            0x00,
            0x5E,
            static_cast<std::uint8_t>((group >> 16) & 0x7F),
            static_cast<std::uint8_t>(group >> 8),
            static_cast<std::uint8_t>(group)};
}

// A UDP frame whose payload starts with `sequence` (8 bytes, big-endian), `payload_size` bytes
// in all (at least 8).
inline Bytes udp_frame(std::uint64_t sequence, std::uint16_t destination_port = 26477,
                       std::size_t payload_size = 18, proto::MacAddress source_mac = kExchangeMac,
                       proto::MacAddress destination_mac = kClientMac,
                       std::uint32_t destination_ip = kClientIp) {
    proto::FrameSpec spec;
    spec.source = {source_mac, kExchangeIp, 40000};
    spec.destination = {destination_mac, destination_ip, destination_port};
    Bytes payload(payload_size, 0xA5);
    core::store_be64(payload.data(), sequence);
    Bytes frame(payload_size + 64);
    const std::size_t size = proto::build_udp_frame(spec, payload, frame);
    frame.resize(size);
    return frame;
}

// A MoldUDP64 packet with `count` one-byte messages from `first_sequence`, to a feed group.
inline Bytes mold_frame(std::uint64_t first_sequence, std::uint16_t count,
                        std::uint32_t group = kFeedA, std::uint16_t port = 26477) {
    Bytes packet(proto::mold::kHeaderSize + 3 * count);
    proto::mold::Header header;
    header.session = proto::mold::Session::left("SESSION1");
    header.sequence_number = first_sequence;
    header.message_count = count;
    proto::mold::write_header(header, packet.data());
    for (std::uint16_t i = 0; i < count; ++i) {
        std::uint8_t* block = packet.data() + proto::mold::kHeaderSize + 3 * i;
        core::store_be16(block, 1);
        block[2] = 'S';
    }
    proto::FrameSpec spec;
    spec.source = {kExchangeMac, kExchangeIp, 40000};
    spec.destination = {group_mac(group), group, port};
    Bytes frame(packet.size() + 64);
    frame.resize(proto::build_udp_frame(spec, packet, frame));
    return frame;
}

// A TCP segment from the client to the exchange's order port with `payload_size` bytes.
inline Bytes tcp_frame(std::uint64_t sequence, std::uint16_t destination_port = 15000,
                       std::size_t payload_size = 16) {
    proto::FrameSpec spec;
    spec.source = {kClientMac, kClientIp, 50000};
    spec.destination = {kExchangeMac, kExchangeIp, destination_port};
    proto::TcpHeader tcp;
    tcp.sequence_number = 1000;
    tcp.acknowledgment_number = 2000;
    tcp.flags = proto::kTcpAck | (payload_size > 0 ? proto::kTcpPsh : 0);
    tcp.window = 65535;
    Bytes payload(payload_size, 0x5A);
    if (payload_size >= 8) {
        core::store_be64(payload.data(), sequence);
    }
    Bytes frame(payload_size + 128);
    frame.resize(proto::build_tcp_frame(spec, tcp, {}, payload, frame));
    return frame;
}

// An IGMP message (v2 or v3 bytes) from `source_mac` in an IPv4 packet to `destination`.
inline Bytes igmp_frame(std::span<const std::uint8_t> message, std::uint32_t destination,
                        proto::MacAddress source_mac = kClientMac) {
    Bytes frame(14 + 20 + message.size() + 8);
    proto::EthernetHeader ethernet;
    ethernet.destination = group_mac(destination);
    ethernet.source = source_mac;
    ethernet.ether_type = proto::kEtherTypeIpv4;
    std::size_t at = proto::write_ethernet(ethernet, frame);
    proto::Ipv4Header ip;
    ip.ttl = 1;
    ip.protocol = igmp::kIpProtocol;
    ip.source = kClientIp;
    ip.destination = destination;
    at += proto::write_ipv4(ip, message.size(), std::span(frame).subspan(at));
    std::memcpy(frame.data() + at, message.data(), message.size());
    frame.resize(std::max<std::size_t>(at + message.size(), proto::kMinFrameSize));
    return frame;
}

inline Bytes igmp_v2_frame(std::uint8_t type, std::uint32_t group,
                           proto::MacAddress source_mac = kClientMac) {
    std::uint8_t message[igmp::kV2Size];
    (void)igmp::write_v2(type, group, message);
    // Reports go to the group, leaves to all routers (RFC 2236, section 3).
    return igmp_frame(message, type == igmp::kLeave ? 0xE0000002 : group, source_mac);
}

// A frame of `size` bytes that is not IP (IEEE 802 local experimental Ether type).
inline Bytes raw_frame(std::uint64_t sequence, std::size_t size = 60,
                       proto::MacAddress source_mac = kExchangeMac,
                       proto::MacAddress destination_mac = kClientMac) {
    Bytes frame(size, 0x3C);
    std::memcpy(frame.data(), destination_mac.data(), 6);
    std::memcpy(frame.data() + 6, source_mac.data(), 6);
    core::store_be16(frame.data() + 12, 0x88B5);
    core::store_be64(frame.data() + 14, sequence);
    return frame;
}

// The sequence number udp_frame/tcp_frame/raw_frame put in a frame.
inline std::uint64_t sequence_of(std::span<const std::uint8_t> frame) {
    const std::uint16_t type = core::load_be16(frame.data() + 12);
    if (type == 0x88B5) {
        return core::load_be64(frame.data() + 14);
    }
    const std::size_t ip = 14;
    const std::size_t l4 = ip + (frame[ip] & 0x0F) * 4u;
    if (frame[ip + 9] == proto::kIpProtocolUdp) {
        return core::load_be64(frame.data() + l4 + 8);
    }
    const std::size_t data = l4 + (frame[l4 + 12] >> 4) * 4u;
    return core::load_be64(frame.data() + data);
}

}  // namespace tb::nic::test
