// The data-path codecs allocate nothing (STYLE.md, "The hot path"): a counting operator new
// proves it for ITCH decode, MoldUDP64 build and parse, OUCH encode and decode, the SoupBinTCP
// framer and the frame parse chain.

#include <gtest/gtest.h>

#include <vector>

#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"
#include "tests/support/counting_new.hpp"

namespace {

using namespace tb::proto;

TEST(NoAllocation, TheCounterSeesAllocations) {
    // A direct call: the optimizer may merge or drop the allocations of a new-expression.
    const tb::test::AllocationScope scope;
    void* p = ::operator new(64);
    const std::uint64_t counted = scope.allocations();
    ::operator delete(p);
    EXPECT_EQ(counted, 1u) << "without a working counter the zero below means nothing";
}

TEST(NoAllocation, HotPathCodecsAllocateNothing) {
    // Everything sized before the measured phase.
    std::vector<std::uint8_t> packet_buffer(1500);
    std::vector<std::uint8_t> frame_buffer(1600);
    std::vector<std::uint8_t> soup_buffer(200);
    soup::Framer framer(1024);
    mold::PacketBuilder builder(packet_buffer, 1472);
    std::uint64_t sink = 0;

    const tb::test::AllocationScope scope;
    for (int round = 0; round < 100; ++round) {
        builder.start(mold::Session::left("S"), 1);
        itch::AddOrder add;
        add.order_reference_number = static_cast<std::uint64_t>(round);
        while (builder.add_message(add)) {
            ++add.order_reference_number;
        }
        const auto packet = builder.finish();
        mold::Header header;
        const Status status = mold::for_each_message(
            packet, header, [&](std::uint64_t, std::span<const std::uint8_t> message) {
                (void)itch::decode(
                    message, [&](const itch::AddOrder& m) { sink += m.order_reference_number; });
            });
        EXPECT_EQ(status, Status::kOk);

        FrameSpec spec;
        const std::size_t size = build_udp_frame(spec, packet, frame_buffer);
        ParsedFrame parsed;
        EXPECT_EQ(parse_frame(std::span(frame_buffer.data(), size), parsed), Status::kOk);

        ouch::EnterOrder enter;
        enter.shares = static_cast<std::uint32_t>(round);
        const std::size_t soup_size =
            soup::write_message(soup::PacketType::kUnsequencedData, enter, soup_buffer);
        for (std::size_t i = 0; i < soup_size; ++i) {
            (void)framer.feed(
                std::span(soup_buffer.data() + i, 1), [&](std::span<const std::uint8_t> p) {
                    soup::Packet sp;
                    (void)soup::parse_packet(p, sp);
                    (void)ouch::decode_inbound(
                        sp.payload, [&](const ouch::EnterOrder& m) { sink += m.shares; });
                });
        }
    }
    EXPECT_EQ(scope.allocations(), 0u);
    EXPECT_GT(sink, 0u);
}

}  // namespace
