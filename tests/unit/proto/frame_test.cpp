// Ethernet / 802.1Q, ARP, IPv4, ICMP echo, UDP and TCP headers, and the parse chain over them.

#include "proto/frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/random.hpp"
#include "proto/checksum.hpp"

namespace {

using namespace tb::proto;
using tb::core::Rng;
using Bytes = std::vector<std::uint8_t>;

const MacAddress kMacA = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const MacAddress kMacB = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr std::uint32_t kIpA = 0x0A000001;  // 10.0.0.1
constexpr std::uint32_t kIpB = 0x0A000002;  // 10.0.0.2

FrameSpec spec(bool vlan) {
    FrameSpec s;
    s.source = {kMacA, kIpA, 15000};
    s.destination = {kMacB, kIpB, 40000};
    s.has_vlan = vlan;
    s.vlan_tci = 0x2000 | 141;
    s.ip_identification = 7;
    return s;
}

Bytes payload_of(std::size_t size, std::uint8_t seed) {
    Bytes p(size);
    for (std::size_t i = 0; i < size; ++i) {
        p[i] = static_cast<std::uint8_t>(seed + i * 7);
    }
    return p;
}

TEST(Checksum, MatchesTheWellKnownIpv4HeaderExample) {
    // A header whose checksum field (b861) is known to be correct.
    const Bytes header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                          0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(internet_checksum(header), 0);
    Bytes zeroed = header;
    zeroed[10] = zeroed[11] = 0;
    EXPECT_EQ(internet_checksum(zeroed), 0xb861);
}

TEST(Checksum, OddLengthsArePaddedWithAZeroByte) {
    const Bytes odd = {0x01, 0x02, 0x03};
    const Bytes even = {0x01, 0x02, 0x03, 0x00};
    EXPECT_EQ(internet_checksum(odd), internet_checksum(even));
    EXPECT_EQ(internet_checksum(odd), static_cast<std::uint16_t>(~(0x0102 + 0x0300)));
}

TEST(Ethernet, HeaderWithAndWithoutVlanTagRoundTrips) {
    for (const bool vlan : {false, true}) {
        EthernetHeader header;
        header.destination = kMacB;
        header.source = kMacA;
        header.has_vlan = vlan;
        header.vlan_tci = vlan ? 0xA08D : 0;
        header.ether_type = kEtherTypeIpv4;
        Bytes buffer(18);
        const std::size_t size = write_ethernet(header, buffer);
        ASSERT_EQ(size, vlan ? 18u : 14u);
        buffer.resize(size);
        EthernetHeader parsed;
        std::span<const std::uint8_t> payload;
        ASSERT_EQ(parse_ethernet(buffer, parsed, payload), Status::kOk);
        EXPECT_EQ(parsed, header);
        EXPECT_TRUE(payload.empty());
        if (vlan) {
            EXPECT_EQ(parsed.vlan_id(), 0x08D);
            EXPECT_EQ(buffer[12], 0x81);
            EXPECT_EQ(buffer[13], 0x00);
        }
        for (std::size_t cut = 0; cut < size; ++cut) {
            EXPECT_EQ(parse_ethernet(std::span(buffer.data(), cut), parsed, payload),
                      Status::kTruncated);
        }
    }
}

TEST(Ethernet, StackedTagsAndLengthFieldsAreUnsupported) {
    Bytes frame(30, 0);
    frame[12] = 0x88;
    frame[13] = 0xA8;
    EthernetHeader header;
    std::span<const std::uint8_t> payload;
    EXPECT_EQ(parse_ethernet(frame, header, payload), Status::kUnsupported);
    frame[12] = 0x81;
    frame[13] = 0x00;
    frame[16] = 0x81;
    frame[17] = 0x00;
    EXPECT_EQ(parse_ethernet(frame, header, payload), Status::kUnsupported);
    frame[12] = 0x00;
    frame[13] = 0x2E;  // an 802.3 length
    EXPECT_EQ(parse_ethernet(frame, header, payload), Status::kUnsupported);
}

TEST(Arp, RequestRoundTripsAndOtherHardwareIsRejected) {
    const ArpPacket request{kArpRequest, kMacA, kIpA, MacAddress{}, kIpB};
    Bytes buffer(kArpSize);
    ASSERT_EQ(write_arp(request, buffer), kArpSize);
    ArpPacket parsed;
    ASSERT_EQ(parse_arp(buffer, parsed), Status::kOk);
    EXPECT_EQ(parsed, request);
    for (std::size_t cut = 0; cut < kArpSize; ++cut) {
        EXPECT_EQ(parse_arp(std::span(buffer.data(), cut), parsed), Status::kTruncated);
    }
    Bytes other = buffer;
    other[1] = 6;  // IEEE 802 hardware
    EXPECT_EQ(parse_arp(other, parsed), Status::kBadValue);
    other = buffer;
    other[7] = 3;  // RARP request
    EXPECT_EQ(parse_arp(other, parsed), Status::kBadValue);
}

TEST(Ipv4, HeaderRoundTripsWithAVerifiedChecksum) {
    Ipv4Header header;
    header.identification = 0xBEEF;
    header.ttl = 21;
    header.protocol = kIpProtocolUdp;
    header.source = kIpA;
    header.destination = kIpB;
    Bytes packet(28, 0xEE);
    ASSERT_EQ(write_ipv4(header, 8, packet), 20u);
    Ipv4Parse parsed;
    ASSERT_EQ(parse_ipv4(packet, parsed), Status::kOk);
    EXPECT_TRUE(parsed.checksum_ok);
    EXPECT_EQ(parsed.header.total_length, 28);
    EXPECT_EQ(parsed.header.identification, 0xBEEF);
    EXPECT_EQ(parsed.header.ttl, 21);
    EXPECT_EQ(parsed.header.source, kIpA);
    EXPECT_EQ(parsed.payload.size(), 8u);
    EXPECT_FALSE(parsed.header.is_fragment());
    packet[8] ^= 1;  // any changed header bit breaks the checksum
    ASSERT_EQ(parse_ipv4(packet, parsed), Status::kOk);
    EXPECT_FALSE(parsed.checksum_ok);
}

TEST(Ipv4, OptionsAreToleratedAndLinkPaddingIsCut) {
    Ipv4Header header;
    header.protocol = kIpProtocolUdp;
    Bytes packet(20);
    ASSERT_EQ(write_ipv4(header, 4, packet), 20u);
    // Insert 8 bytes of options (two NOPs-worth words), fix IHL, length and checksum.
    Bytes with_options(packet.begin(), packet.end());
    with_options.insert(with_options.end(), {1, 1, 1, 0, 1, 1, 1, 0});
    with_options[0] = 0x47;
    with_options[3] = 20 + 8 + 4;
    with_options[10] = with_options[11] = 0;
    const std::uint16_t checksum =
        internet_checksum(std::span<const std::uint8_t>(with_options.data(), 28));
    with_options[10] = static_cast<std::uint8_t>(checksum >> 8);
    with_options[11] = static_cast<std::uint8_t>(checksum);
    with_options.insert(with_options.end(), {9, 9, 9, 9, 0, 0, 0, 0, 0, 0});  // data + padding
    Ipv4Parse parsed;
    ASSERT_EQ(parse_ipv4(with_options, parsed), Status::kOk);
    EXPECT_TRUE(parsed.checksum_ok);
    EXPECT_EQ(parsed.header.header_size, 28);
    EXPECT_EQ(parsed.options.size(), 8u);
    EXPECT_EQ(Bytes(parsed.payload.begin(), parsed.payload.end()), (Bytes{9, 9, 9, 9}));
}

TEST(Ipv4, BadVersionHeaderLengthAndTotalLengthAreRejected) {
    Ipv4Header header;
    Bytes packet(40);
    ASSERT_EQ(write_ipv4(header, 20, packet), 20u);
    Ipv4Parse parsed;
    for (std::size_t cut = 0; cut < packet.size(); ++cut) {
        EXPECT_EQ(parse_ipv4(std::span(packet.data(), cut), parsed), Status::kTruncated) << cut;
    }
    Bytes bad = packet;
    bad[0] = 0x65;  // version 6
    EXPECT_EQ(parse_ipv4(bad, parsed), Status::kBadValue);
    for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
        bad = packet;
        bad[0] = static_cast<std::uint8_t>(0x40 | ihl);
        EXPECT_EQ(parse_ipv4(bad, parsed), Status::kBadLength);
    }
    for (std::uint32_t total = 0; total <= 0xFFFF; ++total) {
        bad = packet;
        bad[2] = static_cast<std::uint8_t>(total >> 8);
        bad[3] = static_cast<std::uint8_t>(total);
        const Status status = parse_ipv4(bad, parsed);
        if (total < 20) {
            EXPECT_EQ(status, Status::kBadLength);
        } else if (total > 40) {
            EXPECT_EQ(status, Status::kTruncated);
        } else {
            EXPECT_EQ(status, Status::kOk);
        }
    }
}

TEST(Ipv4, AddressesFormatAndParse) {
    EXPECT_EQ(format_ipv4(0xE9360C6F), "233.54.12.111");
    EXPECT_EQ(parse_ipv4_address("233.54.12.111"), 0xE9360C6Fu);
    EXPECT_FALSE(parse_ipv4_address("256.1.1.1"));
    EXPECT_FALSE(parse_ipv4_address("1.2.3"));
    EXPECT_FALSE(parse_ipv4_address("1.2.3.4.5"));
    EXPECT_FALSE(parse_ipv4_address("1.2.3.x"));
}

TEST(Icmp, EchoRequestRoundTripsWithChecksum) {
    const Bytes data = payload_of(11, 3);
    IcmpEcho echo;
    echo.identifier = 0x1234;
    echo.sequence = 9;
    echo.data = data;
    Bytes buffer(64);
    const std::size_t size = write_icmp_echo(echo, buffer);
    ASSERT_EQ(size, 19u);
    buffer.resize(size);
    IcmpEcho parsed;
    bool checksum_ok = false;
    ASSERT_EQ(parse_icmp_echo(buffer, parsed, checksum_ok), Status::kOk);
    EXPECT_TRUE(checksum_ok);
    EXPECT_EQ(parsed.identifier, 0x1234);
    EXPECT_EQ(parsed.sequence, 9);
    EXPECT_EQ(Bytes(parsed.data.begin(), parsed.data.end()), data);
    buffer[0] = 3;  // destination unreachable
    EXPECT_EQ(parse_icmp_echo(buffer, parsed, checksum_ok), Status::kUnsupported);
}

TEST(Udp, ChecksumCoversThePseudoHeaderAndZeroMeansNone) {
    const Bytes payload = payload_of(13, 1);
    Bytes buffer(64);
    const std::size_t size = write_udp(26477, 26477, kIpA, kIpB, payload, buffer);
    ASSERT_EQ(size, 21u);
    buffer.resize(size);
    UdpParse parsed;
    ASSERT_EQ(parse_udp(buffer, kIpA, kIpB, parsed), Status::kOk);
    EXPECT_TRUE(parsed.checksum_ok);
    EXPECT_NE(parsed.header.checksum, 0);
    // The same datagram between other addresses fails: the pseudo-header is covered.
    ASSERT_EQ(parse_udp(buffer, kIpA, kIpB + 1, parsed), Status::kOk);
    EXPECT_FALSE(parsed.checksum_ok);
    buffer[6] = buffer[7] = 0;  // no checksum
    ASSERT_EQ(parse_udp(buffer, kIpA, kIpB + 1, parsed), Status::kOk);
    EXPECT_TRUE(parsed.checksum_ok);
}

TEST(Udp, AComputedZeroChecksumIsSentAsFfff) {
    // Search for a payload whose checksum computes to zero (RFC 768: send all ones).
    Bytes buffer(16);
    for (std::uint32_t word = 0; word <= 0xFFFF; ++word) {
        const Bytes payload = {static_cast<std::uint8_t>(word >> 8),
                               static_cast<std::uint8_t>(word)};
        ASSERT_EQ(write_udp(1, 2, kIpA, kIpB, payload, buffer), 10u);
        if (buffer[6] == 0xFF && buffer[7] == 0xFF) {
            UdpParse parsed;
            ASSERT_EQ(parse_udp(std::span(buffer.data(), 10), kIpA, kIpB, parsed), Status::kOk);
            EXPECT_TRUE(parsed.checksum_ok);
            return;
        }
        EXPECT_FALSE(buffer[6] == 0 && buffer[7] == 0);
    }
    FAIL() << "no payload gave a zero checksum";
}

TEST(Udp, LengthFieldsOutsideTheDatagramAreRejected) {
    Bytes buffer(20);
    ASSERT_EQ(write_udp(1, 2, kIpA, kIpB, payload_of(12, 0), buffer), 20u);
    UdpParse parsed;
    for (std::uint32_t length = 0; length < 64; ++length) {
        Bytes bad = buffer;
        bad[4] = 0;
        bad[5] = static_cast<std::uint8_t>(length);
        const Status status = parse_udp(bad, kIpA, kIpB, parsed);
        EXPECT_EQ(status, length < 8    ? Status::kBadLength
                          : length > 20 ? Status::kTruncated
                                        : Status::kOk)
            << length;
    }
}

TEST(Tcp, EveryCombinationOfOptionsRoundTrips) {
    for (int mask = 0; mask < 16; ++mask) {
        TcpOptions options;
        options.has_mss = (mask & 1) != 0;
        options.mss = 1460;
        options.has_window_scale = (mask & 2) != 0;
        options.window_scale = 7;
        options.sack_permitted = (mask & 4) != 0;
        options.has_timestamps = (mask & 8) != 0;
        options.timestamp_value = 0xDEADBEEF;
        options.timestamp_echo = 0x01020304;
        if (!options.has_mss) {
            options.mss = 0;
        }
        if (!options.has_window_scale) {
            options.window_scale = 0;
        }
        if (!options.has_timestamps) {
            options.timestamp_value = options.timestamp_echo = 0;
        }
        TcpHeader header;
        header.source_port = 40000;
        header.destination_port = 15000;
        header.sequence_number = 0xFFFFFFF0;
        header.acknowledgment_number = 12345;
        header.flags = kTcpSyn | kTcpAck;
        header.window = 64240;
        const Bytes payload = payload_of(static_cast<std::size_t>(mask), 5);
        Bytes buffer(200);
        const std::size_t size = write_tcp(header, options, kIpA, kIpB, payload, buffer);
        ASSERT_EQ(size, 20 + tcp_options_size(options) + payload.size());
        EXPECT_EQ(tcp_options_size(options) % 4, 0u);
        buffer.resize(size);
        TcpParse parsed;
        ASSERT_EQ(parse_tcp(buffer, kIpA, kIpB, parsed), Status::kOk) << mask;
        EXPECT_TRUE(parsed.checksum_ok);
        EXPECT_EQ(parsed.options, options) << mask;
        EXPECT_EQ(parsed.header.sequence_number, header.sequence_number);
        EXPECT_EQ(parsed.header.acknowledgment_number, header.acknowledgment_number);
        EXPECT_EQ(parsed.header.flags, header.flags);
        EXPECT_EQ(parsed.header.window, header.window);
        EXPECT_EQ(Bytes(parsed.payload.begin(), parsed.payload.end()), payload);
        buffer.back() ^= 0x80;
        if (!payload.empty()) {
            ASSERT_EQ(parse_tcp(buffer, kIpA, kIpB, parsed), Status::kOk);
            EXPECT_FALSE(parsed.checksum_ok);
        }
    }
}

TEST(Tcp, SackBlocksAndUnknownOptionsAreParsed) {
    const Bytes options = {kTcpOptionNop,
                           kTcpOptionNop,
                           kTcpOptionSack,
                           18,
                           0,
                           0,
                           0,
                           1,
                           0,
                           0,
                           0,
                           2,
                           0,
                           0,
                           0,
                           3,
                           0,
                           0,
                           0,
                           4,
                           99,
                           4,
                           0xAB,
                           0xCD};
    TcpOptions parsed;
    ASSERT_EQ(parse_tcp_options(options, parsed), Status::kOk);
    EXPECT_EQ(parsed.sack_block_count, 2);
    EXPECT_EQ(parsed.sack_blocks[1][0], 3u);
    EXPECT_EQ(parsed.sack_blocks[1][1], 4u);
}

TEST(Tcp, MalformedOptionsAreRejected) {
    const std::vector<Bytes> bad = {
        {kTcpOptionMss},                        // no length byte
        {kTcpOptionMss, 3, 0},                  // MSS must be 4 long
        {kTcpOptionMss, 5, 0, 0},               // runs past the options
        {99, 1},                                // length below 2
        {kTcpOptionWindowScale, 4, 0, 0},       // window scale must be 3 long
        {kTcpOptionSackPermitted, 3, 0},        // must be 2 long
        {kTcpOptionTimestamps, 6, 0, 0, 0, 0},  // must be 10 long
        {kTcpOptionSack, 2},                    // no block
        {kTcpOptionSack, 7, 0, 0, 0, 0, 0},     // not a whole block
    };
    for (const Bytes& option : bad) {
        TcpOptions parsed;
        EXPECT_EQ(parse_tcp_options(option, parsed), Status::kBadValue);
    }
    TcpOptions parsed;
    const Bytes end_then_junk = {kTcpOptionEnd, 0xFF, 0xFF};
    EXPECT_EQ(parse_tcp_options(end_then_junk, parsed), Status::kOk);
}

TEST(Tcp, DataOffsetOutsideTheSegmentIsRejected) {
    Bytes buffer(40);
    ASSERT_EQ(write_tcp(TcpHeader{}, TcpOptions{}, kIpA, kIpB, payload_of(20, 0), buffer), 40u);
    for (std::uint8_t offset = 0; offset < 16; ++offset) {
        Bytes bad = buffer;
        bad[12] = static_cast<std::uint8_t>(offset << 4);
        TcpParse parsed;
        const Status status = parse_tcp(bad, kIpA, kIpB, parsed);
        if (offset < 5) {
            EXPECT_EQ(status, Status::kBadLength);
        } else if (offset > 10) {
            EXPECT_EQ(status, Status::kTruncated);
        } else {
            EXPECT_NE(status, Status::kTruncated);
        }
    }
}

TEST(FrameChain, UdpAndTcpFramesParseThroughEveryLayer) {
    const Bytes payload = payload_of(100, 9);
    for (const bool vlan : {false, true}) {
        Bytes frame(1514);
        const std::size_t udp_size = build_udp_frame(spec(vlan), payload, frame);
        ASSERT_EQ(udp_size, (vlan ? 18u : 14u) + 20 + 8 + 100);
        ParsedFrame parsed;
        ASSERT_EQ(parse_frame(std::span(frame.data(), udp_size), parsed), Status::kOk);
        EXPECT_EQ(parsed.layer3, Layer3::kIpv4);
        EXPECT_EQ(parsed.layer4, Layer4::kUdp);
        EXPECT_EQ(parsed.ethernet.has_vlan, vlan);
        EXPECT_EQ(parsed.udp.header.source_port, 15000);
        EXPECT_EQ(Bytes(parsed.payload.begin(), parsed.payload.end()), payload);

        TcpHeader tcp;
        tcp.sequence_number = 1;
        tcp.flags = kTcpAck | kTcpPsh;
        TcpOptions options;
        options.has_timestamps = true;
        const std::size_t tcp_size = build_tcp_frame(spec(vlan), tcp, options, payload, frame);
        ASSERT_GT(tcp_size, 0u);
        ASSERT_EQ(parse_frame(std::span(frame.data(), tcp_size), parsed), Status::kOk);
        EXPECT_EQ(parsed.layer4, Layer4::kTcp);
        EXPECT_TRUE(parsed.checksums_ok());
        EXPECT_EQ(parsed.tcp.header.destination_port, 40000);
        EXPECT_EQ(Bytes(parsed.payload.begin(), parsed.payload.end()), payload);
    }
}

TEST(FrameChain, ShortFramesArePaddedToSixtyBytesAndThePaddingIsIgnored) {
    const Bytes payload = {1, 2, 3};
    Bytes frame(100, 0xEE);
    const std::size_t size = build_udp_frame(spec(false), payload, frame);
    ASSERT_EQ(size, 60u);
    EXPECT_EQ(frame[45], 0);  // padding is zeroed
    ParsedFrame parsed;
    ASSERT_EQ(parse_frame(std::span(frame.data(), size), parsed), Status::kOk);
    EXPECT_EQ(Bytes(parsed.payload.begin(), parsed.payload.end()), payload);
}

TEST(FrameChain, EveryTruncationOfAFrameIsAnErrorAndNeverACrash) {
    const Bytes payload = payload_of(40, 2);
    for (const bool vlan : {false, true}) {
        Bytes frame(200);
        TcpOptions options;
        options.has_mss = true;
        const std::size_t sizes[] = {build_udp_frame(spec(vlan), payload, frame)};
        for (const std::size_t size : sizes) {
            for (std::size_t cut = 0; cut < size; ++cut) {
                const Bytes prefix(frame.begin(), frame.begin() + static_cast<long>(cut));
                ParsedFrame parsed;
                EXPECT_NE(parse_frame(prefix, parsed), Status::kOk) << "cut " << cut;
            }
        }
        const std::size_t tcp_size =
            build_tcp_frame(spec(vlan), TcpHeader{}, options, payload, frame);
        for (std::size_t cut = 0; cut < tcp_size; ++cut) {
            const Bytes prefix(frame.begin(), frame.begin() + static_cast<long>(cut));
            ParsedFrame parsed;
            EXPECT_NE(parse_frame(prefix, parsed), Status::kOk) << "cut " << cut;
        }
    }
}

TEST(FrameChain, BadChecksumsAreErrorsOnlyWhenVerifying) {
    Bytes frame(200);
    const std::size_t size = build_udp_frame(spec(false), payload_of(30, 4), frame);
    frame[size - 1] ^= 0x01;  // payload byte: UDP checksum fails
    ParsedFrame parsed;
    EXPECT_EQ(parse_frame(std::span(frame.data(), size), parsed), Status::kBadChecksum);
    EXPECT_EQ(
        parse_frame(std::span(frame.data(), size), parsed, ParseOptions{.verify_checksums = false}),
        Status::kOk);
    EXPECT_FALSE(parsed.udp.checksum_ok);
    EXPECT_FALSE(parsed.checksums_ok());
}

TEST(FrameChain, FragmentsAreUnsupportedAndOtherProtocolsStopTheChain) {
    Bytes frame(200);
    const std::size_t size = build_udp_frame(spec(false), payload_of(30, 4), frame);
    Bytes fragment(frame.begin(), frame.begin() + static_cast<long>(size));
    fragment[14 + 6] |= 0x20;  // more fragments
    ParsedFrame parsed;
    EXPECT_EQ(parse_frame(fragment, parsed, ParseOptions{.verify_checksums = false}),
              Status::kUnsupported);
    Bytes gre(frame.begin(), frame.begin() + static_cast<long>(size));
    gre[14 + 9] = 47;
    ASSERT_EQ(parse_frame(gre, parsed, ParseOptions{.verify_checksums = false}), Status::kOk);
    EXPECT_EQ(parsed.layer3, Layer3::kIpv4);
    EXPECT_EQ(parsed.layer4, Layer4::kNone);
}

TEST(FrameChain, RandomBytesAndMutatedFramesNeverCrash) {
    Rng rng(51);
    Bytes frame(300);
    TcpOptions options;
    options.has_mss = options.sack_permitted = options.has_timestamps = true;
    const std::size_t size =
        build_tcp_frame(spec(true), TcpHeader{}, options, payload_of(60, 1), frame);
    frame.resize(size);
    int ok = 0;
    for (int i = 0; i < 100'000; ++i) {
        Bytes input = frame;
        const int edits = 1 + static_cast<int>(rng.below(3));
        for (int e = 0; e < edits; ++e) {
            input[rng.below(input.size())] = static_cast<std::uint8_t>(rng.next());
        }
        input.resize(rng.below(input.size() + 1));
        ParsedFrame parsed;
        ok += parse_frame(input, parsed, ParseOptions{.verify_checksums = rng.below(2) == 0}) ==
              Status::kOk;
    }
    EXPECT_GT(ok, 0);
}

}  // namespace
