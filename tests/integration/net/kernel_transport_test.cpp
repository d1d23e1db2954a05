// KernelTransport (net/kernel_transport.hpp) over loopback, and one component written against
// the transport concepts run unchanged over both transports: kernel sockets on 127.0.0.1 and two
// user-space stacks on a net_ring wire.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "net/kernel_transport.hpp"
#include "net/stack.hpp"

namespace tb::net {
namespace {

constexpr std::uint32_t kLoopback = 0x7F000001;
constexpr std::int64_t kTimeoutNs = 20'000'000'000;

std::uint16_t test_port(int offset) {
    return static_cast<std::uint16_t>(30000 + (getpid() * 7 + offset) % 20000);
}

// A component that only knows the concepts: echoes streams, answers datagrams.
template <Transport T>
struct EchoService {
    T& transport;
    int accepted = 0;
    std::uint32_t datagram_destination = 0;
    void on_connected(StreamId) noexcept { ++accepted; }
    void on_data(StreamId id, std::span<const std::uint8_t> data) noexcept {
        (void)transport.send(id, data);
    }
    void on_peer_closed(StreamId id) noexcept { transport.close(id); }
    void on_datagram(DatagramId socket, const Datagram& d) noexcept {
        datagram_destination = d.destination_ip;
        (void)transport.send_to(socket, d.source, d.payload);
    }
    bool start(std::uint16_t port) {
        return transport.listen(port, StreamEvents::bind(*this)) &&
               transport.open_datagram(port, DatagramEvents::bind(*this)).valid();
    }
};

// The other side, in ring mode: it reads with receive().
template <Transport T>
struct EchoUser {
    T& transport;
    StreamId id;
    bool connected = false;
    bool peer_closed = false;
    std::vector<CloseReason> closed{};
    std::vector<std::uint8_t> datagram{};
    Endpoint datagram_source{};
    std::uint32_t datagram_destination = 0;
    void on_connected(StreamId) noexcept { connected = true; }
    void on_peer_closed(StreamId) noexcept { peer_closed = true; }
    void on_closed(StreamId, CloseReason reason) noexcept { closed.push_back(reason); }
    void on_datagram(DatagramId, const Datagram& d) noexcept {
        datagram.assign(d.payload.begin(), d.payload.end());
        datagram_source = d.source;
        datagram_destination = d.destination_ip;
    }
};

// Drives both ends until done() or the timeout.
template <class Poll, class Done>
bool drive(Poll&& poll, Done&& done) {
    const core::TscClock clock;
    const std::int64_t deadline = clock.now_ns() + kTimeoutNs;
    while (clock.now_ns() < deadline) {
        poll(clock.now_ns());
        if (done()) {
            return true;
        }
    }
    return false;
}

// The scenario, for any pair of transports: echo 100 kB over a stream, one datagram (each side
// sees the address it was sent to), then an orderly close started by the user, whose address is
// user_ip.
template <Transport S, Transport U, class Poll>
void echo_scenario(S& server_transport, U& user_transport, Endpoint server, std::uint32_t user_ip,
                   Poll&& poll) {
    EchoService<S> service{server_transport};
    ASSERT_TRUE(service.start(server.port));
    EchoUser<U> user{user_transport, {}};
    user.id = user_transport.connect(server, StreamEvents::bind(user));
    ASSERT_TRUE(user.id.valid());
    ASSERT_TRUE(drive(poll, [&] { return user.connected; }));
    std::vector<std::uint8_t> sent(100'000);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        sent[i] = static_cast<std::uint8_t>(i * 31 + 7);
    }
    std::size_t offset = 0;
    std::vector<std::uint8_t> received;
    std::vector<std::uint8_t> buffer(4096);
    ASSERT_TRUE(drive(poll, [&] {
        if (offset < sent.size()) {
            offset += user_transport.send(user.id, std::span(sent).subspan(offset));
        }
        const std::size_t n = user_transport.receive(user.id, buffer);
        received.insert(received.end(), buffer.begin(), buffer.begin() + static_cast<long>(n));
        return received.size() == sent.size();
    }));
    EXPECT_EQ(received, sent);
    EXPECT_EQ(service.accepted, 1);
    // One datagram there and back.
    const DatagramId socket = user_transport.open_datagram(
        static_cast<std::uint16_t>(server.port + 1), DatagramEvents::bind(user));
    ASSERT_TRUE(socket.valid());
    const std::vector<std::uint8_t> ping = {'p', 'i', 'n', 'g'};
    ASSERT_TRUE(user_transport.send_to(socket, server, ping));
    ASSERT_TRUE(drive(poll, [&] { return !user.datagram.empty(); }));
    EXPECT_EQ(user.datagram, ping);
    EXPECT_EQ(service.datagram_destination, server.ip);
    EXPECT_EQ(user.datagram_source, server);
    EXPECT_EQ(user.datagram_destination, user_ip);
    // The user closes; the service answers the FIN with its own.
    user_transport.close(user.id);
    EXPECT_EQ(user_transport.state(user.id), StreamState::kClosing);
    ASSERT_TRUE(drive(poll, [&] { return !user.closed.empty(); }));
    EXPECT_TRUE(user.peer_closed);
    EXPECT_EQ(user.closed[0], CloseReason::kNormal);
    EXPECT_EQ(user_transport.state(user.id), StreamState::kClosed);
}

TEST(KernelTransport, OneComponentRunsOverKernelSocketsOnLoopback) {
    KernelTransport server_side;
    KernelTransport user_side;
    echo_scenario(server_side, user_side, Endpoint{kLoopback, test_port(0)}, kLoopback,
                  [&](std::int64_t now) {
                      (void)server_side.poll(now);
                      (void)user_side.poll(now);
                  });
}

TEST(KernelTransport, TheSameComponentRunsOverUserSpaceStacks) {
    core::EthPortConfig port_config;
    port_config.spec = "ring:net-transport-concepts";
    core::EthPort port_a(port_config);
    core::EthPort port_b(port_config);
    StackConfig a;
    a.mac = {0x02, 0, 0, 0, 0, 1};
    a.ip = 0x0A000001;
    StackConfig b = a;
    b.mac = {0x02, 0, 0, 0, 0, 2};
    b.ip = 0x0A000002;
    const core::TscClock clock;
    Stack server_side(a, port_a, clock.now_ns());
    Stack user_side(b, port_b, clock.now_ns());
    echo_scenario(server_side, user_side, Endpoint{a.ip, 15000}, b.ip, [&](std::int64_t now) {
        (void)server_side.poll(now);
        (void)user_side.poll(now);
    });
}

TEST(KernelTransport, ConnectToAPortNobodyListensOnIsRefused) {
    KernelTransport transport;
    EchoUser<KernelTransport> user{transport, {}};
    user.id = transport.connect(Endpoint{kLoopback, test_port(5)}, StreamEvents::bind(user));
    ASSERT_TRUE(user.id.valid());
    EXPECT_EQ(transport.state(user.id), StreamState::kConnecting);
    EXPECT_NE(transport.next_timer_ns(), kNever);
    ASSERT_TRUE(drive([&](std::int64_t now) { (void)transport.poll(now); },
                      [&] { return !user.closed.empty(); }));
    EXPECT_EQ(user.closed[0], CloseReason::kRefused);
    EXPECT_FALSE(user.connected);
}

TEST(KernelTransport, AbortResetsThePeerAndCallsNothingBack) {
    KernelTransport server_side;
    KernelTransport user_side;
    struct Server {
        std::vector<StreamId> accepted;
        std::vector<CloseReason> closed;
        void on_connected(StreamId id) noexcept { accepted.push_back(id); }
        void on_closed(StreamId, CloseReason reason) noexcept { closed.push_back(reason); }
    } server;
    const std::uint16_t port = test_port(6);
    ASSERT_TRUE(server_side.listen(port, StreamEvents::bind(server)));
    EXPECT_FALSE(server_side.listen(port, StreamEvents::bind(server)));  // once per port
    EchoUser<KernelTransport> user{user_side, {}};
    user.id = user_side.connect(Endpoint{kLoopback, port}, StreamEvents::bind(user));
    const auto poll = [&](std::int64_t now) {
        (void)server_side.poll(now);
        (void)user_side.poll(now);
    };
    ASSERT_TRUE(drive(poll, [&] { return user.connected && !server.accepted.empty(); }));
    EXPECT_EQ(server_side.remote(server.accepted[0]).ip, kLoopback);
    user_side.abort(user.id);
    EXPECT_EQ(user_side.state(user.id), StreamState::kClosed);
    ASSERT_TRUE(drive(poll, [&] { return !server.closed.empty(); }));
    EXPECT_EQ(server.closed[0], CloseReason::kReset);
    EXPECT_TRUE(user.closed.empty());
    EXPECT_EQ(user_side.send(user.id, std::vector<std::uint8_t>(1)), 0U);  // stale handle
}

TEST(KernelTransport, RingModeReaderSeesPeekAndConsume) {
    KernelTransport server_side;
    KernelTransport user_side;
    struct Server {
        KernelTransport* transport = nullptr;
        void on_connected(StreamId id) noexcept {
            const std::vector<std::uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
            (void)transport->send(id, hello);
        }
    } server{&server_side};
    const std::uint16_t port = test_port(7);
    ASSERT_TRUE(server_side.listen(port, StreamEvents::bind(server)));
    EchoUser<KernelTransport> user{user_side, {}};
    user.id = user_side.connect(Endpoint{kLoopback, port}, StreamEvents::bind(user));
    ASSERT_TRUE(drive(
        [&](std::int64_t now) {
            (void)server_side.poll(now);
            (void)user_side.poll(now);
        },
        [&] { return user_side.readable(user.id) == 5; }));
    const auto view = user_side.peek(user.id);
    EXPECT_EQ(std::string(view.begin(), view.end()), "hello");
    EXPECT_EQ(user_side.consume(user.id, 2), 2U);
    EXPECT_EQ(user_side.readable(user.id), 3U);
}

}  // namespace
}  // namespace tb::net
