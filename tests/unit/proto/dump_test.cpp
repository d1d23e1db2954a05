// The decoder behind tickbench-dump, over captures built with our own encoders.

#include "proto/dump.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace {

using namespace tb::proto;
using Bytes = std::vector<std::uint8_t>;

const MacAddress kMacA = {0x02, 0, 0, 0, 0, 1};
const MacAddress kMacB = {0x02, 0, 0, 0, 0, 2};
constexpr std::uint32_t kExchange = 0x0A000001;
constexpr std::uint32_t kClient = 0x0A000002;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

CaptureRecord record_of(std::uint64_t number, const Bytes& frame) {
    CaptureRecord record;
    record.number = number;
    record.timestamp_ns = static_cast<std::int64_t>(number) * 1000;
    record.data = frame;
    return record;
}

Bytes udp_frame(std::uint16_t port, std::span<const std::uint8_t> payload) {
    FrameSpec spec;
    spec.source = {kMacA, kExchange, port};
    spec.destination = {kMacB, 0xE9360C6F, port};
    Bytes frame(1600);
    frame.resize(build_udp_frame(spec, payload, frame));
    return frame;
}

class TcpPeer {
public:
    TcpPeer(bool server) : server_(server) {}
    Bytes segment(std::span<const std::uint8_t> payload, std::uint8_t flags = kTcpAck | kTcpPsh) {
        FrameSpec spec;
        spec.source = {server_ ? kMacA : kMacB, server_ ? kExchange : kClient,
                       static_cast<std::uint16_t>(server_ ? 15000 : 40000)};
        spec.destination = {server_ ? kMacB : kMacA, server_ ? kClient : kExchange,
                            static_cast<std::uint16_t>(server_ ? 40000 : 15000)};
        TcpHeader tcp;
        tcp.sequence_number = sequence_;
        tcp.flags = flags;
        tcp.window = 65535;
        Bytes frame(1600);
        frame.resize(build_tcp_frame(spec, tcp, TcpOptions{}, payload, frame));
        sequence_ += static_cast<std::uint32_t>(payload.size()) + ((flags & kTcpSyn) ? 1 : 0);
        return frame;
    }
    void rewind(std::uint32_t bytes) { sequence_ -= bytes; }

private:
    bool server_;
    std::uint32_t sequence_ = 1000;
};

template <class M>
Bytes soup_message(soup::PacketType type, const M& message) {
    Bytes packet(200);
    packet.resize(soup::write_message(type, message, packet));
    return packet;
}

TEST(Dump, MoldUdp64PacketsGiveOneLinePerItchMessageWithEveryField) {
    Bytes buffer(1500);
    mold::PacketBuilder builder(buffer, 1472);
    builder.start(mold::Session::left("SESSION001"), 41);
    itch::AddOrder add;
    add.stock = Alpha<8>::left("AAPL");
    add.price = 1'234'500;
    add.timestamp_ns = 34'200'000'000'001;
    ASSERT_TRUE(builder.add_message(add));
    ASSERT_TRUE(builder.add_message(itch::OrderDelete{}));
    const auto packet = builder.finish();
    const Bytes data = udp_frame(26477, packet);
    Bytes heartbeat(20);
    ASSERT_EQ(mold::write_heartbeat(mold::Session::left("SESSION001"), 43, heartbeat), 20u);
    Bytes request(20);
    ASSERT_EQ(mold::write_request({mold::Session::left("SESSION001"), 41, 2}, request), 20u);

    std::ostringstream out;
    Dumper dumper(DumpOptions{}, out);
    dumper.capture_record(record_of(1, data));
    dumper.capture_record(record_of(2, udp_frame(26477, heartbeat)));
    dumper.capture_record(record_of(3, udp_frame(26478, request)));
    dumper.summary();
    const auto lines = lines_of(out.str());
    ASSERT_GE(lines.size(), 4u);
    EXPECT_NE(lines[0].find("frame=1 "), std::string::npos);
    EXPECT_NE(lines[0].find("sequence=41 "), std::string::npos);
    EXPECT_NE(lines[0].find("type=A "), std::string::npos);
    EXPECT_NE(lines[0].find("timestamp=09:30:00.000000001"), std::string::npos);
    EXPECT_NE(lines[0].find("stock=AAPL "), std::string::npos);
    EXPECT_NE(lines[0].find("price=123.4500"), std::string::npos);
    // Every field of the message is on its line.
    visit_fields(add, [&](std::string_view name, const FieldValue&) {
        EXPECT_NE(lines[0].find(" " + std::string(name) + "="), std::string::npos) << name;
    });
    EXPECT_NE(lines[1].find("sequence=42 "), std::string::npos);
    EXPECT_NE(lines[1].find("type=D "), std::string::npos);
    EXPECT_NE(lines[2].find("packet=heartbeat"), std::string::npos);
    EXPECT_NE(lines[3].find("packet=\"retransmission request\""), std::string::npos);
    EXPECT_EQ(dumper.messages(), 2u);
    EXPECT_EQ(dumper.errors(), 0u);
    EXPECT_EQ(dumper.counts().at("itch A Add Order"), 1u);
    EXPECT_EQ(dumper.counts().at("moldudp64 heartbeat"), 1u);
    EXPECT_NE(out.str().find("summary: 3 frames, 2 messages, 0 errors"), std::string::npos);
}

TEST(Dump, SoupBinTcpIsReassembledAcrossSegmentsAndRetransmissionsAreSkipped) {
    TcpPeer client(false);
    TcpPeer server(true);
    std::vector<Bytes> frames;
    frames.push_back(client.segment({}, kTcpSyn));
    frames.push_back(server.segment({}, kTcpSyn | kTcpAck));
    Bytes login(100);
    login.resize(soup::write_login_request(
        {Alpha<6>::left("user"), Alpha<10>::left("pw"), Alpha<10>::left(""), 1}, login));
    frames.push_back(client.segment(login));
    Bytes accepted(100);
    accepted.resize(soup::write_login_accepted({Alpha<10>::right("S1"), 1}, accepted));
    frames.push_back(server.segment(accepted));
    ouch::EnterOrder enter;
    enter.order_token = ouch::Token::left("T1");
    enter.stock = ouch::Stock::left("MSFT");
    const Bytes enter_packet = soup_message(soup::PacketType::kUnsequencedData, enter);
    // The Enter Order split over two segments, the second one sent twice.
    const std::size_t half = 20;
    frames.push_back(client.segment(std::span(enter_packet.data(), half)));
    frames.push_back(
        client.segment(std::span(enter_packet.data() + half, enter_packet.size() - half)));
    client.rewind(static_cast<std::uint32_t>(enter_packet.size() - half));
    frames.push_back(
        client.segment(std::span(enter_packet.data() + half, enter_packet.size() - half)));
    ouch::Accepted ack;
    ack.order_token = enter.order_token;
    ouch::Executed fill;
    fill.order_token = enter.order_token;
    Bytes both = soup_message(soup::PacketType::kSequencedData, ack);
    const Bytes fill_packet = soup_message(soup::PacketType::kSequencedData, fill);
    both.insert(both.end(), fill_packet.begin(), fill_packet.end());
    frames.push_back(server.segment(both));  // two packets in one segment

    std::ostringstream out;
    Dumper dumper(DumpOptions{.json = true}, out);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        dumper.capture_record(record_of(i + 1, frames[i]));
    }
    EXPECT_EQ(dumper.errors(), 0u) << out.str();
    EXPECT_EQ(dumper.counts().at("soupbintcp L Login Request"), 1u);
    EXPECT_EQ(dumper.counts().at("soupbintcp A Login Accepted"), 1u);
    EXPECT_EQ(dumper.counts().at("ouch in O Enter Order"), 1u);
    EXPECT_EQ(dumper.counts().at("ouch out A Accepted"), 1u);
    EXPECT_EQ(dumper.counts().at("ouch out E Executed"), 1u);
    EXPECT_EQ(dumper.counts().at("tcp retransmission"), 1u);
    const std::string text = out.str();
    EXPECT_NE(text.find("\"frame\":6,"), std::string::npos);
    EXPECT_NE(text.find("\"order_token\":\"T1\""), std::string::npos);
    EXPECT_NE(text.find("\"username\":\"user\""), std::string::npos);
    for (const std::string& line : lines_of(text)) {
        EXPECT_EQ(line.front(), '{');
        EXPECT_EQ(line.back(), '}');
        // No key twice in one object.
        std::set<std::string> keys;
        for (std::size_t at = line.find("\":"); at != std::string::npos;
             at = line.find("\":", at + 1)) {
            const std::size_t open = line.rfind('"', at - 1);
            EXPECT_TRUE(keys.insert(line.substr(open + 1, at - open - 1)).second) << line;
        }
    }
}

TEST(Dump, ASegmentMissingFromTheCaptureIsReportedAndTheStreamRestarts) {
    TcpPeer client(false);
    std::vector<Bytes> frames;
    frames.push_back(client.segment({}, kTcpSyn));
    ouch::CancelOrder cancel;
    cancel.order_token = ouch::Token::left("T9");
    const Bytes packet = soup_message(soup::PacketType::kUnsequencedData, cancel);
    frames.push_back(client.segment(std::span(packet.data(), 5)));
    (void)client.segment(std::span(packet.data() + 5, packet.size() - 5));  // not captured
    frames.push_back(client.segment(packet));
    std::ostringstream out;
    Dumper dumper(DumpOptions{}, out);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        dumper.capture_record(record_of(i + 1, frames[i]));
    }
    EXPECT_EQ(dumper.errors(), 1u);
    EXPECT_NE(out.str().find("bytes missing from the capture"), std::string::npos);
    EXPECT_EQ(dumper.counts().at("ouch in X Cancel Order"), 1u);
}

TEST(Dump, UndecodableMessagesAndFramesAreReportedAsErrors) {
    Bytes bad_mold(1500);
    mold::PacketBuilder builder(bad_mold, 1472);
    builder.start(mold::Session::left("S"), 1);
    const Bytes not_itch = {'Z', 1, 2, 3};
    ASSERT_TRUE(builder.add(not_itch));
    const auto packet = builder.finish();
    std::ostringstream out;
    Dumper dumper(DumpOptions{}, out);
    dumper.capture_record(record_of(1, udp_frame(26477, packet)));
    const Bytes runt = {1, 2, 3};
    dumper.capture_record(record_of(2, runt));
    EXPECT_EQ(dumper.errors(), 2u);
    EXPECT_NE(out.str().find("error=\"itch: unknown type\""), std::string::npos);
    EXPECT_NE(out.str().find("error=\"frame: truncated\""), std::string::npos);
}

TEST(Dump, ItchFileMessagesAreNumberedWithTheirOffsets) {
    std::ostringstream out;
    Dumper dumper(DumpOptions{}, out);
    Bytes message(36);
    ASSERT_EQ(itch::encode(itch::AddOrder{}, message), 36u);
    dumper.itch_file_message(1, 0, message);
    dumper.itch_file_message(2, 38, message);
    const auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1].rfind("message=2 offset=38 protocol=itch type=A", 0), 0u);
}

TEST(Dump, PricesAndTimesAreFormattedWithTheirImpliedDecimals) {
    EXPECT_EQ(format_price(1'062'600, 4), "106.2600");
    EXPECT_EQ(format_price(5, 4), "0.0005");
    EXPECT_EQ(format_price(123'456'789'012, 8), "1234.56789012");
    EXPECT_EQ(format_time_of_day(34'199'999'894'278), "09:29:59.999894278");
}

}  // namespace
