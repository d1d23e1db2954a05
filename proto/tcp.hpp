#pragma once

// TCP header (RFC 9293) over IPv4 with the options a trading session uses: MSS (RFC 9293), window
// scale and timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018). The checksum covers
// the IPv4 pseudo-header, the TCP header and the payload.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::size_t kTcpMinHeaderSize = 20;
inline constexpr std::size_t kTcpMaxHeaderSize = 60;

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;
inline constexpr std::uint8_t kTcpEce = 0x40;
inline constexpr std::uint8_t kTcpCwr = 0x80;

// Option kinds.
inline constexpr std::uint8_t kTcpOptionEnd = 0;
inline constexpr std::uint8_t kTcpOptionNop = 1;
inline constexpr std::uint8_t kTcpOptionMss = 2;
inline constexpr std::uint8_t kTcpOptionWindowScale = 3;
inline constexpr std::uint8_t kTcpOptionSackPermitted = 4;
inline constexpr std::uint8_t kTcpOptionSack = 5;
inline constexpr std::uint8_t kTcpOptionTimestamps = 8;

struct TcpOptions {
    bool has_mss = false;
    std::uint16_t mss = 0;
    bool has_window_scale = false;
    std::uint8_t window_scale = 0;  // shift count (at most 14, RFC 7323 section 2.3)
    bool sack_permitted = false;
    bool has_timestamps = false;
    std::uint32_t timestamp_value = 0;
    std::uint32_t timestamp_echo = 0;
    std::uint8_t sack_block_count = 0;  // received only; at most 4
    std::array<std::array<std::uint32_t, 2>, 4> sack_blocks{};

    bool operator==(const TcpOptions&) const noexcept = default;
};

struct TcpHeader {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint32_t sequence_number = 0;
    std::uint32_t acknowledgment_number = 0;
    std::uint8_t header_size = kTcpMinHeaderSize;  // data offset * 4
    std::uint8_t flags = 0;                        // CWR ... FIN (the low 8 flag bits)
    std::uint16_t window = 0;
    std::uint16_t checksum = 0;
    std::uint16_t urgent_pointer = 0;
};

struct TcpParse {
    TcpHeader header;
    TcpOptions options;
    std::span<const std::uint8_t> payload;
    bool checksum_ok = false;
};

// Parses the segment in `bytes` (the whole IPv4 payload). kBadLength: data offset below 5;
// kTruncated: header past the end; kBadValue: an option whose length is impossible or runs past
// the header. Unknown options are skipped.
[[nodiscard]] Status parse_tcp(std::span<const std::uint8_t> bytes, std::uint32_t source_ip,
                               std::uint32_t destination_ip, TcpParse& parsed) noexcept;

// Parses only the option bytes (between the fixed header and the data).
[[nodiscard]] Status parse_tcp_options(std::span<const std::uint8_t> bytes,
                                       TcpOptions& options) noexcept;

// Writes header (with the options that are set, padded to 4 bytes with NOPs; SACK blocks are
// not written), then the payload, and the checksum. header.header_size and checksum are ignored.
// Returns the segment size, or 0 if `out` is too small. `payload` must not overlap `out`.
[[nodiscard]] std::size_t write_tcp(const TcpHeader& header, const TcpOptions& options,
                                    std::uint32_t source_ip, std::uint32_t destination_ip,
                                    std::span<const std::uint8_t> payload,
                                    std::span<std::uint8_t> out) noexcept;

// The size of the options write_tcp() writes for `options`.
[[nodiscard]] std::size_t tcp_options_size(const TcpOptions& options) noexcept;

}  // namespace tb::proto
