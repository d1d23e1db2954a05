// IPv4 and ICMP in the stack: validation on receive (checksum, fragments, options, sources,
// destinations), what we send (DF, TTL, no options, checksums, routing), and echo replies.

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "proto/checksum.hpp"
#include "tests/unit/net/net_test_support.hpp"

namespace tb::net::test {
namespace {

struct Inbox {
    std::vector<std::vector<std::uint8_t>> payloads;
    void on_datagram(DatagramId, const Datagram& d) noexcept {
        payloads.emplace_back(d.payload.begin(), d.payload.end());
    }
};

void fix_ip_checksum(std::vector<std::uint8_t>& frame) {
    const std::size_t ihl = (frame[14] & 0x0F) * 4U;
    frame[24] = frame[25] = 0;
    const std::uint16_t sum = proto::internet_checksum(std::span(frame).subspan(14, ihl));
    frame[24] = static_cast<std::uint8_t>(sum >> 8);
    frame[25] = static_cast<std::uint8_t>(sum);
}

std::vector<std::uint8_t> echo_request(std::uint16_t id, std::uint16_t sequence,
                                       std::span<const std::uint8_t> data,
                                       std::uint32_t destination = kStackIp,
                                       proto::MacAddress mac = kStackMac) {
    proto::IcmpEcho echo;
    echo.identifier = id;
    echo.sequence = sequence;
    echo.data = data;
    std::vector<std::uint8_t> l4(8 + data.size());
    (void)proto::write_icmp_echo(echo, l4);
    return ipv4_frame(proto::kIpProtocolIcmp, l4, destination, kPeerIp, mac);
}

class Ipv4Test : public ::testing::Test {
protected:
    Ipv4Test() { socket = h.stack().open_datagram(9000, DatagramEvents::bind(inbox)); }
    Harness h;
    Inbox inbox;
    DatagramId socket;
};

TEST_F(Ipv4Test, EchoRequestIsAnsweredWithItsIdentifierSequenceAndData) {
    std::vector<std::uint8_t> data(56);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<std::uint8_t>(i);
    }
    h.inject(echo_request(0x1234, 7, data));
    h.poll();
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    ASSERT_EQ(sent[0].status, proto::Status::kOk);  // every checksum verifies
    const proto::ParsedFrame& p = sent[0].parsed;
    EXPECT_EQ(p.ethernet.destination, kPeerMac);
    EXPECT_EQ(p.ipv4.header.source, kStackIp);
    EXPECT_EQ(p.ipv4.header.destination, kPeerIp);
    ASSERT_EQ(p.layer4, proto::Layer4::kIcmp);
    EXPECT_EQ(p.icmp.type, proto::kIcmpEchoReply);
    EXPECT_EQ(p.icmp.identifier, 0x1234);
    EXPECT_EQ(p.icmp.sequence, 7);
    EXPECT_EQ(std::vector<std::uint8_t>(p.icmp.data.begin(), p.icmp.data.end()), data);
    EXPECT_EQ(h.stack().counters().icmp_echo_replies, 1U);
}

TEST_F(Ipv4Test, LargestEchoThatFitsTheMtuIsAnswered) {
    std::vector<std::uint8_t> data(1500 - 20 - 8, 0xAB);
    h.inject(echo_request(1, 1, data));
    h.poll();
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].parsed.icmp.data.size(), data.size());
}

TEST_F(Ipv4Test, BadOrShortOrOtherIcmpIsCountedAndNotAnswered) {
    auto bad = echo_request(1, 1, bytes_of("data"));
    bad[34 + 2] ^= 0x55;  // ICMP checksum
    h.inject(bad);
    const std::vector<std::uint8_t> short_icmp = {8, 0, 0};
    h.inject(ipv4_frame(proto::kIpProtocolIcmp, short_icmp));
    std::vector<std::uint8_t> unreachable = {3, 3, 0, 0, 0, 0, 0, 0};
    const std::uint16_t sum = proto::internet_checksum(unreachable);
    unreachable[2] = static_cast<std::uint8_t>(sum >> 8);
    unreachable[3] = static_cast<std::uint8_t>(sum);
    h.inject(ipv4_frame(proto::kIpProtocolIcmp, unreachable));
    h.inject(echo_request(1, 1, bytes_of("x"), 0x0A0000FF, kBroadcastMac));  // broadcast ping
    h.poll();
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.stack().counters().icmp_bad_checksum, 1U);
    EXPECT_EQ(h.stack().counters().icmp_malformed, 1U);
    EXPECT_EQ(h.stack().counters().icmp_other, 2U);
}

TEST_F(Ipv4Test, HeaderChecksumErrorsAreCountedAndDropped) {
    auto frame = udp_frame(1, 9000, bytes_of("payload"));
    frame[14 + 8] ^= 0x01;  // TTL changed, checksum not
    h.inject(frame);
    h.poll();
    EXPECT_TRUE(inbox.payloads.empty());
    EXPECT_EQ(h.stack().counters().ip_bad_checksum, 1U);
}

TEST_F(Ipv4Test, FragmentsAreDroppedAndCounted) {
    auto first = udp_frame(1, 9000, bytes_of("fragment"));
    first[14 + 6] = 0x20;  // more fragments
    fix_ip_checksum(first);
    auto later = udp_frame(1, 9000, bytes_of("fragment"));
    later[14 + 6] = 0x00;
    later[14 + 7] = 0x10;  // offset 16 bytes
    fix_ip_checksum(later);
    h.inject(first);
    h.inject(later);
    h.poll();
    EXPECT_TRUE(inbox.payloads.empty());
    EXPECT_EQ(h.stack().counters().ip_fragments, 2U);
}

TEST_F(Ipv4Test, OptionsAreAcceptedOnReceive) {
    auto frame = udp_frame(1, 9000, bytes_of("with options"));
    // IHL 6: four option bytes (three NOPs and End of Option List) after the fixed header.
    frame.insert(frame.begin() + 34, {1, 1, 1, 0});
    frame[14] = 0x46;
    const std::uint16_t total = static_cast<std::uint16_t>((frame[16] << 8 | frame[17]) + 4);
    frame[16] = static_cast<std::uint8_t>(total >> 8);
    frame[17] = static_cast<std::uint8_t>(total);
    fix_ip_checksum(frame);
    h.inject(frame);
    h.poll();
    ASSERT_EQ(inbox.payloads.size(), 1U);
    EXPECT_EQ(inbox.payloads[0], bytes_of("with options"));
}

TEST_F(Ipv4Test, MalformedHeadersAreCountedAndDropped) {
    auto version6 = udp_frame(1, 9000, bytes_of("x"));
    version6[14] = 0x65;
    h.inject(version6);
    auto ihl4 = udp_frame(1, 9000, bytes_of("x"));
    ihl4[14] = 0x44;
    h.inject(ihl4);
    auto too_long = udp_frame(1, 9000, bytes_of("x"));
    too_long[16] = 0x05;  // total length 1280+: past the frame
    fix_ip_checksum(too_long);
    h.inject(too_long);
    std::vector<std::uint8_t> cut = udp_frame(1, 9000, bytes_of("x"));
    cut.resize(14 + 12);
    h.inject(cut);
    h.poll();
    EXPECT_TRUE(inbox.payloads.empty());
    EXPECT_EQ(h.stack().counters().ip_malformed, 4U);
}

TEST_F(Ipv4Test, OtherDestinationsAndImpossibleSourcesAreDropped) {
    h.inject(udp_frame(1, 9000, bytes_of("x"), 0x0A000063));  // another host on our MAC
    for (const std::uint32_t source : {0xE0000001U, 0x7F000001U, kStackIp, 0xFFFFFFFFU, 0U}) {
        h.inject(
            ipv4_frame(proto::kIpProtocolUdp, std::vector<std::uint8_t>(8, 0), kStackIp, source));
    }
    h.poll();
    EXPECT_TRUE(inbox.payloads.empty());
    EXPECT_EQ(h.stack().counters().rx_not_for_us, 1U);
    EXPECT_EQ(h.stack().counters().ip_bad_source, 5U);
}

TEST_F(Ipv4Test, UnknownProtocolsAreCounted) {
    h.inject(ipv4_frame(47, std::vector<std::uint8_t>(20, 0)));  // GRE
    h.poll();
    EXPECT_EQ(h.stack().counters().ip_unknown_protocol, 1U);
    EXPECT_TRUE(h.take().empty());
}

TEST_F(Ipv4Test, SentPacketsHaveDontFragmentTtlNoOptionsAndValidChecksums) {
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{kPeerIp, 7}, bytes_of("abc")));
    ASSERT_TRUE(h.stack().send_to(socket, Endpoint{0xE9360C6F, 7}, bytes_of("abc")));
    const auto sent = h.take();
    ASSERT_EQ(sent.size(), 2U);
    for (const Sent& s : sent) {
        ASSERT_EQ(s.status, proto::Status::kOk);
        EXPECT_EQ(s.parsed.ipv4.header.header_size, 20);
        EXPECT_EQ(s.parsed.ipv4.header.flags_fragment, proto::kIpv4DontFragment);
        EXPECT_TRUE(s.parsed.ipv4.checksum_ok);
        EXPECT_TRUE(s.parsed.udp.checksum_ok);
    }
    EXPECT_EQ(sent[0].parsed.ipv4.header.ttl, default_config().ttl);
    EXPECT_EQ(sent[1].parsed.ipv4.header.ttl, default_config().multicast_ttl);
    EXPECT_NE(sent[0].parsed.ipv4.header.identification, sent[1].parsed.ipv4.header.identification);
}

TEST(Ipv4Routing, OffLinkGoesToTheGatewayAndWithoutOneIsDroppedAndCounted) {
    StackConfig config = default_config();
    config.gateway = kPeerIp;
    Harness with_gateway(config);
    const DatagramId a = with_gateway.stack().open_datagram(9000, DatagramEvents{});
    ASSERT_TRUE(with_gateway.stack().send_to(a, Endpoint{0xC0A80101, 7}, bytes_of("x")));
    const auto sent = with_gateway.take();
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent[0].parsed.ethernet.destination, kPeerMac);  // the gateway's MAC
    EXPECT_EQ(sent[0].parsed.ipv4.header.destination, 0xC0A80101U);

    Harness without(default_config());
    const DatagramId b = without.stack().open_datagram(9000, DatagramEvents{});
    ASSERT_TRUE(without.stack().send_to(b, Endpoint{0xC0A80101, 7}, bytes_of("x")));
    EXPECT_TRUE(without.take().empty());
    EXPECT_EQ(without.stack().counters().arp_no_route, 1U);
}

TEST(Ipv4Chained, MultiSegmentFramesAreCountedAndFreed) {
    Harness h;
    rte_mbuf* head = make_mbuf(h.pool().get(), udp_frame(1, 9000, bytes_of("x")));
    rte_mbuf* tail = make_mbuf(h.pool().get(), std::vector<std::uint8_t>(10, 0));
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
    const unsigned before = h.pool().in_use();
    h.port().rx.push_back(head);
    h.poll();
    EXPECT_EQ(h.stack().counters().rx_chained, 1U);
    EXPECT_EQ(h.pool().in_use(), before - 2);
}

TEST(StackConfig, InvalidConfigurationsAreRefusedWithAReason) {
    const auto refused = [](auto change) {
        StackConfig config = default_config();
        change(config);
        return !validate(config).empty();
    };
    EXPECT_TRUE(validate(default_config()).empty());
    EXPECT_TRUE(refused([](StackConfig& c) { c.ip = 0; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.ip = 0xE0000001; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.mac = {0x01, 0, 0, 0, 0, 1}; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.netmask = 0xFF00FF00; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.gateway = 0xC0A80101; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.mtu = 100; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.tcp.receive_buffer_bytes = 1000; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.tcp.max_out_of_order_ranges = 64; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.tcp.rto_min_ns = 0; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.tcp.delayed_ack_ns = 600'000'000; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.igmp.max_groups = 65; }));
    EXPECT_TRUE(refused([](StackConfig& c) { c.arp.refresh_before_ns = c.arp.entry_lifetime_ns; }));
    Mempool pool;
    TestPort port(pool.get());
    StackConfig bad = default_config();
    bad.ip = 0;
    EXPECT_THROW(Stack(bad, port, 0), core::ConfigError);
}

}  // namespace
}  // namespace tb::net::test
