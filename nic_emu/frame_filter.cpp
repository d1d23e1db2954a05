#include "nic_emu/frame_filter.hpp"

#include "proto/ethernet.hpp"
#include "proto/ipv4.hpp"
#include "proto/tcp.hpp"
#include "proto/udp.hpp"

namespace tb::nic {

FrameClass classify_frame(std::span<const std::uint8_t> frame) noexcept {
    FrameClass out;
    proto::EthernetHeader ethernet;
    std::span<const std::uint8_t> payload;
    if (proto::parse_ethernet(frame, ethernet, payload) != proto::Status::kOk ||
        ethernet.ether_type != proto::kEtherTypeIpv4) {
        return out;
    }
    proto::Ipv4Parse ip;
    if (proto::parse_ipv4(payload, ip) != proto::Status::kOk || ip.header.is_fragment()) {
        return out;
    }
    out.ipv4 = true;
    out.protocol = ip.header.protocol;
    out.source_ip = ip.header.source;
    out.destination_ip = ip.header.destination;
    out.ip_offset = ethernet.size();
    out.ip_header_size = ip.header.header_size;
    out.ip_total_length = ip.header.total_length;
    if (out.protocol == proto::kIpProtocolUdp) {
        proto::UdpParse udp;
        if (proto::parse_udp(ip.payload, out.source_ip, out.destination_ip, udp) ==
            proto::Status::kOk) {
            out.l4 = true;
            out.source_port = udp.header.source_port;
            out.destination_port = udp.header.destination_port;
            out.payload = udp.payload;
            out.payload_checksummed = udp.header.checksum != 0;
        }
    } else if (out.protocol == proto::kIpProtocolTcp) {
        out.payload_checksummed = true;
        proto::TcpParse tcp;
        if (proto::parse_tcp(ip.payload, out.source_ip, out.destination_ip, tcp) ==
            proto::Status::kOk) {
            out.l4 = true;
            out.source_port = tcp.header.source_port;
            out.destination_port = tcp.header.destination_port;
            out.payload = tcp.payload;
            out.tcp_flags = tcp.header.flags;
        }
    } else if (out.protocol == proto::kIpProtocolIcmp) {
        out.payload_checksummed = true;
    }
    return out;
}

bool filter_matches(const FrameFilter& filter, const FrameClass& frame) noexcept {
    const auto port_matches = [&] {
        return filter.port == 0 || frame.source_port == filter.port ||
               frame.destination_port == filter.port;
    };
    switch (filter.kind) {
        case FilterKind::kAny:
            return true;
        case FilterKind::kUdp:
            return frame.l4 && frame.protocol == proto::kIpProtocolUdp && port_matches();
        case FilterKind::kTcp:
            return frame.l4 && frame.protocol == proto::kIpProtocolTcp && port_matches();
        case FilterKind::kTcpData:
            return frame.l4 && frame.protocol == proto::kIpProtocolTcp && !frame.payload.empty() &&
                   port_matches();
        case FilterKind::kGroup:
            return frame.l4 && frame.protocol == proto::kIpProtocolUdp &&
                   frame.destination_ip == filter.group &&
                   (filter.port == 0 || frame.destination_port == filter.port);
    }
    return false;
}

bool flip_protected_bit(std::span<std::uint8_t> frame, std::uint64_t random) noexcept {
    const FrameClass c = classify_frame(frame);
    if (!c.ipv4) {
        const std::size_t from =
            frame.size() > proto::kEthernetHeaderSize ? proto::kEthernetHeaderSize : 0;
        const std::size_t bits = (frame.size() - from) * 8;
        if (bits == 0) {
            return false;
        }
        const std::size_t bit = random % bits;
        frame[from + bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        return false;
    }
    // The covered bytes: the header alone, or the whole packet; a UDP checksum field is left
    // out (a flip there could turn it into 0, "no checksum").
    std::size_t covered = c.payload_checksummed ? c.ip_total_length : c.ip_header_size;
    const bool skip_udp_checksum = c.payload_checksummed && c.protocol == proto::kIpProtocolUdp;
    const std::size_t udp_checksum_at = c.ip_header_size + 6;
    if (skip_udp_checksum) {
        covered -= 2;
    }
    const std::size_t bit = random % (covered * 8);
    std::size_t byte = bit / 8;
    if (skip_udp_checksum && byte >= udp_checksum_at) {
        byte += 2;
    }
    frame[c.ip_offset + byte] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    return true;
}

}  // namespace tb::nic
