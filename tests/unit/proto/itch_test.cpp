#include "proto/itch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "message_testing.hpp"

namespace {

using namespace tb::proto;
using tb::core::Rng;
using tb::proto::test_support::for_each_type;
using tb::proto::test_support::random_message;

// Records which message type (if any) the decoder delivered, and the message.
template <class M>
struct Capture {
    int calls = 0;
    int other_calls = 0;
    M last{};
    void operator()(const M& message) {
        ++calls;
        last = message;
    }
    template <class Other>
    void operator()(const Other&) {
        ++other_calls;
    }
};

TEST(Itch, EveryMessageTypeRoundTripsThroughEncodeAndDecode) {
    Rng rng(11);
    for_each_type<itch::AllMessages>([&](auto type) {
        using M = typename decltype(type)::type;
        for (int i = 0; i < 200; ++i) {
            const M original = random_message<M>(rng);
            std::array<std::uint8_t, 64> buffer{};
            const std::size_t size = itch::encode(original, buffer);
            ASSERT_EQ(size, wire_size<M>()) << M::kName;
            ASSERT_EQ(buffer[0], static_cast<std::uint8_t>(M::kType));
            Capture<M> capture;
            ASSERT_EQ(itch::decode(buffer.data(), size, capture), Status::kOk) << M::kName;
            ASSERT_EQ(capture.calls, 1);
            ASSERT_EQ(capture.other_calls, 0);
            EXPECT_TRUE(capture.last == original) << M::kName;
            // And bytes -> message -> bytes gives the same bytes.
            std::array<std::uint8_t, 64> again{};
            ASSERT_EQ(itch::encode(capture.last, again), size);
            EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + size),
                      std::vector<std::uint8_t>(again.begin(), again.begin() + size));
        }
    });
}

TEST(Itch, FieldsSitAtTheOffsetsOfTheSpecification) {
    // Section 4.3.1 Add Order: type 0, locate 1, tracking 3, timestamp 5 (6 bytes), reference
    // 11, side 19, shares 20, stock 24, price 32.
    itch::AddOrder add;
    add.stock_locate = 0x0102;
    add.tracking_number = 0x0304;
    add.timestamp_ns = 0x0506'0708'090AULL;
    add.order_reference_number = 0x1112'1314'1516'1718ULL;
    add.side = itch::Side::kSell;
    add.shares = 0x2122'2324;
    add.stock = Alpha<8>::left("MSFT");
    add.price = 0x3132'3334;
    std::array<std::uint8_t, 36> wire{};
    ASSERT_EQ(itch::encode(add, wire), 36u);
    const std::array<std::uint8_t, 36> expected = {
        'A',  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x11,
        0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 'S',  0x21, 0x22, 0x23, 0x24,
        'M',  'S',  'F',  'T',  ' ',  ' ',  ' ',  ' ',  0x31, 0x32, 0x33, 0x34};
    EXPECT_EQ(wire, expected);
}

TEST(Itch, EveryTruncationOfEveryMessageIsRejectedWithoutCallingTheHandler) {
    Rng rng(12);
    for_each_type<itch::AllMessages>([&](auto type) {
        using M = typename decltype(type)::type;
        std::array<std::uint8_t, 64> buffer{};
        const std::size_t size = itch::encode(random_message<M>(rng), buffer);
        for (std::size_t cut = 0; cut < size; ++cut) {
            // An exact-size copy, so that a read past the end is caught by the sanitizer.
            const std::vector<std::uint8_t> prefix(buffer.begin(), buffer.begin() + cut);
            Capture<M> capture;
            EXPECT_EQ(itch::decode(prefix.data(), prefix.size(), capture), Status::kTruncated)
                << M::kName << " cut at " << cut;
            EXPECT_EQ(capture.calls + capture.other_calls, 0);
        }
    });
}

TEST(Itch, MessagesLongerThanTheirTypeAreRejected) {
    Rng rng(13);
    for_each_type<itch::AllMessages>([&](auto type) {
        using M = typename decltype(type)::type;
        std::vector<std::uint8_t> buffer(wire_size<M>() + 300);
        ASSERT_EQ(itch::encode(random_message<M>(rng), buffer), wire_size<M>());
        for (std::size_t extra = 1; extra <= 300; ++extra) {
            Capture<M> capture;
            EXPECT_EQ(itch::decode(buffer.data(), wire_size<M>() + extra, capture),
                      Status::kBadLength)
                << M::kName;
            EXPECT_EQ(capture.calls + capture.other_calls, 0);
        }
    });
}

TEST(Itch, TypesOutsideTheSpecificationAreUnknown) {
    std::set<char> known;
    for_each_type<itch::AllMessages>([&](auto type) { known.insert(decltype(type)::type::kType); });
    EXPECT_EQ(known.size(), 23u);
    for (int byte = 0; byte < 256; ++byte) {
        const char type = static_cast<char>(byte);
        std::array<std::uint8_t, 50> message{};
        message[0] = static_cast<std::uint8_t>(byte);
        const std::size_t size = known.count(type) != 0 ? itch::message_size(type) : 36;
        int calls = 0;
        const Status status = itch::decode(message.data(), size, [&](const auto&) { ++calls; });
        if (known.count(type) != 0) {
            EXPECT_EQ(status, Status::kOk);
            EXPECT_EQ(calls, 1);
            EXPECT_FALSE(itch::message_name(type).empty());
        } else {
            EXPECT_EQ(status, Status::kUnknownType) << "type byte " << byte;
            EXPECT_EQ(calls, 0);
            EXPECT_EQ(itch::message_size(type), 0u);
        }
    }
}

TEST(Itch, HandlerWithoutAnOverloadStillGetsTheLengthChecked) {
    struct OnlyAdds {
        int adds = 0;
        void operator()(const itch::AddOrder&) { ++adds; }
    } handler;
    std::array<std::uint8_t, 64> buffer{};
    const std::size_t size = itch::encode(itch::OrderDelete{}, buffer);
    EXPECT_EQ(itch::decode(buffer.data(), size, handler), Status::kOk);
    EXPECT_EQ(itch::decode(buffer.data(), size - 1, handler), Status::kTruncated);
    EXPECT_EQ(handler.adds, 0);
}

TEST(Itch, EncodeRefusesABufferThatIsTooSmall) {
    std::array<std::uint8_t, 35> small{};
    EXPECT_EQ(itch::encode(itch::AddOrder{}, small), 0u);
    std::array<std::uint8_t, 36> exact{};
    EXPECT_EQ(itch::encode(itch::AddOrder{}, exact), 36u);
}

TEST(Itch, TimestampsUseSixBytesAndPrice8KeepsEightDecimals) {
    itch::MwcbDeclineLevel level;
    level.timestamp_ns = (std::uint64_t{1} << 48) - 1;  // the largest 6-byte timestamp
    level.level_1 = 123'456'789'012ULL;                 // 1234.56789012 with 8 decimals
    std::array<std::uint8_t, 35> wire{};
    ASSERT_EQ(itch::encode(level, wire), 35u);
    for (int i = 5; i < 11; ++i) {
        EXPECT_EQ(wire[static_cast<std::size_t>(i)], 0xFF);
    }
    Capture<itch::MwcbDeclineLevel> capture;
    ASSERT_EQ(itch::decode(wire.data(), wire.size(), capture), Status::kOk);
    EXPECT_EQ(capture.last.timestamp_ns, level.timestamp_ns);
    EXPECT_EQ(capture.last.level_1, level.level_1);
}

TEST(Itch, RandomBytesNeverCrashAndOnlyKnownTypesOfTheRightSizeDecode) {
    Rng rng(14);
    std::vector<std::uint8_t> bytes;
    for (int i = 0; i < 200'000; ++i) {
        bytes.resize(rng.below(64));
        for (auto& b : bytes) {
            b = static_cast<std::uint8_t>(rng.next());
        }
        int calls = 0;
        const Status status =
            itch::decode(bytes.data(), bytes.size(), [&](const auto&) { ++calls; });
        const bool valid =
            !bytes.empty() && itch::message_size(static_cast<char>(bytes[0])) == bytes.size();
        EXPECT_EQ(status == Status::kOk, valid);
        EXPECT_EQ(calls, valid ? 1 : 0);
    }
}

TEST(Itch, AlphaFieldsArePaddedOnTheRightWithSpaces) {
    EXPECT_EQ(Alpha<8>::left("AAPL").raw(), "AAPL    ");
    EXPECT_EQ(Alpha<8>::left("TOOLONGNAME").raw(), "TOOLONGN");
    EXPECT_EQ(Alpha<8>::left("AAPL").trimmed(), "AAPL");
    EXPECT_EQ(Alpha<10>::right("42").raw(), "        42");
    EXPECT_EQ(Alpha<4>::left("").trimmed(), "");
}

}  // namespace
