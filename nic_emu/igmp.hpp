#pragma once

// IGMP membership messages, as far as a snooping switch reads them: v1 and v2 reports and the
// v2 leave (RFC 2236, section 2), and v3 reports with their group records (RFC 3376, section
// 4.2). Queries carry no membership and are ignored. Source filters of v3 are not kept: a
// record that asks for any traffic of a group joins it, one that asks for none leaves it.
//
// proto/ has no IGMP codec yet; this is the smallest piece the switch needs and belongs there.

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/endian.hpp"
#include "proto/checksum.hpp"
#include "proto/status.hpp"

namespace tb::nic::igmp {

inline constexpr std::uint8_t kIpProtocol = 2;
inline constexpr std::uint8_t kQuery = 0x11;
inline constexpr std::uint8_t kV1Report = 0x12;
inline constexpr std::uint8_t kV2Report = 0x16;
inline constexpr std::uint8_t kLeave = 0x17;
inline constexpr std::uint8_t kV3Report = 0x22;

// v3 group record types (RFC 3376, section 4.2.12).
inline constexpr std::uint8_t kModeIsInclude = 1;
inline constexpr std::uint8_t kModeIsExclude = 2;
inline constexpr std::uint8_t kChangeToInclude = 3;
inline constexpr std::uint8_t kChangeToExclude = 4;
inline constexpr std::uint8_t kAllowNewSources = 5;
inline constexpr std::uint8_t kBlockOldSources = 6;

inline constexpr std::size_t kV2Size = 8;
inline constexpr std::size_t kV3HeaderSize = 8;
inline constexpr std::size_t kV3RecordHeaderSize = 8;

// Calls on_membership(std::uint32_t group, bool joined) for every group a report joins or a
// leave leaves (group in host order). The checksum must verify (kBadChecksum). kTruncated: the
// message or a record runs past the bytes; kUnknownType: a type other than the reports and the
// leave (a query, for example); nothing is reported unless the whole message is valid.
template <class OnMembership>
[[nodiscard]] proto::Status for_each_membership(std::span<const std::uint8_t> message,
                                                OnMembership&& on_membership) noexcept {
    if (message.size() < kV2Size) {
        return proto::Status::kTruncated;
    }
    if (proto::internet_checksum(message) != 0) {
        return proto::Status::kBadChecksum;
    }
    const std::uint8_t type = message[0];
    if (type == kV1Report || type == kV2Report || type == kLeave) {
        on_membership(core::load_be32(message.data() + 4), type != kLeave);
        return proto::Status::kOk;
    }
    if (type != kV3Report) {
        return proto::Status::kUnknownType;
    }
    const std::size_t records = core::load_be16(message.data() + 6);
    // Walk once to validate, once to report.
    std::size_t at = kV3HeaderSize;
    for (std::size_t i = 0; i < records; ++i) {
        if (message.size() - at < kV3RecordHeaderSize) {
            return proto::Status::kTruncated;
        }
        const std::size_t sources = core::load_be16(message.data() + at + 2);
        const std::size_t size = kV3RecordHeaderSize + 4 * sources + 4 * message[at + 1];
        if (message.size() - at < size) {
            return proto::Status::kTruncated;
        }
        at += size;
    }
    at = kV3HeaderSize;
    for (std::size_t i = 0; i < records; ++i) {
        const std::uint8_t record_type = message[at];
        const std::size_t sources = core::load_be16(message.data() + at + 2);
        const std::uint32_t group = core::load_be32(message.data() + at + 4);
        switch (record_type) {
            case kModeIsExclude:
            case kChangeToExclude:
                on_membership(group, true);
                break;
            case kModeIsInclude:
            case kChangeToInclude:
                on_membership(group, sources > 0);
                break;
            case kAllowNewSources:
                if (sources > 0) {
                    on_membership(group, true);
                }
                break;
            default:
                break;  // block-old-sources and unknown records change no membership here
        }
        at += kV3RecordHeaderSize + 4 * sources + 4 * message[at + 1];
    }
    return proto::Status::kOk;
}

// Writes a v1/v2 report or a leave (8 bytes, with checksum); returns 8, or 0 if out is too
// small.
[[nodiscard]] std::size_t write_v2(std::uint8_t type, std::uint32_t group,
                                   std::span<std::uint8_t> out) noexcept;

struct GroupRecord {
    std::uint8_t type = kChangeToExclude;
    std::uint32_t group = 0;
    std::span<const std::uint32_t> sources;
};

// Writes a v3 report with the given records; returns its size, or 0 if out is too small.
[[nodiscard]] std::size_t write_v3_report(std::span<const GroupRecord> records,
                                          std::span<std::uint8_t> out) noexcept;

}  // namespace tb::nic::igmp
