#include "proto/moldudp64.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/random.hpp"
#include "proto/itch.hpp"

namespace {

using namespace tb::proto;
using tb::core::Rng;

const mold::Session kSession = mold::Session::left("000010059B");

std::vector<std::uint8_t> random_bytes(Rng& rng, std::size_t size) {
    std::vector<std::uint8_t> bytes(size);
    for (auto& b : bytes) {
        b = static_cast<std::uint8_t>(rng.next());
    }
    return bytes;
}

struct Collected {
    std::vector<std::uint64_t> sequences;
    std::vector<std::vector<std::uint8_t>> messages;
};

Status collect(std::span<const std::uint8_t> packet, mold::Header& header, Collected& out) {
    return mold::for_each_message(packet, header,
                                  [&](std::uint64_t seq, std::span<const std::uint8_t> message) {
                                      out.sequences.push_back(seq);
                                      out.messages.emplace_back(message.begin(), message.end());
                                  });
}

TEST(MoldUdp64, BuiltPacketParsesBackToTheSameMessagesAndSequenceNumbers) {
    Rng rng(21);
    std::array<std::uint8_t, 1500> buffer{};
    mold::PacketBuilder builder(buffer, mold::payload_limit_for_mtu(1500));
    builder.start(kSession, 1000);
    std::vector<std::vector<std::uint8_t>> sent;
    for (int i = 0; i < 10; ++i) {
        sent.push_back(random_bytes(rng, 1 + rng.below(50)));
        ASSERT_TRUE(builder.add(sent.back()));
    }
    EXPECT_EQ(builder.next_sequence(), 1010u);
    const auto packet = builder.finish();
    mold::Header header;
    Collected got;
    ASSERT_EQ(collect(packet, header, got), Status::kOk);
    EXPECT_EQ(header.session, kSession);
    EXPECT_EQ(header.sequence_number, 1000u);
    EXPECT_EQ(header.message_count, 10u);
    EXPECT_EQ(got.messages, sent);
    for (std::size_t i = 0; i < got.sequences.size(); ++i) {
        EXPECT_EQ(got.sequences[i], 1000 + i);
    }
}

TEST(MoldUdp64, HeaderLayoutIsSessionSequenceCountBigEndian) {
    std::array<std::uint8_t, 64> buffer{};
    mold::PacketBuilder builder(buffer, 64);
    builder.start(kSession, 0x0102030405060708ULL);
    const std::array<std::uint8_t, 3> message = {0xAA, 0xBB, 0xCC};
    ASSERT_TRUE(builder.add(message));
    const auto packet = builder.finish();
    const std::vector<std::uint8_t> expected = {'0', '0', '0', '0', '1',  '0',  '0', '5', '9',
                                                'B', 1,   2,   3,   4,    5,    6,   7,   8,
                                                0,   1,   0,   3,   0xAA, 0xBB, 0xCC};
    EXPECT_EQ(std::vector<std::uint8_t>(packet.begin(), packet.end()), expected);
}

TEST(MoldUdp64, BuilderFillsUpToThePayloadLimitAndNoFurther) {
    std::array<std::uint8_t, 2000> buffer{};
    const std::size_t limit = mold::payload_limit_for_mtu(1500);
    EXPECT_EQ(limit, 1472u);
    mold::PacketBuilder builder(buffer, limit);
    builder.start(kSession, 1);
    itch::AddOrder add;
    int added = 0;
    while (builder.add_message(add)) {
        ++added;
    }
    // 20-byte header, then blocks of 2 + 36 bytes: floor(1452 / 38) = 38 messages.
    EXPECT_EQ(added, 38);
    EXPECT_LE(builder.size(), limit);
    EXPECT_GT(builder.size() + 38, limit);
    // A smaller message that still fits is accepted.
    const std::array<std::uint8_t, 1> tiny = {0x42};
    EXPECT_EQ(builder.fits(1), builder.size() + 3 <= limit);
    EXPECT_EQ(builder.add(tiny), builder.size() + 3 <= limit);
    mold::Header header;
    Collected got;
    EXPECT_EQ(collect(builder.finish(), header, got), Status::kOk);
    EXPECT_EQ(got.messages.size(), header.message_count);
}

TEST(MoldUdp64, HeartbeatAndEndOfSessionAreBareHeadersWithCountZeroAndFfff) {
    std::array<std::uint8_t, 20> buffer{};
    ASSERT_EQ(mold::write_heartbeat(kSession, 77, buffer), 20u);
    mold::Header header;
    Collected got;
    ASSERT_EQ(collect(buffer, header, got), Status::kOk);
    EXPECT_EQ(header.kind(), mold::PacketKind::kHeartbeat);
    EXPECT_EQ(header.sequence_number, 77u);
    EXPECT_TRUE(got.messages.empty());

    ASSERT_EQ(mold::write_end_of_session(kSession, 78, buffer), 20u);
    ASSERT_EQ(collect(buffer, header, got), Status::kOk);
    EXPECT_EQ(header.kind(), mold::PacketKind::kEndOfSession);
    EXPECT_EQ(header.message_count, 0xFFFF);
    EXPECT_TRUE(got.messages.empty());

    std::array<std::uint8_t, 19> small{};
    EXPECT_EQ(mold::write_heartbeat(kSession, 1, small), 0u);
}

TEST(MoldUdp64, HeartbeatWithTrailingBytesIsRejected) {
    std::array<std::uint8_t, 22> buffer{};
    ASSERT_EQ(mold::write_heartbeat(kSession, 1, buffer), 20u);
    mold::Header header;
    EXPECT_EQ(mold::validate_packet(buffer, header), Status::kBadLength);
    ASSERT_EQ(mold::write_end_of_session(kSession, 1, buffer), 20u);
    EXPECT_EQ(mold::validate_packet(buffer, header), Status::kBadLength);
}

TEST(MoldUdp64, EveryTruncationOfAValidPacketIsRejectedAndDeliversNothing) {
    Rng rng(22);
    std::array<std::uint8_t, 600> buffer{};
    mold::PacketBuilder builder(buffer, buffer.size());
    builder.start(kSession, 5);
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(builder.add(random_bytes(rng, rng.below(40))));
    }
    const auto packet = builder.finish();
    for (std::size_t cut = 0; cut < packet.size(); ++cut) {
        const std::vector<std::uint8_t> prefix(packet.begin(), packet.begin() + cut);
        mold::Header header;
        Collected got;
        EXPECT_EQ(collect(prefix, header, got), Status::kTruncated) << "cut at " << cut;
        EXPECT_TRUE(got.messages.empty());
    }
}

TEST(MoldUdp64, BytesAfterTheLastBlockAndWrongCountsAreRejected) {
    std::array<std::uint8_t, 100> buffer{};
    mold::PacketBuilder builder(buffer, 90);
    builder.start(kSession, 1);
    const std::array<std::uint8_t, 4> message = {1, 2, 3, 4};
    ASSERT_TRUE(builder.add(message));
    ASSERT_TRUE(builder.add(message));
    const auto packet = builder.finish();
    std::vector<std::uint8_t> bytes(packet.begin(), packet.end());
    mold::Header header;
    Collected got;
    // One byte too many.
    bytes.push_back(0);
    EXPECT_EQ(collect(bytes, header, got), Status::kBadLength);
    bytes.pop_back();
    // Count says 1 but two blocks follow; count says 3 but only two.
    bytes[19] = 1;
    EXPECT_EQ(collect(bytes, header, got), Status::kBadLength);
    bytes[19] = 3;
    EXPECT_EQ(collect(bytes, header, got), Status::kTruncated);
    // A block length that runs past the end.
    bytes[19] = 2;
    bytes[21] = 0xFF;
    EXPECT_EQ(collect(bytes, header, got), Status::kTruncated);
    EXPECT_TRUE(got.messages.empty());
}

TEST(MoldUdp64, EveryOutOfRangeBlockLengthIsRejected) {
    std::array<std::uint8_t, 64> buffer{};
    mold::PacketBuilder builder(buffer, 64);
    builder.start(kSession, 1);
    const std::array<std::uint8_t, 10> message{};
    ASSERT_TRUE(builder.add(message));
    const auto packet = builder.finish();
    std::vector<std::uint8_t> bytes(packet.begin(), packet.end());
    for (std::uint32_t length = 0; length <= 0xFFFF; ++length) {
        bytes[20] = static_cast<std::uint8_t>(length >> 8);
        bytes[21] = static_cast<std::uint8_t>(length);
        mold::Header header;
        const Status status = mold::validate_packet(bytes, header);
        if (length == 10) {
            EXPECT_EQ(status, Status::kOk);
        } else {
            EXPECT_EQ(status, length < 10 ? Status::kBadLength : Status::kTruncated) << length;
        }
    }
}

TEST(MoldUdp64, RetransmissionRequestRoundTripsAndRejectsBadCounts) {
    const mold::RetransmissionRequest request{kSession, 123456789, 42};
    std::array<std::uint8_t, 20> buffer{};
    ASSERT_EQ(mold::write_request(request, buffer), 20u);
    mold::RetransmissionRequest parsed;
    ASSERT_EQ(mold::parse_request(buffer, parsed), Status::kOk);
    EXPECT_EQ(parsed, request);
    for (std::size_t cut = 0; cut < 20; ++cut) {
        EXPECT_EQ(mold::parse_request(std::span<const std::uint8_t>(buffer.data(), cut), parsed),
                  Status::kTruncated);
    }
    std::array<std::uint8_t, 21> longer{};
    std::copy(buffer.begin(), buffer.end(), longer.begin());
    EXPECT_EQ(mold::parse_request(longer, parsed), Status::kBadLength);
    buffer[18] = 0;
    buffer[19] = 0;
    EXPECT_EQ(mold::parse_request(buffer, parsed), Status::kBadValue);
    buffer[18] = 0xFF;
    buffer[19] = 0xFF;
    EXPECT_EQ(mold::parse_request(buffer, parsed), Status::kBadValue);
}

TEST(MoldUdp64, RandomBytesNeverCrashAndValidityMatchesASimpleModel) {
    Rng rng(23);
    for (int i = 0; i < 100'000; ++i) {
        std::vector<std::uint8_t> bytes = random_bytes(rng, rng.below(120));
        if (bytes.size() >= 20 && rng.below(2) == 0) {
            bytes[18] = 0;
            bytes[19] = static_cast<std::uint8_t>(rng.below(4));
        }
        // The model: walk the blocks as the specification describes.
        bool valid = bytes.size() >= 20;
        if (valid) {
            const std::size_t count = static_cast<std::size_t>(bytes[18]) << 8 | bytes[19];
            if (count == 0 || count == 0xFFFF) {
                valid = bytes.size() == 20;
            } else {
                std::size_t at = 20;
                for (std::size_t m = 0; m < count && valid; ++m) {
                    valid = at + 2 <= bytes.size() &&
                            at + 2 + (static_cast<std::size_t>(bytes[at]) << 8 | bytes[at + 1]) <=
                                bytes.size();
                    if (valid) {
                        at += 2 + (static_cast<std::size_t>(bytes[at]) << 8 | bytes[at + 1]);
                    }
                }
                valid = valid && at == bytes.size();
            }
        }
        mold::Header header;
        Collected got;
        EXPECT_EQ(collect(bytes, header, got) == Status::kOk, valid);
    }
}

}  // namespace
