// The exchange's hot phase allocates nothing (STYLE.md, "The hot path"): this binary replaces
// the global operator new with a counting one, starts an exchange with background flow and a
// logged-in client, then counts allocations while the flow runs, the client enters, replaces
// and cancels orders, malformed input arrives, heartbeats flow both ways and retransmissions
// are served.

#include <gtest/gtest.h>

#include "exchange_sim/exchange.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"
#include "tests/support/counting_new.hpp"

namespace tb::exchange {
namespace {

namespace soup = tb::proto::soup;
namespace mold = tb::proto::mold;
namespace wire = tb::proto::ouch;

// A transport that takes everything and keeps only counts.
struct CountingTransport {
    std::size_t tcp_bytes = 0;
    std::size_t feed_packets = 0;
    std::size_t unicast_packets = 0;
    std::size_t closes = 0;
    std::size_t tcp_send(ConnectionId, std::span<const std::uint8_t> bytes) noexcept {
        tcp_bytes += bytes.size();
        return bytes.size();
    }
    void tcp_close(ConnectionId) noexcept { ++closes; }
    void feed_send(FeedLine, std::span<const std::uint8_t>, const FeedPacketInfo&) noexcept {
        ++feed_packets;
    }
    void unicast_send(const UdpEndpoint&, std::span<const std::uint8_t>) noexcept {
        ++unicast_packets;
    }
    void apply_link(const LinkSetting&) noexcept {}
};

TEST(ExchangeAllocation, TheCounterSeesAllocations) {
    // A direct call: the optimizer may merge or drop the allocations of a new-expression.
    const tb::test::AllocationScope scope;
    void* p = ::operator new(64);
    const std::uint64_t counted = scope.allocations();
    ::operator delete(p);
    EXPECT_EQ(counted, 1u) << "without a working counter the zero below means nothing";
}

TEST(ExchangeAllocation, HotPhaseAllocatesNothing) {
    const Scenario scenario = parse_scenario(R"(name: allocation
seed: 5
session: {date: 2024-01-02}
symbols:
  - {stock: ACME, reference: 10.00, band: 1.00}
  - {stock: BETA, reference: 50.00, band: 5.00}
users:
  - {username: ALICE, password: pw, participant: 1, firm: FRMA}
order_entry: {cancel_on_disconnect: true, rate_limit: 100000, store_initial_bytes: 16777216}
background:
  symbols: [{stock: ACME, rate: 20000}, {stock: BETA, rate: 10000}]
timeline:
  - {at: 100ms, order: {stock: ACME, side: buy, shares: 100, price: 9.50}, trigger: true}
  - {at: 200ms, halt: ACME}
  - {at: 300ms, resume: ACME}
  - {at: 400ms, link: {port: client, spec: "loss=1%"}}
)",
                                             "allocation.yaml");
    CountingTransport transport;
    Exchange<CountingTransport> exchange(scenario, transport);
    std::int64_t now = 1'000'000'000;
    exchange.start(now);
    const ConnectionId id = exchange.tcp_accepted(now);
    ASSERT_NE(id, kNoConnection);
    std::uint8_t bytes[128];
    soup::LoginRequest login;
    login.username = proto::Alpha<6>::left("ALICE");
    login.password = proto::Alpha<10>::left("pw");
    login.requested_session = proto::Alpha<10>::left("");
    login.requested_sequence_number = 1;
    exchange.tcp_received(
        id, std::span<const std::uint8_t>(bytes, soup::write_login_request(login, bytes)), now);
    (void)exchange.poll(now);
    ASSERT_EQ(exchange.gateway().logged_in(), 1u);

    // Every input the hot phase sends, encoded before counting starts.
    wire::EnterOrder enter;
    enter.stock = proto::Alpha<8>::left("ACME");
    enter.side = wire::Side::kBuy;
    enter.shares = 100;
    enter.display = wire::Display::kAnonymous;
    enter.firm = proto::Alpha<4>::left("");
    wire::ReplaceOrder replace;
    replace.shares = 100;
    replace.display = wire::Display::kAnonymous;
    wire::CancelOrder cancel;
    mold::RetransmissionRequest request;
    request.session = mold::Session::left(scenario.feed.session);
    request.sequence_number = 1;
    request.requested_count = 100;
    std::uint8_t request_bytes[mold::kHeaderSize];
    ASSERT_EQ(mold::write_request(request, request_bytes), mold::kHeaderSize);
    const std::uint8_t malformed[] = {0x00, 0x03, 'U', 'Z', 'Z'};
    std::uint8_t heartbeat[3];
    ASSERT_EQ(soup::write_empty(soup::PacketType::kClientHeartbeat, heartbeat), 3u);

    const tb::test::AllocationScope scope;
    const std::int64_t end = now + 1'000'000'000;
    std::uint32_t order = 0;
    while (now < end) {
        now += 50'000;  // a pass every 50 us of virtual time
        if (order % 4 == 0) {
            char token[24];
            std::snprintf(token, sizeof token, "T%09u", order);
            enter.order_token = proto::Alpha<14>::left(token);
            enter.price = 99'000 + (order % 20) * 100;
            enter.side = order % 8 == 0 ? wire::Side::kBuy : wire::Side::kSell;
            enter.price = enter.side == wire::Side::kBuy ? 99'000 : 101'000;
            exchange.tcp_received(
                id,
                std::span<const std::uint8_t>(
                    bytes, soup::write_message(soup::PacketType::kUnsequencedData, enter, bytes)),
                now);
            replace.existing_order_token = enter.order_token;
            std::snprintf(token, sizeof token, "R%09u", order);
            replace.replacement_order_token = proto::Alpha<14>::left(token);
            replace.price = enter.price;
            replace.shares = 50;
            exchange.tcp_received(
                id,
                std::span<const std::uint8_t>(
                    bytes, soup::write_message(soup::PacketType::kUnsequencedData, replace, bytes)),
                now);
            cancel.order_token = replace.replacement_order_token;
            cancel.shares = 0;
            exchange.tcp_received(
                id,
                std::span<const std::uint8_t>(
                    bytes, soup::write_message(soup::PacketType::kUnsequencedData, cancel, bytes)),
                now);
        }
        if (order % 2000 == 0) {
            exchange.tcp_received(id, malformed, now);
            exchange.tcp_received(id, heartbeat, now);
            exchange.udp_received(UdpEndpoint{0x0A000002, 5000}, request_bytes, now);
        }
        ++order;
        (void)exchange.poll(now);
    }
    EXPECT_EQ(scope.allocations(), 0u);
    EXPECT_GT(exchange.counters().itch_out, 20'000u);
    EXPECT_GT(exchange.gateway().session_counters(0).sequenced_out, 10'000u);
    EXPECT_GT(transport.unicast_packets, 0u);
    EXPECT_EQ(exchange.gateway().logged_in(), 1u);
    EXPECT_EQ(exchange.counters().triggers, 1u);
}

}  // namespace
}  // namespace tb::exchange
