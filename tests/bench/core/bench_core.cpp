// bench_core: DPDK net_memif between two processes.
//   BM_MemifRoundTrip/64  round trip of 64-byte frames, one in flight: p50/p99/p99.9 in ns from
//                         our histogram (counters), and round trips per second.
//   BM_MemifOneWay/<size> one-way throughput in Mpps (and Gbit/s of frame bytes), the receiver
//                         checking every frame's order and content.
// Each run spawns this binary again as the peer (`--peer echo|sink SOCKET FRAMES CPU`), a separate
// process with its own EAL, pinned to another CPU where there is one.
//
// Run: build/release/bench/bench_core --benchmark_repetitions=5 --benchmark_min_time=0

#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/eal.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/histogram.hpp"
#include "core/pingpong.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tb::core;

constexpr std::uint64_t kRoundTrips = 200'000;
// About 0.3 s of traffic at the rates seen here for small frames, and a fifth of it for full ones.
std::uint64_t one_way_frames(std::uint16_t size) {
    return size <= 128 ? 10'000'000 : 2'000'000;
}

std::string g_self;
int g_peer_cpu = 0;  // chosen before EAL pins this process, whose children inherit the pin

int run_peer(const std::string& mode, const std::string& socket, std::uint64_t frames, int cpu) {
    try {
        Eal eal(EalOptions{.args = {"-l", std::to_string(cpu)}, .program = "bench_core-peer"});
        EthPortConfig config;
        config.spec = "memif:client:" + socket;
        EthPort port(config);
        pingpong::Options options;
        options.frames = frames;
        options.idle_timeout_ns = 30'000'000'000;
        const pingpong::Result result =
            mode == "echo" ? pingpong::run_echo(port, options) : pingpong::run_sink(port, options);
        if (!result.ok) {
            std::fprintf(stderr, "bench_core peer: %s\n", result.error.c_str());
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_core peer: %s\n", e.what());
        return 1;
    }
}

// One benchmark run's wire: a peer process and our memif server port.
struct Wire {
    tb::test::TempDir dir;
    std::unique_ptr<tb::test::Process> peer;
    std::unique_ptr<EthPort> port;

    Wire(const char* mode, std::uint64_t frames) {
        const std::string socket = dir.file("bench.sock");
        EthPortConfig config;
        config.spec = "memif:server:" + socket;
        port = std::make_unique<EthPort>(config);
        peer = std::make_unique<tb::test::Process>(
            std::vector<std::string>{g_self, "--peer", mode, socket, std::to_string(frames),
                                     std::to_string(g_peer_cpu)},
            dir.file("peer.out"), dir.file("peer.err"));
        if (!port->wait_link_up(30'000'000'000)) {
            throw StartupError("the bench_core peer never connected: " +
                               tb::test::read_file(dir.file("peer.err")));
        }
    }
    // The peer's verdict on its side of the run.
    std::string finish() {
        const auto status = peer->wait_for(30s);
        if (!status || *status != 0) {
            return "peer failed: " + tb::test::read_file(dir.file("peer.err"));
        }
        return {};
    }
};

void BM_MemifRoundTrip(benchmark::State& state) {
    const auto size = static_cast<std::uint16_t>(state.range(0));
    Histogram rtt_ns;
    pingpong::Result result;
    for (auto _ : state) {
        Wire wire("echo", 0);
        pingpong::Options options;
        options.frames = kRoundTrips;
        options.frame_size = size;
        const auto start = std::chrono::steady_clock::now();
        result = pingpong::run_ping(*wire.port, options, rtt_ns);
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        state.SetIterationTime(elapsed.count());
        const std::string peer_error = wire.finish();
        if (!result.ok || !peer_error.empty()) {
            state.SkipWithError((result.error + peer_error).c_str());
            return;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(rtt_ns.total_count()));
    state.counters["p50_ns"] = static_cast<double>(rtt_ns.value_at_percentile(50.0));
    state.counters["p99_ns"] = static_cast<double>(rtt_ns.value_at_percentile(99.0));
    state.counters["p99.9_ns"] = static_cast<double>(rtt_ns.value_at_percentile(99.9));
    state.counters["max_ns"] = static_cast<double>(rtt_ns.max());
}
BENCHMARK(BM_MemifRoundTrip)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_MemifOneWay(benchmark::State& state) {
    const auto size = static_cast<std::uint16_t>(state.range(0));
    pingpong::Result result;
    for (auto _ : state) {
        Wire wire("sink", one_way_frames(size));
        pingpong::Options options;
        options.frames = one_way_frames(size);
        options.frame_size = size;
        result = pingpong::run_blast(*wire.port, options);
        state.SetIterationTime(static_cast<double>(result.elapsed_ns) * 1e-9);
        const std::string peer_error = wire.finish();
        if (!result.ok || !peer_error.empty()) {
            state.SkipWithError((result.error + peer_error).c_str());
            return;
        }
    }
    const double seconds = static_cast<double>(result.elapsed_ns) * 1e-9;
    state.SetItemsProcessed(static_cast<std::int64_t>(result.sent));
    state.counters["Mpps"] = static_cast<double>(result.sent) / seconds * 1e-6;
    state.counters["Gbps"] = static_cast<double>(result.sent) * size * 8 / seconds * 1e-9;
}
BENCHMARK(BM_MemifOneWay)
    ->Arg(64)
    ->Arg(1514)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    g_self = argv[0];
    if (argc == 6 && std::strcmp(argv[1], "--peer") == 0) {
        return run_peer(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10), std::atoi(argv[5]));
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 2;
    }
    const auto [own_cpu, peer_cpu] = tb::test::two_cpus();
    g_peer_cpu = peer_cpu;
    try {
        Eal eal(EalOptions{.args = {"-l", std::to_string(own_cpu)}, .program = "bench_core"});
        benchmark::RunSpecifiedBenchmarks();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_core: %s\n", e.what());
        return 1;
    }
    benchmark::Shutdown();
    return 0;
}
