// bench_exchange: the exchange core without a transport (phase 1 of issue 7).
//
//  1. BM_FeedPublishing: background flow on eight symbols (2 million inputs per second of
//     virtual time, for one second) through the engine and the market-data publisher (ITCH 5.0
//     encoding, MoldUDP64 packing to a 1500-byte MTU, the message store and the output digest),
//     with a logged-in client session, into a transport that only counts. Reported:
//     items_per_second = ITCH messages published per second of wall time (the issue asks for at
//     least 1 million on the feed), and the packets per second.
//  2. BM_OrderRoundTrip: one client's OUCH Enter Order bytes handed to the exchange
//     (tcp_received) until the Accepted's bytes are handed to the transport (the end of the
//     poll() that follows), with background flow running in between (its work for the pass is
//     done by an untimed poll() first); the order rests, and the next iteration cancels it, so
//     the book stays the same size. Reported: p50/p99/p99.9 in nanoseconds
//     (TSC) and items_per_second (round trips per second).
//
// The virtual clock advances 50 us per pass in both, as a busy loop at that pass rate would.
//
// Run: build-rel/bench/bench_exchange --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/histogram.hpp"
#include "exchange_sim/exchange.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace tb::exchange {
namespace {

namespace soup = tb::proto::soup;
namespace wire = tb::proto::ouch;

struct CountingTransport {
    std::size_t tcp_bytes = 0;
    std::size_t feed_packets = 0;
    std::size_t tcp_send(ConnectionId, std::span<const std::uint8_t> bytes) noexcept {
        tcp_bytes += bytes.size();
        return bytes.size();
    }
    void tcp_close(ConnectionId) noexcept {}
    void feed_send(FeedLine, std::span<const std::uint8_t>, const FeedPacketInfo&) noexcept {
        ++feed_packets;
    }
    void unicast_send(const UdpEndpoint&, std::span<const std::uint8_t>) noexcept {}
    void apply_link(const LinkSetting&) noexcept {}
};

Scenario bench_scenario(double rate_per_symbol) {
    std::string yaml = R"(name: bench
seed: 1
session: {date: 2024-01-02}
symbols:
)";
    const char* stocks[] = {"AAAA", "BBBB", "CCCC", "DDDD", "EEEE", "FFFF", "GGGG", "HHHH"};
    for (const char* stock : stocks) {
        yaml += std::string("  - {stock: ") + stock + ", reference: 100.00, band: 10.00}\n";
    }
    yaml += R"(users:
  - {username: CLIENT, password: pw, participant: 1, firm: CLNT}
order_entry: {store_initial_bytes: 268435456, store_max_bytes: 1073741824}
limits: {max_orders: 1048576, max_tokens: 8388608, inputs_per_pass: 4096}
background:
  participants: 8
  max_live_orders: 20000
  symbols:
)";
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", rate_per_symbol);
    for (const char* stock : stocks) {
        yaml += std::string("    - {stock: ") + stock + ", rate: " + rate + "}\n";
    }
    return parse_scenario(yaml, "bench.yaml");
}

ConnectionId login(Exchange<CountingTransport>& exchange, std::int64_t now) {
    const ConnectionId id = exchange.tcp_accepted(now);
    soup::LoginRequest request;
    request.username = proto::Alpha<6>::left("CLIENT");
    request.password = proto::Alpha<10>::left("pw");
    request.requested_session = proto::Alpha<10>::left("");
    request.requested_sequence_number = 1;
    std::uint8_t bytes[64];
    exchange.tcp_received(
        id, std::span<const std::uint8_t>(bytes, soup::write_login_request(request, bytes)), now);
    (void)exchange.poll(now);
    return id;
}

constexpr std::int64_t kPassNs = 50'000;

void BM_FeedPublishing(benchmark::State& state) {
    const Scenario scenario = bench_scenario(250'000.0);
    CountingTransport transport;
    auto exchange = std::make_unique<Exchange<CountingTransport>>(scenario, transport);
    std::int64_t now = 1'000'000'000;
    exchange->start(now);
    const ConnectionId id = login(*exchange, now);
    std::uint8_t heartbeat[3];
    (void)soup::write_empty(soup::PacketType::kClientHeartbeat, heartbeat);
    // Warm-up: 100 ms of flow builds the books.
    for (int i = 0; i < 2000; ++i) {
        now += kPassNs;
        (void)exchange->poll(now);
    }
    const std::uint64_t itch_before = exchange->counters().itch_out;
    const std::size_t packets_before = transport.feed_packets;
    std::uint64_t passes = 0;
    for (auto _ : state) {
        now += kPassNs;
        (void)exchange->poll(now);
        if (++passes % 20'000 == 0) {
            exchange->tcp_received(id, heartbeat, now);
        }
    }
    const auto messages = static_cast<std::int64_t>(exchange->counters().itch_out - itch_before);
    state.SetItemsProcessed(messages);
    state.counters["packets_per_s"] =
        benchmark::Counter(static_cast<double>((transport.feed_packets - packets_before) / 2),
                           benchmark::Counter::kIsRate);
    state.counters["messages_per_pass"] =
        static_cast<double>(messages) / static_cast<double>(std::max<std::uint64_t>(passes, 1));
    state.counters["virtual_s"] = static_cast<double>(passes) * kPassNs / 1e9;
    state.counters["session_messages"] =
        static_cast<double>(exchange->gateway().session_counters(0).sequenced_out);
    state.counters["engine_rejects"] =
        static_cast<double>(exchange->engine().counters().orders_rejected);
}

void BM_OrderRoundTrip(benchmark::State& state) {
    const Scenario scenario = bench_scenario(12'500.0);  // 100,000 inputs per second in all
    CountingTransport transport;
    auto exchange = std::make_unique<Exchange<CountingTransport>>(scenario, transport);
    std::int64_t now = 1'000'000'000;
    exchange->start(now);
    const ConnectionId id = login(*exchange, now);
    for (int i = 0; i < 2000; ++i) {
        now += kPassNs;
        (void)exchange->poll(now);
    }
    wire::EnterOrder enter;
    enter.side = wire::Side::kBuy;
    enter.shares = 100;
    enter.stock = proto::Alpha<8>::left("AAAA");
    enter.price = 950'000;  // $95.00: rests below the flow's prices
    enter.firm = proto::Alpha<4>::left("");
    enter.display = wire::Display::kAnonymous;
    wire::CancelOrder cancel;
    std::uint8_t enter_bytes[64];
    std::uint8_t cancel_bytes[64];
    core::TscClock tsc;
    core::Histogram ticks(1'000'000'000);
    std::uint64_t n = 0;
    for (auto _ : state) {
        char token[24];
        std::snprintf(token, sizeof token, "RT%012llu", static_cast<unsigned long long>(n++));
        enter.order_token = proto::Alpha<14>::left(token);
        const std::size_t size =
            soup::write_message(soup::PacketType::kUnsequencedData, enter, enter_bytes);
        now += kPassNs;
        (void)exchange->poll(now);  // the pass's background work, untimed
        const std::size_t tcp_before = transport.tcp_bytes;
        const std::uint64_t t0 = core::TscClock::read_tsc();
        exchange->tcp_received(id, std::span<const std::uint8_t>(enter_bytes, size), now);
        (void)exchange->poll(now);
        const std::uint64_t t1 = core::TscClock::read_tsc();
        benchmark::DoNotOptimize(transport.tcp_bytes);
        if (transport.tcp_bytes == tcp_before) {
            state.SkipWithError("no Accepted sent");
            break;
        }
        ticks.record(static_cast<std::int64_t>(t1 - t0));
        cancel.order_token = enter.order_token;
        cancel.shares = 0;
        exchange->tcp_received(
            id,
            std::span<const std::uint8_t>(
                cancel_bytes,
                soup::write_message(soup::PacketType::kUnsequencedData, cancel, cancel_bytes)),
            now);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
    const double ns_per_tick = 1e9 / tsc.tsc_hz();
    auto ns = [&](double p) {
        return static_cast<double>(ticks.value_at_percentile(p)) * ns_per_tick;
    };
    state.counters["p50_ns"] = ns(50.0);
    state.counters["p99_ns"] = ns(99.0);
    state.counters["p99.9_ns"] = ns(99.9);
}

BENCHMARK(BM_FeedPublishing)->Iterations(20'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OrderRoundTrip)->Iterations(100'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tb::exchange

BENCHMARK_MAIN();
