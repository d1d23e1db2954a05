#pragma once

// Phase 2 of the exchange in one process, in sim mode: the exchange host (its stacks, the
// embedded nic_emu emulator) on net_ring wires, and scripted clients on their own net::Stack at
// the other end of each wire, all on one VirtualClock in one thread.
//  - SimWorld: the clock, the host, one client machine (ring port + stack) per client port;
//    run_for() advances the world (every part polled until idle, then the clock jumps to the
//    next event of any part).
//  - NetClient: a SoupBinTCP/OUCH session over a TCP connection of a client stack to the
//    exchange's order-entry port, with the phase-1 TestClient's script API (connect, login,
//    send_ouch, send_empty, send, view, messages<M>, closed) and ClientView.
//  - FeedReceiver: a UDP socket of a client stack joined to feed A and feed B, keeping every
//    packet per group; and a second socket that asks the retransmission server for ranges.
// Clients are written from the wire's side only: they know the scenario's addresses, nothing
// of the exchange's internals.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "exchange_sim/host/host.hpp"
#include "net/stack.hpp"
#include "tests/integration/exchange_sim/harness.hpp"

namespace tb::exchange::testing {

inline constexpr std::int64_t kUs = 1'000;
inline constexpr std::int64_t kMsNs = 1'000'000;
inline constexpr std::int64_t kSecondNs = 1'000'000'000;

// A client machine: the client's end of a ring wire and its stack.
struct ClientMachine {
    std::unique_ptr<core::EthPort> nic_end;     // given to the host
    std::unique_ptr<core::EthPort> client_end;  // the client's NIC
    std::unique_ptr<net::Stack> stack;
    std::uint32_t ip = 0;
};

class SimWorld {
public:
    static constexpr std::int64_t kStartNs = 1'000'000'000;  // the clock's origin

    explicit SimWorld(const Scenario& scenario, std::size_t clients = 1,
                      const HostConfig& config = {})
        : clock(kStartNs) {
        static int worlds = 0;
        const std::string wire = "simw" + std::to_string(worlds++) + "c";
        std::vector<core::EthPort*> ends;
        for (std::size_t i = 0; i < clients; ++i) {
            ClientMachine m;
            const std::string spec = "ring:" + wire + std::to_string(i);
            m.nic_end = std::make_unique<core::EthPort>(host_port_config(spec, config));
            m.client_end = std::make_unique<core::EthPort>(host_port_config(spec, config));
            ends.push_back(m.nic_end.get());
            machines.push_back(std::move(m));
        }
        host = std::make_unique<Host<core::VirtualClock>>(scenario, config, ends, clock);
        for (std::size_t i = 0; i < clients; ++i) {
            ClientMachine& m = machines[i];
            net::StackConfig c;
            m.ip = scenario.network.client_ip + static_cast<std::uint32_t>(i);
            c.ip = m.ip;
            c.mac = proto::MacAddress{0x02, 0x10, 0, 0, 0, static_cast<std::uint8_t>(i + 1)};
            c.tcp.seed = 0xC11E27 + i;
            c.mtu = static_cast<std::uint16_t>(scenario.feed.mtu);
            m.stack = std::make_unique<net::Stack>(c, *m.client_end, clock.now_ns());
        }
    }

    ~SimWorld() {
        host.reset();  // before the client ports it holds frames of
    }

    void start() { host->start(); }

    // Every client stack once; returns the work done.
    std::size_t poll_clients() {
        std::size_t work = 0;
        for (ClientMachine& m : machines) {
            work += m.stack->poll(clock.now_ns());
        }
        return work;
    }
    std::int64_t clients_next() const {
        std::int64_t next = INT64_MAX;
        for (const ClientMachine& m : machines) {
            next = std::min(next, m.stack->next_timer_ns());
        }
        return next;
    }

    // Advances the world by `duration_ns` of virtual time (bounded in steps).
    void run_for(std::int64_t duration_ns, std::size_t max_steps = 2'000'000) {
        run_until([] { return false; }, duration_ns, max_steps);
    }
    // Advances until `done()` or `duration_ns` passed; true when done() held.
    bool run_until(const std::function<bool()>& done, std::int64_t duration_ns,
                   std::size_t max_steps = 2'000'000) {
        const std::int64_t end = clock.now_ns() + duration_ns;
        const auto others = [&] { return poll_clients(); };
        for (std::size_t step = 0; step < max_steps; ++step) {
            (void)sim_settle(*host, others);
            if (done()) {
                return true;
            }
            const std::int64_t next = std::min(host->next_event_ns(), clients_next());
            if (next > end) {
                clock.set(std::max(end, clock.now_ns()));
                (void)sim_settle(*host, others);
                return done();
            }
            clock.set(std::max(next, clock.now_ns() + 1));
        }
        ADD_FAILURE() << "the world did not reach its end within " << max_steps << " steps";
        return false;
    }
    // Lets everything due now and shortly after (wire latency) happen.
    void settle() { run_for(kMsNs); }

    net::Stack& stack(std::size_t client = 0) { return *machines[client].stack; }
    net::Endpoint order_entry() {
        const Scenario& s = exchange().scenario();
        return {s.network.exchange_ip, s.network.order_entry_port};
    }
    net::Endpoint retransmission() {
        const Scenario& s = exchange().scenario();
        return {s.network.exchange_ip, s.network.retransmission_port};
    }
    net::Endpoint feed_a() {
        return {exchange().scenario().network.feed_a.ip, exchange().scenario().network.feed_a.port};
    }
    net::Endpoint feed_b() {
        return {exchange().scenario().network.feed_b.ip, exchange().scenario().network.feed_b.port};
    }
    Exchange<NetTransport<net::Stack>>& exchange() { return host->exchange(); }
    std::int64_t now() const { return clock.now_ns(); }

    core::VirtualClock clock;
    std::vector<ClientMachine> machines;
    std::unique_ptr<Host<core::VirtualClock>> host;
};

// A SoupBinTCP/OUCH session over a client transport (TCP, callback mode). World gives the
// client machine's transport (stack(machine)), the exchange's scenario (exchange()) and time
// (run_until, settle): SimWorld here, the kernel-socket world of the kernel tests.
template <class World>
class BasicNetClient {
public:
    explicit BasicNetClient(World& world, std::size_t machine = 0)
        : world_(world), machine_(machine) {}
    BasicNetClient(const BasicNetClient&) = delete;
    BasicNetClient& operator=(const BasicNetClient&) = delete;
    ~BasicNetClient() {
        if (stream_.valid() && !ended_) {
            world_.stack(machine_).abort(stream_);
        }
    }

    // Opens a TCP connection to the exchange; true once established.
    bool connect() {
        view_ = ClientView{};
        framer_.reset();
        ended_ = false;
        connected_ = false;
        reset_ = false;
        stream_ =
            world_.stack(machine_).connect(world_.order_entry(), net::StreamEvents::bind(*this));
        if (!stream_.valid()) {
            return false;
        }
        world_.run_until([&] { return connected_ || ended_; }, 5 * kSecondNs);
        // A connection the gateway refuses is reset at once.
        world_.settle();
        return connected_ && !ended_;
    }

    void send(std::span<const std::uint8_t> bytes, bool settle = true) {
        const std::size_t taken = world_.stack(machine_).send(stream_, bytes);
        EXPECT_EQ(taken, bytes.size());
        if (settle) {
            world_.settle();
        }
    }

    void login(const std::string& user, const std::string& password, std::uint64_t sequence = 1,
               const std::string& session = "") {
        soup::LoginRequest request;
        request.username = proto::Alpha<6>::left(user);
        request.password = proto::Alpha<10>::left(password);
        request.requested_session = proto::Alpha<10>::left(session);
        request.requested_sequence_number = sequence;
        std::uint8_t bytes[64];
        const std::size_t n = soup::write_login_request(request, bytes);
        send(std::span<const std::uint8_t>(bytes, n));
    }

    template <class M>
    void send_ouch(const M& message, bool settle = true) {
        std::uint8_t bytes[128];
        const std::size_t n =
            soup::write_message(soup::PacketType::kUnsequencedData, message, bytes);
        send(std::span<const std::uint8_t>(bytes, n), settle);
    }
    void send_empty(soup::PacketType type) {
        std::uint8_t bytes[3];
        const std::size_t n = soup::write_empty(type, bytes);
        send(std::span<const std::uint8_t>(bytes, n));
    }
    // FIN (a clean close) or RST (a network failure, as the exchange sees it).
    void close() {
        world_.stack(machine_).close(stream_);
        world_.settle();
    }
    void abort() {
        world_.stack(machine_).abort(stream_);
        ended_ = true;
        reset_ = true;
        world_.settle();
    }

    const ClientView& view() { return view_; }

    template <class M>
    std::vector<M> messages() {
        std::vector<M> out;
        for (const std::vector<std::uint8_t>& bytes : view_.sequenced) {
            (void)ouchw::decode_outbound(bytes, [&](const auto& m) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(m)>, M>) {
                    out.push_back(m);
                }
            });
        }
        return out;
    }

    // The exchange closed the connection (FIN or reset).
    [[nodiscard]] bool closed() const { return peer_closed_ || ended_; }
    [[nodiscard]] bool reset() const { return reset_; }
    [[nodiscard]] net::StreamId stream() const { return stream_; }

    // ---- net::StreamEvents ----
    void on_connected(net::StreamId) noexcept { connected_ = true; }
    void on_data(net::StreamId, std::span<const std::uint8_t> data) noexcept {
        (void)framer_.feed(data, [&](std::span<const std::uint8_t> bytes) { decode(bytes); });
    }
    void on_peer_closed(net::StreamId stream) noexcept {
        peer_closed_ = true;
        world_.stack(machine_).close(stream);
    }
    void on_closed(net::StreamId, net::CloseReason reason) noexcept {
        ended_ = true;
        reset_ = reset_ || reason == net::CloseReason::kReset;
    }

private:
    void decode(std::span<const std::uint8_t> bytes) noexcept {
        soup::Packet packet;
        if (soup::parse_packet(bytes, packet) != proto::Status::kOk) {
            ++view_.unparsed;
            return;
        }
        switch (packet.type) {
            case soup::PacketType::kLoginAccepted: {
                soup::LoginAccepted a;
                if (soup::decode_login_accepted(packet.payload, a) == proto::Status::kOk) {
                    view_.accepted.push_back(a);
                } else {
                    ++view_.unparsed;
                }
                break;
            }
            case soup::PacketType::kLoginRejected: {
                soup::RejectReason r{};
                if (soup::decode_login_rejected(packet.payload, r) == proto::Status::kOk) {
                    view_.rejected.push_back(r);
                }
                break;
            }
            case soup::PacketType::kSequencedData:
                view_.sequenced.emplace_back(packet.payload.begin(), packet.payload.end());
                break;
            case soup::PacketType::kServerHeartbeat:
                ++view_.heartbeats;
                break;
            case soup::PacketType::kEndOfSession:
                ++view_.end_of_session;
                break;
            case soup::PacketType::kDebug:
                view_.debug.emplace_back(packet.payload.begin(), packet.payload.end());
                break;
            default:
                ++view_.unparsed;
        }
    }

    World& world_;
    std::size_t machine_;
    net::StreamId stream_;
    bool connected_ = false;
    bool peer_closed_ = false;
    bool ended_ = false;
    bool reset_ = false;
    soup::Framer framer_{4096};
    ClientView view_;
};

using NetClient = BasicNetClient<SimWorld>;

// Feed A and feed B as a client machine receives them, and retransmission requests.
template <class World>
class BasicFeedReceiver {
public:
    static constexpr std::uint16_t kRequestPort = 40000;

    explicit BasicFeedReceiver(World& world, std::size_t machine = 0,
                               std::uint16_t request_port = kRequestPort)
        : world_(world), machine_(machine) {
        const net::Endpoint a = world.feed_a();
        const net::Endpoint b = world.feed_b();
        feed_a_group_ = a.ip;
        auto& stack = world.stack(machine);
        socket_ = stack.open_datagram(a.port, net::DatagramEvents::bind(*this));
        EXPECT_TRUE(socket_.valid());
        EXPECT_TRUE(stack.join(socket_, a.ip));
        EXPECT_TRUE(stack.join(socket_, b.ip));
        requests_ = stack.open_datagram(request_port, net::DatagramEvents::bind(*this));
        EXPECT_TRUE(requests_.valid());
    }

    // Asks the retransmission server for `count` messages from `sequence`.
    void request(const std::string& session, std::uint64_t sequence, std::uint16_t count) {
        mold::RetransmissionRequest r;
        r.session = mold::Session::left(session);
        r.sequence_number = sequence;
        r.requested_count = count;
        std::uint8_t bytes[mold::kHeaderSize];
        ASSERT_EQ(mold::write_request(r, bytes), mold::kHeaderSize);
        ASSERT_TRUE(
            world_.stack(machine_).send_to(requests_, world_.retransmission(),
                                           std::span<const std::uint8_t>(bytes, sizeof bytes)));
    }

    void on_datagram(net::DatagramId socket, const net::Datagram& d) noexcept {
        SentPacket packet{std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()), {}};
        if (socket == requests_) {
            unicast.push_back(std::move(packet));
            unicast_sources.push_back(d.source);
        } else if (d.destination_ip == feed_a_group_) {
            feed_a.push_back(std::move(packet));
        } else {
            feed_b.push_back(std::move(packet));
        }
    }

    std::vector<SentPacket> feed_a;
    std::vector<SentPacket> feed_b;
    std::vector<SentPacket> unicast;
    std::vector<net::Endpoint> unicast_sources;

private:
    World& world_;
    std::size_t machine_;
    std::uint32_t feed_a_group_ = 0;
    net::DatagramId socket_;
    net::DatagramId requests_;
};

using FeedReceiver = BasicFeedReceiver<SimWorld>;

}  // namespace tb::exchange::testing
