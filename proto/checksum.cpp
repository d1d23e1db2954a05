#include "proto/checksum.hpp"

namespace tb::proto {

std::uint64_t checksum_add(std::uint64_t sum, std::span<const std::uint8_t> bytes) noexcept {
    const std::uint8_t* p = bytes.data();
    std::size_t n = bytes.size();
    while (n >= 2) {
        sum += static_cast<std::uint32_t>(p[0]) << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n == 1) {
        sum += static_cast<std::uint32_t>(p[0]) << 8;
    }
    return sum;
}

std::uint16_t checksum_finish(std::uint64_t sum) noexcept {
    while (sum >> 16 != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

}  // namespace tb::proto
