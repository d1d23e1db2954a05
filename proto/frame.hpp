#pragma once

// The receive parse chain Ethernet (802.1Q) -> ARP | IPv4 -> ICMP echo | UDP | TCP, and builders
// for whole UDP and TCP frames. Used by the dump tool, the fuzz targets and tests; the network
// stack (net/) uses the per-layer functions directly.

#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/arp.hpp"
#include "proto/ethernet.hpp"
#include "proto/icmp.hpp"
#include "proto/ipv4.hpp"
#include "proto/status.hpp"
#include "proto/tcp.hpp"
#include "proto/udp.hpp"

namespace tb::proto {

enum class Layer3 : std::uint8_t { kNone, kArp, kIpv4 };
enum class Layer4 : std::uint8_t { kNone, kIcmp, kUdp, kTcp };

struct ParsedFrame {
    EthernetHeader ethernet;
    Layer3 layer3 = Layer3::kNone;
    ArpPacket arp;
    Ipv4Parse ipv4;
    Layer4 layer4 = Layer4::kNone;
    IcmpEcho icmp;
    bool icmp_checksum_ok = false;
    UdpParse udp;
    TcpParse tcp;
    // The UDP or TCP payload (empty otherwise).
    std::span<const std::uint8_t> payload;

    // True when every checksum present in the frame verified.
    [[nodiscard]] bool checksums_ok() const noexcept;
};

struct ParseOptions {
    // kBadChecksum for a frame whose IPv4, ICMP, UDP or TCP checksum does not verify. Off: the
    // frame is parsed and ParsedFrame tells which checksums failed (a capture viewer's choice).
    bool verify_checksums = true;
};

// Parses one frame as far as this chain goes. Ether types other than IPv4 and ARP, IP protocols
// other than ICMP, UDP and TCP, ICMP other than echo, and IPv4 fragments stop the chain with
// kOk and the deeper layer left kNone (kUnsupported only where a header is valid but cannot be
// followed: a fragment, a stacked VLAN tag).
[[nodiscard]] Status parse_frame(std::span<const std::uint8_t> frame, ParsedFrame& parsed,
                                 ParseOptions options = {}) noexcept;

// Addresses of one end of a flow.
struct Endpoint {
    MacAddress mac{};
    std::uint32_t ip = 0;
    std::uint16_t port = 0;
};

struct FrameSpec {
    Endpoint source;
    Endpoint destination;
    bool has_vlan = false;
    std::uint16_t vlan_tci = 0;
    std::uint8_t ttl = 64;
    std::uint16_t ip_identification = 0;
};

// Ethernet + IPv4 + UDP + payload with both checksums, padded to the 60-byte Ethernet minimum.
// Returns the frame size, or 0 if `out` is too small.
[[nodiscard]] std::size_t build_udp_frame(const FrameSpec& spec,
                                          std::span<const std::uint8_t> payload,
                                          std::span<std::uint8_t> out) noexcept;

// Ethernet + IPv4 + TCP (ports from spec, the rest from `tcp` and `options`) + payload, with
// checksums, padded to 60 bytes. Returns the frame size, or 0 if `out` is too small.
[[nodiscard]] std::size_t build_tcp_frame(const FrameSpec& spec, const TcpHeader& tcp,
                                          const TcpOptions& options,
                                          std::span<const std::uint8_t> payload,
                                          std::span<std::uint8_t> out) noexcept;

}  // namespace tb::proto
