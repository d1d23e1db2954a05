// The emulator's hot path allocates nothing after start-up (STYLE.md, "The hot path"): this
// binary links the shared counting operator new (tests/support/counting_new.hpp, counted per
// thread, so DPDK's control threads stay out of the figure) and moves 100,000 frames each
// way through every feature at once (every impairment, multicast fan-out, mirror, capture,
// trailers, the tap), then checks that not one allocation happened meanwhile.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"
#include "tests/support/counting_new.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"
#include "tests/unit/nic_emu/sim_port.hpp"

namespace {

using namespace tb::nic;

TEST(EmulatorAllocation, TheCounterSeesAllocations) {
    // A direct call: the optimizer may merge or drop the allocations of a new-expression.
    const tb::test::AllocationScope scope;
    void* p = ::operator new(64);
    const std::uint64_t counted = scope.allocations();
    ::operator delete(p);
    EXPECT_EQ(counted, 1U) << "without a working counter the zero below means nothing";
}

TEST(EmulatorAllocation, HotPathAllocatesNothing) {
    tb::test::TempDir dir;
    EmulatorConfig config;
    config.seed = 3;
    config.ports.resize(4);
    config.ports[0].in =
        parse_link("latency=2us,jitter=normal:300ns,loss=1%,dup=1%,corrupt=1%,reorder=1%:3us");
    const std::string table = dir.file("jitter.txt");
    std::FILE* file = std::fopen(table.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("10ns\n200ns\n-50ns\n", file);
    std::fclose(file);
    config.ports[1].out = parse_link("latency=1us,jitter=empirical:" + table +
                                     ",loss=ge:1%,20%,rate=10gbit,queue=64,down=5ms+1ms,"
                                     "drop=10:udp@1ms,step=20ms:3us");
    config.ports[1].in = parse_link("jitter=lognormal:200ns:50ns,dup=2%");
    config.ports[2].out = parse_link("jitter=pareto:20ns:3");
    config.ports[1].trailer = true;
    config.switching.groups.push_back({test::kFeedA, port_bit(1) | port_bit(2)});
    config.switching.mirror_port = 3;
    config.tap.enabled = true;
    config.tap.client_port = 1;
    for (std::uint64_t s = 1; s < 100'000; s += 7) {
        config.tap.triggers.push_back(s);
    }
    config.capture_path = dir.file("all.pcapng");
    config.epoch_ns = 1'700'000'000'000'000'000;

    tb::core::VirtualClock clock;
    std::vector<std::unique_ptr<test::Pool>> pools;
    std::vector<std::unique_ptr<test::SimPort>> ports;
    std::vector<test::SimPort*> raw;
    for (int i = 0; i < 4; ++i) {
        pools.push_back(std::make_unique<test::Pool>());
        ports.push_back(std::make_unique<test::SimPort>(pools.back()->get()));
        raw.push_back(ports.back().get());
    }
    auto emulator =
        std::make_unique<Emulator<test::SimPort, tb::core::VirtualClock>>(config, raw, clock);
    test::World world(clock, *emulator);

    // Frames are built before counting starts.
    std::vector<test::Bytes> feed;
    std::vector<test::Bytes> orders;
    for (std::uint64_t i = 0; i < 64; ++i) {
        feed.push_back(test::mold_frame(1, 1));
        orders.push_back(test::tcp_frame(i, 15000, 8 + i));
    }
    const test::Bytes igmp = test::igmp_v2_frame(igmp::kV2Report, test::kFeedA);
    const test::Bytes unicast =
        test::udp_frame(5, 26478, 100, test::kClientMac, test::kExchangeMac, test::kExchangeIp);

    std::size_t delivered = 0;
    const tb::test::AllocationScope scope;
    const auto drain = [&](std::int64_t) {
        for (auto& port : ports) {
            delivered += port->discard();
        }
    };
    for (std::uint64_t i = 0; i < 100'000; ++i) {
        world.run_until(static_cast<std::int64_t>(i) * 400, drain);
        test::Bytes& frame = feed[i % feed.size()];
        tb::core::store_be64(frame.data() + 14 + 20 + 8 + 10, i + 1);  // MoldUDP64 sequence
        ports[0]->send(frame);
        ports[1]->send(i % 1000 == 0 ? igmp : i % 2 == 0 ? orders[i % orders.size()] : unicast);
    }
    world.run_until(clock.now_ns() + 100'000'000, drain);
    const std::uint64_t allocations = scope.allocations();

    EXPECT_EQ(allocations, 0U);
    EXPECT_GT(delivered, 150'000u);
    EXPECT_GT(emulator->tap().histogram().total_count(), 1000);
    EXPECT_GT(emulator->capture()->counters().frames, 300'000u);
    emulator->finish();
}

}  // namespace
