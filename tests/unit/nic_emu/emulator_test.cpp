// The emulator (nic_emu/emulator.hpp) in virtual time, with port doubles: exact timing, the
// event interface sim mode uses, determinism of captures, the switch inside it, copies, refused
// frames, trailers and the tick-to-trade tap.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"
#include "proto/capture.hpp"
#include "proto/frame.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"
#include "tests/unit/nic_emu/sim_port.hpp"

namespace {

using namespace tb::nic;
using tb::core::VirtualClock;
using test::Bytes;
using test::Pool;
using test::SimPort;

using Emu = Emulator<SimPort, VirtualClock>;

constexpr std::int64_t kEpochNs = 1'700'000'000'000'000'000;  // 2023-11-14, for the trailers

// N ports with a pool each, an emulator over them, and the world loop.
struct Bench {
    explicit Bench(EmulatorConfig config_, std::int64_t start_ns = 0)
        : config(std::move(config_)), clock(start_ns) {
        for (std::size_t i = 0; i < config.ports.size(); ++i) {
            pools.push_back(std::make_unique<Pool>());
            ports.push_back(std::make_unique<SimPort>(pools.back()->get()));
            raw.push_back(ports.back().get());
        }
        emulator = std::make_unique<Emu>(config, raw, clock);
        world = std::make_unique<test::World<Emu>>(clock, *emulator);
    }
    ~Bench() {
        emulator.reset();
        ports.clear();
    }

    EmulatorConfig config;
    VirtualClock clock;
    std::vector<std::unique_ptr<Pool>> pools;
    std::vector<std::unique_ptr<SimPort>> ports;
    std::vector<SimPort*> raw;
    std::unique_ptr<Emu> emulator;
    std::unique_ptr<test::World<Emu>> world;
};

EmulatorConfig two_ports(const std::string& in0 = "none", const std::string& out1 = "none") {
    EmulatorConfig config;
    config.seed = 7;
    config.ports.resize(2);
    config.ports[0].in = parse_link(in0);
    config.ports[1].out = parse_link(out1);
    return config;
}

struct Delivery {
    std::int64_t time_ns;
    Bytes frame;
};

// Sends frames from port `from`, one every spacing_ns from t = 0, and collects what port `to`
// receives, with the virtual time of each hand-over.
std::vector<Delivery> stream(Bench& bench, std::size_t count, std::int64_t spacing_ns,
                             std::size_t from = 0, std::size_t to = 1,
                             std::int64_t drain_ns = 10'000'000) {
    std::vector<Delivery> out;
    const auto collect = [&](std::int64_t now) {
        for (Bytes& frame : bench.ports[to]->take()) {
            out.push_back({now, std::move(frame)});
        }
    };
    for (std::size_t i = 0; i < count; ++i) {
        const std::int64_t t = static_cast<std::int64_t>(i) * spacing_ns;
        bench.world->run_until(t, collect);
        bench.ports[from]->send(test::udp_frame(i));
    }
    bench.world->run_until(bench.clock.now_ns() + drain_ns, collect);
    return out;
}

TEST(Emulator, HandsOverEachFrameAtArrivalPlusLatencyPlusItsJitterSample) {
    Bench bench(two_ports("none", "latency=2us,jitter=normal:100ns"));
    constexpr std::size_t kFrames = 100'000;
    const auto deliveries = stream(bench, kFrames, 10'000);
    ASSERT_EQ(deliveries.size(), kFrames);
    tb::core::Rng replica = tb::core::Rng(7).fork("port1/out/jitter");
    const JitterSampler sampler(parse_link("jitter=normal:100ns").jitter);
    for (std::size_t i = 0; i < kFrames; ++i) {
        ASSERT_EQ(test::sequence_of(deliveries[i].frame), i);
        const std::int64_t arrival = static_cast<std::int64_t>(i) * 10'000;
        ASSERT_EQ(deliveries[i].time_ns - arrival, 2000 + sampler(replica)) << i;
    }
    // Virtual time: every hand-over exactly on time.
    EXPECT_EQ(bench.emulator->delivery_error().max(), 0);
    EXPECT_EQ(bench.emulator->port_counters(1).tx_frames, kFrames);
}

TEST(Emulator, InAndOutLinksAddUp) {
    EmulatorConfig config = two_ports("latency=700ns", "latency=1300ns");
    Bench bench(config);
    const auto deliveries = stream(bench, 100, 5'000);
    ASSERT_EQ(deliveries.size(), 100u);
    for (std::size_t i = 0; i < deliveries.size(); ++i) {
        EXPECT_EQ(deliveries[i].time_ns, static_cast<std::int64_t>(i) * 5'000 + 2'000);
    }
}

TEST(Emulator, NextEventIsTheEarliestHeldFrameAndPollDoesOnlyWhatIsDue) {
    Bench bench(two_ports("none", "latency=5us"));
    EXPECT_EQ(bench.emulator->next_event_ns(), INT64_MAX);
    bench.clock.set(100);
    bench.ports[0]->send(test::udp_frame(1));
    EXPECT_EQ(bench.emulator->poll(), 1u);
    EXPECT_EQ(bench.emulator->next_event_ns(), 5'100);
    bench.clock.set(5'099);
    EXPECT_EQ(bench.emulator->poll(), 0u);
    EXPECT_TRUE(bench.ports[1]->take().empty());
    bench.clock.set(5'100);
    EXPECT_EQ(bench.emulator->poll(), 1u);
    EXPECT_EQ(bench.ports[1]->take().size(), 1u);
    EXPECT_EQ(bench.emulator->next_event_ns(), INT64_MAX);
}

TEST(Emulator, ScheduledImpairmentsCountFromTheEmulatorsStart) {
    Bench bench(two_ports("none", "down=10us+20us"), 1'000'000);
    std::vector<std::uint64_t> got;
    const auto collect = [&](std::int64_t) {
        for (const Bytes& frame : bench.ports[1]->take()) {
            got.push_back(test::sequence_of(frame));
        }
    };
    for (std::uint64_t i = 0; i < 5; ++i) {  // at 1.000, 1.010, 1.020, 1.030, 1.040 ms
        bench.world->run_until(1'000'000 + static_cast<std::int64_t>(i) * 10'000, collect);
        bench.ports[0]->send(test::udp_frame(i));
    }
    bench.world->run_until(2'000'000, collect);
    EXPECT_EQ(got, (std::vector<std::uint64_t>{0, 3, 4}));
    EXPECT_EQ(bench.emulator->link(1, Direction::kOut).counters().down_dropped, 2u);
}

TEST(Emulator, JitterKeepsOrderAndReorderingBreaksIt) {
    const auto order_breaks = [](const std::string& link) {
        Bench bench(two_ports("none", link));
        const auto deliveries = stream(bench, 100'000, 50);
        std::size_t breaks = 0;
        for (std::size_t i = 1; i < deliveries.size(); ++i) {
            breaks +=
                test::sequence_of(deliveries[i].frame) < test::sequence_of(deliveries[i - 1].frame);
        }
        EXPECT_EQ(deliveries.size(), 100'000u) << link;
        return breaks;
    };
    EXPECT_EQ(order_breaks("latency=1us,jitter=normal:200ns"), 0u);
    // Each held-back frame is overtaken by the frames of its 2 us: about 1% of 1e5 breaks.
    // SE = sqrt(1e5 * 0.01 * 0.99) = 31.5, 5 SE = 157.
    EXPECT_NEAR(static_cast<double>(order_breaks("latency=1us,reorder=1%:2us")), 1000.0, 157.0);
}

TEST(Emulator, LossThroughTheEmulatorMatchesItsRate) {
    Bench bench(two_ports("loss=0.5%", "loss=0.5%"));
    constexpr std::size_t kFrames = 100'000;
    const auto deliveries = stream(bench, kFrames, 100);
    // Delivered with probability 0.995^2 = 0.990025: SE = sqrt(1e5 * 0.99 * 0.01) = 31.5,
    // 5 SE = 157 frames.
    EXPECT_NEAR(static_cast<double>(deliveries.size()), kFrames * 0.990025, 157.0);
    const auto& in = bench.emulator->link(0, Direction::kIn).counters();
    const auto& out = bench.emulator->link(1, Direction::kOut).counters();
    EXPECT_EQ(in.lost + out.lost + deliveries.size(), kFrames);
    EXPECT_EQ(out.frames, in.delivered);
}

TEST(Emulator, RateLimitedLinkDeliversAtTheConfiguredRate) {
    EmulatorConfig config = two_ports("none", "rate=1gbit,queue=20000");
    config.line_capacity = 16384;
    Bench bench(config);
    // 60-byte frames offered every 300 ns; 1 Gbit/s carries one per 672 ns.
    const auto deliveries = stream(bench, 10'000, 300, 0, 1, 100'000'000);
    ASSERT_EQ(deliveries.size(), 10'000u);
    for (std::size_t i = 1; i < deliveries.size(); ++i) {
        ASSERT_EQ(deliveries[i].time_ns - deliveries[i - 1].time_ns, 672);
    }
}

TEST(Emulator, DuplicatesArriveRightAfterTheOriginal) {
    Bench bench(two_ports("none", "dup=100%"));
    const auto deliveries = stream(bench, 50, 1'000);
    ASSERT_EQ(deliveries.size(), 100u);
    for (std::size_t i = 0; i < 100; ++i) {
        EXPECT_EQ(test::sequence_of(deliveries[i].frame), i / 2);
        EXPECT_EQ(deliveries[i].time_ns, static_cast<std::int64_t>(i / 2) * 1'000);
    }
}

TEST(Emulator, CopiesThatFindNoMbufAreCounted) {
    EmulatorConfig config = two_ports("none", "dup=100%");
    VirtualClock clock;
    Pool pool0;
    Pool tiny(3);  // port 1's pool: room for three copies at most
    SimPort port0(pool0.get());
    SimPort port1(tiny.get());
    std::vector<SimPort*> ports = {&port0, &port1};
    Emu emulator(config, ports, clock);
    for (int i = 0; i < 10; ++i) {
        port0.send(test::udp_frame(static_cast<std::uint64_t>(i)));
    }
    while (emulator.poll() > 0) {
    }
    EXPECT_EQ(port1.take().size(), 13u);
    EXPECT_EQ(emulator.port_counters(1).copy_failed, 7u);
}

TEST(Emulator, MulticastGoesToGroupMembersAndTheMirrorGetsACopy) {
    EmulatorConfig config;
    config.ports.resize(4);
    config.switching.groups.push_back({test::kFeedA, port_bit(1) | port_bit(2)});
    config.switching.mirror_port = 3;
    Bench bench(config);
    bench.ports[0]->send(test::mold_frame(1, 2));
    bench.ports[3]->send(test::udp_frame(9));  // the mirror port's own frames go nowhere
    bench.world->run_until(0);
    const Bytes expected = test::mold_frame(1, 2);
    EXPECT_EQ(bench.ports[1]->take(), std::vector<Bytes>{expected});
    EXPECT_EQ(bench.ports[2]->take(), std::vector<Bytes>{expected});
    EXPECT_EQ(bench.ports[3]->take(), std::vector<Bytes>{expected});
    EXPECT_TRUE(bench.ports[0]->take().empty());
    EXPECT_EQ(bench.emulator->port_counters(3).mirror_ignored, 1u);
    EXPECT_EQ(bench.emulator->network_switch().counters().multicast, 1u);
}

TEST(Emulator, RefusedFramesAreRetriedAndDroppedOnlyAfterTheTxTimeout) {
    EmulatorConfig config = two_ports("none", "latency=1us");
    config.tx_timeout_ns = 50'000;
    Bench bench(config);
    bench.ports[1]->accept(0);
    bench.ports[0]->send(test::udp_frame(1));
    bench.ports[0]->send(test::udp_frame(2));
    bench.world->run_until(1'000);
    EXPECT_EQ(bench.emulator->port_counters(1).tx_refused, 2u);
    // Blocked: the next event is the head's drop deadline.
    EXPECT_EQ(bench.emulator->next_event_ns(), 51'000);
    bench.world->run_until(20'000);
    bench.ports[1]->accept(1);  // the device drains one slot of its ring
    bench.world->run_until(20'001);
    EXPECT_EQ(bench.ports[1]->take().size(), 1u);
    bench.world->run_until(60'000);
    EXPECT_EQ(bench.emulator->port_counters(1).tx_frames, 1u);
    EXPECT_EQ(bench.emulator->port_counters(1).tx_dropped, 1u);
    EXPECT_EQ(bench.emulator->held_frames(), 0u);
    // The frame handed over late shows in the delivery error: due at 1 us, taken at 20 us.
    EXPECT_EQ(bench.emulator->delivery_error().max(), 19'000);
}

TEST(Emulator, TxTimeoutZeroDropsAtTheFirstRefusalLikeAFullNicRing) {
    EmulatorConfig config = two_ports();
    config.tx_timeout_ns = 0;
    Bench bench(config);
    bench.ports[1]->accept(1);
    for (int i = 0; i < 3; ++i) {
        bench.ports[0]->send(test::udp_frame(static_cast<std::uint64_t>(i)));
    }
    bench.world->run_until(0);
    EXPECT_EQ(bench.ports[1]->take().size(), 1u);
    EXPECT_EQ(bench.emulator->port_counters(1).tx_dropped, 2u);
    EXPECT_EQ(bench.emulator->next_event_ns(), INT64_MAX);
}

TEST(Emulator, FullDelayLinesDropAndCount) {
    EmulatorConfig config = two_ports("none", "latency=1ms");
    config.line_capacity = 4;
    Bench bench(config);
    for (int i = 0; i < 10; ++i) {
        bench.ports[0]->send(test::udp_frame(static_cast<std::uint64_t>(i)));
    }
    bench.world->run_until(2'000'000);
    EXPECT_EQ(bench.ports[1]->take().size(), 4u);
    EXPECT_EQ(bench.emulator->port_counters(1).line_full, 6u);
}

TEST(Emulator, FinishReturnsEveryHeldFrameToItsPool) {
    Bench bench(two_ports("latency=1ms", "latency=1ms,reorder=50%:1ms"));
    const unsigned before = bench.pools[0]->available();
    for (int i = 0; i < 100; ++i) {
        bench.ports[0]->send(test::udp_frame(static_cast<std::uint64_t>(i)));
    }
    bench.world->run_until(1'500'000);
    EXPECT_GT(bench.emulator->held_frames(), 0u);
    bench.emulator->finish();
    EXPECT_EQ(bench.emulator->held_frames(), 0u);
    (void)bench.ports[1]->discard();
    EXPECT_EQ(bench.pools[0]->available(), before);
}

TEST(Emulator, TrailerCarriesTheHandOverTimeAndLeavesTheFrameIntact) {
    EmulatorConfig config = two_ports("none", "latency=1us");
    config.ports[1].trailer = true;
    config.ports[1].trailer_device = 42;
    config.epoch_ns = kEpochNs;
    Bench bench(config);
    bench.world->run_until(1'000);
    const Bytes frame = test::udp_frame(5, 26477, 100);
    bench.ports[0]->send(frame);
    bench.world->run_until(10'000);
    const auto got = bench.ports[1]->take();
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].size(), frame.size() + kTrailerSize);
    EXPECT_TRUE(std::equal(frame.begin(), frame.end(), got[0].begin()));
    Trailer trailer;
    ASSERT_EQ(parse_trailer(got[0], trailer), tb::proto::Status::kOk);
    const std::int64_t handed_over = kEpochNs + 2'000;
    EXPECT_EQ(trailer.seconds, static_cast<std::uint32_t>(handed_over / 1'000'000'000));
    EXPECT_EQ(trailer.nanoseconds, static_cast<std::uint32_t>(handed_over % 1'000'000'000));
    EXPECT_EQ(trailer.device, 42);
    EXPECT_EQ(trailer.port, 1);
    EXPECT_EQ(trailer.original_fcs, __builtin_bswap32(ethernet_crc32(frame)));
    // The receiver still parses the frame: IPv4 says where it ends.
    tb::proto::ParsedFrame parsed;
    EXPECT_EQ(tb::proto::parse_frame(got[0], parsed), tb::proto::Status::kOk);
}

TEST(Emulator, TrailerOfARefusedFrameIsTakenOffBeforeTheRetry) {
    EmulatorConfig config = two_ports();
    config.ports[1].trailer = true;
    Bench bench(config);
    bench.ports[1]->accept(0);
    bench.ports[0]->send(test::udp_frame(5));
    bench.world->run_until(0);
    bench.world->run_until(100);
    bench.ports[1]->accept(1);
    bench.world->run_until(200);
    const auto got = bench.ports[1]->take();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].size(), 60 + kTrailerSize);  // one trailer, not three
}

TEST(Emulator, TapTimesTickToTradeExactly) {
    EmulatorConfig config = two_ports();
    config.ports[1].out = parse_link("latency=1us");
    config.ports[1].in = parse_link("latency=400ns");
    config.tap.enabled = true;
    config.tap.client_port = 1;
    config.tap.triggers = {10, 50};
    Bench bench(config);
    // The exchange (port 0) sends 100 packets of one message, one every 10 us; the client
    // (port 1) answers each trigger 3.5 us after it arrived, and also sends one order nobody
    // asked for. Every event falls on a multiple of 500 ns, so the test steps by that.
    std::vector<std::int64_t> answer_at;
    std::uint64_t next_order = 0;
    const auto client = [&](std::int64_t now) {
        for (const Bytes& frame : bench.ports[1]->take()) {
            if (bench.emulator->tap().feed_frame(frame).count != 0) {
                answer_at.push_back(now + 3'500);
            }
        }
    };
    for (std::int64_t t = 0; t <= 1'100'000; t += 500) {
        bench.world->run_until(t, client);
        if (t % 10'000 == 0 && t > 0 && t <= 1'000'000) {
            bench.ports[0]->send(test::mold_frame(static_cast<std::uint64_t>(t / 10'000), 1));
        }
        if (std::erase(answer_at, t) > 0) {
            bench.ports[1]->send(test::tcp_frame(next_order++));
        }
        if (t == 700'000) {
            bench.ports[1]->send(test::tcp_frame(next_order++));
        }
    }
    const TickToTradeTap& tap = bench.emulator->tap();
    ASSERT_EQ(tap.records().size(), 2u);
    for (const TapRecord& record : tap.records()) {
        // t_md: handed to the client after the 1 us link; t_ord: taken from it at once (its
        // "in" link delays the order afterwards, which the wire timestamp does not see).
        EXPECT_EQ(record.t_md_ns, static_cast<std::int64_t>(record.sequence) * 10'000 + 1'000);
        EXPECT_EQ(record.t_ord_ns - record.t_md_ns, 3'500);
    }
    EXPECT_EQ(tap.histogram().total_count(), 2);
    EXPECT_EQ(tap.counters().orders, 3u);
    EXPECT_EQ(tap.counters().orders_answering, 2u);
}

// Runs a fixed two-way exchange of frames with impairments on every link, capturing to `path`.
void impaired_run(std::uint64_t seed, const std::string& path) {
    EmulatorConfig config;
    config.seed = seed;
    config.ports.resize(2);
    config.ports[0].in = parse_link("latency=3us,jitter=normal:500ns,loss=2%,dup=2%,corrupt=1%");
    config.ports[0].out = parse_link("latency=1us,jitter=pareto:50ns:2,reorder=3%:4us");
    config.ports[1].in = parse_link("loss=ge:1%,30%,rate=1gbit,queue=8");
    config.ports[1].out = parse_link("latency=2us,jitter=lognormal:300ns:100ns,dup=1%");
    config.ports[1].trailer = true;
    config.capture_path = path;
    config.epoch_ns = kEpochNs;
    Bench bench(config);
    for (std::uint64_t i = 0; i < 5'000; ++i) {
        bench.world->run_until(static_cast<std::int64_t>(i) * 300);
        bench.ports[0]->send(test::udp_frame(i, 26477, i % 200 + 8));
        bench.ports[1]->send(test::tcp_frame(i, 15000, i % 50 + 8));
        (void)bench.ports[0]->discard();
        (void)bench.ports[1]->discard();
    }
    bench.world->run_until(10'000'000);
    bench.emulator->finish();
}

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(Emulator, SameSeedGivesByteIdenticalCaptures) {
    tb::test::TempDir dir;
    impaired_run(11, dir.file("a.pcapng"));
    impaired_run(11, dir.file("b.pcapng"));
    impaired_run(12, dir.file("c.pcapng"));
    const Bytes a = read_bytes(dir.file("a.pcapng"));
    ASSERT_GT(a.size(), 500'000u);
    EXPECT_TRUE(a == read_bytes(dir.file("b.pcapng")));
    EXPECT_FALSE(a == read_bytes(dir.file("c.pcapng")));
}

TEST(Emulator, CaptureHoldsEveryFrameInAndOutWithDirectionAndTime) {
    tb::test::TempDir dir;
    EmulatorConfig config = two_ports("none", "latency=2us,loss=50%");
    config.capture_path = dir.file("wire.pcapng");
    config.ports[0].name = "exchange";
    config.ports[1].name = "client";
    config.epoch_ns = kEpochNs;
    {
        Bench bench(config);
        const auto deliveries = stream(bench, 1'000, 10'000);
        bench.emulator->finish();
        EXPECT_EQ(bench.emulator->capture()->counters().frames, 1'000 + deliveries.size());
    }
    tb::proto::CaptureReader reader;
    ASSERT_EQ(reader.open(dir.file("wire.pcapng")), tb::proto::Status::kOk);
    tb::proto::CaptureRecord record;
    std::vector<std::int64_t> sent(1'000, -1);
    std::size_t outbound = 0;
    while (reader.next(record) == tb::proto::Status::kOk) {
        const std::uint64_t seq = test::sequence_of(record.data);
        if (record.direction == tb::proto::CaptureDirection::kInbound) {
            EXPECT_EQ(record.interface_id, 0u);
            EXPECT_EQ(record.timestamp_ns, kEpochNs + static_cast<std::int64_t>(seq) * 10'000);
            sent[seq] = record.timestamp_ns;
        } else {
            ASSERT_EQ(record.direction, tb::proto::CaptureDirection::kOutbound);
            EXPECT_EQ(record.interface_id, 1u);
            EXPECT_EQ(record.timestamp_ns - sent[seq], 2'000);
            ++outbound;
        }
    }
    // Loss 50% of 1000: SE 15.8, 5 SE = 79.
    EXPECT_NEAR(static_cast<double>(outbound), 500.0, 79.0);
}

TEST(Emulator, RejectsConfigurationThatDoesNotFitItsPorts) {
    VirtualClock clock;
    Pool pool;
    SimPort a(pool.get());
    SimPort b(pool.get());
    std::vector<SimPort*> ports = {&a, &b};
    const auto build = [&](const EmulatorConfig& config) { Emu emulator(config, ports, clock); };
    EmulatorConfig three;
    three.ports.resize(3);
    EXPECT_THROW(build(three), tb::core::ConfigError);
    EmulatorConfig tap = two_ports();
    tap.tap.enabled = true;
    tap.tap.client_port = 2;
    EXPECT_THROW(build(tap), tb::core::ConfigError);
    EmulatorConfig lines = two_ports();
    lines.line_capacity = 0;
    EXPECT_THROW(build(lines), tb::core::ConfigError);
    EmulatorConfig capture = two_ports();
    capture.capture_path = "/nonexistent-folder/x.pcapng";
    EXPECT_THROW(build(capture), tb::core::StartupError);
}

}  // namespace
