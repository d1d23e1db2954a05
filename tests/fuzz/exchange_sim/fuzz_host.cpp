// Fuzz target: arbitrary bytes on an order-entry connection through the exchange's whole
// network path (sim mode: a client stack, a net_ring wire, nic_emu, the exchange's stack, the
// gateway), with another session trading beside it, kept across inputs like a long-running
// exchange.
//
// Input: byte 0 says whether the connection logs in first (as ALICE) and how the rest is cut
// into TCP sends (1 to 64 bytes each); the rest is sent as it is. Then the connection is reset
// and virtual time moves on. The checks: nothing crashes (ASan/UBSan); BOB's session answers an
// Enter Order and a Cancel after every input (abort() otherwise); the host allocates nothing
// (no check here: exchange_host_allocation_test).

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include "core/clock.hpp"
#include "core/eal.hpp"
#include "core/eth_port.hpp"
#include "exchange_sim/host/host.hpp"
#include "net/stack.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace {

using namespace tb;
namespace soup = tb::proto::soup;
namespace wire = tb::proto::ouch;

// One TCP connection to the exchange and the count of what came back.
struct Session {
    net::Stack* stack = nullptr;
    net::StreamId stream;
    bool connected = false;
    bool ended = false;
    std::uint64_t accepted = 0;
    std::uint64_t canceled = 0;
    std::uint64_t logins = 0;
    soup::Framer framer{4096};

    void on_connected(net::StreamId) noexcept { connected = true; }
    void on_data(net::StreamId, std::span<const std::uint8_t> data) noexcept {
        (void)framer.feed(data, [&](std::span<const std::uint8_t> bytes) {
            soup::Packet packet;
            if (soup::parse_packet(bytes, packet) != proto::Status::kOk) {
                return;
            }
            logins += packet.type == soup::PacketType::kLoginAccepted ? 1 : 0;
            if (packet.type == soup::PacketType::kSequencedData && !packet.payload.empty()) {
                accepted += packet.payload[0] == 'A' ? 1 : 0;
                canceled += packet.payload[0] == 'C' ? 1 : 0;
            }
        });
    }
    void on_peer_closed(net::StreamId id) noexcept { stack->close(id); }
    void on_closed(net::StreamId, net::CloseReason) noexcept { ended = true; }

    void send(std::span<const std::uint8_t> bytes) noexcept { (void)stack->send(stream, bytes); }
    void login(const char* user, const char* password) noexcept {
        soup::LoginRequest request;
        request.username = proto::Alpha<6>::left(user);
        request.password = proto::Alpha<10>::left(password);
        request.requested_session = proto::Alpha<10>::left("");
        request.requested_sequence_number = 0;
        std::uint8_t bytes[64];
        send(std::span<const std::uint8_t>(bytes, soup::write_login_request(request, bytes)));
    }
    template <class M>
    void ouch(const M& message) noexcept {
        std::uint8_t bytes[128];
        send(std::span<const std::uint8_t>(
            bytes, soup::write_message(soup::PacketType::kUnsequencedData, message, bytes)));
    }
};

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_exchange_host: %s\n", what);
    std::abort();
}

class World {
public:
    World()
        : eal_(core::EalOptions{.args = {"--no-huge", "-m", "512", "--no-pci", "--log-level=error",
                                         "--file-prefix", "fzh" + std::to_string(::getpid())},
                                .program = "fuzz_exchange_host"}),
          clock_(1'000'000'000),
          scenario_(exchange::parse_scenario(R"(name: fuzz
seed: 3
session: {date: 2024-01-02}
symbols: [{stock: ACME, reference: 10.00, band: 1.00}]
users:
  - {username: ALICE, password: a, participant: 1, firm: FRMA}
  - {username: BOB, password: b, participant: 2, firm: FRMB}
order_entry: {client_timeout: 60min}
background: {participants: 2, symbols: [{stock: ACME, rate: 500}]}
)",
                                             "fuzz.yaml")) {
        exchange::HostConfig config;
        config.ring_size = 256;
        config.line_capacity = 256;
        config.stage_capacity = 0;
        nic_end_ = std::make_unique<core::EthPort>(exchange::host_port_config("ring:fzh", config));
        client_end_ =
            std::make_unique<core::EthPort>(exchange::host_port_config("ring:fzh", config));
        std::vector<core::EthPort*> ends = {nic_end_.get()};
        host_ =
            std::make_unique<exchange::Host<core::VirtualClock>>(scenario_, config, ends, clock_);
        net::StackConfig c;
        c.ip = scenario_.network.client_ip;
        c.mac = proto::MacAddress{0x02, 0x10, 0, 0, 0, 1};
        stack_ = std::make_unique<net::Stack>(c, *client_end_, clock_.now_ns());
        host_->start();
        bob_.stack = stack_.get();
        connect(bob_);
        bob_.login("BOB", "b");
        run(1'000'000);
        if (bob_.logins != 1) {
            fail("BOB could not log in");
        }
    }
    ~World() {
        stack_.reset();
        host_.reset();
    }

    void one_input(const std::uint8_t* data, std::size_t size) {
        Session alice;
        alice.stack = stack_.get();
        connect(alice);
        if (!alice.connected) {
            fail("no connection to the exchange");
        }
        const std::uint8_t control = size > 0 ? data[0] : 0;
        if ((control & 0x80) != 0) {
            alice.login("ALICE", "a");
            run(100'000);
        }
        const std::size_t chunk = 1 + (control & 0x3F);
        for (std::size_t at = 1; at < size && !alice.ended; at += chunk) {
            alice.send(std::span<const std::uint8_t>(data + at, std::min(chunk, size - at)));
            run(10'000);
        }
        if (!alice.ended) {
            stack_->abort(alice.stream);
        }
        run(1'000'000);
        // BOB's session is untouched: an order and its cancel are answered.
        wire::EnterOrder enter;
        enter.order_token = proto::Alpha<14>::left("B" + std::to_string(++orders_));
        enter.side = wire::Side::kBuy;
        enter.shares = 100;
        enter.stock = proto::Alpha<8>::left("ACME");
        enter.price = 91'000;
        enter.time_in_force = wire::kTimeInForceMarketHours;
        enter.firm = proto::Alpha<4>::left("");
        enter.display = wire::Display::kAnonymous;
        enter.capacity = wire::Capacity::kAgency;
        enter.intermarket_sweep_eligibility = wire::IntermarketSweep::kNotEligible;
        enter.cross_type = wire::CrossType::kNoCross;
        enter.customer_type = wire::CustomerType::kPortDefault;
        const std::uint64_t accepted = bob_.accepted;
        const std::uint64_t canceled = bob_.canceled;
        bob_.ouch(enter);
        wire::CancelOrder cancel;
        cancel.order_token = enter.order_token;
        cancel.shares = 0;
        bob_.ouch(cancel);
        run(1'000'000);
        if (bob_.ended || bob_.accepted != accepted + 1 || bob_.canceled != canceled + 1) {
            fail("BOB's session was harmed");
        }
        // Let closed connections leave TIME-WAIT now and then.
        if (orders_ % 16 == 0) {
            run(1'500'000'000);
            bob_.send(std::span<const std::uint8_t>(heartbeat_, sizeof heartbeat_));
        }
    }

private:
    void connect(Session& s) {
        s.stream = stack_->connect(
            net::Endpoint{scenario_.network.exchange_ip, scenario_.network.order_entry_port},
            net::StreamEvents::bind(s));
        run(1'000'000);
    }
    // Advances the world by `duration_ns` of virtual time.
    void run(std::int64_t duration_ns) {
        const std::int64_t end = clock_.now_ns() + duration_ns;
        const auto others = [&] { return stack_->poll(clock_.now_ns()); };
        const auto next = [&] { return stack_->next_timer_ns(); };
        for (int step = 0; step < 100'000; ++step) {
            if (!exchange::sim_step(*host_, clock_, others, next, end)) {
                break;
            }
        }
        if (clock_.now_ns() < end) {
            clock_.set(end);
        }
        (void)exchange::sim_settle(*host_, others);
    }

    core::Eal eal_;
    core::VirtualClock clock_;
    exchange::Scenario scenario_;
    std::unique_ptr<core::EthPort> nic_end_;
    std::unique_ptr<core::EthPort> client_end_;
    std::unique_ptr<exchange::Host<core::VirtualClock>> host_;
    std::unique_ptr<net::Stack> stack_;
    Session bob_;
    std::uint64_t orders_ = 0;
    std::uint8_t heartbeat_[3] = {0x00, 0x01, 'R'};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    world.one_input(data, size);
    return 0;
}
