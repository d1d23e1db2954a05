// The exchange's wire tap (exchange_sim/host/wire_tap.hpp) with crafted frames: triggers added
// while running, matched by MoldUDP64 sequence ranges on first hand-over only, answered by the
// client's next OUCH frame; the order round trip from an Enter Order frame to the Accepted or
// Rejected frame; frames that are neither are ignored.

#include <gtest/gtest.h>

#include <vector>

#include "core/endian.hpp"
#include "exchange_sim/host/wire_tap.hpp"
#include "proto/frame.hpp"
#include "proto/moldudp64.hpp"

namespace tb::exchange {
namespace {

using Bytes = std::vector<std::uint8_t>;

const proto::MacAddress kExchangeMac = {0x02, 0, 0, 0, 0, 1};
const proto::MacAddress kClientMac = {0x02, 0, 0, 0, 0, 2};

Bytes mold_frame(std::uint64_t first, std::uint16_t count, std::uint16_t port = 26477) {
    Bytes packet(proto::mold::kHeaderSize + 3 * count);
    proto::mold::Header header;
    header.session = proto::mold::Session::left("TB20240102");
    header.sequence_number = first;
    header.message_count = count;
    proto::mold::write_header(header, packet.data());
    for (std::uint16_t i = 0; i < count; ++i) {
        core::store_be16(packet.data() + proto::mold::kHeaderSize + 3 * i, 1);
        packet[proto::mold::kHeaderSize + 3 * i + 2] = 'S';
    }
    proto::FrameSpec spec;
    spec.source = {kExchangeMac, 0x0A000001, port};
    spec.destination = {proto::MacAddress{0x01, 0x00, 0x5E, 0x36, 0x0C, 0x6F}, 0xE9360C6F, port};
    Bytes frame(packet.size() + 64);
    frame.resize(proto::build_udp_frame(spec, packet, frame));
    return frame;
}

// A TCP segment carrying `soup` (a SoupBinTCP packet), to or from the order-entry port.
Bytes tcp_frame(const Bytes& soup, bool to_exchange) {
    proto::FrameSpec spec;
    const proto::Endpoint exchange{kExchangeMac, 0x0A000001, 15000};
    const proto::Endpoint client{kClientMac, 0x0A000002, 50000};
    spec.source = to_exchange ? client : exchange;
    spec.destination = to_exchange ? exchange : client;
    proto::TcpHeader tcp;
    tcp.sequence_number = 1;
    tcp.acknowledgment_number = 1;
    tcp.flags = proto::kTcpAck | proto::kTcpPsh;
    tcp.window = 65535;
    Bytes frame(soup.size() + 128);
    frame.resize(proto::build_tcp_frame(spec, tcp, {}, soup, frame));
    return frame;
}

Bytes soup(char type, char first) {
    return Bytes{0x00, 0x03, static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(first),
                 0x00};
}

TEST(WireTap, TriggerDeliveredOnceAndAnsweredByTheNextOuchFrame) {
    WireTap tap(8, 26477, 15000);
    tap.add_trigger(12);
    tap.add_trigger(40);
    // Packet 10..14 carries trigger 12: delivered at 1000; feed B's copy at 1100 repeats.
    const WireTap::Outbound a = tap.inspect_outbound(mold_frame(10, 5));
    EXPECT_EQ(a.count, 1u);
    tap.delivered(a, 1000);
    tap.delivered(tap.inspect_outbound(mold_frame(10, 5)), 1100);
    EXPECT_EQ(tap.counters().triggers_delivered, 1u);
    EXPECT_EQ(tap.counters().triggers_repeated, 1u);
    // Packets without triggers, a heartbeat, another port: nothing.
    EXPECT_EQ(tap.inspect_outbound(mold_frame(15, 20)).count, 0u);
    EXPECT_EQ(tap.inspect_outbound(mold_frame(41, 0)).count, 0u);
    EXPECT_EQ(tap.inspect_outbound(mold_frame(40, 1, 26478)).count, 0u);
    // A client heartbeat is no order; the OUCH frame at 1750 answers.
    tap.from_client(tcp_frame(soup('R', 0), true), 1500);
    EXPECT_EQ(tap.records()[0].t_ord_ns, -1);
    tap.from_client(tcp_frame(soup('U', 'O'), true), 1750);
    EXPECT_EQ(tap.records()[0].t_md_ns, 1000);
    EXPECT_EQ(tap.records()[0].t_ord_ns, 1750);
    EXPECT_EQ(tap.tick_to_trade().total_count(), 1);
    EXPECT_EQ(tap.tick_to_trade().max(), 750);
    // An order with nothing pending answers nothing.
    tap.from_client(tcp_frame(soup('U', 'X'), true), 1800);
    EXPECT_EQ(tap.tick_to_trade().total_count(), 1);
    EXPECT_EQ(tap.counters().orders, 2u);
    EXPECT_EQ(tap.counters().orders_answering, 1u);
}

TEST(WireTap, TriggersOutOfOrderOrBeyondCapacityAreDropped) {
    WireTap tap(2, 26477, 15000);
    tap.add_trigger(5);
    tap.add_trigger(5);
    tap.add_trigger(6);
    tap.add_trigger(7);
    EXPECT_EQ(tap.records().size(), 2u);
    EXPECT_EQ(tap.counters().triggers_dropped, 2u);
}

TEST(WireTap, OrderRoundTripFromEnterOrderToItsAnswer) {
    WireTap tap(0, 26477, 15000);
    tap.from_client(tcp_frame(soup('U', 'O'), true), 10'000);
    // A heartbeat and a sequenced message that is not an answer do not end it.
    tap.delivered(tap.inspect_outbound(tcp_frame(soup('H', 0), false)), 10'500);
    tap.delivered(tap.inspect_outbound(tcp_frame(soup('S', 'E'), false)), 10'600);
    EXPECT_EQ(tap.order_round_trip().total_count(), 0);
    const WireTap::Outbound accepted = tap.inspect_outbound(tcp_frame(soup('S', 'A'), false));
    EXPECT_TRUE(accepted.answer);
    tap.delivered(accepted, 12'300);
    EXPECT_EQ(tap.order_round_trip().total_count(), 1);
    EXPECT_EQ(tap.order_round_trip().max(), 2'300);
    // A Rejected answers too; an answer with no order outstanding is only counted.
    tap.from_client(tcp_frame(soup('U', 'O'), true), 20'000);
    tap.delivered(tap.inspect_outbound(tcp_frame(soup('S', 'J'), false)), 20'400);
    tap.delivered(tap.inspect_outbound(tcp_frame(soup('S', 'A'), false)), 20'500);
    EXPECT_EQ(tap.order_round_trip().total_count(), 2);
    EXPECT_EQ(tap.counters().answers, 3u);
    EXPECT_EQ(tap.counters().enter_orders, 2u);
}

}  // namespace
}  // namespace tb::exchange
