// The hot phase of the client allocates nothing (STYLE.md, "The hot path"): after start-up,
// feed packets on both lines (with a gap filled by retransmission), book updates, strategy
// orders, OUCH answers, heartbeats and timers, with a counting operator new.

#include <gtest/gtest.h>

#include <array>

#include "client/strategies.hpp"
#include "client/trading_client.hpp"
#include "client_test_support.hpp"
#include "tests/support/counting_new.hpp"

namespace tb::client {
namespace {

using namespace testing;

// A connection that keeps what is sent in a fixed buffer (no allocation).
struct FixedIo {
    std::array<std::uint8_t, 1 << 16> stream{};
    std::size_t used = 0;
    std::size_t requests = 0;
    bool stream_connect() noexcept { return true; }
    std::size_t stream_send(std::span<const std::uint8_t> bytes) noexcept {
        const std::size_t n = std::min(bytes.size(), stream.size() - used);
        std::copy_n(bytes.data(), n, stream.data() + used);
        used += n;
        return n;
    }
    void stream_abort() noexcept {}
    void stream_close() noexcept {}
    bool request_send(std::span<const std::uint8_t>) noexcept {
        ++requests;
        return true;
    }
};

TEST(ClientHotPath, AllocatesNothingAfterStartUp) {
    ClientConfig config;
    config.books.symbols = {"ACME"};
    config.books.max_orders = 4096;
    config.books.max_levels = 1024;
    config.feed.reorder_window = 1024;
    config.feed.gap_wait_ns = 0;
    config.session.username = "CLIENT";
    config.orders.max_orders = 64;
    StrategyConfig strategy_config;
    strategy_config.symbol = "ACME";
    PingPong strategy(strategy_config);
    FixedIo io;
    TradingClient<PingPong, FixedIo> client(config, strategy, io);
    std::int64_t now = 1;
    client.start(now);
    client.on_stream_connected(now);
    soup::LoginAccepted login;
    login.session = proto::Alpha<10>::right("S1");
    login.sequence_number = 1;
    Bytes login_bytes(64);
    login_bytes.resize(soup::write_login_accepted(login, login_bytes));
    client.on_stream_data(login_bytes, now);

    // Everything the hot phase will receive, built before it starts.
    std::vector<Bytes> packets;
    std::uint64_t seq = 1;
    packets.push_back(packet(seq, {directory(1, "ACME"), trading_action(1, "ACME", 'T')}));
    seq += 2;
    std::uint64_t ref = 1;
    for (int round = 0; round < 200; ++round) {
        std::vector<Bytes> messages;
        for (int i = 0; i < 10; ++i) {
            const bool buy = i % 2 == 0;
            messages.push_back(add_order(1, ref++, buy ? 'B' : 'S', 100, "ACME",
                                         buy ? 99'000 + static_cast<Price>(i) * 100
                                             : 101'000 + static_cast<Price>(i) * 100));
        }
        messages.push_back(executed(1, ref - 10, 50, static_cast<std::uint64_t>(round + 1)));
        messages.push_back(cancel(1, ref - 9, 10));
        messages.push_back(replace(1, ref - 8, 1'000'000 + ref, 80, 99'500));
        messages.push_back(delete_order(1, ref - 7));
        packets.push_back(packet(seq, messages));
        seq += messages.size();
    }
    std::vector<Bytes> answers;
    for (int i = 0; i < 50; ++i) {
        ouch::EnterOrder e;
        e.order_token = proto::Alpha<14>::left("TB" + std::to_string(i + 1));
        e.shares = 100;
        e.stock = Stock::left("ACME");
        answers.push_back(sequenced(accepted(e, 5'000'000 + static_cast<std::uint64_t>(i))));
        answers.push_back(sequenced(execution(e.order_token, 100, 101'000, 9'000 + i)));
    }
    const Bytes heartbeat_packet = heartbeat(seq);
    Bytes server_heartbeat(3);
    server_heartbeat.resize(
        soup::write_empty(soup::PacketType::kServerHeartbeat, server_heartbeat));

    test::AllocationScope scope;
    std::size_t answered = 0;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        now += 1000;
        // Every fifth packet is lost on A and arrives on B only after the next one.
        if (i % 5 == 3 && i + 1 < packets.size()) {
            (void)client.on_feed(FeedLine::kA, packets[i + 1], now);
            (void)client.on_feed(FeedLine::kB, packets[i], now);
            (void)client.on_feed(FeedLine::kB, packets[i + 1], now);
            ++i;
        } else {
            (void)client.on_feed(FeedLine::kA, packets[i], now);
            (void)client.on_feed(FeedLine::kB, packets[i], now);
        }
        if (answered < answers.size() && io.used > 0) {
            client.on_stream_data(answers[answered], now);
            client.on_stream_data(answers[answered + 1], now);
            answered += 2;
        }
        io.used = 0;
        (void)client.poll(now);
    }
    // A feed heartbeat, a server heartbeat, and our own heartbeat after a quiet second.
    (void)client.on_feed(FeedLine::kA, heartbeat_packet, now);
    now += 2'000'000'000;
    client.on_stream_data(server_heartbeat, now);
    (void)client.poll(now);
    const std::uint64_t allocations = scope.allocations();

    EXPECT_EQ(allocations, 0U);
    EXPECT_EQ(client.feed().counters().delivered, seq - 1);
    EXPECT_GT(client.books().counters().adds, 1000U);
    EXPECT_GT(client.orders().counters().entered, 10U);
    EXPECT_GT(client.orders().counters().executions, 10U);
    EXPECT_GT(client.session().counters().heartbeats_sent, 0U);
    EXPECT_EQ(client.books().check_invariants(), "");
}

}  // namespace
}  // namespace tb::client
