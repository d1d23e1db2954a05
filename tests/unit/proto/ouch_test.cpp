#include "proto/ouch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

#include "core/random.hpp"
#include "message_testing.hpp"

namespace {

using namespace tb::proto;
using tb::core::Rng;
using tb::proto::test_support::for_each_type;
using tb::proto::test_support::random_message;

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

template <class List, ouch::Direction D>
void expect_round_trip(Rng& rng) {
    for_each_type<List>([&](auto type) {
        using M = typename decltype(type)::type;
        for (int i = 0; i < 200; ++i) {
            const M original = random_message<M>(rng);
            std::array<std::uint8_t, 100> buffer{};
            const std::size_t size = ouch::encode(original, buffer);
            ASSERT_EQ(size, wire_size<M>());
            EXPECT_EQ(ouch::message_size(D, M::kType), size);
            Capture<M> capture;
            const auto bytes = std::span<const std::uint8_t>(buffer.data(), size);
            const Status status = D == ouch::Direction::kInbound
                                      ? ouch::decode_inbound(bytes, capture)
                                      : ouch::decode_outbound(bytes, capture);
            ASSERT_EQ(status, Status::kOk) << M::kName;
            ASSERT_EQ(capture.calls, 1);
            EXPECT_EQ(capture.other_calls, 0);
            EXPECT_TRUE(capture.last == original) << M::kName;
        }
    });
}

TEST(Ouch, EveryInboundAndOutboundMessageRoundTrips) {
    Rng rng(41);
    expect_round_trip<ouch::InboundMessages, ouch::Direction::kInbound>(rng);
    expect_round_trip<ouch::OutboundMessages, ouch::Direction::kOutbound>(rng);
}

TEST(Ouch, EnterOrderLayoutMatchesSection2_1) {
    ouch::EnterOrder order;
    order.order_token = ouch::Token::left("TOKEN00000001");
    order.side = ouch::Side::kSellShort;
    order.shares = 500;
    order.stock = ouch::Stock::left("AAPL");
    order.price = 1'500'100;  // 150.0100
    order.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    order.firm = ouch::Firm::left("FIRM");
    order.display = ouch::Display::kNonDisplay;
    order.capacity = ouch::Capacity::kPrincipal;
    order.intermarket_sweep_eligibility = ouch::IntermarketSweep::kEligible;
    order.minimum_quantity = 100;
    order.cross_type = ouch::CrossType::kClosing;
    order.customer_type = ouch::CustomerType::kRetailDesignated;
    std::array<std::uint8_t, 49> wire{};
    ASSERT_EQ(ouch::encode(order, wire), 49u);
    std::string expected = "OTOKEN00000001 T";
    expected += std::string("\x00\x00\x01\xF4", 4) + "AAPL    " +
                std::string("\x00\x16\xE3\xC4", 4) + std::string(4, '\0') + "FIRM" + "NPY" +
                std::string("\x00\x00\x00\x64", 4) + "CR";
    EXPECT_EQ(std::string(wire.begin(), wire.end()), expected);
}

TEST(Ouch, TypeBytesUAndMMeanDifferentMessagesInEachDirection) {
    std::array<std::uint8_t, 100> buffer{};
    // Replace Order (inbound, 47 bytes) and Replaced (outbound, 80 bytes) share 'U'.
    const std::size_t replace = ouch::encode(ouch::ReplaceOrder{}, buffer);
    Capture<ouch::ReplaceOrder> inbound;
    EXPECT_EQ(ouch::decode_inbound(std::span(buffer.data(), replace), inbound), Status::kOk);
    EXPECT_EQ(inbound.calls, 1);
    EXPECT_EQ(ouch::decode_outbound(std::span(buffer.data(), replace), [](const auto&) { FAIL(); }),
              Status::kTruncated);
    const std::size_t modified = ouch::encode(ouch::OrderModified{}, buffer);
    EXPECT_EQ(ouch::decode_inbound(std::span(buffer.data(), modified), [](const auto&) { FAIL(); }),
              Status::kBadLength);
    Capture<ouch::OrderModified> outbound;
    EXPECT_EQ(ouch::decode_outbound(std::span(buffer.data(), modified), outbound), Status::kOk);
    EXPECT_EQ(outbound.calls, 1);
}

template <class List>
void expect_truncations_rejected(Rng& rng, bool inbound) {
    for_each_type<List>([&](auto type) {
        using M = typename decltype(type)::type;
        std::array<std::uint8_t, 100> buffer{};
        const std::size_t size = ouch::encode(random_message<M>(rng), buffer);
        for (std::size_t cut = 0; cut < size; ++cut) {
            const std::vector<std::uint8_t> prefix(buffer.begin(), buffer.begin() + cut);
            int calls = 0;
            auto count = [&](const auto&) { ++calls; };
            const Status status = inbound ? ouch::decode_inbound(prefix, count)
                                          : ouch::decode_outbound(prefix, count);
            EXPECT_EQ(status, Status::kTruncated) << M::kName << " cut " << cut;
            EXPECT_EQ(calls, 0);
        }
        for (std::size_t extra = 1; extra < 20; ++extra) {
            int calls = 0;
            auto count = [&](const auto&) { ++calls; };
            const auto longer = std::span<const std::uint8_t>(buffer.data(), size + extra);
            const Status status = inbound ? ouch::decode_inbound(longer, count)
                                          : ouch::decode_outbound(longer, count);
            EXPECT_EQ(status, Status::kBadLength) << M::kName;
            EXPECT_EQ(calls, 0);
        }
    });
}

TEST(Ouch, EveryTruncationAndEveryLongerLengthIsRejected) {
    Rng rng(42);
    expect_truncations_rejected<ouch::InboundMessages>(rng, true);
    expect_truncations_rejected<ouch::OutboundMessages>(rng, false);
}

TEST(Ouch, UnknownTypesAreRejectedInEachDirection) {
    std::set<char> inbound;
    std::set<char> outbound;
    for_each_type<ouch::InboundMessages>([&](auto t) { inbound.insert(decltype(t)::type::kType); });
    for_each_type<ouch::OutboundMessages>(
        [&](auto t) { outbound.insert(decltype(t)::type::kType); });
    EXPECT_EQ(inbound.size(), 4u);
    EXPECT_EQ(outbound.size(), 12u);
    for (int byte = 0; byte < 256; ++byte) {
        std::array<std::uint8_t, 100> message{};
        message[0] = static_cast<std::uint8_t>(byte);
        const char type = static_cast<char>(byte);
        auto ignore = [](const auto&) {};
        const auto in = std::span<const std::uint8_t>(
            message.data(),
            inbound.count(type) ? ouch::message_size(ouch::Direction::kInbound, type) : 30);
        const auto out = std::span<const std::uint8_t>(
            message.data(),
            outbound.count(type) ? ouch::message_size(ouch::Direction::kOutbound, type) : 30);
        EXPECT_EQ(ouch::decode_inbound(in, ignore) == Status::kOk, inbound.count(type) == 1);
        EXPECT_EQ(ouch::decode_outbound(out, ignore) == Status::kOk, outbound.count(type) == 1);
        if (inbound.count(type) == 0) {
            EXPECT_EQ(ouch::decode_inbound(in, ignore), Status::kUnknownType);
        }
        if (outbound.count(type) == 0) {
            EXPECT_EQ(ouch::decode_outbound(out, ignore), Status::kUnknownType);
        }
    }
}

TEST(Ouch, UnknownReasonCodesArePassedThroughNotRejected) {
    // Section 3.3: clients must accept reason codes added after their version of the spec.
    ouch::Canceled canceled;
    canceled.reason = static_cast<ouch::CancelReason>('Y');
    std::array<std::uint8_t, 28> wire{};
    ASSERT_EQ(ouch::encode(canceled, wire), 28u);
    Capture<ouch::Canceled> capture;
    ASSERT_EQ(ouch::decode_outbound(wire, capture), Status::kOk);
    EXPECT_EQ(static_cast<char>(capture.last.reason), 'Y');
}

TEST(Ouch, RandomBytesNeverCrash) {
    Rng rng(43);
    std::vector<std::uint8_t> bytes;
    for (int i = 0; i < 200'000; ++i) {
        bytes.resize(rng.below(90));
        for (auto& b : bytes) {
            b = static_cast<std::uint8_t>(rng.next());
        }
        const char type = bytes.empty() ? '\0' : static_cast<char>(bytes[0]);
        int calls = 0;
        auto count = [&](const auto&) { ++calls; };
        const bool in_ok = ouch::decode_inbound(bytes, count) == Status::kOk;
        EXPECT_EQ(in_ok, !bytes.empty() &&
                             ouch::message_size(ouch::Direction::kInbound, type) == bytes.size());
        const bool out_ok = ouch::decode_outbound(bytes, count) == Status::kOk;
        EXPECT_EQ(out_ok, !bytes.empty() &&
                              ouch::message_size(ouch::Direction::kOutbound, type) == bytes.size());
        EXPECT_EQ(calls, static_cast<int>(in_ok) + static_cast<int>(out_ok));
    }
}

TEST(OuchCodes, TimeInForceSpecialValuesAreThoseOfTheSpecification) {
    EXPECT_EQ(ouch::kTimeInForceImmediateOrCancel, 0u);
    EXPECT_EQ(ouch::kTimeInForceMarketHours, 99'998u);
    EXPECT_EQ(ouch::kTimeInForceSystemHours, 99'999u);
    EXPECT_EQ(static_cast<char>(ouch::kAiqCancelReason), 'Q');
}

}  // namespace
