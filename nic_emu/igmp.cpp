#include "nic_emu/igmp.hpp"

#include <cstring>

namespace tb::nic::igmp {

std::size_t write_v2(std::uint8_t type, std::uint32_t group, std::span<std::uint8_t> out) noexcept {
    if (out.size() < kV2Size) {
        return 0;
    }
    std::uint8_t* p = out.data();
    p[0] = type;
    p[1] = 0;  // max response time: only queries use it
    core::store_be16(p + 2, 0);
    core::store_be32(p + 4, group);
    core::store_be16(p + 2, proto::internet_checksum(out.first(kV2Size)));
    return kV2Size;
}

std::size_t write_v3_report(std::span<const GroupRecord> records,
                            std::span<std::uint8_t> out) noexcept {
    std::size_t size = kV3HeaderSize;
    for (const GroupRecord& record : records) {
        size += kV3RecordHeaderSize + 4 * record.sources.size();
    }
    if (out.size() < size || records.size() > 0xFFFF) {
        return 0;
    }
    std::uint8_t* p = out.data();
    std::memset(p, 0, kV3HeaderSize);
    p[0] = kV3Report;
    core::store_be16(p + 6, static_cast<std::uint16_t>(records.size()));
    std::size_t at = kV3HeaderSize;
    for (const GroupRecord& record : records) {
        p[at] = record.type;
        p[at + 1] = 0;  // no auxiliary data
        core::store_be16(p + at + 2, static_cast<std::uint16_t>(record.sources.size()));
        core::store_be32(p + at + 4, record.group);
        at += kV3RecordHeaderSize;
        for (const std::uint32_t source : record.sources) {
            core::store_be32(p + at, source);
            at += 4;
        }
    }
    core::store_be16(p + 2, proto::internet_checksum(out.first(size)));
    return size;
}

}  // namespace tb::nic::igmp
