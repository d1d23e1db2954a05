#include "proto/udp.hpp"

#include <cstring>

#include "core/endian.hpp"
#include "proto/checksum.hpp"
#include "proto/ipv4.hpp"

namespace tb::proto {

Status parse_udp(std::span<const std::uint8_t> bytes, std::uint32_t source_ip,
                 std::uint32_t destination_ip, UdpParse& parsed) noexcept {
    if (bytes.size() < kUdpHeaderSize) {
        return Status::kTruncated;
    }
    UdpHeader h;
    h.source_port = core::load_be16(bytes.data());
    h.destination_port = core::load_be16(bytes.data() + 2);
    h.length = core::load_be16(bytes.data() + 4);
    h.checksum = core::load_be16(bytes.data() + 6);
    if (h.length < kUdpHeaderSize) {
        return Status::kBadLength;
    }
    if (h.length > bytes.size()) {
        return Status::kTruncated;
    }
    const auto datagram = bytes.first(h.length);
    parsed.header = h;
    parsed.payload = datagram.subspan(kUdpHeaderSize);
    parsed.checksum_ok =
        h.checksum == 0 ||
        checksum_finish(checksum_add(
            pseudo_header_sum(source_ip, destination_ip, kIpProtocolUdp, h.length), datagram)) == 0;
    return Status::kOk;
}

std::size_t write_udp(std::uint16_t source_port, std::uint16_t destination_port,
                      std::uint32_t source_ip, std::uint32_t destination_ip,
                      std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) noexcept {
    const std::size_t size = kUdpHeaderSize + payload.size();
    if (size > 0xFFFF || out.size() < size) {
        return 0;
    }
    std::uint8_t* p = out.data();
    if (!payload.empty() && payload.data() != p + kUdpHeaderSize) {
        std::memmove(p + kUdpHeaderSize, payload.data(), payload.size());
    }
    core::store_be16(p, source_port);
    core::store_be16(p + 2, destination_port);
    core::store_be16(p + 4, static_cast<std::uint16_t>(size));
    core::store_be16(p + 6, 0);
    std::uint16_t checksum =
        checksum_finish(checksum_add(pseudo_header_sum(source_ip, destination_ip, kIpProtocolUdp,
                                                       static_cast<std::uint16_t>(size)),
                                     out.first(size)));
    if (checksum == 0) {
        checksum = 0xFFFF;
    }
    core::store_be16(p + 6, checksum);
    return size;
}

}  // namespace tb::proto
