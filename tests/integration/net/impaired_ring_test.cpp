// Two user-space stacks over a net_ring wire with seeded loss, duplication and reordering: bulk
// TCP transfers arrive byte-exact, handshakes and teardowns survive the wire, and the same seed
// gives the same run. Everything runs in one thread on a virtual clock.
//
// TB_NET_SOAK_BYTES sets the size of the bulk transfer (default 100 MB).

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/counters.hpp"
#include "tests/integration/net/impaired_wire.hpp"

namespace tb::net::test {
namespace {

constexpr std::uint16_t kPort = 15000;
constexpr Impairment kLossy{0.01, 0.005, 0.01};  // the wire: 1% loss, some dup/reorder

std::uint64_t soak_bytes() {
    const char* text = std::getenv("TB_NET_SOAK_BYTES");
    return text == nullptr ? 100'000'000ULL : std::strtoull(text, nullptr, 10);
}

std::uint8_t pattern(std::uint64_t stream, std::uint64_t offset) {
    return static_cast<std::uint8_t>(core::mix64(stream * 0x10000000000ULL + offset / 8) >>
                                     ((offset % 8) * 8));
}

// Sends `total` pattern bytes on a stream as the send buffer takes them.
struct Sender {
    std::uint64_t stream_key = 0;
    std::uint64_t total = 0;
    std::uint64_t sent = 0;
    std::vector<std::uint8_t> chunk = std::vector<std::uint8_t>(64 * 1024);

    bool pump(Stack& stack, StreamId id) {
        bool progress = false;
        while (sent < total) {
            const std::size_t space = std::min<std::size_t>(stack.send_space(id), chunk.size());
            const std::size_t n = std::min<std::uint64_t>(space, total - sent);
            if (n == 0) {
                break;
            }
            for (std::size_t i = 0; i < n; ++i) {
                chunk[i] = pattern(stream_key, sent + i);
            }
            const std::size_t taken = stack.send(id, std::span(chunk.data(), n));
            sent += taken;
            progress = progress || taken > 0;
            if (taken < n) {
                break;
            }
        }
        return progress;
    }
};

// Checks received bytes against the pattern.
struct Checker {
    std::uint64_t stream_key = 0;
    std::uint64_t received = 0;
    std::uint64_t mismatches = 0;
    std::vector<StreamId> connected;
    std::vector<CloseReason> closed;
    int peer_closed = 0;

    void on_connected(StreamId id) noexcept { connected.push_back(id); }
    void on_data(StreamId, std::span<const std::uint8_t> data) noexcept {
        for (const std::uint8_t byte : data) {
            mismatches += byte != pattern(stream_key, received) ? 1 : 0;
            ++received;
        }
    }
    void on_peer_closed(StreamId) noexcept { ++peer_closed; }
    void on_closed(StreamId, CloseReason reason) noexcept { closed.push_back(reason); }
};

struct Events {
    std::vector<StreamId> connected;
    std::vector<CloseReason> closed;
    int peer_closed = 0;
    void on_connected(StreamId id) noexcept { connected.push_back(id); }
    void on_peer_closed(StreamId) noexcept { ++peer_closed; }
    void on_closed(StreamId, CloseReason reason) noexcept { closed.push_back(reason); }
};

// A one-way transfer from A to B over `impairment`; returns B's checker and fills the counters.
struct TransferResult {
    Checker checker;
    std::string counters_a;
    std::string counters_b;
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    bool done = false;
    std::int64_t virtual_ns = 0;
};

TransferResult transfer(std::uint64_t bytes, Impairment impairment, std::uint64_t seed) {
    TransferResult result;
    ImpairedWire wire(impairment, seed);
    result.checker.stream_key = 1;
    EXPECT_TRUE(wire.b().listen(kPort, StreamEvents::bind(result.checker)));
    Events client;
    const StreamId id = wire.a().connect(Endpoint{kIpB, kPort}, StreamEvents::bind(client));
    EXPECT_TRUE(id.valid());
    Sender sender{1, bytes};
    const std::int64_t start = wire.clock().now_ns();
    result.done = wire.run_until([&] {
        (void)sender.pump(wire.a(), id);
        return result.checker.received >= bytes;
    });
    // Orderly close of both sides.
    wire.a().close(id);
    const bool closed = wire.run_until([&] { return result.checker.peer_closed == 1; });
    EXPECT_TRUE(closed);
    if (!result.checker.connected.empty()) {
        wire.b().close(result.checker.connected[0]);
    }
    EXPECT_TRUE(
        wire.run_until([&] { return !client.closed.empty() && !result.checker.closed.empty(); }));
    result.virtual_ns = wire.clock().now_ns() - start;
    result.counters_a = core::format_counters(wire.a().counters());
    result.counters_b = core::format_counters(wire.b().counters());
    result.lost = wire.shim_a().lost() + wire.shim_b().lost();
    result.duplicated = wire.shim_a().duplicated() + wire.shim_b().duplicated();
    result.reordered = wire.shim_a().reordered() + wire.shim_b().reordered();
    EXPECT_EQ(client.closed, std::vector<CloseReason>{CloseReason::kNormal});
    EXPECT_EQ(result.checker.closed, std::vector<CloseReason>{CloseReason::kNormal});
    return result;
}

TEST(ImpairedRing, BulkTransferArrivesByteExactOverALossyReorderingDuplicatingWire) {
    const std::uint64_t bytes = soak_bytes();
    const TransferResult r = transfer(bytes, kLossy, 20240601);
    ASSERT_TRUE(r.done) << "received " << r.checker.received << " of " << bytes;
    EXPECT_EQ(r.checker.received, bytes);
    EXPECT_EQ(r.checker.mismatches, 0U);
    // The wire really was impaired, and TCP really recovered.
    EXPECT_GT(r.lost, 0U);
    EXPECT_GT(r.duplicated, 0U);
    EXPECT_GT(r.reordered, 0U);
    EXPECT_NE(r.counters_a.find("tcp_retransmissions="), std::string::npos);
    std::printf(
        "%llu bytes in %.3f s virtual; wire lost %llu, duplicated %llu, reordered %llu\n"
        "A: %s\nB: %s\n",
        static_cast<unsigned long long>(bytes), static_cast<double>(r.virtual_ns) * 1e-9,
        static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.duplicated),
        static_cast<unsigned long long>(r.reordered), r.counters_a.c_str(), r.counters_b.c_str());
}

TEST(ImpairedRing, SameSeedGivesTheSameRunAndAnotherSeedAnother) {
    const TransferResult first = transfer(1'000'000, kLossy, 7);
    const TransferResult second = transfer(1'000'000, kLossy, 7);
    const TransferResult other = transfer(1'000'000, kLossy, 8);
    ASSERT_TRUE(first.done && second.done && other.done);
    EXPECT_EQ(first.counters_a, second.counters_a);
    EXPECT_EQ(first.counters_b, second.counters_b);
    EXPECT_EQ(first.virtual_ns, second.virtual_ns);
    EXPECT_NE(first.counters_a + first.counters_b, other.counters_a + other.counters_b);
}

TEST(ImpairedRing, BothDirectionsAtOnceOnManyConnections) {
    StackConfig config_b = wire_config(kMacB, kIpB);
    config_b.tcp.max_listeners = 16;
    ImpairedWire wire(kLossy, 99, wire_config(kMacA, kIpA), config_b);
    constexpr int kStreams = 16;
    constexpr std::uint64_t kBytes = 300'000;
    std::vector<Checker> at_b(kStreams);
    std::vector<Checker> at_a(kStreams);
    std::vector<Sender> from_a(kStreams);
    std::vector<Sender> from_b(kStreams);
    std::vector<StreamId> a_ids(kStreams);
    for (int i = 0; i < kStreams; ++i) {
        const auto port = static_cast<std::uint16_t>(kPort + i);
        at_b[i].stream_key = 100 + i;
        at_a[i].stream_key = 200 + i;
        from_a[i] = Sender{static_cast<std::uint64_t>(100 + i), kBytes};
        from_b[i] = Sender{static_cast<std::uint64_t>(200 + i), kBytes};
        ASSERT_TRUE(wire.b().listen(port, StreamEvents::bind(at_b[i])));
        a_ids[i] = wire.a().connect(Endpoint{kIpB, port}, StreamEvents::bind(at_a[i]));
        ASSERT_TRUE(a_ids[i].valid());
    }
    const bool done = wire.run_until([&] {
        bool all = true;
        for (int i = 0; i < kStreams; ++i) {
            (void)from_a[i].pump(wire.a(), a_ids[i]);
            if (!at_b[i].connected.empty()) {
                (void)from_b[i].pump(wire.b(), at_b[i].connected[0]);
            }
            all = all && at_b[i].received == kBytes && at_a[i].received == kBytes;
        }
        return all;
    });
    ASSERT_TRUE(done);
    for (int i = 0; i < kStreams; ++i) {
        EXPECT_EQ(at_b[i].mismatches, 0U) << "stream " << i;
        EXPECT_EQ(at_a[i].mismatches, 0U) << "stream " << i;
    }
}

TEST(ImpairedRing, SlowRingModeReaderThrottlesTheSenderWithoutLoss) {
    StackConfig config_b = wire_config(kMacB, kIpB);
    config_b.tcp.receive_buffer_bytes = 8192;
    ImpairedWire wire(Impairment{0.01, 0.0, 0.0}, 5, wire_config(kMacA, kIpA), config_b);
    Events server;
    ASSERT_TRUE(wire.b().listen(kPort, StreamEvents::bind(server)));
    Events client;
    const StreamId id = wire.a().connect(Endpoint{kIpB, kPort}, StreamEvents::bind(client));
    constexpr std::uint64_t kBytes = 2'000'000;
    Sender sender{3, kBytes};
    std::uint64_t read = 0;
    std::uint64_t mismatches = 0;
    std::uint64_t pass = 0;
    std::vector<std::uint8_t> buffer(700);
    const bool done = wire.run_until(
        [&] {
            (void)sender.pump(wire.a(), id);
            // The reader takes a little every 50th pass only.
            if (!server.connected.empty() && ++pass % 50 == 0) {
                const std::size_t n = wire.b().receive(server.connected[0], buffer);
                for (std::size_t i = 0; i < n; ++i) {
                    mismatches += buffer[i] != pattern(3, read + i) ? 1 : 0;
                }
                read += n;
            }
            return read == kBytes;
        },
        50'000'000, true);
    ASSERT_TRUE(done) << "read " << read;
    EXPECT_EQ(mismatches, 0U);
    EXPECT_GT(wire.a().counters().tcp_window_probes + wire.a().counters().tcp_timeouts, 0U);
}

TEST(ImpairedRing, LostSynsAreSentAgainAndTheHandshakeCompletes) {
    ImpairedWire wire(Impairment{}, 1);
    Events server;
    ASSERT_TRUE(wire.b().listen(kPort, StreamEvents::bind(server)));
    // Resolve ARP first, so that the frames dropped below are SYNs.
    Events probe;
    const StreamId warm = wire.a().connect(Endpoint{kIpB, kPort + 1}, StreamEvents::bind(probe));
    ASSERT_TRUE(wire.run_until([&] { return !probe.closed.empty(); }));
    EXPECT_EQ(probe.closed[0], CloseReason::kRefused);
    EXPECT_EQ(wire.a().state(warm), StreamState::kClosed);
    wire.shim_a().drop_next(2);
    Events client;
    const StreamId id = wire.a().connect(Endpoint{kIpB, kPort}, StreamEvents::bind(client));
    ASSERT_TRUE(
        wire.run_until([&] { return !client.connected.empty() && !server.connected.empty(); }));
    EXPECT_EQ(wire.a().state(id), StreamState::kEstablished);
    EXPECT_EQ(server.connected.size(), 1U);
    EXPECT_GE(wire.a().counters().tcp_retransmissions, 2U);
}

TEST(ImpairedRing, LostSynAckAndLostFinalAckStillOpenBothSides) {
    ImpairedWire wire(Impairment{}, 1);
    ASSERT_TRUE(wire.a().add_static_arp(kIpB, kMacB));
    ASSERT_TRUE(wire.b().add_static_arp(kIpA, kMacA));
    Events server;
    ASSERT_TRUE(wire.b().listen(kPort, StreamEvents::bind(server)));
    wire.shim_b().drop_next(1);   // the SYN-ACK
    wire.shim_a().drop_index(2);  // A's frames: SYN, SYN again, then the ACK that completes
    Events client;
    const StreamId id = wire.a().connect(Endpoint{kIpB, kPort}, StreamEvents::bind(client));
    ASSERT_TRUE(wire.run_until([&] { return !client.connected.empty(); }));
    // The ACK goes out on A's next pass (nothing to carry it): that is frame 2, and it is lost.
    ASSERT_TRUE(wire.run_until([&] { return wire.shim_a().frames() >= 3; }));
    EXPECT_EQ(wire.shim_a().lost(), 1U);
    EXPECT_TRUE(server.connected.empty());
    // The first data segment carries the ACK, which completes B's side of the handshake.
    ASSERT_EQ(wire.a().send(id, std::vector<std::uint8_t>(10, 1)), 10U);
    ASSERT_TRUE(wire.run_until([&] { return !server.connected.empty(); }));
    EXPECT_EQ(wire.b().readable(server.connected[0]), 10U);
    EXPECT_EQ(wire.shim_b().lost(), 1U);
}

TEST(ImpairedRing, SimultaneousCloseEndsBothSidesNormally) {
    ImpairedWire wire(Impairment{}, 1);
    Events server;
    ASSERT_TRUE(wire.b().listen(kPort, StreamEvents::bind(server)));
    Events client;
    const StreamId id = wire.a().connect(Endpoint{kIpB, kPort}, StreamEvents::bind(client));
    ASSERT_TRUE(wire.run_until([&] { return !server.connected.empty(); }));
    // Both close in the same instant: the FINs cross (RFC 9293 figure 13).
    wire.a().close(id);
    wire.b().close(server.connected[0]);
    ASSERT_TRUE(wire.run_until([&] { return !client.closed.empty() && !server.closed.empty(); }));
    EXPECT_EQ(client.closed[0], CloseReason::kNormal);
    EXPECT_EQ(server.closed[0], CloseReason::kNormal);
    // Both sides wait in TIME-WAIT, then every slot is free.
    EXPECT_EQ(wire.a().tcp_connections_in_use(), 1U);
    EXPECT_EQ(wire.b().tcp_connections_in_use(), 1U);
    ASSERT_TRUE(wire.run_until([&] {
        return wire.a().tcp_connections_in_use() == 0 && wire.b().tcp_connections_in_use() == 0;
    }));
}

TEST(ImpairedRing, AbortResetsThePeer) {
    ImpairedWire wire(Impairment{}, 1);
    Events server;
    ASSERT_TRUE(wire.b().listen(kPort, StreamEvents::bind(server)));
    Events client;
    const StreamId id = wire.a().connect(Endpoint{kIpB, kPort}, StreamEvents::bind(client));
    ASSERT_TRUE(wire.run_until([&] { return !server.connected.empty(); }));
    wire.a().abort(id);
    ASSERT_TRUE(wire.run_until([&] { return !server.closed.empty(); }));
    EXPECT_EQ(server.closed[0], CloseReason::kReset);
    EXPECT_TRUE(client.closed.empty());
}

TEST(ImpairedRing, DatagramsAndMulticastGroupsCrossTheWire) {
    ImpairedWire wire(Impairment{}, 1);
    struct Inbox {
        std::vector<std::vector<std::uint8_t>> payloads;
        std::vector<std::uint32_t> destinations;
        void on_datagram(DatagramId, const Datagram& d) noexcept {
            payloads.emplace_back(d.payload.begin(), d.payload.end());
            destinations.push_back(d.destination_ip);
        }
    } inbox_b, inbox_a;
    const DatagramId feed = wire.a().open_datagram(26477, DatagramEvents::bind(inbox_a));
    const DatagramId member = wire.b().open_datagram(26477, DatagramEvents::bind(inbox_b));
    ASSERT_TRUE(feed.valid() && member.valid());
    constexpr std::uint32_t kGroupA = 0xE9360C6F;  // 233.54.12.111
    constexpr std::uint32_t kGroupB = 0xE9360C70;  // 233.54.12.112
    ASSERT_TRUE(wire.b().join(member, kGroupA));
    const std::vector<std::uint8_t> one = {1, 2, 3};
    const std::vector<std::uint8_t> two = {4, 5};
    ASSERT_TRUE(wire.a().send_to(feed, Endpoint{kGroupA, 26477}, one));
    ASSERT_TRUE(wire.a().send_to(feed, Endpoint{kGroupB, 26477}, two));  // not joined
    ASSERT_TRUE(wire.a().send_to(feed, Endpoint{kIpB, 26477}, two));     // unicast, via ARP
    ASSERT_TRUE(wire.run_until([&] { return inbox_b.payloads.size() == 2; }));
    for (int i = 0; i < 1000; ++i) {
        (void)wire.step();
    }
    ASSERT_EQ(inbox_b.payloads.size(), 2U);
    EXPECT_EQ(inbox_b.payloads[0], one);
    EXPECT_EQ(inbox_b.destinations[0], kGroupA);
    EXPECT_EQ(inbox_b.payloads[1], two);
    EXPECT_EQ(inbox_b.destinations[1], kIpB);
    // And back, to the address the datagram came from.
    ASSERT_TRUE(wire.b().send_to(member, Endpoint{kIpA, 26477}, one));
    ASSERT_TRUE(wire.run_until([&] { return inbox_a.payloads.size() == 1; }));
    EXPECT_EQ(inbox_a.payloads[0], one);
    ASSERT_NE(wire.a().arp_lookup(kIpB), nullptr);
    EXPECT_EQ(*wire.a().arp_lookup(kIpB), kMacB);
    ASSERT_NE(wire.b().arp_lookup(kIpA), nullptr);
    EXPECT_EQ(*wire.b().arp_lookup(kIpA), kMacA);
    // After leaving, the group is filtered again.
    ASSERT_TRUE(wire.b().leave(member, kGroupA));
    ASSERT_TRUE(wire.a().send_to(feed, Endpoint{kGroupA, 26477}, one));
    for (int i = 0; i < 1000; ++i) {
        (void)wire.step();
    }
    EXPECT_EQ(inbox_b.payloads.size(), 2U);
}

}  // namespace
}  // namespace tb::net::test
