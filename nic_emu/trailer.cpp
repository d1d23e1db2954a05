#include "nic_emu/trailer.hpp"

#include <array>
#include <cstring>

#include "core/endian.hpp"

namespace tb::nic {
namespace {

// Reflected CRC-32, polynomial 0x04C11DB7 (reversed 0xEDB88320), one table lookup per byte.
constexpr std::array<std::uint32_t, 256> make_crc_table() noexcept {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

}  // namespace

std::uint32_t ethernet_crc32(std::span<const std::uint8_t> bytes) noexcept {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const std::uint8_t byte : bytes) {
        crc = kCrcTable[(crc ^ byte) & 0xFF] ^ (crc >> 8);
    }
    return crc ^ 0xFFFFFFFFu;
}

Trailer make_trailer(std::span<const std::uint8_t> padded_frame, std::int64_t time_ns,
                     std::uint16_t device, std::uint8_t port) noexcept {
    Trailer trailer;
    // The FCS goes on the wire least significant byte first; the trailer's field holds those
    // four bytes, so it is the CRC with its bytes swapped when read big-endian.
    trailer.original_fcs = __builtin_bswap32(ethernet_crc32(padded_frame));
    const std::int64_t seconds = time_ns >= 0 ? time_ns / kNsPerSecond : 0;
    trailer.seconds = static_cast<std::uint32_t>(seconds);
    trailer.nanoseconds = static_cast<std::uint32_t>(time_ns >= 0 ? time_ns % kNsPerSecond : 0);
    trailer.flags = kTrailerFcsValid;
    trailer.device = device;
    trailer.port = port;
    return trailer;
}

void write_trailer(const Trailer& trailer, std::uint8_t* out) noexcept {
    core::store_be32(out, trailer.original_fcs);
    core::store_be32(out + 4, trailer.seconds);
    core::store_be32(out + 8, trailer.nanoseconds);
    out[12] = trailer.flags;
    core::store_be16(out + 13, trailer.device);
    out[15] = trailer.port;
}

proto::Status parse_trailer(std::span<const std::uint8_t> frame, Trailer& trailer) noexcept {
    if (frame.size() < kTrailerSize) {
        return proto::Status::kTruncated;
    }
    const std::uint8_t* p = frame.data() + frame.size() - kTrailerSize;
    Trailer t;
    t.original_fcs = core::load_be32(p);
    t.seconds = core::load_be32(p + 4);
    t.nanoseconds = core::load_be32(p + 8);
    t.flags = p[12];
    t.device = core::load_be16(p + 13);
    t.port = p[15];
    if (t.nanoseconds >= kNsPerSecond || (t.flags & kTrailerHasExtensions) != 0) {
        return proto::Status::kBadValue;
    }
    trailer = t;
    return proto::Status::kOk;
}

std::size_t append_trailer(std::span<std::uint8_t> buffer, std::size_t length, std::int64_t time_ns,
                           std::uint16_t device, std::uint8_t port) noexcept {
    const std::size_t padded = length < kTrailerMinFrame ? kTrailerMinFrame : length;
    if (buffer.size() < padded + kTrailerSize) {
        return 0;
    }
    std::memset(buffer.data() + length, 0, padded - length);
    const Trailer trailer = make_trailer(buffer.first(padded), time_ns, device, port);
    write_trailer(trailer, buffer.data() + padded);
    return padded + kTrailerSize;
}

}  // namespace tb::nic
