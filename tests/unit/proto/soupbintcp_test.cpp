#include "proto/soupbintcp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/random.hpp"
#include "proto/ouch.hpp"

namespace {

using namespace tb::proto;
using tb::core::Rng;

using Bytes = std::vector<std::uint8_t>;

// A stream with one packet of every type.
std::vector<Bytes> every_packet_type() {
    std::vector<Bytes> packets;
    auto add = [&](auto&& write) {
        Bytes buffer(200);
        const std::size_t size = write(std::span<std::uint8_t>(buffer));
        EXPECT_GT(size, 0u);
        buffer.resize(size);
        packets.push_back(buffer);
    };
    const std::string text = "hello";
    const Bytes debug(text.begin(), text.end());
    add([&](auto out) { return soup::write_with_payload(soup::PacketType::kDebug, debug, out); });
    add([](auto out) {
        return soup::write_login_request(
            soup::LoginRequest{Alpha<6>::left("user"), Alpha<10>::left("secret"),
                               Alpha<10>::left(""), 1},
            out);
    });
    add([](auto out) {
        return soup::write_login_accepted(soup::LoginAccepted{Alpha<10>::right("SESSION1"), 1},
                                          out);
    });
    add([](auto out) {
        return soup::write_login_rejected(soup::RejectReason::kNotAuthorized, out);
    });
    ouch::EnterOrder enter;
    enter.order_token = ouch::Token::left("ORDER1");
    add([&](auto out) {
        return soup::write_message(soup::PacketType::kUnsequencedData, enter, out);
    });
    ouch::Accepted accepted;
    add([&](auto out) {
        return soup::write_message(soup::PacketType::kSequencedData, accepted, out);
    });
    for (const auto type : {soup::PacketType::kServerHeartbeat, soup::PacketType::kEndOfSession,
                            soup::PacketType::kClientHeartbeat, soup::PacketType::kLogoutRequest}) {
        add([&](auto out) { return soup::write_empty(type, out); });
    }
    return packets;
}

Bytes concatenate(const std::vector<Bytes>& packets) {
    Bytes stream;
    for (const Bytes& p : packets) {
        stream.insert(stream.end(), p.begin(), p.end());
    }
    return stream;
}

TEST(SoupBinTcp, EveryPacketTypeParsesWithTheRightTypeAndPayload) {
    const auto packets = every_packet_type();
    ASSERT_EQ(packets.size(), 10u);
    const std::vector<soup::PacketType> types = {
        soup::PacketType::kDebug,           soup::PacketType::kLoginRequest,
        soup::PacketType::kLoginAccepted,   soup::PacketType::kLoginRejected,
        soup::PacketType::kUnsequencedData, soup::PacketType::kSequencedData,
        soup::PacketType::kServerHeartbeat, soup::PacketType::kEndOfSession,
        soup::PacketType::kClientHeartbeat, soup::PacketType::kLogoutRequest};
    for (std::size_t i = 0; i < packets.size(); ++i) {
        soup::Packet packet;
        ASSERT_EQ(soup::parse_packet(packets[i], packet), Status::kOk) << i;
        EXPECT_EQ(packet.type, types[i]);
        EXPECT_EQ(packet.payload.size() + 3, packets[i].size());
        EXPECT_EQ((packets[i][0] << 8 | packets[i][1]), packets[i].size() - 2);
    }
}

TEST(SoupBinTcp, LoginRequestLayoutMatchesTheSpecification) {
    Bytes buffer(49);
    ASSERT_EQ(
        soup::write_login_request(soup::LoginRequest{Alpha<6>::left("AB"), Alpha<10>::left("PW"),
                                                     Alpha<10>::left(""), 1234},
                                  buffer),
        49u);
    const std::string expected = std::string("\x00\x2F", 2) + "L" + "AB    " + "PW        " +
                                 "          " + "                1234";
    EXPECT_EQ(std::string(buffer.begin(), buffer.end()), expected);
    soup::Packet packet;
    ASSERT_EQ(soup::parse_packet(buffer, packet), Status::kOk);
    soup::LoginRequest request;
    ASSERT_EQ(soup::decode_login_request(packet.payload, request), Status::kOk);
    EXPECT_EQ(request.username.trimmed(), "AB");
    EXPECT_EQ(request.password.trimmed(), "PW");
    EXPECT_EQ(request.requested_session.trimmed(), "");
    EXPECT_EQ(request.requested_sequence_number, 1234u);
}

TEST(SoupBinTcp, LoginAcceptedCarriesALeftPaddedSessionAndSequenceNumber) {
    Bytes buffer(33);
    const soup::LoginAccepted accepted{Alpha<10>::right("ABC"), 18446744073709551615ULL};
    ASSERT_EQ(soup::write_login_accepted(accepted, buffer), 33u);
    EXPECT_EQ(std::string(buffer.begin() + 3, buffer.begin() + 13), "       ABC");
    EXPECT_EQ(std::string(buffer.begin() + 13, buffer.end()), "18446744073709551615");
    soup::Packet packet;
    ASSERT_EQ(soup::parse_packet(buffer, packet), Status::kOk);
    soup::LoginAccepted parsed;
    ASSERT_EQ(soup::decode_login_accepted(packet.payload, parsed), Status::kOk);
    EXPECT_EQ(parsed, accepted);
}

TEST(SoupBinTcp, NumericFieldsRejectAnythingButPaddedDigits) {
    std::uint64_t value = 0;
    auto read = [&](std::string text) {
        return soup::read_numeric(std::span<const char>(text.data(), text.size()), value);
    };
    EXPECT_EQ(read("   42"), Status::kOk);
    EXPECT_EQ(value, 42u);
    EXPECT_EQ(read("     "), Status::kBadValue);
    EXPECT_EQ(read(" 4 2 "), Status::kBadValue);
    EXPECT_EQ(read("  -1"), Status::kBadValue);
    EXPECT_EQ(read("18446744073709551616"), Status::kBadValue);  // 2^64
    std::array<char, 3> small{};
    EXPECT_FALSE(soup::write_numeric(1000, small));
    EXPECT_TRUE(soup::write_numeric(999, small));
}

TEST(SoupBinTcp, EveryTruncationAndEveryWrongLengthOfEachPacketIsRejected) {
    for (const Bytes& whole : every_packet_type()) {
        for (std::size_t cut = 0; cut < whole.size(); ++cut) {
            const Bytes prefix(whole.begin(), whole.begin() + cut);
            soup::Packet packet;
            EXPECT_NE(soup::parse_packet(prefix, packet), Status::kOk) << "cut " << cut;
        }
        // A length field that disagrees with the bytes given.
        for (std::uint32_t length = 0; length < 300; ++length) {
            Bytes changed = whole;
            changed[0] = static_cast<std::uint8_t>(length >> 8);
            changed[1] = static_cast<std::uint8_t>(length);
            soup::Packet packet;
            const Status status = soup::parse_packet(changed, packet);
            if (length + 2 == whole.size()) {
                EXPECT_EQ(status, Status::kOk);
            } else {
                EXPECT_NE(status, Status::kOk) << "length " << length;
            }
        }
    }
}

TEST(SoupBinTcp, FixedSizePacketsWithTheWrongPayloadSizeAreRejected) {
    Bytes heartbeat_with_payload = {0, 2, 'H', 0};
    soup::Packet packet;
    EXPECT_EQ(soup::parse_packet(heartbeat_with_payload, packet), Status::kBadLength);
    Bytes short_login = {0, 2, 'L', 'x'};
    EXPECT_EQ(soup::parse_packet(short_login, packet), Status::kTruncated);
    Bytes unknown = {0, 1, 'Q'};
    EXPECT_EQ(soup::parse_packet(unknown, packet), Status::kUnknownType);
}

// Runs a framer over the stream cut at the given sizes and returns the packets it delivered.
std::vector<Bytes> frame(const Bytes& stream, const std::vector<std::size_t>& pieces,
                         soup::Framer& framer, Status& last) {
    std::vector<Bytes> got;
    std::size_t at = 0;
    last = Status::kOk;
    for (const std::size_t piece : pieces) {
        const std::size_t n = std::min(piece, stream.size() - at);
        // An exact-size copy of each piece, so reading past a piece is caught.
        const Bytes chunk(stream.begin() + static_cast<long>(at),
                          stream.begin() + static_cast<long>(at + n));
        last = framer.feed(
            chunk, [&](std::span<const std::uint8_t> p) { got.emplace_back(p.begin(), p.end()); });
        at += n;
        if (last != Status::kOk) {
            break;
        }
    }
    return got;
}

TEST(SoupBinTcp, FramerRebuildsPacketsFedOneByteAtATime) {
    const auto packets = every_packet_type();
    const Bytes stream = concatenate(packets);
    soup::Framer framer(1000);
    Status status;
    const auto got = frame(stream, std::vector<std::size_t>(stream.size(), 1), framer, status);
    EXPECT_EQ(status, Status::kOk);
    EXPECT_EQ(got, packets);
    EXPECT_EQ(framer.pending(), 0u);
    EXPECT_EQ(framer.counters().packets, packets.size());
}

TEST(SoupBinTcp, FramerRebuildsPacketsFromEverySplitIntoTwoPieces) {
    const auto packets = every_packet_type();
    const Bytes stream = concatenate(packets);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        soup::Framer framer(1000);
        Status status;
        const auto got = frame(stream, {split, stream.size() - split}, framer, status);
        EXPECT_EQ(status, Status::kOk);
        EXPECT_EQ(got, packets) << "split at " << split;
    }
}

TEST(SoupBinTcp, FramerRebuildsPacketsFromRandomSplits) {
    Rng rng(31);
    const auto packets = every_packet_type();
    const Bytes stream = concatenate(packets);
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::size_t> pieces;
        for (std::size_t total = 0; total < stream.size();) {
            pieces.push_back(rng.below(80));
            total += pieces.back();
        }
        soup::Framer framer(1000);
        Status status;
        EXPECT_EQ(frame(stream, pieces, framer, status), packets);
        EXPECT_EQ(status, Status::kOk);
    }
}

TEST(SoupBinTcp, FramerRejectsLengthZeroAndLengthsAboveTheMaximumAndStaysFailed) {
    for (const std::uint16_t bad : {std::uint16_t{0}, std::uint16_t{101}, std::uint16_t{0xFFFF}}) {
        // Alone, after a good packet in the same feed, and split from the good packet.
        Bytes stream = {
            0, 1, 'H', static_cast<std::uint8_t>(bad >> 8), static_cast<std::uint8_t>(bad), 'S'};
        for (const std::size_t first : {std::size_t{6}, std::size_t{3}, std::size_t{4}}) {
            soup::Framer framer(100);
            Status status;
            const auto got = frame(stream, {first, 6 - first}, framer, status);
            EXPECT_EQ(status, Status::kBadLength) << bad << " first " << first;
            EXPECT_EQ(got.size(), 1u);
            EXPECT_TRUE(framer.failed());
            EXPECT_EQ(framer.counters().bad_lengths, 1u);
            // Nothing is delivered after the failure, even a valid packet.
            const Bytes good = {0, 1, 'H'};
            int delivered = 0;
            EXPECT_EQ(framer.feed(good, [&](auto) { ++delivered; }), Status::kBadLength);
            EXPECT_EQ(delivered, 0);
            framer.reset();
            EXPECT_EQ(framer.feed(good, [&](auto) { ++delivered; }), Status::kOk);
            EXPECT_EQ(delivered, 1);
        }
    }
}

TEST(SoupBinTcp, FramerAcceptsALengthEqualToTheMaximum) {
    soup::Framer framer(5);
    const Bytes stream = {0, 5, '+', 'a', 'b', 'c', 'd'};
    Status status;
    const auto got = frame(stream, std::vector<std::size_t>(7, 1), framer, status);
    EXPECT_EQ(status, Status::kOk);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], stream);
}

TEST(SoupBinTcp, FramerSurvivesRandomBytesAndNeverDeliversALengthOverTheMaximum) {
    Rng rng(32);
    for (int round = 0; round < 3000; ++round) {
        Bytes stream(rng.below(400));
        for (auto& b : stream) {
            b = static_cast<std::uint8_t>(rng.below(4) == 0 ? rng.next() : rng.below(8));
        }
        soup::Framer framer(64);
        std::vector<std::size_t> pieces;
        for (std::size_t total = 0; total < stream.size();) {
            pieces.push_back(1 + rng.below(40));
            total += pieces.back();
        }
        Status status;
        for (const Bytes& packet : frame(stream, pieces, framer, status)) {
            ASSERT_GE(packet.size(), 3u);
            const std::size_t length = static_cast<std::size_t>(packet[0]) << 8 | packet[1];
            EXPECT_EQ(length + 2, packet.size());
            EXPECT_LE(length, 64u);
            EXPECT_GE(length, 1u);
        }
    }
}

}  // namespace
