// The hot phase allocates nothing (STYLE.md, "The hot path"). This binary links
// tb::test_counting_new, which counts every operator new of the calling thread:
//  - two user-space stacks over a net_ring wire exchange TCP echoes, UDP and multicast datagrams,
//    with retransmissions forced by a lossy link, while connections are opened, closed, reset
//    and expire from TIME-WAIT;
//  - the kernel-socket transport echoes streams and datagrams over loopback.
// Everything is sized and warmed up before the count starts.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "net/kernel_transport.hpp"
#include "net/stack.hpp"
#include "tests/support/counting_new.hpp"

namespace tb::net {
namespace {

TEST(NoAllocation, TheCounterSeesAllocations) {
    // A direct call: the optimizer may merge or drop the allocations of a new-expression.
    const test::AllocationScope scope;
    void* p = ::operator new(64);
    const std::uint64_t counted = scope.allocations();
    ::operator delete(p);
    EXPECT_EQ(counted, 1U) << "without a working counter the zeros below mean nothing";
}

// Drops every 50th frame it sends, deterministically, to drive retransmissions.
struct LossyPort {
    core::EthPort& port;
    std::uint64_t count = 0;
    std::uint16_t rx_burst(rte_mbuf** f, std::uint16_t n) noexcept { return port.rx_burst(f, n); }
    rte_mbuf* alloc() noexcept { return port.alloc(); }
    std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        std::uint16_t kept = 0;
        for (std::uint16_t i = 0; i < n; ++i) {
            if (++count % 50 == 0) {
                rte_pktmbuf_free(frames[i]);
            } else {
                frames[kept++] = frames[i];
            }
        }
        const std::uint16_t taken = port.tx_burst(frames, kept);
        for (std::uint16_t i = taken; i < kept; ++i) {
            rte_pktmbuf_free(frames[i]);
        }
        return n;
    }
};

template <class T>
struct Echo {
    T* transport = nullptr;
    void on_data(StreamId id, std::span<const std::uint8_t> data) noexcept {
        (void)transport->send(id, data);
    }
    void on_peer_closed(StreamId id) noexcept { transport->close(id); }
    void on_datagram(DatagramId socket, const Datagram& d) noexcept {
        (void)transport->send_to(socket, d.source, d.payload);
    }
};

struct Client {
    std::uint64_t stream_bytes = 0;
    std::uint64_t datagrams = 0;
    bool connected = false;
    void on_connected(StreamId) noexcept { connected = true; }
    void on_data(StreamId, std::span<const std::uint8_t> data) noexcept {
        stream_bytes += data.size();
    }
    void on_datagram(DatagramId, const Datagram&) noexcept { ++datagrams; }
};

// Short-lived streams: opened, then closed or aborted, over and over.
struct Churn {
    std::uint64_t opened = 0;
    std::uint64_t closed = 0;
    void on_connected(StreamId) noexcept { ++opened; }
    void on_closed(StreamId, CloseReason) noexcept { ++closed; }
};

StackConfig config_for(std::uint32_t ip, std::uint8_t mac) {
    StackConfig config;
    config.mac = {0x02, 0, 0, 0, 0, mac};
    config.ip = ip;
    config.tcp.max_connections = 16;  // room for short-lived streams in TIME-WAIT
    config.tcp.rto_min_ns = 1'000'000;
    config.tcp.rto_initial_ns = 10'000'000;
    config.tcp.time_wait_ns = 5'000'000;
    return config;
}

TEST(NoAllocation, StackEchoesDatagramsMulticastRetransmissionsAndChurnAllocateNothing) {
    core::EthPortConfig port_config;
    port_config.spec = "ring:net-no-allocation";
    core::EthPort ring_a(port_config);
    core::EthPort ring_b(port_config);
    LossyPort a_port{ring_a};
    LossyPort b_port{ring_b};
    core::VirtualClock clock(1'000'000'000);
    const test::AllocationScope start_up;
    Stack a(config_for(0x0A000001, 1), a_port, clock.now_ns());
    Stack b(config_for(0x0A000002, 2), b_port, clock.now_ns());
    ASSERT_GT(start_up.allocations(), 0U);  // start-up allocates, and the hook sees it
    Echo<Stack> echo{&b};
    Client client;
    Churn churn;
    ASSERT_TRUE(b.listen(15000, StreamEvents::bind(echo)));
    ASSERT_TRUE(b.listen(15001, StreamEvents::bind(echo)));
    const DatagramId echo_socket = b.open_datagram(26478, DatagramEvents::bind(echo));
    const DatagramId client_socket = a.open_datagram(26478, DatagramEvents::bind(client));
    ASSERT_TRUE(a.join(client_socket, 0xE9360C6F));
    const StreamId id = a.connect(Endpoint{0x0A000002, 15000}, StreamEvents::bind(client));
    const std::vector<std::uint8_t> message(64, 0x11);
    const std::vector<std::uint8_t> big(3000, 0x22);
    StreamId short_lived;

    const auto run = [&](int rounds) {
        for (int round = 0; round < rounds; ++round) {
            if (client.connected) {
                (void)a.send(id, round % 10 == 0 ? std::span(big) : std::span(message));
            }
            (void)a.send_to(client_socket, Endpoint{0x0A000002, 26478}, message);
            (void)b.send_to(echo_socket, Endpoint{0xE9360C6F, 26478}, message);
            // A short-lived stream: open, a message, then an orderly close or an abort.
            if (round % 40 == 0) {
                short_lived = a.connect(Endpoint{0x0A000002, 15001}, StreamEvents::bind(churn));
            } else if (round % 40 == 20 && a.state(short_lived) == StreamState::kEstablished) {
                (void)a.send(short_lived, message);
            } else if (round % 40 == 30) {
                if (round % 80 == 30) {
                    a.close(short_lived);
                } else {
                    a.abort(short_lived);
                }
            }
            for (int pass = 0; pass < 20; ++pass) {
                const unsigned work = a.poll(clock.now_ns()) + b.poll(clock.now_ns());
                if (work == 0) {
                    const std::int64_t next = std::min(a.next_timer_ns(), b.next_timer_ns());
                    clock.set(std::max(clock.now_ns() + 1000,
                                       std::min(next, clock.now_ns() + 1'000'000)));
                } else {
                    clock.advance(1000);
                }
            }
        }
    };
    run(500);  // warm-up: connections, ARP, first retransmissions
    ASSERT_TRUE(client.connected);
    const std::uint64_t bytes_before = client.stream_bytes;
    const std::uint64_t datagrams_before = client.datagrams;
    const std::uint64_t opened_before = churn.opened;
    const std::uint64_t retransmissions_before =
        a.counters().tcp_retransmissions + b.counters().tcp_retransmissions;
    const test::AllocationScope hot;
    run(5000);
    const std::uint64_t allocations = hot.allocations();
    EXPECT_EQ(allocations, 0U);
    // The hot phase did what it claims.
    EXPECT_GT(client.stream_bytes, bytes_before + 100'000);
    EXPECT_GT(client.datagrams, datagrams_before + 1000);
    EXPECT_GT(churn.opened, opened_before + 50);
    EXPECT_GT(a.counters().tcp_retransmissions + b.counters().tcp_retransmissions,
              retransmissions_before);
    EXPECT_EQ(a.state(id), StreamState::kEstablished);
}

TEST(NoAllocation, KernelTransportDataPhaseAllocatesNothing) {
    // Loopback only. Opening sockets allocates (the kernel transport says so); moving bytes and
    // datagrams through open ones does not.
    KernelTransport server;
    KernelTransport user;
    Echo<KernelTransport> echo{&server};
    Client client;
    // A free port near a pid-derived one, so parallel runs do not collide.
    std::uint16_t port = 0;
    for (int attempt = 0; attempt < 50 && port == 0; ++attempt) {
        const auto candidate =
            static_cast<std::uint16_t>(30000 + (getpid() * 7 + 11 + 2 * attempt) % 20000);
        if (server.listen(candidate, StreamEvents::bind(echo))) {
            port = candidate;
        }
    }
    ASSERT_NE(port, 0);
    const DatagramId echo_socket = server.open_datagram(port, DatagramEvents::bind(echo));
    ASSERT_TRUE(echo_socket.valid());
    const DatagramId user_socket =
        user.open_datagram(static_cast<std::uint16_t>(port + 1), DatagramEvents::bind(client));
    ASSERT_TRUE(user_socket.valid());
    const StreamId id = user.connect(Endpoint{0x7F000001, port}, StreamEvents::bind(client));
    ASSERT_TRUE(id.valid());
    const core::TscClock clock;
    const std::vector<std::uint8_t> message(64, 0x33);
    // Echoes `count` messages and datagrams, one at a time; false when one never came back
    // (bounded by a wall-clock deadline; nothing is timed).
    const auto echo_messages = [&](int count) {
        for (int i = 0; i < count; ++i) {
            const std::uint64_t bytes = client.stream_bytes + message.size();
            const std::uint64_t datagrams = client.datagrams + 1;
            if (user.send(id, message) != message.size() ||
                !user.send_to(user_socket, Endpoint{0x7F000001, port}, message)) {
                return false;
            }
            const std::int64_t deadline = clock.now_ns() + 10'000'000'000;
            while (client.stream_bytes < bytes || client.datagrams < datagrams) {
                (void)server.poll(clock.now_ns());
                (void)user.poll(clock.now_ns());
                if (clock.now_ns() > deadline) {
                    return false;
                }
            }
        }
        return true;
    };
    const std::int64_t deadline = clock.now_ns() + 10'000'000'000;
    while (!client.connected && clock.now_ns() < deadline) {
        (void)server.poll(clock.now_ns());
        (void)user.poll(clock.now_ns());
    }
    ASSERT_TRUE(client.connected);
    ASSERT_TRUE(echo_messages(100));  // warm-up
    const test::AllocationScope hot;
    const bool echoed = echo_messages(2000);
    const std::uint64_t allocations = hot.allocations();
    ASSERT_TRUE(echoed);
    EXPECT_EQ(allocations, 0U);
    EXPECT_EQ(client.stream_bytes, 2100 * message.size());
}

}  // namespace
}  // namespace tb::net
