// UDP sockets and IGMPv2 membership (net/udp.hpp, net/igmp.hpp): zero-copy receive, checksums,
// multicast filtering, unicast and multicast sends, reports, leaves, queries and suppression.

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "net/igmp.hpp"
#include "proto/checksum.hpp"
#include "tests/unit/net/net_test_support.hpp"

namespace tb::net::test {
namespace {

constexpr std::uint32_t kGroupA = 0xE9360C6F;  // 233.54.12.111
constexpr std::uint32_t kGroupB = 0xE9360C70;  // 233.54.12.112

struct Inbox {
    struct Item {
        DatagramId socket;
        Endpoint source;
        std::uint32_t destination = 0;
        std::vector<std::uint8_t> payload;
        const std::uint8_t* pointer = nullptr;
    };
    std::vector<Item> items;
    void on_datagram(DatagramId s, const Datagram& d) noexcept {
        items.push_back(Item{s, d.source, d.destination_ip,
                             std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()),
                             d.payload.data()});
    }
};

std::vector<std::uint8_t> igmp_frame(std::uint8_t type, std::uint32_t group,
                                     std::uint32_t destination, std::uint8_t max_response = 100) {
    IgmpMessage message;
    message.type = type;
    message.group = group;
    message.max_response_time = max_response;
    std::vector<std::uint8_t> l4(kIgmpSize);
    (void)write_igmp(message, l4);
    return ipv4_frame(kIpProtocolIgmp, l4, destination, kPeerIp, multicast_mac(destination));
}

// IGMP messages among sent frames: (type, group, IP destination).
struct SentIgmp {
    std::uint8_t type;
    std::uint32_t group;
    std::uint32_t destination;
};
std::vector<SentIgmp> igmp_of(const std::vector<Sent>& sent) {
    std::vector<SentIgmp> out;
    for (const Sent& s : sent) {
        EXPECT_EQ(s.status, proto::Status::kOk);
        if (s.parsed.layer3 != proto::Layer3::kIpv4 ||
            s.parsed.ipv4.header.protocol != kIpProtocolIgmp) {
            continue;
        }
        EXPECT_EQ(s.parsed.ipv4.header.ttl, 1);  // RFC 2236 section 2
        EXPECT_EQ(s.parsed.ethernet.destination, multicast_mac(s.parsed.ipv4.header.destination));
        IgmpMessage m;
        bool checksum_ok = false;
        EXPECT_EQ(parse_igmp(s.parsed.ipv4.payload, m, checksum_ok), proto::Status::kOk);
        EXPECT_TRUE(checksum_ok);
        out.push_back({m.type, m.group, s.parsed.ipv4.header.destination});
    }
    return out;
}

class UdpTest : public ::testing::Test {
protected:
    UdpTest() {
        socket = h.stack().open_datagram(26477, DatagramEvents::bind(inbox));
        EXPECT_TRUE(socket.valid());
    }
    Harness h;
    Inbox inbox;
    DatagramId socket;
};

TEST_F(UdpTest, DatagramReachesTheCallbackInsideTheReceivedFrame) {
    h.inject(udp_frame(1234, 26477, bytes_of("market data")));
    const std::uint8_t* frame = rte_pktmbuf_mtod(h.port().rx.back(), const std::uint8_t*);
    h.poll();
    ASSERT_EQ(inbox.items.size(), 1U);
    EXPECT_EQ(inbox.items[0].payload, bytes_of("market data"));
    EXPECT_EQ(inbox.items[0].pointer, frame + 42);  // zero copy
    EXPECT_EQ(inbox.items[0].source, (Endpoint{kPeerIp, 1234}));
    EXPECT_EQ(inbox.items[0].destination, kStackIp);
    EXPECT_EQ(inbox.items[0].socket, socket);
}

TEST_F(UdpTest, ChecksumZeroMeansNoneAndABadOneIsDropped) {
    auto none = udp_frame(1, 26477, bytes_of("unchecked"));
    none[40] = none[41] = 0;
    h.inject(none);
    auto bad = udp_frame(1, 26477, bytes_of("corrupt"));
    bad[45] ^= 0x10;
    h.inject(bad);
    h.poll();
    ASSERT_EQ(inbox.items.size(), 1U);
    EXPECT_EQ(inbox.items[0].payload, bytes_of("unchecked"));
    EXPECT_EQ(h.stack().counters().udp_bad_checksum, 1U);
}

TEST_F(UdpTest, BadLengthsAndUnboundPortsAreCounted) {
    auto short_length = udp_frame(1, 26477, bytes_of("x"));
    short_length[38] = 0;
    short_length[39] = 4;  // below the 8-byte header
    h.inject(short_length);
    auto long_length = udp_frame(1, 26477, bytes_of("x"));
    long_length[39] = 200;  // past the datagram
    h.inject(long_length);
    h.inject(udp_frame(1, 26478, bytes_of("nobody")));
    h.poll();
    EXPECT_TRUE(inbox.items.empty());
    EXPECT_EQ(h.stack().counters().udp_malformed, 2U);
    EXPECT_EQ(h.stack().counters().udp_no_socket, 1U);
    EXPECT_TRUE(h.take().empty());
}

TEST_F(UdpTest, BroadcastsAreDelivered) {
    h.inject(udp_frame(1, 26477, bytes_of("all"), 0xFFFFFFFF, kBroadcastMac));
    h.inject(udp_frame(1, 26477, bytes_of("subnet"), 0x0A0000FF, kBroadcastMac));
    h.poll();
    ASSERT_EQ(inbox.items.size(), 2U);
    EXPECT_EQ(inbox.items[1].destination, 0x0A0000FFU);
}

TEST_F(UdpTest, SendToUnicastWritesAFrameEveryReaderAccepts) {
    const std::vector<std::uint8_t> payload(200, 0x7E);
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 26478}, payload));
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    ASSERT_EQ(sent[0].status, proto::Status::kOk);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kPeerMac);
    EXPECT_EQ(sent[0].parsed.udp.header.source_port, 26477);
    EXPECT_EQ(sent[0].parsed.udp.header.destination_port, 26478);
    EXPECT_TRUE(sent[0].parsed.udp.checksum_ok);
    EXPECT_EQ(
        std::vector<std::uint8_t>(sent[0].parsed.payload.begin(), sent[0].parsed.payload.end()),
        payload);
    EXPECT_EQ(h.stack().counters().udp_datagrams_sent, 1U);
}

TEST_F(UdpTest, SendToAGroupUsesTheGroupsMac) {
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kGroupA, 26477}, bytes_of("feed A")));
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    const proto::MacAddress expected = {0x01, 0x00, 0x5E, 0x36, 0x0C, 0x6F};  // RFC 1112 6.4
    EXPECT_EQ(sent[0].parsed.ethernet.destination, expected);
    EXPECT_EQ(sent[0].parsed.ipv4.header.destination, kGroupA);
}

TEST_F(UdpTest, DatagramsThatDoNotFitTheMtuAreRefused) {
    EXPECT_EQ(h.stack().max_datagram_payload(), 1500U - 28U);
    std::vector<std::uint8_t> big(1500 - 28 + 1);
    EXPECT_FALSE(h.stack().send_to(socket, Endpoint{kPeerIp, 7}, big));
    big.pop_back();
    EXPECT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7}, big));
    EXPECT_EQ(h.stack().counters().udp_too_big, 1U);
}

TEST_F(UdpTest, PortsAreBoundOnceAndTheTableIsBounded) {
    EXPECT_FALSE(h.stack().open_datagram(26477, DatagramEvents{}).valid());
    EXPECT_FALSE(h.stack().open_datagram(0, DatagramEvents{}).valid());
    int opened = 1;
    while (opened < 1000 &&
           h.stack()
               .open_datagram(static_cast<std::uint16_t>(30000 + opened), DatagramEvents{})
               .valid()) {
        ++opened;
    }
    EXPECT_EQ(opened, static_cast<int>(default_config().udp.max_sockets));
    h.stack().close_datagram(socket);
    EXPECT_TRUE(h.stack().open_datagram(26477, DatagramEvents{}).valid());
    EXPECT_FALSE(h.stack().send_to(DatagramId{999}, Endpoint{kPeerIp, 7}, bytes_of("x")));
}

TEST_F(UdpTest, JoinReportsTheGroupAndRepeatsTheReportOnce) {
    ASSERT_TRUE(h.stack().join(socket, kGroupA));
    auto reports = igmp_of(h.take());
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].type, kIgmpV2MembershipReport);
    EXPECT_EQ(reports[0].group, kGroupA);
    EXPECT_EQ(reports[0].destination, kGroupA);
    const std::int64_t start = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - start, default_config().igmp.unsolicited_interval_ns);
    reports = igmp_of(h.take());
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].group, kGroupA);
    EXPECT_FALSE(h.run_next_timer());  // two in all (unsolicited_reports)
}

TEST_F(UdpTest, OnlyJoinedGroupsAreReceivedAndOnlyByTheSocketsThatJoined) {
    Inbox other;
    const DatagramId second = h.stack().open_datagram(26478, DatagramEvents::bind(other));
    ASSERT_TRUE(h.stack().join(socket, kGroupA));
    ASSERT_TRUE(h.stack().join(second, kGroupB));
    h.inject(udp_frame(1, 26477, bytes_of("A"), kGroupA, multicast_mac(kGroupA)));
    h.inject(udp_frame(1, 26477, bytes_of("B to 26477"), kGroupB, multicast_mac(kGroupB)));
    h.inject(udp_frame(1, 26478, bytes_of("B"), kGroupB, multicast_mac(kGroupB)));
    h.inject(udp_frame(1, 26477, bytes_of("C"), 0xE9360C71, multicast_mac(0xE9360C71)));
    h.poll();
    ASSERT_EQ(inbox.items.size(), 1U);
    EXPECT_EQ(inbox.items[0].payload, bytes_of("A"));
    EXPECT_EQ(inbox.items[0].destination, kGroupA);
    ASSERT_EQ(other.items.size(), 1U);
    EXPECT_EQ(other.items[0].payload, bytes_of("B"));
    EXPECT_EQ(h.stack().counters().rx_not_for_us, 1U);  // the group nobody joined
}

TEST_F(UdpTest, LastLeaveSendsLeaveGroupToAllRoutersAndFiltersTheGroupAgain) {
    Inbox other;
    const DatagramId second = h.stack().open_datagram(26478, DatagramEvents::bind(other));
    ASSERT_TRUE(h.stack().join(socket, kGroupA));
    ASSERT_TRUE(h.stack().join(second, kGroupA));
    EXPECT_EQ(igmp_of(h.take()).size(), 1U);  // one report for the group, not per socket
    ASSERT_TRUE(h.stack().leave(socket, kGroupA));
    EXPECT_TRUE(igmp_of(h.take()).empty());  // still a member through the other socket
    EXPECT_FALSE(h.stack().leave(socket, kGroupA));
    h.stack().close_datagram(second);  // closing leaves its groups
    const auto leaves = igmp_of(h.take());
    ASSERT_EQ(leaves.size(), 1U);
    EXPECT_EQ(leaves[0].type, kIgmpLeaveGroup);
    EXPECT_EQ(leaves[0].group, kGroupA);
    EXPECT_EQ(leaves[0].destination, kAllRoutersGroup);
    h.inject(udp_frame(1, 26477, bytes_of("A"), kGroupA, multicast_mac(kGroupA)));
    h.poll();
    EXPECT_TRUE(inbox.items.empty());
}

TEST_F(UdpTest, GroupsThatCannotBeJoinedAreRefused) {
    EXPECT_FALSE(h.stack().join(socket, kPeerIp));
    EXPECT_FALSE(h.stack().join(socket, kAllHostsGroup));
    EXPECT_FALSE(h.stack().join(DatagramId{77}, kGroupA));
    StackConfig config = default_config();
    config.igmp.max_groups = 1;
    Harness small(config);
    const DatagramId s = small.stack().open_datagram(1, DatagramEvents{});
    EXPECT_TRUE(small.stack().join(s, kGroupA));
    EXPECT_FALSE(small.stack().join(s, kGroupB));
}

TEST_F(UdpTest, GeneralQueryIsAnsweredForEveryGroupWithinItsMaxResponseTime) {
    ASSERT_TRUE(h.stack().join(socket, kGroupA));
    ASSERT_TRUE(h.stack().join(socket, kGroupB));
    while (h.run_next_timer()) {
    }
    (void)h.take();
    const std::int64_t start = h.now();
    h.inject(igmp_frame(kIgmpMembershipQuery, 0, kAllHostsGroup, 20));  // 2 s
    h.poll();
    std::vector<std::uint32_t> reported;
    while (h.run_next_timer()) {
        for (const SentIgmp& r : igmp_of(h.take())) {
            EXPECT_EQ(r.type, kIgmpV2MembershipReport);
            reported.push_back(r.group);
        }
        EXPECT_LE(h.now() - start, 2'000'000'000);
    }
    std::sort(reported.begin(), reported.end());
    EXPECT_EQ(reported, (std::vector<std::uint32_t>{kGroupA, kGroupB}));
    EXPECT_EQ(h.stack().counters().igmp_queries, 1U);
}

TEST_F(UdpTest, GroupQueryIsAnsweredForThatGroupAndAnotherMembersReportSuppressesOurs) {
    ASSERT_TRUE(h.stack().join(socket, kGroupA));
    ASSERT_TRUE(h.stack().join(socket, kGroupB));
    while (h.run_next_timer()) {
    }
    (void)h.take();
    h.inject(igmp_frame(kIgmpMembershipQuery, kGroupA, kGroupA, 50));
    h.poll();
    std::vector<SentIgmp> reports;
    while (h.run_next_timer()) {
        for (const SentIgmp& r : igmp_of(h.take())) {
            reports.push_back(r);
        }
    }
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].group, kGroupA);
    // Query again; another host reports first: we stay quiet (RFC 2236 section 3).
    h.inject(igmp_frame(kIgmpMembershipQuery, 0, kAllHostsGroup, 50));
    h.inject(igmp_frame(kIgmpV2MembershipReport, kGroupA, kGroupA));
    h.poll();
    reports.clear();
    while (h.run_next_timer()) {
        for (const SentIgmp& r : igmp_of(h.take())) {
            reports.push_back(r);
        }
    }
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].group, kGroupB);
}

TEST_F(UdpTest, MalformedIgmpIsCounted) {
    auto bad = igmp_frame(kIgmpMembershipQuery, 0, kAllHostsGroup);
    bad[34 + 2] ^= 0xFF;
    h.inject(bad);
    const std::vector<std::uint8_t> short_igmp = {0x11, 0, 0};
    h.inject(ipv4_frame(kIpProtocolIgmp, short_igmp, kAllHostsGroup, kPeerIp,
                        multicast_mac(kAllHostsGroup)));
    h.poll();
    EXPECT_EQ(h.stack().counters().igmp_malformed, 2U);
    EXPECT_EQ(h.stack().counters().igmp_queries, 0U);
}

TEST(IgmpCodec, WriteThenParseRoundTripsAndShortInputIsTruncated) {
    IgmpMessage m;
    m.type = kIgmpV2MembershipReport;
    m.max_response_time = 7;
    m.group = kGroupB;
    std::array<std::uint8_t, 8> out{};
    ASSERT_EQ(write_igmp(m, out), 8U);
    EXPECT_EQ(proto::internet_checksum(out), 0);
    IgmpMessage back;
    bool ok = false;
    ASSERT_EQ(parse_igmp(out, back, ok), proto::Status::kOk);
    EXPECT_TRUE(ok);
    EXPECT_EQ(back.type, m.type);
    EXPECT_EQ(back.max_response_time, 7);
    EXPECT_EQ(back.group, kGroupB);
    EXPECT_EQ(parse_igmp(std::span(out).first(7), back, ok), proto::Status::kTruncated);
    EXPECT_EQ(write_igmp(m, std::span(out).first(7)), 0U);
}

}  // namespace
}  // namespace tb::net::test
