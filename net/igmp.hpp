#pragma once

// IGMPv2 host side (RFC 2236): group membership for multicast receive. Joining a group sends an
// unsolicited Membership Report (repeated, section 3) so that a snooping switch forwards the
// group to us; leaving sends Leave Group to 224.0.0.2; queries are answered after a random delay
// up to their Max Response Time, and a report heard from another member for the same group
// suppresses ours (section 3). Version 3 queries are answered as version 2 queries (RFC 3376
// section 7.2.1 lets a v2 host do so).
//
// RFC 2236 asks for the IP Router Alert option in every IGMP message; the stack never sends IP
// options, so reports go without it (Linux and snooping switches accept them).
//
// The 8-byte IGMP message codec is here because proto/ has none yet; it belongs in proto/.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/random.hpp"
#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/ipv4.hpp"
#include "net/timer_heap.hpp"
#include "proto/status.hpp"

namespace tb::net {

inline constexpr std::uint8_t kIpProtocolIgmp = 2;
inline constexpr std::size_t kIgmpSize = 8;
inline constexpr std::uint8_t kIgmpMembershipQuery = 0x11;
inline constexpr std::uint8_t kIgmpV1MembershipReport = 0x12;
inline constexpr std::uint8_t kIgmpV2MembershipReport = 0x16;
inline constexpr std::uint8_t kIgmpLeaveGroup = 0x17;
inline constexpr std::uint32_t kAllHostsGroup = 0xE0000001;    // 224.0.0.1
inline constexpr std::uint32_t kAllRoutersGroup = 0xE0000002;  // 224.0.0.2

struct IgmpMessage {
    std::uint8_t type = kIgmpV2MembershipReport;
    std::uint8_t max_response_time = 0;  // tenths of a second (queries)
    std::uint32_t group = 0;             // host order; 0 in a general query
};

// Parses an IGMP message (at least 8 bytes; longer IGMPv3 messages parse by their first 8) and
// verifies its checksum over all of `bytes` into checksum_ok.
[[nodiscard]] proto::Status parse_igmp(std::span<const std::uint8_t> bytes, IgmpMessage& message,
                                       bool& checksum_ok) noexcept;
// Writes 8 bytes with the checksum; returns 8, or 0 when `out` is too small.
[[nodiscard]] std::size_t write_igmp(const IgmpMessage& message,
                                     std::span<std::uint8_t> out) noexcept;

class Igmp {
public:
    Igmp(const StackConfig& config, Ipv4& ip, TimerHeap& timers, std::uint32_t timer_id,
         StackCounters& counters);

    // Joins `group` (reference counted); the group's slot, or -1 when the table is full or the
    // address is not a multicast group we may join (224.0.0.0/24 is link-local control).
    [[nodiscard]] int join(std::uint32_t group, std::int64_t now_ns) noexcept;
    // Drops one reference; the last one leaves the group. False when not joined.
    bool leave(std::uint32_t group, std::int64_t now_ns) noexcept;
    // The slot of a joined group, or -1.
    [[nodiscard]] int find(std::uint32_t group) const noexcept;
    // The group in a slot find() or join() returned.
    [[nodiscard]] std::uint32_t group_at(int slot) const noexcept {
        return groups_[static_cast<std::uint32_t>(slot)].address;
    }
    // Whether datagrams to `destination` (a multicast address) are for us.
    [[nodiscard]] bool accepts(std::uint32_t destination) const noexcept {
        return destination == kAllHostsGroup || find(destination) >= 0;
    }

    void input(const IgmpMessage& message, std::int64_t now_ns) noexcept;
    void on_timer(std::int64_t now_ns) noexcept;

private:
    struct Group {
        std::uint32_t address = 0;
        std::uint32_t references = 0;
        std::int64_t report_ns = kNever;  // next report due
        std::uint32_t unsolicited_left = 0;
    };

    void send(std::uint8_t type, std::uint32_t group, std::uint32_t destination,
              std::int64_t now_ns) noexcept;
    void rearm() noexcept;

    const StackConfig& config_;
    Ipv4& ip_;
    TimerHeap& timers_;
    std::uint32_t timer_id_;
    StackCounters& counters_;
    std::vector<Group> groups_;
    core::Rng rng_;
};

}  // namespace tb::net
