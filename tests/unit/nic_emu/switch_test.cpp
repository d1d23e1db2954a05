// The switch (nic_emu/switch.hpp) and its IGMP reader (nic_emu/igmp.hpp): learning, flooding,
// filtering, static entries, multicast by group from configuration and from IGMP snooping, the
// mirror port, bad configuration and bad IGMP.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "nic_emu/igmp.hpp"
#include "nic_emu/switch.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using namespace tb::nic;
using tb::proto::MacAddress;
using test::Bytes;

constexpr MacAddress kA = {0x02, 0, 0, 0, 0, 0xA};
constexpr MacAddress kB = {0x02, 0, 0, 0, 0, 0xB};
constexpr MacAddress kC = {0x02, 0, 0, 0, 0, 0xC};
constexpr MacAddress kBroadcast = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

Bytes frame(MacAddress from, MacAddress to) {
    return test::raw_frame(0, 60, from, to);
}

PortMask ports(std::initializer_list<std::uint32_t> list) {
    PortMask mask = 0;
    for (const std::uint32_t p : list) {
        mask |= port_bit(p);
    }
    return mask;
}

TEST(Switch, FloodsUnknownUnicastThenForwardsToTheLearnedPort) {
    Switch s(SwitchConfig{}, 4);
    EXPECT_EQ(s.forward(0, frame(kA, kB)), ports({1, 2, 3}));  // B unknown: flood
    EXPECT_EQ(s.lookup(kA), 0);
    EXPECT_EQ(s.forward(2, frame(kB, kA)), ports({0}));  // A learned on 0
    EXPECT_EQ(s.forward(0, frame(kA, kB)), ports({2}));  // B learned on 2
    EXPECT_EQ(s.counters().flooded, 1u);
    EXPECT_EQ(s.counters().unicast, 2u);
    EXPECT_EQ(s.counters().learned, 2u);
}

TEST(Switch, FiltersFramesForAStationOnTheReceivingPort) {
    Switch s(SwitchConfig{}, 3);
    (void)s.forward(1, frame(kB, kBroadcast));
    EXPECT_EQ(s.forward(1, frame(kA, kB)), 0u);
    EXPECT_EQ(s.counters().filtered, 1u);
}

TEST(Switch, AStationThatMovesIsFollowedButStaticEntriesStay) {
    SwitchConfig config;
    config.macs.push_back({kC, 2});
    Switch s(config, 3);
    (void)s.forward(0, frame(kA, kBroadcast));
    (void)s.forward(1, frame(kA, kBroadcast));
    EXPECT_EQ(s.lookup(kA), 1);
    EXPECT_EQ(s.counters().moved, 1u);
    (void)s.forward(0, frame(kC, kBroadcast));  // a frame from C on port 0 does not move it
    EXPECT_EQ(s.lookup(kC), 2);
    EXPECT_EQ(s.forward(1, frame(kA, kC)), ports({2}));
}

TEST(Switch, WithoutLearningOnlyStaticEntriesAreKnown) {
    SwitchConfig config;
    config.learning = false;
    config.macs.push_back({kB, 1});
    Switch s(config, 3);
    EXPECT_EQ(s.forward(0, frame(kA, kB)), ports({1}));
    EXPECT_EQ(s.forward(1, frame(kB, kA)), ports({0, 2}));  // A never learned
    EXPECT_EQ(s.lookup(kA), -1);
}

TEST(Switch, BroadcastGoesEverywhereButBackAndTheMirror) {
    SwitchConfig config;
    config.mirror_port = 3;
    Switch s(config, 4);
    EXPECT_EQ(s.forward(1, frame(kA, kBroadcast)), ports({0, 2}));
    EXPECT_EQ(s.counters().broadcast, 1u);
}

TEST(Switch, MulticastFollowsStaticGroups) {
    SwitchConfig config;
    config.groups.push_back({test::kFeedA, ports({1, 2})});
    Switch s(config, 4);
    EXPECT_EQ(s.forward(0, test::mold_frame(1, 1, test::kFeedA)), ports({1, 2}));
    EXPECT_EQ(s.forward(1, test::mold_frame(1, 1, test::kFeedA)), ports({2}));
    EXPECT_EQ(s.counters().multicast, 2u);
    // Feed B has no members: flooded by default.
    EXPECT_EQ(s.forward(0, test::mold_frame(1, 1, test::kFeedB)), ports({1, 2, 3}));
    EXPECT_EQ(s.counters().multicast_flooded, 1u);
}

TEST(Switch, UnknownGroupsCanBeDropped) {
    SwitchConfig config;
    config.unknown_multicast = UnknownMulticast::kDrop;
    Switch s(config, 3);
    EXPECT_EQ(s.forward(0, test::mold_frame(1, 1, test::kFeedB)), 0u);
    EXPECT_EQ(s.counters().multicast_dropped, 1u);
}

TEST(Switch, IgmpV2ReportsJoinAndLeavesLeave) {
    SwitchConfig config;
    config.unknown_multicast = UnknownMulticast::kDrop;
    Switch s(config, 4);
    // Reports are addressed to their group; the switch reads them before it forwards them.
    (void)s.forward(2, test::igmp_v2_frame(igmp::kV2Report, test::kFeedA));
    (void)s.forward(3, test::igmp_v2_frame(igmp::kV1Report, test::kFeedA));
    EXPECT_EQ(s.members(test::kFeedA), ports({2, 3}));
    EXPECT_EQ(s.forward(0, test::mold_frame(5, 1, test::kFeedA)), ports({2, 3}));
    // A leave goes to 224.0.0.2, a control group: flooded.
    EXPECT_EQ(s.forward(2, test::igmp_v2_frame(igmp::kLeave, test::kFeedA)), ports({0, 1, 3}));
    EXPECT_EQ(s.forward(0, test::mold_frame(6, 1, test::kFeedA)), ports({3}));
    EXPECT_EQ(s.counters().igmp_joins, 2u);
    EXPECT_EQ(s.counters().igmp_leaves, 1u);
}

TEST(Switch, IgmpV3RecordsJoinAndLeave) {
    Switch s(SwitchConfig{}, 3);
    const std::uint32_t source = test::kExchangeIp;
    const igmp::GroupRecord join[] = {
        {igmp::kChangeToExclude, test::kFeedA, {}},
        {igmp::kAllowNewSources, test::kFeedB, std::span(&source, 1)},
    };
    std::uint8_t message[64];
    std::size_t size = igmp::write_v3_report(join, message);
    ASSERT_GT(size, 0u);
    (void)s.forward(1, test::igmp_frame(std::span(message, size), 0xE0000016));
    EXPECT_EQ(s.members(test::kFeedA), ports({1}));
    EXPECT_EQ(s.members(test::kFeedB), ports({1}));
    const igmp::GroupRecord leave[] = {{igmp::kChangeToInclude, test::kFeedA, {}}};
    size = igmp::write_v3_report(leave, message);
    (void)s.forward(1, test::igmp_frame(std::span(message, size), 0xE0000016));
    EXPECT_EQ(s.members(test::kFeedA), 0u);
    EXPECT_EQ(s.members(test::kFeedB), ports({1}));
}

TEST(Switch, SnoopingCanBeTurnedOffAndStaticMembersStayAfterALeave) {
    SwitchConfig config;
    config.igmp_snooping = false;
    Switch off(config, 3);
    (void)off.forward(1, test::igmp_v2_frame(igmp::kV2Report, test::kFeedA));
    EXPECT_EQ(off.members(test::kFeedA), 0u);

    SwitchConfig with_static;
    with_static.groups.push_back({test::kFeedA, ports({1})});
    Switch on(with_static, 3);
    (void)on.forward(1, test::igmp_v2_frame(igmp::kLeave, test::kFeedA));
    EXPECT_EQ(on.members(test::kFeedA), ports({1}));
}

TEST(Switch, BadIgmpIsCountedAndChangesNothing) {
    Switch s(SwitchConfig{}, 3);
    Bytes report = test::igmp_v2_frame(igmp::kV2Report, test::kFeedA);
    report[14 + 20 + 7] ^= 1;  // the group address, so the checksum fails
    (void)s.forward(1, report);
    EXPECT_EQ(s.counters().igmp_invalid, 1u);
    EXPECT_EQ(s.members(test::kFeedA), 0u);
    EXPECT_EQ(s.members(test::kFeedA ^ 1), 0u);
}

TEST(Switch, ControlGroupsAndNonIpMulticastAreFlooded) {
    Switch s(SwitchConfig{}, 3);
    const MacAddress lldp = {0x01, 0x80, 0xC2, 0, 0, 0x0E};
    EXPECT_EQ(s.forward(0, frame(kA, lldp)), ports({1, 2}));
    EXPECT_EQ(s.counters().multicast_flooded, 1u);
}

TEST(Switch, RuntsAreDropped) {
    Switch s(SwitchConfig{}, 2);
    const Bytes runt(10, 0);
    EXPECT_EQ(s.forward(0, runt), 0u);
    EXPECT_EQ(s.counters().runts, 1u);
}

TEST(Switch, AFullMacTableStopsLearningAndCountsIt) {
    SwitchConfig config;
    config.mac_capacity = 4;
    Switch s(config, 2);
    for (std::uint8_t i = 1; i <= 6; ++i) {
        (void)s.forward(0, frame({0x02, 0, 0, 0, 1, i}, kBroadcast));
    }
    EXPECT_EQ(s.counters().learned, 4u);
    EXPECT_EQ(s.counters().mac_table_full, 2u);
    EXPECT_EQ(s.mac_entries().size(), 4u);
}

TEST(Switch, ReportsTablesInAddressOrder) {
    SwitchConfig config;
    config.macs.push_back({kC, 1});
    config.groups.push_back({test::kFeedB, ports({0})});
    config.groups.push_back({test::kFeedA, ports({1})});
    Switch s(config, 2);
    (void)s.forward(0, frame(kB, kBroadcast));
    (void)s.forward(1, frame(kA, kBroadcast));
    const auto macs = s.mac_entries();
    ASSERT_EQ(macs.size(), 3u);
    EXPECT_EQ(macs[0].mac, kA);
    EXPECT_EQ(macs[1].mac, kB);
    EXPECT_EQ(macs[2].mac, kC);
    EXPECT_TRUE(macs[2].is_static);
    const auto groups = s.group_entries();
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].group, test::kFeedA);
}

TEST(Switch, RejectsBadConfiguration) {
    using tb::core::ConfigError;
    EXPECT_THROW(Switch(SwitchConfig{}, 0), ConfigError);
    EXPECT_THROW(Switch(SwitchConfig{}, 65), ConfigError);
    SwitchConfig mirror;
    mirror.mirror_port = 2;
    EXPECT_THROW(Switch(mirror, 2), ConfigError);
    SwitchConfig mac;
    mac.macs.push_back({kA, 5});
    EXPECT_THROW(Switch(mac, 2), ConfigError);
    SwitchConfig group;
    group.mirror_port = 1;
    group.groups.push_back({test::kFeedA, ports({1})});
    EXPECT_THROW(Switch(group, 2), ConfigError);
}

TEST(Igmp, RejectsTruncatedAndUnknownMessages) {
    std::uint8_t message[igmp::kV2Size];
    ASSERT_EQ(igmp::write_v2(igmp::kQuery, 0, message), igmp::kV2Size);
    int calls = 0;
    const auto count = [&](std::uint32_t, bool) { ++calls; };
    EXPECT_EQ(igmp::for_each_membership(message, count), tb::proto::Status::kUnknownType);
    EXPECT_EQ(igmp::for_each_membership(std::span(message, 7), count),
              tb::proto::Status::kTruncated);
    const igmp::GroupRecord record[] = {{igmp::kModeIsExclude, test::kFeedA, {}}};
    std::uint8_t v3[32];
    const std::size_t size = igmp::write_v3_report(record, v3);
    ASSERT_EQ(size, 16u);
    // Claim two records: the second runs past the end. Fix the checksum so only the length is
    // wrong.
    v3[7] = 2;
    v3[2] = 0;
    v3[3] = 0;
    tb::core::store_be16(v3 + 2, tb::proto::internet_checksum(std::span(v3, size)));
    EXPECT_EQ(igmp::for_each_membership(std::span(v3, size), count), tb::proto::Status::kTruncated);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(igmp::write_v2(igmp::kV2Report, 0, std::span(message, 4)), 0u);
}

}  // namespace
