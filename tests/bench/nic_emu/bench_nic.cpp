// bench_nic: the figures issue 6 asks of the emulator, between two processes over net_memif.
//
//   BM_NicForward/64        frames per second the emulator forwards between two memif ports,
//                           no impairment, one core: this process runs the emulator (memif
//                           servers A and B); a peer process on the other CPU sends numbered
//                           64-byte frames into A and takes them from B in one thread. Counter
//                           Mpps is what the peer received per second; fwd_dropped what the
//                           emulator dropped.
//   BM_PlainForward/64      the same wire with a plain rx_burst/tx_burst forwarder in place of
//                           the emulator: the ceiling the setup itself sets.
//   BM_NicAddedLatency/64   round trip of one 64-byte frame in flight, twice in the same run:
//                           raw (this process pings a peer that echoes over memif) and through
//                           the emulator with zero links (the peer runs the emulator and the
//                           echo in one thread, joined by net_ring, as the exchange embeds
//                           nic_emu). Counters raw_p50_ns, nic_p50_ns and added_p50_ns (and p99).
//   BM_NicDeliveryError/64  real-time scheduling accuracy: forwarding as above with latency=10us
//                           on the way out, the peer pacing 1 Mpps; the emulator's histogram of
//                           hand-over time minus due time (p50, p99, p99.9, max).
//   BM_LinkModel            decisions per second of a link with every random impairment.
//   BM_EmulatorInProcess/64 the emulator's own cost per frame with port doubles in one thread
//                           (no memif): frames per second through poll(), the doubles' mbuf
//                           work included.
//
// The memif servers live for the whole run, each benchmark's peer process connects to them, and
// the process ends without closing them: closing a memif server crashes DPDK 22.11 now and then
// (see leave()). A peer never leaves while this process polls its wire: it reports, then waits
// for SIGTERM, which comes once this side has stopped polling (a memif peer that disconnects
// during rx_burst can crash the poller: the driver unmaps the rings under it).
//
// Run (Release build, no sanitizers), for example:
//   build-rel/bench/bench_nic --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.hpp"
#include "core/eal.hpp"
#include "core/endian.hpp"
#include "core/error.hpp"
#include "core/eth_port.hpp"
#include "core/histogram.hpp"
#include "core/pingpong.hpp"
#include "core/signals.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"
#include "tests/unit/nic_emu/sim_port.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tb::core;
namespace nic = tb::nic;

constexpr std::uint64_t kForwardFrames = 10'000'000;
constexpr std::uint64_t kPacedFrames = 1'000'000;
constexpr std::uint64_t kRoundTrips = 200'000;
constexpr std::int64_t kIdleNs = 3'000'000'000;
constexpr std::uint8_t kMacA[6] = {0x02, 0, 0, 0, 0, 0x0A};
constexpr std::uint8_t kMacB[6] = {0x02, 0, 0, 0, 0, 0x0B};

std::string g_self;
// The benchmark's CPU and the peer's, read before EAL pins this process (a child inherits that
// pinning, so the peer is told its CPU on the command line).
int g_bench_cpu = 0;
int g_peer_cpu = 0;

std::unique_ptr<EthPort> open_port(const std::string& spec, std::uint32_t pool_size = 0) {
    EthPortConfig config;
    config.spec = spec;
    config.pool_size = pool_size;
    config.connect_timeout_ns = 30'000'000'000;
    return std::make_unique<EthPort>(config);
}

void write_bench_frame(rte_mbuf* m, const std::uint8_t* from, const std::uint8_t* to,
                       std::uint64_t sequence) {
    auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 64));
    std::memcpy(data, to, 6);
    std::memcpy(data + 6, from, 6);
    store_be16(data + 12, 0x88B5);
    store_be64(data + 14, sequence);
    std::memset(data + 22, 0x5A, 64 - 22);
}

// ---- peers ---------------------------------------------------------------------------------

// How long a peer that is done waits for SIGTERM before it leaves anyway.
constexpr std::int64_t kLingerNs = 60'000'000'000;

// A peer that is done keeps its port open, without polling, until this side (which has then
// stopped polling) sends SIGTERM.
void linger() {
    const TscClock clock;
    const std::int64_t end = clock.now_ns() + kLingerNs;
    const timespec pause{0, 1'000'000};
    while (!stop_requested() && clock.now_ns() < end) {
        nanosleep(&pause, nullptr);
    }
}

// Sends `frames` numbered frames into A (one every pace_ns, 0: as fast as A takes them) and
// takes them from B in one thread; prints "received=N lost=N first_ns=T last_ns=T".
int peer_blast_sink(const std::string& socket_a, const std::string& socket_b, std::uint64_t frames,
                    std::int64_t pace_ns) {
    auto a = open_port("memif:client:" + socket_a);
    auto b = open_port("memif:client:" + socket_b);
    if (!a->wait_link_up(30'000'000'000) || !b->wait_link_up(30'000'000'000)) {
        std::fprintf(stderr, "bench_nic peer: links did not come up\n");
        std::printf("failed\n");
        return 1;
    }
    const TscClock clock;
    // A frame from B first, so that the switch learns where B is (the peer may flood it back
    // into A: taken and freed below).
    rte_mbuf* hello = b->alloc();
    const std::uint8_t broadcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    write_bench_frame(hello, kMacB, broadcast, UINT64_MAX);
    while (b->tx_burst(&hello, 1) == 0) {
    }
    const std::int64_t settle = clock.now_ns() + 50'000'000;
    rte_mbuf* rx[32];
    while (clock.now_ns() < settle) {
        rte_pktmbuf_free_bulk(rx, a->rx_burst(rx, 32));
    }

    rte_mbuf* pending[32];
    std::uint16_t pending_count = 0;
    std::uint16_t pending_at = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t next_expected = 0;
    std::uint64_t gaps = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::int64_t last_progress = clock.now_ns();
    std::int64_t next_send = clock.now_ns();
    while (received < frames) {
        std::int64_t now = clock.now_ns();
        if (pending_at == pending_count && sent < frames && now >= next_send) {
            const std::uint16_t want =
                pace_ns > 0
                    ? 1
                    : static_cast<std::uint16_t>(std::min<std::uint64_t>(32, frames - sent));
            if (a->alloc_bulk(pending, want)) {
                for (std::uint16_t i = 0; i < want; ++i) {
                    write_bench_frame(pending[i], kMacA, kMacB, sent + i);
                }
                sent += want;
                pending_count = want;
                pending_at = 0;
                next_send += pace_ns;
            }
        }
        if (pending_at < pending_count) {
            pending_at += a->tx_burst(pending + pending_at,
                                      static_cast<std::uint16_t>(pending_count - pending_at));
        }
        const std::uint16_t nb_rx = b->rx_burst(rx, 32);
        if (nb_rx > 0) {
            now = clock.now_ns();
            if (received == 0) {
                first_ns = now;
            }
            last_ns = now;
            last_progress = now;
            for (std::uint16_t i = 0; i < nb_rx; ++i) {
                const std::uint64_t seq =
                    load_be64(rte_pktmbuf_mtod(rx[i], const std::uint8_t*) + 14);
                gaps += seq != next_expected;
                next_expected = seq + 1;
            }
            received += nb_rx;
            rte_pktmbuf_free_bulk(rx, nb_rx);
        } else if (now - last_progress > kIdleNs) {
            break;
        }
        rte_pktmbuf_free_bulk(rx, a->rx_burst(rx, 32));
    }
    std::printf("received=%llu gaps=%llu first_ns=%lld last_ns=%lld\n",
                static_cast<unsigned long long>(received), static_cast<unsigned long long>(gaps),
                static_cast<long long>(first_ns), static_cast<long long>(last_ns));
    std::fflush(stdout);
    linger();
    return 0;
}

int peer_echo(const std::string& socket) {
    auto port = open_port("memif:client:" + socket);
    pingpong::Options options;
    options.idle_timeout_ns = 30'000'000'000;
    const pingpong::Result result = pingpong::run_echo(*port, options);
    std::printf("%s\n", result.ok ? "done" : "failed");
    std::fflush(stdout);
    linger();
    return result.ok ? 0 : 1;
}

// The emulator and an echo in one thread: memif (to the pinging bench) -- emulator -- ring --
// echo. Ends when the pinger says STOP (the echo sees it) or after a long idle time.
int peer_nic_echo(const std::string& socket) {
    auto memif = open_port("memif:client:" + socket);
    auto nic_end = open_port("ring:nicecho");
    auto echo_end = open_port("ring:nicecho");
    nic::EmulatorConfig config;
    config.ports.resize(2);
    config.ports[0].name = "pinger";
    config.ports[1].name = "echo";
    const TscClock clock;
    std::vector<EthPort*> ports = {memif.get(), nic_end.get()};
    nic::Emulator<EthPort, TscClock> emulator(config, ports, clock);
    rte_mbuf* burst[32];
    std::int64_t last_progress = clock.now_ns();
    bool stop = false;
    bool busy = false;
    std::uint32_t passes = 0;
    while (!stop) {
        const std::uint32_t work = emulator.poll();
        const std::uint16_t nb_rx = echo_end->rx_burst(burst, 32);
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            pingpong::FrameView view{};
            if (pingpong::check_frame(burst[i], view) && view.kind == pingpong::Kind::kStop) {
                stop = true;
            }
        }
        std::uint16_t done = 0;
        while (done < nb_rx) {
            done += echo_end->tx_burst(burst + done, static_cast<std::uint16_t>(nb_rx - done));
        }
        busy = busy || work + nb_rx > 0;
        if ((++passes & 0xFFFF) == 0) {
            const std::int64_t now = clock.now_ns();
            if (busy) {
                last_progress = now;
                busy = false;
            } else if (now - last_progress > 60'000'000'000) {
                return 1;
            }
        }
    }
    // Let the STOP acknowledgement through, and keep forwarding until the pinger, done,
    // says to go.
    const std::int64_t end = clock.now_ns() + kLingerNs;
    while (!stop_requested() && clock.now_ns() < end) {
        (void)emulator.poll();
        const std::uint16_t nb_rx = echo_end->rx_burst(burst, 32);
        std::uint16_t done = 0;
        while (done < nb_rx) {
            done += echo_end->tx_burst(burst + done, static_cast<std::uint16_t>(nb_rx - done));
        }
    }
    return 0;
}

// bench_nic --peer MODE CPU ARGS...
int run_peer(int argc, char** argv) {
    const std::string mode = argv[2];
    install_stop_handler();
    try {
        Eal eal(EalOptions{.args = {"-l", argv[3]}, .program = "bench_nic-peer"});
        if (mode == "blast-sink" && argc == 8) {
            return peer_blast_sink(argv[4], argv[5], std::strtoull(argv[6], nullptr, 10),
                                   std::strtoll(argv[7], nullptr, 10));
        }
        if (mode == "echo" && argc == 5) {
            return peer_echo(argv[4]);
        }
        if (mode == "nic-echo" && argc == 5) {
            return peer_nic_echo(argv[4]);
        }
        std::fprintf(stderr, "bench_nic peer: bad arguments\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_nic peer: %s\n", e.what());
        return 1;
    }
}

// ---- this side's wires ---------------------------------------------------------------------

// Frames in the pools of the forwarding servers: the rings, and every delay line of a two-port
// emulator (held_frames_bound; the same for every configuration used here).
std::uint32_t forwarding_pool_size() {
    nic::EmulatorConfig config;
    config.ports.resize(2);
    return static_cast<std::uint32_t>(3 * 1024 + nic::held_frames_bound(config));
}

// The memif servers of this process, opened once: A and B for the forwarding benchmarks, P for
// the round trips. Peers come and go; the servers stay until the process ends.
struct Wires {
    tb::test::TempDir dir;
    std::unique_ptr<EthPort> a =
        open_port("memif:server:" + dir.file("a.sock"), forwarding_pool_size());
    std::unique_ptr<EthPort> b =
        open_port("memif:server:" + dir.file("b.sock"), forwarding_pool_size());
    std::unique_ptr<EthPort> p = open_port("memif:server:" + dir.file("p.sock"));
};
Wires* g_wires = nullptr;

// A peer process on this side's wires: started, then (once this side has stopped polling)
// told to go, and waited for until its ports are down on this side too.
class Peer {
public:
    Peer(const std::vector<std::string>& arguments, std::vector<EthPort*> ports)
        : ports_(std::move(ports)),
          name_("peer" + std::to_string(next_id_++)),
          process_(arguments, g_wires->dir.file(name_ + ".out"),
                   g_wires->dir.file(name_ + ".err")) {}
    ~Peer() { (void)finish(); }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    // True when the links of all its ports are up within 30 s.
    [[nodiscard]] bool connected() const {
        for (const EthPort* port : ports_) {
            if (!port->wait_link_up(30'000'000'000)) {
                return false;
            }
        }
        return true;
    }
    // The peer wrote its closing line (then it only waits to be told to go), or it ended.
    [[nodiscard]] bool done() {
        return output().find('\n') != std::string::npos || !process_.running();
    }
    [[nodiscard]] std::string output() const {
        return tb::test::read_file(g_wires->dir.file(name_ + ".out"));
    }
    [[nodiscard]] std::string errors() const {
        return tb::test::read_file(g_wires->dir.file(name_ + ".err"));
    }
    // Tells the peer to go and waits until it has and this side's links saw it. Call only when
    // this side no longer polls the peer's wires. True when the peer exited with status 0.
    bool finish() {
        if (finished_) {
            return status_ == 0;
        }
        finished_ = true;
        process_.kill(SIGTERM);
        const auto status = process_.wait_for(30s);
        status_ = status.value_or(-1);
        const TscClock clock;
        const std::int64_t end = clock.now_ns() + 10'000'000'000;
        for (const EthPort* port : ports_) {
            while (port->link_up() && clock.now_ns() < end) {
                const timespec pause{0, 1'000'000};
                nanosleep(&pause, nullptr);
            }
        }
        return status_ == 0;
    }

private:
    static inline int next_id_ = 0;
    std::vector<EthPort*> ports_;
    std::string name_;
    tb::test::Process process_;
    bool finished_ = false;
    int status_ = -1;
};

// ---- forwarding ----------------------------------------------------------------------------

struct PeerReport {
    std::uint64_t received = 0;
    std::uint64_t gaps = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
};

bool parse_report(const std::string& text, PeerReport& r) {
    unsigned long long received = 0;
    unsigned long long gaps = 0;
    long long first = 0;
    long long last = 0;
    if (std::sscanf(text.c_str(), "received=%llu gaps=%llu first_ns=%lld last_ns=%lld", &received,
                    &gaps, &first, &last) != 4) {
        return false;
    }
    r = PeerReport{received, gaps, first, last};
    return true;
}

// A blast-sink peer on A and B; `forward` runs this side's loop on A and B until the peer is
// done (it is given a function that says so; check it now and then, it reads a file).
template <class Forward>
std::string forward_run(std::uint64_t frames, std::int64_t pace_ns, PeerReport& report,
                        Forward&& forward) {
    EthPort& a = *g_wires->a;
    EthPort& b = *g_wires->b;
    Peer peer(
        {g_self, "--peer", "blast-sink", std::to_string(g_peer_cpu), g_wires->dir.file("a.sock"),
         g_wires->dir.file("b.sock"), std::to_string(frames), std::to_string(pace_ns)},
        {&a, &b});
    if (!peer.connected()) {
        return "the peer never connected: " + peer.errors();
    }
    forward(a, b, [&peer] { return peer.done(); });
    const std::string output = peer.output();
    if (!peer.finish() || !parse_report(output, report)) {
        return "peer failed: " + output + peer.errors();
    }
    return {};
}

void report_forwarding(benchmark::State& state, const PeerReport& report, std::uint64_t frames) {
    const double seconds = static_cast<double>(report.last_ns - report.first_ns) * 1e-9;
    state.SetIterationTime(seconds > 0 ? seconds : 1e-9);
    state.SetItemsProcessed(static_cast<std::int64_t>(report.received));
    state.counters["Mpps"] =
        seconds > 0 ? static_cast<double>(report.received) / seconds * 1e-6 : 0;
    state.counters["received"] = static_cast<double>(report.received);
    state.counters["lost"] = static_cast<double>(frames - report.received);
    state.counters["gaps"] = static_cast<double>(report.gaps);
}

// Polls the emulator until the peer is done; the check reads a file, so only every 65536
// passes (a few milliseconds when idle).
template <class Done>
void poll_until(nic::Emulator<EthPort, TscClock>& emulator, Done& done) {
    std::uint32_t passes = 0;
    for (;;) {
        (void)emulator.poll();
        if ((++passes & 0xFFFF) == 0 && done()) {
            return;
        }
    }
}

void BM_NicForward(benchmark::State& state) {
    PeerReport report;
    for (auto _ : state) {
        nic::EmulatorConfig config;
        config.ports.resize(2);
        // The peer shares a loaded machine: keep frames it is too late to take rather than
        // count its pauses as forwarding losses.
        config.tx_timeout_ns = 1'000'000'000;
        const TscClock clock;
        std::uint64_t dropped = 0;
        const std::string error =
            forward_run(kForwardFrames, 0, report, [&](EthPort& a, EthPort& b, auto done) {
                std::vector<EthPort*> ports = {&a, &b};
                nic::Emulator<EthPort, TscClock> emulator(config, ports, clock);
                poll_until(emulator, done);
                dropped = emulator.port_counters(1).tx_dropped;
            });
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
        report_forwarding(state, report, kForwardFrames);
        state.counters["fwd_dropped"] = static_cast<double>(dropped);
    }
}
BENCHMARK(BM_NicForward)->Arg(64)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_PlainForward(benchmark::State& state) {
    PeerReport report;
    for (auto _ : state) {
        const std::string error =
            forward_run(kForwardFrames, 0, report, [&](EthPort& a, EthPort& b, auto done) {
                rte_mbuf* burst[32];
                std::uint32_t passes = 0;
                for (;;) {
                    const std::uint16_t nb_rx = a.rx_burst(burst, 32);
                    std::uint16_t done_tx = 0;
                    while (done_tx < nb_rx) {
                        done_tx += b.tx_burst(burst + done_tx,
                                              static_cast<std::uint16_t>(nb_rx - done_tx));
                    }
                    rte_pktmbuf_free_bulk(burst, b.rx_burst(burst, 32));
                    if ((++passes & 0xFFFF) == 0 && done()) {
                        break;
                    }
                }
            });
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
        report_forwarding(state, report, kForwardFrames);
    }
}
BENCHMARK(BM_PlainForward)->Arg(64)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_NicDeliveryError(benchmark::State& state) {
    PeerReport report;
    Histogram error_ns;
    for (auto _ : state) {
        nic::EmulatorConfig config;
        config.ports.resize(2);
        config.ports[1].out = nic::parse_link("latency=10us");
        config.tx_timeout_ns = 1'000'000'000;
        const TscClock clock;
        const std::string error =
            forward_run(kPacedFrames, 1'000, report, [&](EthPort& a, EthPort& b, auto done) {
                std::vector<EthPort*> ports = {&a, &b};
                nic::Emulator<EthPort, TscClock> emulator(config, ports, clock);
                poll_until(emulator, done);
                error_ns = emulator.delivery_error();
            });
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
        report_forwarding(state, report, kPacedFrames);
    }
    state.counters["err_p50_ns"] = static_cast<double>(error_ns.value_at_percentile(50));
    state.counters["err_p99_ns"] = static_cast<double>(error_ns.value_at_percentile(99));
    state.counters["err_p99.9_ns"] = static_cast<double>(error_ns.value_at_percentile(99.9));
    state.counters["err_max_ns"] = static_cast<double>(error_ns.max());
}
BENCHMARK(BM_NicDeliveryError)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ---- latency ---------------------------------------------------------------------------------

// Pings a peer in `mode` (echo or nic-echo) over P; fills rtt_ns.
std::string ping_run(const char* mode, Histogram& rtt_ns) {
    EthPort& port = *g_wires->p;
    Peer peer({g_self, "--peer", mode, std::to_string(g_peer_cpu), g_wires->dir.file("p.sock")},
              {&port});
    if (!peer.connected()) {
        return std::string("the ") + mode + " peer never connected: " + peer.errors();
    }
    pingpong::Options options;
    options.frames = kRoundTrips;
    options.warmup = 10'000;
    const pingpong::Result result = pingpong::run_ping(port, options, rtt_ns);
    if (!result.ok) {
        return mode + std::string(": ") + result.error;
    }
    if (!peer.finish()) {
        return mode + std::string(" peer failed: ") + peer.errors();
    }
    return {};
}

void BM_NicAddedLatency(benchmark::State& state) {
    Histogram raw;
    Histogram through;
    for (auto _ : state) {
        const auto start = std::chrono::steady_clock::now();
        std::string error = ping_run("echo", raw);
        if (error.empty()) {
            error = ping_run("nic-echo", through);
        }
        if (!error.empty()) {
            state.SkipWithError(error.c_str());
            return;
        }
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        state.SetIterationTime(elapsed.count());
    }
    const auto p = [](const Histogram& h, double q) {
        return static_cast<double>(h.value_at_percentile(q));
    };
    state.counters["raw_p50_ns"] = p(raw, 50);
    state.counters["nic_p50_ns"] = p(through, 50);
    state.counters["added_p50_ns"] = p(through, 50) - p(raw, 50);
    state.counters["raw_p99_ns"] = p(raw, 99);
    state.counters["nic_p99_ns"] = p(through, 99);
    state.counters["added_p99_ns"] = p(through, 99) - p(raw, 99);
}
BENCHMARK(BM_NicAddedLatency)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ---- in-process ------------------------------------------------------------------------------

void BM_LinkModel(benchmark::State& state) {
    nic::LinkModel link(nic::parse_link("latency=2us,jitter=normal:100ns,loss=ge:1%,25%,dup=1%,"
                                        "reorder=1%:5us,corrupt=0.1%,rate=10gbit,queue=100000"),
                        Rng(1), "bench", 0);
    nic::test::Bytes frame = nic::test::udp_frame(1);
    std::int64_t t = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            link.on_frame(t += 100, frame, static_cast<std::uint32_t>(frame.size())));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LinkModel);

void BM_EmulatorInProcess(benchmark::State& state) {
    nic::test::Pool pool_a;
    nic::test::Pool pool_b;
    nic::test::SimPort a(pool_a.get(), 64);
    nic::test::SimPort b(pool_b.get(), 64);
    nic::EmulatorConfig config;
    config.ports.resize(2);
    const TscClock clock;
    std::vector<nic::test::SimPort*> ports = {&a, &b};
    nic::Emulator<nic::test::SimPort, TscClock> emulator(config, ports, clock);
    const nic::test::Bytes hello =
        nic::test::raw_frame(0, 64, nic::test::kClientMac, nic::test::kExchangeMac);
    b.send(hello);  // the switch learns where the client is
    (void)emulator.poll();
    (void)a.discard();
    const nic::test::Bytes frame = nic::test::raw_frame(1, 64);
    // Each iteration: 32 frames into the port double, one pass, the 32 frames freed on the
    // far side (the doubles' cost, an mbuf alloc, copy and free per frame, is included).
    for (auto _ : state) {
        for (int i = 0; i < 32; ++i) {
            a.send(frame);
        }
        benchmark::DoNotOptimize(emulator.poll());
        benchmark::DoNotOptimize(b.discard());
    }
    state.SetItemsProcessed(state.iterations() * 32);
}
BENCHMARK(BM_EmulatorInProcess)->Arg(64);

// Ends the process without closing the memif servers: DPDK 22.11's memif driver frees a server's
// listening socket without taking its callback out of EAL's interrupt thread, which then reads
// freed memory. The kernel closes the sockets; the next tickbench process removes this one's
// EAL runtime files.
[[noreturn]] void leave(int status) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}

}  // namespace

int main(int argc, char** argv) {
    g_self = argv[0];
    if (argc >= 4 && std::strcmp(argv[1], "--peer") == 0) {
        return run_peer(argc, argv);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 2;
    }
    std::tie(g_bench_cpu, g_peer_cpu) = tb::test::two_cpus();
    try {
        Eal eal(EalOptions{.args = {"-l", std::to_string(g_bench_cpu)}, .program = "bench_nic"});
        g_wires = new Wires;  // never closed: see leave()
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
        // The servers' socket files and the peers' logs go; the servers stay open to the end.
        std::error_code ignored;
        std::filesystem::remove_all(g_wires->dir.path(), ignored);
        leave(0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_nic: %s\n", e.what());
        if (g_wires != nullptr) {
            std::error_code ignored;
            std::filesystem::remove_all(g_wires->dir.path(), ignored);
        }
        leave(1);
    }
}
