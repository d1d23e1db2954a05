#include "proto/ipv4.hpp"

#include <cstdio>

#include "core/endian.hpp"
#include "proto/checksum.hpp"

namespace tb::proto {

Status parse_ipv4(std::span<const std::uint8_t> bytes, Ipv4Parse& parsed) noexcept {
    if (bytes.size() < kIpv4MinHeaderSize) {
        return Status::kTruncated;
    }
    const std::uint8_t* p = bytes.data();
    if (p[0] >> 4 != 4) {
        return Status::kBadValue;
    }
    const std::size_t header_size = static_cast<std::size_t>(p[0] & 0x0F) * 4;
    if (header_size < kIpv4MinHeaderSize) {
        return Status::kBadLength;
    }
    if (bytes.size() < header_size) {
        return Status::kTruncated;
    }
    Ipv4Header h;
    h.header_size = static_cast<std::uint8_t>(header_size);
    h.tos = p[1];
    h.total_length = core::load_be16(p + 2);
    h.identification = core::load_be16(p + 4);
    h.flags_fragment = core::load_be16(p + 6);
    h.ttl = p[8];
    h.protocol = p[9];
    h.checksum = core::load_be16(p + 10);
    h.source = core::load_be32(p + 12);
    h.destination = core::load_be32(p + 16);
    if (h.total_length < header_size) {
        return Status::kBadLength;
    }
    if (h.total_length > bytes.size()) {
        return Status::kTruncated;
    }
    parsed.header = h;
    parsed.options = bytes.subspan(kIpv4MinHeaderSize, header_size - kIpv4MinHeaderSize);
    parsed.payload = bytes.subspan(header_size, h.total_length - header_size);
    parsed.checksum_ok = internet_checksum(bytes.first(header_size)) == 0;
    return Status::kOk;
}

std::size_t write_ipv4(const Ipv4Header& header, std::size_t payload_size,
                       std::span<std::uint8_t> out) noexcept {
    if (out.size() < kIpv4MinHeaderSize || payload_size > 0xFFFF - kIpv4MinHeaderSize) {
        return 0;
    }
    std::uint8_t* p = out.data();
    p[0] = 0x45;
    p[1] = header.tos;
    core::store_be16(p + 2, static_cast<std::uint16_t>(kIpv4MinHeaderSize + payload_size));
    core::store_be16(p + 4, header.identification);
    core::store_be16(p + 6, header.flags_fragment);
    p[8] = header.ttl;
    p[9] = header.protocol;
    core::store_be16(p + 10, 0);
    core::store_be32(p + 12, header.source);
    core::store_be32(p + 16, header.destination);
    core::store_be16(p + 10, internet_checksum(out.first(kIpv4MinHeaderSize)));
    return kIpv4MinHeaderSize;
}

std::string format_ipv4(std::uint32_t address) {
    char text[16];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", address >> 24, (address >> 16) & 0xFF,
                  (address >> 8) & 0xFF, address & 0xFF);
    return text;
}

std::optional<std::uint32_t> parse_ipv4_address(std::string_view text) noexcept {
    std::uint32_t address = 0;
    std::size_t at = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (at >= text.size() || text[at] != '.') {
                return std::nullopt;
            }
            ++at;
        }
        std::uint32_t value = 0;
        std::size_t digits = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9' && digits < 4) {
            value = value * 10 + static_cast<std::uint32_t>(text[at] - '0');
            ++at;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255) {
            return std::nullopt;
        }
        address = address << 8 | value;
    }
    if (at != text.size()) {
        return std::nullopt;
    }
    return address;
}

}  // namespace tb::proto
