// bench_net: the user-space stack between two processes over net_memif, and the kernel baseline.
//   BM_TcpEchoRoundTrip/64        TCP echo of 64-byte messages, one in flight: p50/p99/p99.9 in ns
//   BM_UdpEchoRoundTrip/64        the same with UDP datagrams
//   BM_TcpThroughput              one-way bulk TCP: payload Gbit/s, the receiver counting bytes
//   BM_KernelTcpEchoRoundTrip/64  the TCP echo over kernel sockets on loopback (Boost.Asio
//                                 transport), the baseline the user-space figure is compared with;
//                                 its counter kernel_over_memif_p50 is the ratio of the two p50s
// Each run spawns this binary again as the peer (`--peer MODE ARG CPU`), a separate process pinned
// to another CPU where there is one. Addresses 10.0.0.1/2 exist only on the emulated memif wire.
// After the benchmarks, a summary merges every repetition's round trips per transport and prints
// p50/p99/p99.9 and the kernel/memif ratio of the TCP p50s (the target: at least 10).
//
// Run: scripts/bench bench_net (5 repetitions, aggregates, JSON kept), or directly
//   build/release/bench/bench_net --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// TB_BENCH_NET_ROUND_TRIPS (default 200000 per repetition) and TB_BENCH_NET_BYTES (default 1 GiB)
// shorten a run.

#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/eal.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/histogram.hpp"
#include "net/kernel_transport.hpp"
#include "net/stack.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tb;
using net::Endpoint;
using net::StreamId;

// TB_BENCH_NET_ROUND_TRIPS and TB_BENCH_NET_BYTES shorten a run (a smoke test).
std::uint64_t env_or(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text == nullptr ? fallback : std::strtoull(text, nullptr, 10);
}
const std::uint64_t kRoundTrips = env_or("TB_BENCH_NET_ROUND_TRIPS", 200'000);
const std::uint64_t kWarmup = std::min<std::uint64_t>(2'000, kRoundTrips);
const std::uint64_t kThroughputBytes = env_or("TB_BENCH_NET_BYTES", 1ULL << 30);
constexpr std::uint16_t kPort = 15000;
constexpr std::uint32_t kServerIp = 0x0A000001;  // emulated wire only
constexpr std::uint32_t kClientIp = 0x0A000002;
constexpr std::int64_t kIdleTimeoutNs = 30'000'000'000;
constexpr std::int64_t kPeerLifetimeNs = 600'000'000'000;  // a peer serves one run

std::string g_self;

// Every repetition's round trips, per benchmark, for the summary printed after the run.
struct RunFigures {
    core::Histogram tcp_memif_ns;
    core::Histogram udp_memif_ns;
    core::Histogram tcp_kernel_ns;
    std::vector<double> throughput_gbps;
};
RunFigures& run_figures() {
    static RunFigures figures;
    return figures;
}
// The CPUs for this process and the peer, chosen before EAL pins this process: a spawned peer
// inherits that pinning, so it is told its CPU rather than left to discover it.
std::pair<int, int> g_cpus{0, 0};

net::StackConfig stack_config(std::uint32_t ip, std::uint8_t last_mac_byte) {
    net::StackConfig config;
    config.mac = {0x02, 0x00, 0x00, 0x00, 0x00, last_mac_byte};
    config.ip = ip;
    config.tcp.max_connections = 8;
    config.tcp.send_buffer_bytes = 512 * 1024;
    config.tcp.receive_buffer_bytes = 512 * 1024;
    return config;
}

// ---- The peer process -------------------------------------------------------------------------

// Echoes every stream's bytes and every datagram back; counts what a sink receives.
template <class Transport>
struct EchoPeer {
    Transport* transport = nullptr;
    bool echo = true;
    std::uint64_t received = 0;
    bool closed = false;

    // One message in flight never fills the send buffer; a refused echo would show as a
    // timed-out round trip on the measuring side.
    void on_data(StreamId id, std::span<const std::uint8_t> data) noexcept {
        received += data.size();
        if (echo) {
            (void)transport->send(id, data);
        }
    }
    void on_peer_closed(StreamId id) noexcept { transport->close(id); }
    void on_closed(StreamId, net::CloseReason) noexcept { closed = true; }
    void on_datagram(net::DatagramId socket, const net::Datagram& d) noexcept {
        (void)transport->send_to(socket, d.source, d.payload);
    }
};

template <class Transport>
int serve(Transport& transport, EchoPeer<Transport>& peer, const core::TscClock& clock) {
    const std::int64_t start = clock.now_ns();
    std::int64_t last_work = start;
    while (!peer.closed) {
        const std::int64_t now = clock.now_ns();
        if (transport.poll(now) > 0) {
            last_work = now;
        } else if (now - last_work > kIdleTimeoutNs) {
            std::fprintf(stderr, "bench_net peer: idle for 30 s, giving up\n");
            return 1;
        }
        if (now - start > kPeerLifetimeNs) {
            std::fprintf(stderr, "bench_net peer: still running after 10 minutes, giving up\n");
            return 1;
        }
    }
    // Let the last FIN/ACK go out.
    const std::int64_t until = clock.now_ns() + 100'000'000;
    while (clock.now_ns() < until) {
        (void)transport.poll(clock.now_ns());
    }
    return 0;
}

int run_peer(const std::string& mode, const std::string& argument, int cpu) {
    try {
        tb::test::pin_to(cpu);
        const core::TscClock clock;
        if (mode == "kernel-echo") {
            net::KernelTransport transport;
            EchoPeer<net::KernelTransport> peer{&transport};
            if (!transport.listen(static_cast<std::uint16_t>(std::stoi(argument)),
                                  net::StreamEvents::bind(peer))) {
                std::fprintf(stderr, "bench_net peer: cannot listen on 127.0.0.1:%s\n",
                             argument.c_str());
                return 1;
            }
            std::printf("listening\n");
            std::fflush(stdout);
            return serve(transport, peer, clock);
        }
        core::Eal eal(
            core::EalOptions{.args = {"-l", std::to_string(cpu)}, .program = "bench_net-peer"});
        core::EthPortConfig port_config;
        port_config.spec = "memif:client:" + argument;
        core::EthPort port(port_config);
        net::Stack stack(stack_config(kServerIp, 1), port, clock.now_ns());
        EchoPeer<net::Stack> peer{&stack, mode != "sink"};
        if (!stack.listen(kPort, net::StreamEvents::bind(peer))) {
            std::fprintf(stderr, "bench_net peer: cannot listen\n");
            return 1;
        }
        const net::DatagramId socket = stack.open_datagram(kPort, net::DatagramEvents::bind(peer));
        if (!socket.valid()) {
            std::fprintf(stderr, "bench_net peer: cannot bind UDP\n");
            return 1;
        }
        return serve(stack, peer, clock);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_net peer: %s\n", e.what());
        return 1;
    }
}

// ---- The measuring side -----------------------------------------------------------------------

struct Client {
    std::uint64_t received = 0;
    bool connected = false;
    bool closed = false;
    void on_connected(StreamId) noexcept { connected = true; }
    void on_data(StreamId, std::span<const std::uint8_t> data) noexcept { received += data.size(); }
    void on_closed(StreamId, net::CloseReason) noexcept { closed = true; }
    void on_datagram(net::DatagramId, const net::Datagram& d) noexcept {
        received += d.payload.size();
    }
};

// One run's memif wire: the peer process and our stack on the server end of the socket.
struct MemifWire {
    test::TempDir dir;
    std::unique_ptr<test::Process> peer;
    std::unique_ptr<core::EthPort> port;
    std::unique_ptr<net::Stack> stack;

    MemifWire(const char* mode, const core::TscClock& clock) {
        const std::string socket = dir.file("bench.sock");
        core::EthPortConfig config;
        config.spec = "memif:server:" + socket;
        port = std::make_unique<core::EthPort>(config);
        peer = std::make_unique<test::Process>(
            std::vector<std::string>{g_self, "--peer", mode, socket, std::to_string(g_cpus.second)},
            dir.file("peer.out"), dir.file("peer.err"));
        if (!port->wait_link_up(30'000'000'000)) {
            throw core::StartupError("the bench_net peer never connected: " +
                                     test::read_file(dir.file("peer.err")));
        }
        stack = std::make_unique<net::Stack>(stack_config(kClientIp, 2), *port, clock.now_ns());
    }
    std::string finish() {
        const auto status = peer->wait_for(30s);
        if (!status || *status != 0) {
            return "peer failed: " + test::read_file(dir.file("peer.err"));
        }
        return {};
    }
};

template <class Transport, class Done>
bool poll_until(Transport& transport, const core::TscClock& clock, Done&& done,
                std::int64_t timeout_ns = 10'000'000'000) {
    const std::int64_t deadline = clock.now_ns() + timeout_ns;
    for (;;) {
        const std::int64_t now = clock.now_ns();
        (void)transport.poll(now);
        if (done()) {
            return true;
        }
        if (now > deadline) {
            return false;
        }
    }
}

// Sends one message at a time and times its echo; "" or what went wrong.
template <class Transport>
std::string echo_round_trips(Transport& transport, const core::TscClock& clock, Client& client,
                             StreamId id, std::size_t size, core::Histogram& rtt_ns) {
    std::vector<std::uint8_t> message(size, 0x42);
    for (std::uint64_t i = 0; i < kWarmup + kRoundTrips; ++i) {
        const std::uint64_t expected = client.received + size;
        message[0] = static_cast<std::uint8_t>(i);
        const std::int64_t start = clock.now_ns();
        if (transport.send(id, message) != size) {
            return "send refused";
        }
        while (client.received < expected) {
            const std::int64_t now = clock.now_ns();
            (void)transport.poll(now);
            if (now - start > 5'000'000'000) {
                return "an echo took more than 5 s";
            }
        }
        const std::int64_t end = clock.now_ns();
        if (i >= kWarmup) {
            rtt_ns.record(end - start);
        }
    }
    return {};
}

template <class Transport>
std::string close_stream(Transport& transport, const core::TscClock& clock, Client& client,
                         StreamId id) {
    transport.close(id);
    if (!poll_until(transport, clock, [&] { return client.closed; })) {
        return "the stream did not close";
    }
    return {};
}

void report(benchmark::State& state, const core::Histogram& rtt_ns) {
    state.SetItemsProcessed(rtt_ns.total_count());
    state.counters["p50_ns"] = static_cast<double>(rtt_ns.value_at_percentile(50.0));
    state.counters["p99_ns"] = static_cast<double>(rtt_ns.value_at_percentile(99.0));
    state.counters["p99.9_ns"] = static_cast<double>(rtt_ns.value_at_percentile(99.9));
    state.counters["max_ns"] = static_cast<double>(rtt_ns.max());
}

void BM_TcpEchoRoundTrip(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const core::TscClock clock;
    core::Histogram rtt_ns;
    for (auto _ : state) {
        MemifWire wire("echo", clock);
        Client client;
        const StreamId id =
            wire.stack->connect(Endpoint{kServerIp, kPort}, net::StreamEvents::bind(client));
        std::string error;
        if (!poll_until(*wire.stack, clock, [&] { return client.connected; })) {
            error = "no connection";
        }
        const auto start = std::chrono::steady_clock::now();
        if (error.empty()) {
            error = echo_round_trips(*wire.stack, clock, client, id, size, rtt_ns);
        }
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        if (error.empty()) {
            error = close_stream(*wire.stack, clock, client, id);
        }
        error += wire.finish();
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    report(state, rtt_ns);
    run_figures().tcp_memif_ns.merge(rtt_ns);
}
BENCHMARK(BM_TcpEchoRoundTrip)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_UdpEchoRoundTrip(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const core::TscClock clock;
    core::Histogram rtt_ns;
    for (auto _ : state) {
        MemifWire wire("echo", clock);
        Client client;
        const net::DatagramId socket =
            wire.stack->open_datagram(kPort, net::DatagramEvents::bind(client));
        std::vector<std::uint8_t> message(size, 0x24);
        std::string error;
        const auto start = std::chrono::steady_clock::now();
        for (std::uint64_t i = 0; i < kWarmup + kRoundTrips && error.empty(); ++i) {
            const std::uint64_t expected = client.received + size;
            const std::int64_t t0 = clock.now_ns();
            if (!wire.stack->send_to(socket, Endpoint{kServerIp, kPort}, message)) {
                error = "send_to refused";
                break;
            }
            // A datagram lost while ARP resolves at the start is sent again.
            std::int64_t resend = t0 + 100'000'000;
            while (client.received < expected) {
                const std::int64_t now = clock.now_ns();
                (void)wire.stack->poll(now);
                if (now > resend && i < kWarmup) {
                    (void)wire.stack->send_to(socket, Endpoint{kServerIp, kPort}, message);
                    resend = now + 100'000'000;
                }
                if (now - t0 > 5'000'000'000) {
                    error = "an echo took more than 5 s";
                    break;
                }
            }
            client.received = expected;  // a duplicate from a warm-up resend does not count
            if (i >= kWarmup) {
                rtt_ns.record(clock.now_ns() - t0);
            }
        }
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        // The peer ends when its stream closes: open and close one.
        Client control;
        const StreamId id =
            wire.stack->connect(Endpoint{kServerIp, kPort}, net::StreamEvents::bind(control));
        if (error.empty() && !poll_until(*wire.stack, clock, [&] { return control.connected; })) {
            error = "no control connection";
        }
        if (error.empty()) {
            error = close_stream(*wire.stack, clock, control, id);
        }
        error += wire.finish();
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    report(state, rtt_ns);
    run_figures().udp_memif_ns.merge(rtt_ns);
}
BENCHMARK(BM_UdpEchoRoundTrip)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_TcpThroughput(benchmark::State& state) {
    const core::TscClock clock;
    double gbps = 0.0;
    for (auto _ : state) {
        MemifWire wire("sink", clock);
        Client client;
        const StreamId id =
            wire.stack->connect(Endpoint{kServerIp, kPort}, net::StreamEvents::bind(client));
        std::string error;
        if (!poll_until(*wire.stack, clock, [&] { return client.connected; })) {
            error = "no connection";
        }
        std::vector<std::uint8_t> chunk(64 * 1024, 0x33);
        std::uint64_t sent = 0;
        const std::int64_t start = clock.now_ns();
        net::TcpInfo info;
        while (error.empty()) {
            const std::int64_t now = clock.now_ns();
            (void)wire.stack->poll(now);
            if (sent < kThroughputBytes) {
                sent += wire.stack->send(
                    id, std::span(chunk.data(),
                                  std::min<std::uint64_t>(chunk.size(), kThroughputBytes - sent)));
            } else if (wire.stack->tcp_info(id, info) && info.unacknowledged == 0) {
                break;  // every byte acknowledged by the receiver
            }
            if (now - start > 120'000'000'000) {
                error = "the transfer took more than 120 s";
            }
        }
        const double seconds = static_cast<double>(clock.now_ns() - start) * 1e-9;
        state.SetIterationTime(seconds);
        gbps = static_cast<double>(kThroughputBytes) * 8 / seconds * 1e-9;
        if (error.empty()) {
            error = close_stream(*wire.stack, clock, client, id);
        }
        // Why segments went again: RTO expiries (a descheduled peer on a busy machine) or
        // frames our transmit queue dropped when memif's ring stayed full.
        const net::StackCounters& counters = wire.stack->counters();
        state.counters["retransmissions"] = static_cast<double>(counters.tcp_retransmissions);
        state.counters["timeouts"] = static_cast<double>(counters.tcp_timeouts);
        state.counters["tx_dropped"] = static_cast<double>(counters.tx_dropped);
        error += wire.finish();
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(kThroughputBytes));
    state.counters["Gbps"] = gbps;
    run_figures().throughput_gbps.push_back(gbps);
}
BENCHMARK(BM_TcpThroughput)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_KernelTcpEchoRoundTrip(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const core::TscClock clock;
    core::Histogram rtt_ns;
    for (auto _ : state) {
        test::TempDir dir;
        const std::uint16_t port = static_cast<std::uint16_t>(20000 + getpid() % 20000);
        test::Process peer(
            {g_self, "--peer", "kernel-echo", std::to_string(port), std::to_string(g_cpus.second)},
            dir.file("peer.out"), dir.file("peer.err"));
        std::string error;
        if (!test::wait_for_text(dir.file("peer.out"), "listening", 30s)) {
            error = "kernel peer did not listen: " + test::read_file(dir.file("peer.err"));
        }
        net::KernelTransport transport;
        Client client;
        StreamId id;
        if (error.empty()) {
            id = transport.connect(Endpoint{0x7F000001, port}, net::StreamEvents::bind(client));
            if (!poll_until(transport, clock, [&] { return client.connected; })) {
                error = "no kernel connection";
            }
        }
        const auto start = std::chrono::steady_clock::now();
        if (error.empty()) {
            error = echo_round_trips(transport, clock, client, id, size, rtt_ns);
        }
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        if (error.empty()) {
            error = close_stream(transport, clock, client, id);
        }
        const auto status = peer.wait_for(30s);
        if (!status || *status != 0) {
            error += "kernel peer failed: " + test::read_file(dir.file("peer.err"));
        }
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
    }
    report(state, rtt_ns);
    run_figures().tcp_kernel_ns.merge(rtt_ns);
    // The comparison, in the same run: kernel loopback p50 over memif p50 (every memif
    // repetition so far, merged).
    const core::Histogram& memif = run_figures().tcp_memif_ns;
    if (memif.total_count() > 0) {
        state.counters["kernel_over_memif_p50"] =
            static_cast<double>(rtt_ns.value_at_percentile(50.0)) /
            static_cast<double>(memif.value_at_percentile(50.0));
    }
}
BENCHMARK(BM_KernelTcpEchoRoundTrip)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void print_line(const char* name, const core::Histogram& rtt_ns) {
    if (rtt_ns.total_count() == 0) {
        return;
    }
    std::printf("%-34s %10lld %10lld %10lld %10lld\n", name,
                static_cast<long long>(rtt_ns.total_count()),
                static_cast<long long>(rtt_ns.value_at_percentile(50.0)),
                static_cast<long long>(rtt_ns.value_at_percentile(99.0)),
                static_cast<long long>(rtt_ns.value_at_percentile(99.9)));
}

// Every repetition merged: the figures docs/performance.md records.
void print_summary() {
    const RunFigures& f = run_figures();
    std::printf("\nbench_net summary (64-byte messages, all repetitions merged)\n");
    std::printf("%-34s %10s %10s %10s %10s\n", "round trip", "count", "p50_ns", "p99_ns",
                "p99.9_ns");
    print_line("TCP echo, user-space stack, memif", f.tcp_memif_ns);
    print_line("UDP echo, user-space stack, memif", f.udp_memif_ns);
    print_line("TCP echo, kernel loopback (Asio)", f.tcp_kernel_ns);
    if (!f.throughput_gbps.empty()) {
        std::vector<double> sorted = f.throughput_gbps;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t n = sorted.size();
        const double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        std::printf("TCP throughput, memif: median %.2f Gbit/s of %zu runs\n", median, n);
    }
    if (f.tcp_memif_ns.total_count() > 0 && f.tcp_kernel_ns.total_count() > 0) {
        const double ratio = static_cast<double>(f.tcp_kernel_ns.value_at_percentile(50.0)) /
                             static_cast<double>(f.tcp_memif_ns.value_at_percentile(50.0));
        std::printf("TCP echo p50, kernel loopback / user-space memif: %.1f (target >= 10)\n",
                    ratio);
    }
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    g_self = argv[0];
    if (argc == 5 && std::strcmp(argv[1], "--peer") == 0) {
        return run_peer(argv[2], argv[3], std::atoi(argv[4]));
    }
    g_cpus = tb::test::two_cpus();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 2;
    }
    try {
        tb::test::pin_to(g_cpus.first);
        core::Eal eal(
            core::EalOptions{.args = {"-l", std::to_string(g_cpus.first)}, .program = "bench_net"});
        benchmark::RunSpecifiedBenchmarks();
        print_summary();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_net: %s\n", e.what());
        return 1;
    }
    benchmark::Shutdown();
    return 0;
}
