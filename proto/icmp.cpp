#include "proto/icmp.hpp"

#include <cstring>

#include "core/endian.hpp"
#include "proto/checksum.hpp"

namespace tb::proto {

Status parse_icmp_echo(std::span<const std::uint8_t> bytes, IcmpEcho& echo,
                       bool& checksum_ok) noexcept {
    if (bytes.size() < kIcmpEchoHeaderSize) {
        return Status::kTruncated;
    }
    const std::uint8_t type = bytes[0];
    if (type != kIcmpEchoRequest && type != kIcmpEchoReply) {
        return Status::kUnsupported;
    }
    echo.type = type;
    echo.code = bytes[1];
    echo.identifier = core::load_be16(bytes.data() + 4);
    echo.sequence = core::load_be16(bytes.data() + 6);
    echo.data = bytes.subspan(kIcmpEchoHeaderSize);
    checksum_ok = internet_checksum(bytes) == 0;
    return Status::kOk;
}

std::size_t write_icmp_echo(const IcmpEcho& echo, std::span<std::uint8_t> out) noexcept {
    const std::size_t size = kIcmpEchoHeaderSize + echo.data.size();
    if (out.size() < size) {
        return 0;
    }
    std::uint8_t* p = out.data();
    p[0] = echo.type;
    p[1] = echo.code;
    core::store_be16(p + 2, 0);
    core::store_be16(p + 4, echo.identifier);
    core::store_be16(p + 6, echo.sequence);
    if (!echo.data.empty()) {
        std::memmove(p + kIcmpEchoHeaderSize, echo.data.data(), echo.data.size());
    }
    core::store_be16(p + 2, internet_checksum(out.first(size)));
    return size;
}

}  // namespace tb::proto
