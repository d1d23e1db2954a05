#pragma once

// The emulated Ethernet switch: decides which ports a frame received on one port goes to.
//
//  - Unicast: by a MAC table of static entries and addresses learned from source addresses (a
//    station that appears on another port moves there; static entries never move). Unknown
//    destinations are flooded; a destination on the receiving port is filtered (dropped).
//    Entries do not age: a run is short and deterministic.
//  - Broadcast: every other port.
//  - IPv4 multicast (01:00:5e MACs): by group address, to the union of the group's static ports
//    and the ports that joined it by IGMP (snooping: v1/v2 reports, v2 leaves, v3 reports; see
//    igmp.hpp). Groups in 224.0.0.0/24 (link-local control, IGMP itself) are flooded. A group
//    without members is flooded or dropped (SwitchConfig::unknown_multicast). Other multicast
//    is flooded.
//  - Mirror: one port may be the mirror (SPAN) port; it takes no part in forwarding, and the
//    emulator copies every frame the switch forwards to it.
// VLAN tags are carried but not used for forwarding (one broadcast domain).
//
// Tables are sized at construction (open addressing, at most half full) and never grow:
// forward() does not allocate. Thread rules: one owner.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "proto/ethernet.hpp"

namespace tb::nic {

inline constexpr std::uint32_t kMaxPorts = 64;
using PortMask = std::uint64_t;

[[nodiscard]] constexpr PortMask port_bit(std::uint32_t port) noexcept {
    return PortMask{1} << port;
}

enum class UnknownMulticast : std::uint8_t { kFlood, kDrop };

struct StaticMac {
    proto::MacAddress mac{};
    std::uint32_t port = 0;
};

struct StaticGroup {
    std::uint32_t group = 0;  // IPv4, host order
    PortMask ports = 0;
};

struct SwitchConfig {
    bool learning = true;
    bool igmp_snooping = true;
    UnknownMulticast unknown_multicast = UnknownMulticast::kFlood;
    std::vector<StaticMac> macs;
    std::vector<StaticGroup> groups;
    std::uint32_t mac_capacity = 4096;   // static and learned entries
    std::uint32_t group_capacity = 256;  // static and snooped groups
    int mirror_port = -1;                // -1: none
};

struct SwitchCounters {
    std::uint64_t unicast = 0;  // to the one port the table names
    std::uint64_t flooded = 0;  // unknown unicast, to every other port
    std::uint64_t broadcast = 0;
    std::uint64_t multicast = 0;          // to a group's members
    std::uint64_t multicast_flooded = 0;  // control groups, non-IP, and unknown groups (flood)
    std::uint64_t multicast_dropped = 0;  // unknown groups (drop)
    std::uint64_t filtered = 0;           // destination is on the receiving port
    std::uint64_t runts = 0;              // shorter than an Ethernet header
    std::uint64_t learned = 0;
    std::uint64_t moved = 0;
    std::uint64_t mac_table_full = 0;
    std::uint64_t igmp_joins = 0;
    std::uint64_t igmp_leaves = 0;
    std::uint64_t igmp_invalid = 0;
    std::uint64_t group_table_full = 0;

    template <class F>
    void visit(F&& f) const {
        f("unicast", unicast);
        f("flooded", flooded);
        f("broadcast", broadcast);
        f("multicast", multicast);
        f("multicast_flooded", multicast_flooded);
        f("multicast_dropped", multicast_dropped);
        f("filtered", filtered);
        f("runts", runts);
        f("learned", learned);
        f("moved", moved);
        f("mac_table_full", mac_table_full);
        f("igmp_joins", igmp_joins);
        f("igmp_leaves", igmp_leaves);
        f("igmp_invalid", igmp_invalid);
        f("group_table_full", group_table_full);
    }
};

class Switch {
public:
    // Throws core::ConfigError for a port number >= port_count, a mirror port in a group or a
    // MAC entry, more static entries than capacity, or port_count above kMaxPorts.
    Switch(const SwitchConfig& config, std::uint32_t port_count);

    // The ports a frame received on `ingress` goes to (never `ingress`, never the mirror port);
    // learns its source and snoops IGMP on the way.
    [[nodiscard]] PortMask forward(std::uint32_t ingress,
                                   std::span<const std::uint8_t> frame) noexcept;

    // The port a MAC is known on, or -1.
    [[nodiscard]] int lookup(const proto::MacAddress& mac) const noexcept;
    // The ports a group is delivered to (static and snooped).
    [[nodiscard]] PortMask members(std::uint32_t group) const noexcept;

    struct MacEntry {
        proto::MacAddress mac{};
        std::uint32_t port = 0;
        bool is_static = false;
    };
    struct GroupEntry {
        std::uint32_t group = 0;
        PortMask static_ports = 0;
        PortMask snooped_ports = 0;
    };
    // Table contents sorted by address, for reports.
    [[nodiscard]] std::vector<MacEntry> mac_entries() const;
    [[nodiscard]] std::vector<GroupEntry> group_entries() const;

    [[nodiscard]] const SwitchCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::uint32_t port_count() const noexcept { return port_count_; }
    [[nodiscard]] int mirror_port() const noexcept { return mirror_port_; }

private:
    struct MacSlot {
        std::uint64_t key = 0;  // MAC in the low 48 bits (memory order), bit 48 set; 0: empty
        std::uint32_t port = 0;
        bool is_static = false;
    };
    struct GroupSlot {
        std::uint32_t group = 0;
        bool used = false;
        PortMask static_ports = 0;
        PortMask snooped_ports = 0;
    };

    // Reads eight bytes at `mac` (the two after the address are ignored): the six bytes as
    // they lie in memory, byte i in bits 8i..8i+7, and bit 48 set so that no key is 0.
    [[nodiscard]] static std::uint64_t mac_key(const std::uint8_t* mac) noexcept {
        std::uint64_t word = 0;
        std::memcpy(&word, mac, sizeof word);
        if constexpr (std::endian::native == std::endian::big) {
            word = __builtin_bswap64(word);
        }
        return (word & 0xFFFF'FFFF'FFFFULL) | (std::uint64_t{1} << 48);
    }
    [[nodiscard]] static std::uint64_t mac_key(const proto::MacAddress& mac) noexcept;
    [[nodiscard]] static std::uint64_t hash64(std::uint64_t key) noexcept {
        key ^= key >> 33;
        key *= 0xFF51AFD7ED558CCDULL;
        key ^= key >> 33;
        return key;
    }
    // The slot holding `key`, or the empty slot where it would go. The table is never more
    // than half full, so the probe always ends.
    [[nodiscard]] MacSlot* find_mac(std::uint64_t key) noexcept {
        std::uint64_t i = hash64(key) & mac_mask_;
        while (macs_[i].key != key && macs_[i].key != 0) {
            i = (i + 1) & mac_mask_;
        }
        return &macs_[i];
    }
    [[nodiscard]] const MacSlot* find_mac(std::uint64_t key) const noexcept {
        return const_cast<Switch*>(this)->find_mac(key);
    }
    [[nodiscard]] GroupSlot* find_group(std::uint32_t group, bool insert) noexcept;
    [[nodiscard]] const GroupSlot* find_group(std::uint32_t group) const noexcept;
    void learn(std::uint64_t key, std::uint32_t port) noexcept;
    [[nodiscard]] PortMask forward_multicast(std::uint32_t ingress,
                                             std::span<const std::uint8_t> frame,
                                             PortMask others) noexcept;
    void snoop(std::uint32_t ingress, std::span<const std::uint8_t> igmp) noexcept;

    std::uint32_t port_count_;
    int mirror_port_;
    bool learning_;
    bool snooping_;
    UnknownMulticast unknown_multicast_;
    PortMask all_ports_;  // every port but the mirror
    std::vector<MacSlot> macs_;
    std::uint64_t mac_mask_;
    std::uint32_t mac_count_ = 0;
    std::uint32_t mac_limit_;
    std::vector<GroupSlot> groups_;
    std::uint64_t group_mask_;
    std::uint32_t group_count_ = 0;
    std::uint32_t group_limit_;
    // The source last learned on each port: a stream from one station skips the table.
    std::array<std::uint64_t, kMaxPorts> last_source_{};
    SwitchCounters counters_;
};

}  // namespace tb::nic
