// The link and ARP layers (net/link.hpp, net/arp.hpp): Ethernet filtering, ARP replies and cache
// learning (RFC 826), resolution with bounded retries and a bounded queue, expiry and refresh
// (RFC 1122 section 2.3.2), gratuitous ARP, and malformed frames.

#include <gtest/gtest.h>

#include "tests/unit/net/net_test_support.hpp"

namespace tb::net::test {
namespace {

proto::ArpPacket request_for(std::uint32_t target, std::uint32_t sender_ip = kPeerIp,
                             proto::MacAddress sender_mac = kPeerMac) {
    proto::ArpPacket arp;
    arp.operation = proto::kArpRequest;
    arp.sender_mac = sender_mac;
    arp.sender_ip = sender_ip;
    arp.target_ip = target;
    return arp;
}

proto::ArpPacket reply_from(std::uint32_t ip, proto::MacAddress mac) {
    proto::ArpPacket arp;
    arp.operation = proto::kArpReply;
    arp.sender_mac = mac;
    arp.sender_ip = ip;
    arp.target_mac = kStackMac;
    arp.target_ip = kStackIp;
    return arp;
}

StackConfig arp_config() {
    StackConfig config = default_config();
    config.arp.retry_interval_ns = 100'000'000;
    config.arp.max_requests = 3;
    config.arp.pending_frames = 2;
    config.arp.entry_lifetime_ns = 10'000'000'000;
    config.arp.refresh_before_ns = 2'000'000'000;
    return config;
}

DatagramId udp_socket(Harness& h) {
    const DatagramId id = h.stack().open_datagram(5000, DatagramEvents{});
    EXPECT_TRUE(id.valid());
    return id;
}

TEST(Arp, RequestForOurAddressIsAnsweredAndTeachesUsTheSender) {
    Harness h(arp_config(), false);
    h.inject(arp_frame(request_for(kStackIp)));
    h.poll();
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kPeerMac);
    EXPECT_EQ(sent[0].parsed.ethernet.source, kStackMac);
    ASSERT_EQ(sent[0].parsed.layer3, proto::Layer3::kArp);
    const proto::ArpPacket& reply = sent[0].parsed.arp;
    EXPECT_EQ(reply.operation, proto::kArpReply);
    EXPECT_EQ(reply.sender_mac, kStackMac);
    EXPECT_EQ(reply.sender_ip, kStackIp);
    EXPECT_EQ(reply.target_mac, kPeerMac);
    EXPECT_EQ(reply.target_ip, kPeerIp);
    EXPECT_GE(sent[0].bytes.size(), proto::kMinFrameSize);  // padded
    ASSERT_NE(h.stack().arp_lookup(kPeerIp), nullptr);
    EXPECT_EQ(*h.stack().arp_lookup(kPeerIp), kPeerMac);
}

TEST(Arp, RequestsForOtherAddressesAreNotAnsweredNorLearnt) {
    Harness h(arp_config(), false);
    h.inject(arp_frame(request_for(0x0A000063)));
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().arp_lookup(kPeerIp), nullptr);
    EXPECT_EQ(h.stack().counters().arp_requests_received, 1U);
}

TEST(Arp, UnresolvedDestinationIsResolvedAndTheHeldFramesGoOutInOrder) {
    Harness h(arp_config(), false);
    const DatagramId socket = udp_socket(h);
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("first")));
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("second")));
    auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);  // one request for both frames
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kBroadcastMac);
    EXPECT_EQ(sent[0].parsed.arp.operation, proto::kArpRequest);
    EXPECT_EQ(sent[0].parsed.arp.target_ip, kPeerIp);
    h.inject(arp_frame(reply_from(kPeerIp, kPeerMac), kStackMac));
    h.poll();
    sent = h.take();
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kPeerMac);
    EXPECT_EQ(std::string(sent[0].parsed.payload.begin(), sent[0].parsed.payload.end()), "first");
    EXPECT_EQ(std::string(sent[1].parsed.payload.begin(), sent[1].parsed.payload.end()), "second");
}

TEST(Arp, PendingFramesBeyondTheBoundAreDroppedAndCounted) {
    Harness h(arp_config(), false);  // pending_frames = 2
    const DatagramId socket = udp_socket(h);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("x")));
    }
    EXPECT_EQ(h.stack().counters().arp_queue_full, 3U);
    (void)h.take();
    h.inject(arp_frame(reply_from(kPeerIp, kPeerMac), kStackMac));
    h.poll();
    EXPECT_EQ(h.take().size(), 2U);
}

TEST(Arp, ResolutionRetriesAFewTimesThenDropsTheHeldFrames) {
    Harness h(arp_config(), false);
    const DatagramId socket = udp_socket(h);
    const std::int64_t start = h.now();
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("x")));
    int requests = static_cast<int>(h.take().size());
    while (h.run_next_timer()) {
        requests += static_cast<int>(h.take().size());
    }
    EXPECT_EQ(requests, 3);  // max_requests
    EXPECT_EQ(h.now() - start, 3 * 100'000'000);
    EXPECT_EQ(h.stack().counters().arp_unresolved_drops, 1U);
}

TEST(Arp, EntryInUseIsConfirmedByUnicastBeforeItExpiresAndDroppedIfUnanswered) {
    Harness h(arp_config(), false);
    h.inject(arp_frame(request_for(kStackIp)));
    h.poll();
    (void)h.take();
    const DatagramId socket = udp_socket(h);
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("x")));
    (void)h.take();
    const std::int64_t learnt = h.now();
    ASSERT_TRUE(h.run_next_timer());
    EXPECT_EQ(h.now() - learnt, 10'000'000'000 - 2'000'000'000);  // lifetime - refresh_before
    auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kPeerMac);  // unicast confirmation
    EXPECT_EQ(sent[0].parsed.arp.target_ip, kPeerIp);
    ASSERT_NE(h.stack().arp_lookup(kPeerIp), nullptr);  // still usable meanwhile
    // Unanswered: gone at expiry; the next frame starts a broadcast resolution.
    while (h.now() < learnt + 10'000'000'000 && h.run_next_timer()) {
        (void)h.take();
    }
    EXPECT_EQ(h.stack().arp_lookup(kPeerIp), nullptr);
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("y")));
    sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kBroadcastMac);
}

TEST(Arp, UnusedEntryExpiresWithoutTraffic) {
    Harness h(arp_config(), false);
    h.inject(arp_frame(request_for(kStackIp)));
    h.poll();
    (void)h.take();
    while (h.run_next_timer()) {
        EXPECT_TRUE(h.take().empty());  // no refresh for an entry nobody used
    }
    EXPECT_EQ(h.stack().arp_lookup(kPeerIp), nullptr);
}

TEST(Arp, ReplyRefreshesAnEntryAndAChangedMacIsTakenOver) {
    Harness h(arp_config(), false);
    h.inject(arp_frame(request_for(kStackIp)));
    h.poll();
    constexpr proto::MacAddress kMoved = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    h.inject(arp_frame(reply_from(kPeerIp, kMoved), kStackMac, kMoved));
    h.poll();
    ASSERT_NE(h.stack().arp_lookup(kPeerIp), nullptr);
    EXPECT_EQ(*h.stack().arp_lookup(kPeerIp), kMoved);
}

TEST(Arp, StaticEntriesNeitherExpireNorChange) {
    Harness h(arp_config(), true);
    constexpr proto::MacAddress kOther = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    h.inject(arp_frame(reply_from(kPeerIp, kOther), kStackMac, kOther));
    h.poll();
    h.advance(100'000'000'000);
    ASSERT_NE(h.stack().arp_lookup(kPeerIp), nullptr);
    EXPECT_EQ(*h.stack().arp_lookup(kPeerIp), kPeerMac);
}

TEST(Arp, FullCacheEvictsTheEntryClosestToExpiry) {
    StackConfig config = arp_config();
    config.arp.cache_size = 2;
    Harness h(config, false);
    for (std::uint32_t i = 0; i < 3; ++i) {
        proto::MacAddress mac = kPeerMac;
        mac[5] = static_cast<std::uint8_t>(0x10 + i);
        h.inject(arp_frame(request_for(kStackIp, kPeerIp + 10 + i, mac), kBroadcastMac, mac));
        h.poll();
        h.advance(1'000'000);
    }
    EXPECT_EQ(h.stack().arp_lookup(kPeerIp + 10), nullptr);  // the oldest went
    EXPECT_NE(h.stack().arp_lookup(kPeerIp + 11), nullptr);
    EXPECT_NE(h.stack().arp_lookup(kPeerIp + 12), nullptr);
    EXPECT_EQ(h.stack().counters().arp_evictions, 1U);
}

TEST(Arp, GratuitousRequestAnnouncesOurAddressOnTheFirstPoll) {
    StackConfig config = arp_config();
    config.arp.gratuitous_at_start = true;
    Harness h(config, false);  // the harness polls once
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kBroadcastMac);
    EXPECT_EQ(sent[0].parsed.arp.operation, proto::kArpRequest);
    EXPECT_EQ(sent[0].parsed.arp.sender_ip, kStackIp);
    EXPECT_EQ(sent[0].parsed.arp.target_ip, kStackIp);
    h.poll();
    EXPECT_TRUE(h.take().empty());  // once
}

TEST(Arp, SenderClaimingOurAddressOrAMulticastMacIsNotLearnt) {
    Harness h(arp_config(), false);
    h.inject(arp_frame(request_for(kStackIp, kStackIp)));  // someone else says it is us
    constexpr proto::MacAddress kMulticast = {0x01, 0x00, 0x5E, 0x00, 0x00, 0x01};
    h.inject(arp_frame(request_for(kStackIp, kPeerIp, kMulticast)));
    h.poll();
    EXPECT_EQ(h.stack().arp_lookup(kPeerIp), nullptr);
    EXPECT_EQ(h.stack().arp_lookup(kStackIp), nullptr);
}

TEST(Arp, MalformedPacketsAreCountedAndDropped) {
    Harness h(arp_config(), false);
    auto wrong_hardware = arp_frame(request_for(kStackIp));
    wrong_hardware[15] = 6;  // hardware type 6 (IEEE 802), not Ethernet
    h.inject(wrong_hardware);
    auto truncated = arp_frame(request_for(kStackIp));
    truncated.resize(14 + 20);
    h.inject(truncated);
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().counters().arp_malformed, 2U);
}

TEST(Link, FramesForOtherMacsVlansAndTypesAreCountedAndDropped) {
    Harness h(arp_config(), false);
    constexpr proto::MacAddress kOther = {0x02, 0x99, 0x99, 0x99, 0x99, 0x99};
    h.inject(arp_frame(request_for(kStackIp), kOther));  // unicast to another host
    auto tagged = arp_frame(request_for(kStackIp));
    tagged.insert(tagged.begin() + 12, {0x81, 0x00, 0x00, 0x05});  // VLAN 5
    h.inject(tagged);
    auto other_type = arp_frame(request_for(kStackIp));
    other_type[12] = 0x86;
    other_type[13] = 0xDD;  // IPv6
    h.inject(other_type);
    const std::vector<std::uint8_t> runt(10, 0xFF);
    h.inject(runt);
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().counters().rx_not_for_us, 2U);
    EXPECT_EQ(h.stack().counters().rx_other_ether_type, 1U);
    EXPECT_EQ(h.stack().counters().rx_eth_malformed, 1U);
    EXPECT_EQ(h.stack().counters().rx_frames, 4U);
}

TEST(Link, ConfiguredVlanIsSentAndOnlyThatVlanIsAccepted) {
    StackConfig config = arp_config();
    config.vlan = true;
    config.vlan_tci = 42;
    Harness h(config, false);
    auto tagged = arp_frame(request_for(kStackIp));
    tagged.insert(tagged.begin() + 12, {0x81, 0x00, 0x00, 42});
    h.inject(tagged);
    h.inject(arp_frame(request_for(kStackIp)));  // untagged: not ours
    h.poll();
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_TRUE(sent[0].parsed.ethernet.has_vlan);
    EXPECT_EQ(sent[0].parsed.ethernet.vlan_id(), 42);
    EXPECT_EQ(h.stack().counters().rx_not_for_us, 1U);
}

TEST(Link, FramesThePortRefusesWaitForTheNextPollAndNothingLeaks) {
    Harness h(arp_config(), true);
    const DatagramId socket = udp_socket(h);
    h.port().tx_capacity = 1;
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("x")));
    }
    EXPECT_EQ(h.take().size(), 3U);  // each call flushes: one per call fits
    h.port().tx_capacity = 0;
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("y")));
    EXPECT_EQ(h.stack().tx_queued(), 1U);
    EXPECT_EQ(h.stack().next_timer_ns(), h.now());  // work waiting
    h.port().tx_capacity = UINT16_MAX;
    h.poll();
    EXPECT_EQ(h.take().size(), 1U);
    EXPECT_EQ(h.stack().tx_queued(), 0U);
}

TEST(Link, EmptyPoolIsCountedNotFatal) {
    Harness h(arp_config(), true);
    const DatagramId socket = udp_socket(h);
    h.port().alloc_fails = true;
    // The link may hold a few spare frames from before; exhaust them.
    int refused = 0;
    for (int i = 0; i < 100; ++i) {
        refused += h.stack().send_to(socket, Endpoint{kPeerIp, 7000}, bytes_of("x")) ? 0 : 1;
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(h.stack().counters().tx_no_mbuf, 0U);
}

}  // namespace
}  // namespace tb::net::test
