#include "nic_emu/switch.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "nic_emu/igmp.hpp"
#include "proto/ipv4.hpp"

namespace tb::nic {
namespace {

// 224.0.0.0/24: local network control block (RFC 5771), always flooded.
constexpr std::uint32_t kLocalControlBlock = 0xE0000000;

std::size_t table_size(std::uint32_t entries) {
    std::size_t size = 16;
    while (size < 2 * static_cast<std::size_t>(entries)) {
        size <<= 1;
    }
    return size;
}

}  // namespace

Switch::Switch(const SwitchConfig& config, std::uint32_t port_count)
    : port_count_(port_count),
      mirror_port_(config.mirror_port),
      learning_(config.learning),
      snooping_(config.igmp_snooping),
      unknown_multicast_(config.unknown_multicast),
      macs_(table_size(config.mac_capacity)),
      mac_mask_(macs_.size() - 1),
      mac_limit_(config.mac_capacity),
      groups_(table_size(config.group_capacity)),
      group_mask_(groups_.size() - 1),
      group_limit_(config.group_capacity) {
    using core::ConfigError;
    if (port_count == 0 || port_count > kMaxPorts) {
        throw ConfigError("the switch takes 1 to " + std::to_string(kMaxPorts) + " ports, not " +
                          std::to_string(port_count));
    }
    if (mirror_port_ >= static_cast<int>(port_count)) {
        throw ConfigError("mirror port " + std::to_string(mirror_port_) + " does not exist (" +
                          std::to_string(port_count) + " ports)");
    }
    all_ports_ = port_count == 64 ? ~PortMask{0} : port_bit(port_count) - 1;
    const PortMask mirror =
        mirror_port_ >= 0 ? port_bit(static_cast<std::uint32_t>(mirror_port_)) : PortMask{0};
    all_ports_ &= ~mirror;
    if (config.macs.size() > mac_limit_) {
        throw ConfigError(std::to_string(config.macs.size()) +
                          " static MAC entries do not fit a table of " +
                          std::to_string(mac_limit_));
    }
    for (const StaticMac& entry : config.macs) {
        if (entry.port >= port_count || port_bit(entry.port) == mirror) {
            throw ConfigError("static MAC " + proto::format_mac(entry.mac) + " names port " +
                              std::to_string(entry.port) +
                              ", which does not exist or is the mirror port");
        }
        const std::uint64_t key = mac_key(entry.mac);
        MacSlot* slot = find_mac(key);
        if (slot->key == 0) {
            ++mac_count_;
        }
        *slot = MacSlot{key, entry.port, true};
    }
    if (config.groups.size() > group_limit_) {
        throw ConfigError(std::to_string(config.groups.size()) +
                          " static groups do not fit a table of " + std::to_string(group_limit_));
    }
    for (const StaticGroup& entry : config.groups) {
        if ((entry.ports & ~all_ports_) != 0) {
            throw ConfigError("static group " + proto::format_ipv4(entry.group) +
                              " names a port that does not exist or is the mirror port");
        }
        GroupSlot* slot = find_group(entry.group, true);
        slot->static_ports |= entry.ports;
    }
}

std::uint64_t Switch::mac_key(const proto::MacAddress& mac) noexcept {
    std::uint8_t bytes[8] = {};
    std::memcpy(bytes, mac.data(), mac.size());
    return mac_key(bytes);
}

Switch::GroupSlot* Switch::find_group(std::uint32_t group, bool insert) noexcept {
    std::uint64_t i = hash64(group) & group_mask_;
    while (groups_[i].used && groups_[i].group != group) {
        i = (i + 1) & group_mask_;
    }
    if (!groups_[i].used) {
        if (!insert || group_count_ == group_limit_) {
            return nullptr;
        }
        groups_[i].used = true;
        groups_[i].group = group;
        ++group_count_;
    }
    return &groups_[i];
}

const Switch::GroupSlot* Switch::find_group(std::uint32_t group) const noexcept {
    return const_cast<Switch*>(this)->find_group(group, false);
}

int Switch::lookup(const proto::MacAddress& mac) const noexcept {
    const MacSlot* slot = find_mac(mac_key(mac));
    return slot->key == 0 ? -1 : static_cast<int>(slot->port);
}

PortMask Switch::members(std::uint32_t group) const noexcept {
    const GroupSlot* slot = find_group(group);
    return slot == nullptr ? 0 : slot->static_ports | slot->snooped_ports;
}

void Switch::learn(std::uint64_t key, std::uint32_t port) noexcept {
    MacSlot* slot = find_mac(key);
    if (slot->key == key) {
        if (!slot->is_static && slot->port != port) {
            slot->port = port;
            ++counters_.moved;
            // Another port may remember this station as its last source: it must look again.
            for (std::uint64_t& last : last_source_) {
                if (last == key) {
                    last = 0;
                }
            }
        }
        last_source_[port] = key;
        return;
    }
    if (mac_count_ == mac_limit_) {
        ++counters_.mac_table_full;
        return;
    }
    *slot = MacSlot{key, port, false};
    ++mac_count_;
    ++counters_.learned;
    last_source_[port] = key;
}

void Switch::snoop(std::uint32_t ingress, std::span<const std::uint8_t> message) noexcept {
    const proto::Status status =
        igmp::for_each_membership(message, [&](std::uint32_t group, bool joined) {
            GroupSlot* slot = find_group(group, joined);
            if (slot == nullptr) {
                if (joined) {
                    ++counters_.group_table_full;
                }
                return;
            }
            if (joined) {
                slot->snooped_ports |= port_bit(ingress);
                ++counters_.igmp_joins;
            } else {
                slot->snooped_ports &= ~port_bit(ingress);
                ++counters_.igmp_leaves;
            }
        });
    if (status != proto::Status::kOk && status != proto::Status::kUnknownType) {
        ++counters_.igmp_invalid;
    }
}

PortMask Switch::forward_multicast(std::uint32_t ingress, std::span<const std::uint8_t> frame,
                                   PortMask others) noexcept {
    proto::EthernetHeader ethernet;
    std::span<const std::uint8_t> payload;
    proto::Ipv4Parse ip;
    const bool ipv4_mac = frame[0] == 0x01 && frame[1] == 0x00 && frame[2] == 0x5E;
    if (!ipv4_mac || proto::parse_ethernet(frame, ethernet, payload) != proto::Status::kOk ||
        ethernet.ether_type != proto::kEtherTypeIpv4 ||
        proto::parse_ipv4(payload, ip) != proto::Status::kOk) {
        ++counters_.multicast_flooded;
        return others;
    }
    const std::uint32_t group = ip.header.destination;
    if (ip.header.protocol == igmp::kIpProtocol && snooping_) {
        snoop(ingress, ip.payload);
    }
    if ((group & 0xFFFFFF00) == kLocalControlBlock) {
        ++counters_.multicast_flooded;
        return others;
    }
    const PortMask ports = members(group);
    if (ports == 0) {
        if (unknown_multicast_ == UnknownMulticast::kDrop) {
            ++counters_.multicast_dropped;
            return 0;
        }
        ++counters_.multicast_flooded;
        return others;
    }
    ++counters_.multicast;
    return ports & others;
}

PortMask Switch::forward(std::uint32_t ingress, std::span<const std::uint8_t> frame) noexcept {
    if (frame.size() < proto::kEthernetHeaderSize) {
        ++counters_.runts;
        return 0;
    }
    const std::uint8_t* destination = frame.data();
    const std::uint8_t* source = frame.data() + 6;
    if (learning_ && (source[0] & 1) == 0) {
        const std::uint64_t key = mac_key(source);
        if (key != last_source_[ingress]) {
            learn(key, ingress);
        }
    }
    const PortMask others = all_ports_ & ~port_bit(ingress);
    if ((destination[0] & 1) != 0) {
        static constexpr std::uint8_t kBroadcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        if (std::memcmp(destination, kBroadcast, 6) == 0) {
            ++counters_.broadcast;
            return others;
        }
        return forward_multicast(ingress, frame, others);
    }
    const MacSlot* slot = find_mac(mac_key(destination));
    if (slot->key == 0) {
        ++counters_.flooded;
        return others;
    }
    if (slot->port == ingress) {
        ++counters_.filtered;
        return 0;
    }
    ++counters_.unicast;
    return port_bit(slot->port);
}

std::vector<Switch::MacEntry> Switch::mac_entries() const {
    std::vector<MacEntry> entries;
    for (const MacSlot& slot : macs_) {
        if (slot.key == 0) {
            continue;
        }
        MacEntry entry;
        for (std::size_t i = 0; i < 6; ++i) {
            entry.mac[i] = static_cast<std::uint8_t>(slot.key >> (8 * i));
        }
        entry.port = slot.port;
        entry.is_static = slot.is_static;
        entries.push_back(entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const MacEntry& a, const MacEntry& b) { return a.mac < b.mac; });
    return entries;
}

std::vector<Switch::GroupEntry> Switch::group_entries() const {
    std::vector<GroupEntry> entries;
    for (const GroupSlot& slot : groups_) {
        if (slot.used) {
            entries.push_back({slot.group, slot.static_ports, slot.snooped_ports});
        }
    }
    std::sort(entries.begin(), entries.end(),
              [](const GroupEntry& a, const GroupEntry& b) { return a.group < b.group; });
    return entries;
}

}  // namespace tb::nic
