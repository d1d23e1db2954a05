#include "proto/tcp.hpp"

#include <cstring>

#include "core/endian.hpp"
#include "proto/checksum.hpp"
#include "proto/ipv4.hpp"

namespace tb::proto {

Status parse_tcp_options(std::span<const std::uint8_t> bytes, TcpOptions& options) noexcept {
    TcpOptions o;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::uint8_t kind = bytes[at];
        if (kind == kTcpOptionEnd) {
            break;
        }
        if (kind == kTcpOptionNop) {
            ++at;
            continue;
        }
        if (bytes.size() - at < 2) {
            return Status::kBadValue;
        }
        const std::size_t length = bytes[at + 1];
        if (length < 2 || length > bytes.size() - at) {
            return Status::kBadValue;
        }
        const std::uint8_t* p = bytes.data() + at + 2;
        switch (kind) {
            case kTcpOptionMss:
                if (length != 4) {
                    return Status::kBadValue;
                }
                o.has_mss = true;
                o.mss = core::load_be16(p);
                break;
            case kTcpOptionWindowScale:
                if (length != 3) {
                    return Status::kBadValue;
                }
                o.has_window_scale = true;
                o.window_scale = p[0];
                break;
            case kTcpOptionSackPermitted:
                if (length != 2) {
                    return Status::kBadValue;
                }
                o.sack_permitted = true;
                break;
            case kTcpOptionSack: {
                if ((length - 2) % 8 != 0 || length == 2 || (length - 2) / 8 > 4) {
                    return Status::kBadValue;
                }
                o.sack_block_count = static_cast<std::uint8_t>((length - 2) / 8);
                for (std::size_t i = 0; i < o.sack_block_count; ++i) {
                    o.sack_blocks[i] = {core::load_be32(p + 8 * i), core::load_be32(p + 8 * i + 4)};
                }
                break;
            }
            case kTcpOptionTimestamps:
                if (length != 10) {
                    return Status::kBadValue;
                }
                o.has_timestamps = true;
                o.timestamp_value = core::load_be32(p);
                o.timestamp_echo = core::load_be32(p + 4);
                break;
            default:
                break;  // unknown options are skipped by their length
        }
        at += length;
    }
    options = o;
    return Status::kOk;
}

Status parse_tcp(std::span<const std::uint8_t> bytes, std::uint32_t source_ip,
                 std::uint32_t destination_ip, TcpParse& parsed) noexcept {
    if (bytes.size() < kTcpMinHeaderSize) {
        return Status::kTruncated;
    }
    const std::uint8_t* p = bytes.data();
    TcpHeader h;
    h.source_port = core::load_be16(p);
    h.destination_port = core::load_be16(p + 2);
    h.sequence_number = core::load_be32(p + 4);
    h.acknowledgment_number = core::load_be32(p + 8);
    h.header_size = static_cast<std::uint8_t>((p[12] >> 4) * 4);
    h.flags = p[13];
    h.window = core::load_be16(p + 14);
    h.checksum = core::load_be16(p + 16);
    h.urgent_pointer = core::load_be16(p + 18);
    if (h.header_size < kTcpMinHeaderSize) {
        return Status::kBadLength;
    }
    if (h.header_size > bytes.size()) {
        return Status::kTruncated;
    }
    TcpOptions options;
    const Status status = parse_tcp_options(
        bytes.subspan(kTcpMinHeaderSize, h.header_size - kTcpMinHeaderSize), options);
    if (status != Status::kOk) {
        return status;
    }
    if (bytes.size() > 0xFFFF) {
        return Status::kBadLength;
    }
    parsed.header = h;
    parsed.options = options;
    parsed.payload = bytes.subspan(h.header_size);
    parsed.checksum_ok =
        checksum_finish(checksum_add(pseudo_header_sum(source_ip, destination_ip, kIpProtocolTcp,
                                                       static_cast<std::uint16_t>(bytes.size())),
                                     bytes)) == 0;
    return Status::kOk;
}

std::size_t tcp_options_size(const TcpOptions& options) noexcept {
    std::size_t size = 0;
    size += options.has_mss ? 4 : 0;
    size += options.has_window_scale ? 3 : 0;
    size += options.sack_permitted ? 2 : 0;
    size += options.has_timestamps ? 10 : 0;
    return (size + 3) / 4 * 4;
}

std::size_t write_tcp(const TcpHeader& header, const TcpOptions& options, std::uint32_t source_ip,
                      std::uint32_t destination_ip, std::span<const std::uint8_t> payload,
                      std::span<std::uint8_t> out) noexcept {
    const std::size_t header_size = kTcpMinHeaderSize + tcp_options_size(options);
    const std::size_t size = header_size + payload.size();
    if (out.size() < size || size > 0xFFFF - kIpv4MinHeaderSize) {
        return 0;
    }
    std::uint8_t* p = out.data();
    core::store_be16(p, header.source_port);
    core::store_be16(p + 2, header.destination_port);
    core::store_be32(p + 4, header.sequence_number);
    core::store_be32(p + 8, header.acknowledgment_number);
    p[12] = static_cast<std::uint8_t>((header_size / 4) << 4);
    p[13] = header.flags;
    core::store_be16(p + 14, header.window);
    core::store_be16(p + 16, 0);
    core::store_be16(p + 18, header.urgent_pointer);
    std::uint8_t* o = p + kTcpMinHeaderSize;
    // The layout Linux uses: MSS, SACK-permitted and timestamps, then window scale behind a NOP,
    // so that the 4-byte fields stay aligned.
    if (options.has_mss) {
        o[0] = kTcpOptionMss;
        o[1] = 4;
        core::store_be16(o + 2, options.mss);
        o += 4;
    }
    if (options.sack_permitted && options.has_timestamps) {
        o[0] = kTcpOptionSackPermitted;
        o[1] = 2;
        o += 2;
    } else if (options.sack_permitted) {
        o[0] = kTcpOptionNop;
        o[1] = kTcpOptionNop;
        o[2] = kTcpOptionSackPermitted;
        o[3] = 2;
        o += 4;
    } else if (options.has_timestamps) {
        o[0] = kTcpOptionNop;
        o[1] = kTcpOptionNop;
        o += 2;
    }
    if (options.has_timestamps) {
        o[0] = kTcpOptionTimestamps;
        o[1] = 10;
        core::store_be32(o + 2, options.timestamp_value);
        core::store_be32(o + 6, options.timestamp_echo);
        o += 10;
    }
    if (options.has_window_scale) {
        o[0] = kTcpOptionNop;
        o[1] = kTcpOptionWindowScale;
        o[2] = 3;
        o[3] = options.window_scale;
        o += 4;
    }
    while (o < p + header_size) {
        *o++ = kTcpOptionNop;
    }
    if (!payload.empty()) {
        std::memcpy(p + header_size, payload.data(), payload.size());
    }
    core::store_be16(p + 16, checksum_finish(checksum_add(
                                 pseudo_header_sum(source_ip, destination_ip, kIpProtocolTcp,
                                                   static_cast<std::uint16_t>(size)),
                                 out.first(size))));
    return size;
}

}  // namespace tb::proto
