// Sim mode as DESIGN.md describes it: exchange, emulator and client in one thread on a
// VirtualClock, joined by DPDK net_ring ports (core::EthPort ring:NAME), the world moving to the
// next event whenever every component is idle. The emulator plugs into real DPDK ports here,
// and virtual time is exact end to end: feed latency and tick-to-trade are what the scenario
// says to the nanosecond, and a second run with the same seed is identical.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using namespace tb::nic;
using tb::core::EthPort;
using tb::core::EthPortConfig;
using tb::core::VirtualClock;
using test::Bytes;

constexpr std::int64_t kFeedSpacingNs = 5'000;
constexpr std::int64_t kReactionNs = 1'750;
constexpr std::uint64_t kPackets = 2'000;

std::unique_ptr<EthPort> ring_port(const std::string& name) {
    EthPortConfig config;
    config.spec = "ring:" + name;
    return std::make_unique<EthPort>(config);
}

void send(EthPort& port, const Bytes& bytes) {
    rte_mbuf* m = port.alloc();
    ASSERT_NE(m, nullptr);
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(bytes.size())), bytes.data(),
                bytes.size());
    ASSERT_EQ(port.tx_burst(&m, 1), 1);
}

struct SimResult {
    std::vector<std::pair<std::int64_t, std::uint64_t>> client_feed;  // (time, first sequence)
    std::vector<TapRecord> tap;
    std::uint64_t exchange_orders = 0;
    Bytes capture;
};

// One sim-mode run: the exchange publishes kPackets MoldUDP64 packets; the client answers every
// trigger with an order kReactionNs after the packet reached it.
SimResult run_sim(std::uint64_t seed, const std::string& capture_path) {
    static std::atomic<int> run_id{0};
    const std::string wire = "sim" + std::to_string(run_id++);
    SimResult result;
    VirtualClock clock;
    auto exchange = ring_port(wire + "x");
    auto nic_exchange = ring_port(wire + "x");
    auto nic_client = ring_port(wire + "c");
    auto client = ring_port(wire + "c");

    EmulatorConfig config;
    config.seed = seed;
    config.ports.resize(2);
    config.ports[0].name = "exchange";
    config.ports[1].name = "client";
    config.ports[1].out = parse_link("latency=800ns,jitter=normal:40ns,loss=1%");
    config.ports[1].in = parse_link("latency=300ns");
    config.tap.enabled = true;
    config.tap.client_port = 1;
    for (std::uint64_t s = 3; s <= kPackets; s += 17) {
        config.tap.triggers.push_back(s);
    }
    config.capture_path = capture_path;
    config.epoch_ns = 1'700'000'000'000'000'000;
    std::vector<EthPort*> ports = {nic_exchange.get(), nic_client.get()};
    {
        Emulator<EthPort, VirtualClock> emulator(config, ports, clock);
        const TickToTradeTap& tap = emulator.tap();
        std::multimap<std::int64_t, Bytes> client_sends;
        rte_mbuf* burst[32];
        std::uint64_t next_packet = 1;
        for (;;) {
            // Every component works until all are idle at this time.
            bool busy = true;
            while (busy) {
                busy = false;
                if (next_packet <= kPackets &&
                    static_cast<std::int64_t>(next_packet) * kFeedSpacingNs == clock.now_ns()) {
                    send(*exchange, test::mold_frame(next_packet++, 1));
                    busy = true;
                }
                busy = emulator.poll() > 0 || busy;
                const std::uint16_t got = client->rx_burst(burst, 32);
                for (std::uint16_t i = 0; i < got; ++i) {
                    const std::span<const std::uint8_t> frame(
                        rte_pktmbuf_mtod(burst[i], const std::uint8_t*), burst[i]->data_len);
                    const TriggerHit hit = tap.feed_frame(frame);
                    result.client_feed.emplace_back(clock.now_ns(),
                                                    tb::core::load_be64(frame.data() + 52));
                    if (hit.count != 0) {
                        client_sends.emplace(clock.now_ns() + kReactionNs,
                                             test::tcp_frame(hit.first));
                    }
                }
                rte_pktmbuf_free_bulk(burst, got);
                busy = busy || got > 0;
                for (auto it = client_sends.begin();
                     it != client_sends.end() && it->first == clock.now_ns();) {
                    send(*client, it->second);
                    it = client_sends.erase(it);
                    busy = true;
                }
                const std::uint16_t orders = exchange->rx_burst(burst, 32);
                result.exchange_orders += orders;
                rte_pktmbuf_free_bulk(burst, orders);
                busy = busy || orders > 0;
            }
            // Idle: the world moves to the earliest next event of any component.
            std::int64_t next = emulator.next_event_ns();
            if (next_packet <= kPackets) {
                next = std::min(next, static_cast<std::int64_t>(next_packet) * kFeedSpacingNs);
            }
            if (!client_sends.empty()) {
                next = std::min(next, client_sends.begin()->first);
            }
            if (next == INT64_MAX) {
                break;
            }
            clock.set(next);
        }
        result.tap = tap.records();
        emulator.finish();
    }
    std::ifstream in(capture_path, std::ios::binary);
    result.capture.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return result;
}

TEST(SimRing, VirtualTimeIsExactEndToEndOverRingPorts) {
    tb::test::TempDir dir;
    const SimResult r = run_sim(9, dir.file("a.pcapng"));
    // 1% loss: SE = sqrt(2000 * 0.01 * 0.99) = 4.4 packets, 5 SE = 22.
    EXPECT_NEAR(static_cast<double>(r.client_feed.size()), kPackets * 0.99, 22.0);
    // Each packet reaches the client 800 ns + its jitter sample after it was sent.
    tb::core::Rng replica = tb::core::Rng(9).fork("port1/out/jitter");
    tb::core::Rng loss = tb::core::Rng(9).fork("port1/out/loss");
    const JitterSampler jitter(parse_link("jitter=normal:40ns").jitter);
    const tb::core::Bernoulli lost(0.01);
    std::size_t k = 0;
    for (std::uint64_t seq = 1; seq <= kPackets; ++seq) {
        if (lost(loss)) {
            continue;  // dropped before the jitter stage draws
        }
        ASSERT_LT(k, r.client_feed.size());
        EXPECT_EQ(r.client_feed[k].second, seq);
        EXPECT_EQ(r.client_feed[k].first,
                  static_cast<std::int64_t>(seq) * kFeedSpacingNs + 800 + jitter(replica));
        ++k;
    }
    EXPECT_EQ(k, r.client_feed.size());
    // Tick-to-trade is the client's reaction time exactly, for every trigger that arrived.
    std::size_t answered = 0;
    for (const TapRecord& record : r.tap) {
        if (record.t_md_ns < 0) {
            continue;  // its packet was lost
        }
        EXPECT_EQ(record.t_ord_ns - record.t_md_ns, kReactionNs) << record.sequence;
        ++answered;
    }
    EXPECT_GT(answered, 100u);
    EXPECT_EQ(r.exchange_orders, answered);
}

TEST(SimRing, SameSeedSameRunDifferentSeedDifferentRun) {
    tb::test::TempDir dir;
    const SimResult a = run_sim(21, dir.file("a.pcapng"));
    const SimResult b = run_sim(21, dir.file("b.pcapng"));
    const SimResult c = run_sim(22, dir.file("c.pcapng"));
    EXPECT_EQ(a.client_feed, b.client_feed);
    EXPECT_TRUE(a.capture == b.capture);
    EXPECT_GT(a.capture.size(), 100'000u);
    EXPECT_NE(a.client_feed, c.client_feed);
    EXPECT_FALSE(a.capture == c.capture);
}

}  // namespace
