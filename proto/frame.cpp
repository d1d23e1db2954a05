#include "proto/frame.hpp"

#include <algorithm>
#include <cstring>

namespace tb::proto {

bool ParsedFrame::checksums_ok() const noexcept {
    if (layer3 == Layer3::kIpv4 && !ipv4.checksum_ok) {
        return false;
    }
    switch (layer4) {
        case Layer4::kIcmp:
            return icmp_checksum_ok;
        case Layer4::kUdp:
            return udp.checksum_ok;
        case Layer4::kTcp:
            return tcp.checksum_ok;
        case Layer4::kNone:
            break;
    }
    return true;
}

Status parse_frame(std::span<const std::uint8_t> frame, ParsedFrame& parsed,
                   ParseOptions options) noexcept {
    parsed = ParsedFrame{};
    std::span<const std::uint8_t> payload;
    Status status = parse_ethernet(frame, parsed.ethernet, payload);
    if (status != Status::kOk) {
        return status;
    }
    if (parsed.ethernet.ether_type == kEtherTypeArp) {
        status = parse_arp(payload, parsed.arp);
        if (status == Status::kOk) {
            parsed.layer3 = Layer3::kArp;
        }
        return status;
    }
    if (parsed.ethernet.ether_type != kEtherTypeIpv4) {
        return Status::kOk;
    }
    status = parse_ipv4(payload, parsed.ipv4);
    if (status != Status::kOk) {
        return status;
    }
    parsed.layer3 = Layer3::kIpv4;
    if (options.verify_checksums && !parsed.ipv4.checksum_ok) {
        return Status::kBadChecksum;
    }
    const Ipv4Header& ip = parsed.ipv4.header;
    if (ip.is_fragment()) {
        return Status::kUnsupported;
    }
    switch (ip.protocol) {
        case kIpProtocolIcmp:
            status = parse_icmp_echo(parsed.ipv4.payload, parsed.icmp, parsed.icmp_checksum_ok);
            if (status == Status::kUnsupported) {
                return Status::kOk;  // other ICMP messages: layer 4 stays kNone
            }
            if (status != Status::kOk) {
                return status;
            }
            parsed.layer4 = Layer4::kIcmp;
            if (options.verify_checksums && !parsed.icmp_checksum_ok) {
                return Status::kBadChecksum;
            }
            return Status::kOk;
        case kIpProtocolUdp:
            status = parse_udp(parsed.ipv4.payload, ip.source, ip.destination, parsed.udp);
            if (status != Status::kOk) {
                return status;
            }
            parsed.layer4 = Layer4::kUdp;
            parsed.payload = parsed.udp.payload;
            if (options.verify_checksums && !parsed.udp.checksum_ok) {
                return Status::kBadChecksum;
            }
            return Status::kOk;
        case kIpProtocolTcp:
            status = parse_tcp(parsed.ipv4.payload, ip.source, ip.destination, parsed.tcp);
            if (status != Status::kOk) {
                return status;
            }
            parsed.layer4 = Layer4::kTcp;
            parsed.payload = parsed.tcp.payload;
            if (options.verify_checksums && !parsed.tcp.checksum_ok) {
                return Status::kBadChecksum;
            }
            return Status::kOk;
        default:
            return Status::kOk;
    }
}

namespace {

// Ethernet and IPv4 headers in front of an L4 segment of `l4_size` bytes; returns the offset
// of the L4 segment, or 0 if it does not fit.
std::size_t write_l2_l3(const FrameSpec& spec, std::uint8_t protocol, std::size_t l4_size,
                        std::span<std::uint8_t> out) noexcept {
    EthernetHeader eth;
    eth.destination = spec.destination.mac;
    eth.source = spec.source.mac;
    eth.has_vlan = spec.has_vlan;
    eth.vlan_tci = spec.vlan_tci;
    eth.ether_type = kEtherTypeIpv4;
    const std::size_t l2 = write_ethernet(eth, out);
    if (l2 == 0) {
        return 0;
    }
    Ipv4Header ip;
    ip.identification = spec.ip_identification;
    ip.ttl = spec.ttl;
    ip.protocol = protocol;
    ip.source = spec.source.ip;
    ip.destination = spec.destination.ip;
    const std::size_t l3 = write_ipv4(ip, l4_size, out.subspan(l2));
    return l3 == 0 ? 0 : l2 + l3;
}

std::size_t pad(std::size_t size, std::span<std::uint8_t> out) noexcept {
    if (size >= kMinFrameSize) {
        return size;
    }
    if (out.size() < kMinFrameSize) {
        return 0;
    }
    std::memset(out.data() + size, 0, kMinFrameSize - size);
    return kMinFrameSize;
}

}  // namespace

std::size_t build_udp_frame(const FrameSpec& spec, std::span<const std::uint8_t> payload,
                            std::span<std::uint8_t> out) noexcept {
    const std::size_t l4_size = kUdpHeaderSize + payload.size();
    const std::size_t offset = write_l2_l3(spec, kIpProtocolUdp, l4_size, out);
    if (offset == 0 || out.size() - offset < l4_size) {
        return 0;
    }
    const std::size_t written = write_udp(spec.source.port, spec.destination.port, spec.source.ip,
                                          spec.destination.ip, payload, out.subspan(offset));
    return written == 0 ? 0 : pad(offset + written, out);
}

std::size_t build_tcp_frame(const FrameSpec& spec, const TcpHeader& tcp, const TcpOptions& options,
                            std::span<const std::uint8_t> payload,
                            std::span<std::uint8_t> out) noexcept {
    const std::size_t l4_size = kTcpMinHeaderSize + tcp_options_size(options) + payload.size();
    const std::size_t offset = write_l2_l3(spec, kIpProtocolTcp, l4_size, out);
    if (offset == 0 || out.size() - offset < l4_size) {
        return 0;
    }
    TcpHeader header = tcp;
    header.source_port = spec.source.port;
    header.destination_port = spec.destination.port;
    const std::size_t written = write_tcp(header, options, spec.source.ip, spec.destination.ip,
                                          payload, out.subspan(offset));
    return written == 0 ? 0 : pad(offset + written, out);
}

}  // namespace tb::proto
