// The tick-to-trade tap (nic_emu/tap.hpp) and frame classification (nic_emu/frame_filter.hpp).

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "core/error.hpp"
#include "core/random.hpp"
#include "nic_emu/frame_filter.hpp"
#include "nic_emu/tap.hpp"
#include "proto/frame.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using namespace tb::nic;

TapConfig tap_config(std::vector<std::uint64_t> triggers) {
    TapConfig config;
    config.enabled = true;
    config.triggers = std::move(triggers);
    return config;
}

TEST(Tap, FindsTheTriggersAMoldPacketCarries) {
    const TickToTradeTap tap(tap_config({5, 9, 12, 40}));
    const TriggerHit hit = tap.feed_frame(test::mold_frame(8, 5));  // 8 .. 12
    EXPECT_EQ(hit.first, 1u);
    EXPECT_EQ(hit.count, 2u);
    EXPECT_EQ(tap.feed_frame(test::mold_frame(13, 20)).count, 0u);  // 13 .. 32
    EXPECT_EQ(tap.feed_frame(test::mold_frame(40, 1)).count, 1u);
    // Other ports, heartbeats, TCP and non-IP frames carry none.
    EXPECT_EQ(tap.feed_frame(test::mold_frame(8, 5, test::kFeedA, 26478)).count, 0u);
    EXPECT_EQ(tap.feed_frame(test::mold_frame(8, 0)).count, 0u);
    EXPECT_EQ(tap.feed_frame(test::tcp_frame(8)).count, 0u);
    EXPECT_EQ(tap.feed_frame(test::raw_frame(8)).count, 0u);
}

TEST(Tap, TheNextOrderAnswersEveryPendingTriggerOnce) {
    TickToTradeTap tap(tap_config({5, 6, 7}));
    tap.delivered(tap.feed_frame(test::mold_frame(5, 2)), 1000);  // 5 and 6
    tap.order(1500);
    tap.delivered(tap.feed_frame(test::mold_frame(7, 1)), 2000);
    tap.delivered(tap.feed_frame(test::mold_frame(5, 3, test::kFeedB)), 2100);  // feed B copies
    tap.order(2750);
    tap.order(3000);  // answers nothing
    const auto& records = tap.records();
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].t_md_ns, 1000);
    EXPECT_EQ(records[0].t_ord_ns, 1500);
    EXPECT_EQ(records[1].t_ord_ns, 1500);
    EXPECT_EQ(records[2].t_md_ns, 2000);
    EXPECT_EQ(records[2].t_ord_ns, 2750);
    EXPECT_EQ(tap.histogram().total_count(), 3);
    EXPECT_EQ(tap.histogram().min(), 500);
    EXPECT_EQ(tap.histogram().max(), 750);
    EXPECT_EQ(tap.counters().triggers_delivered, 3u);
    EXPECT_EQ(tap.counters().triggers_repeated, 3u);
    EXPECT_EQ(tap.counters().orders, 3u);
    EXPECT_EQ(tap.counters().orders_answering, 2u);
}

TEST(Tap, OrdersAreTcpSegmentsWithPayloadToTheOrderPort) {
    const TickToTradeTap tap(tap_config({1}));
    EXPECT_TRUE(tap.is_order(test::tcp_frame(1)));
    EXPECT_FALSE(tap.is_order(test::tcp_frame(1, 15000, 0)));  // a bare ACK
    EXPECT_FALSE(tap.is_order(test::tcp_frame(1, 15001)));
    EXPECT_FALSE(tap.is_order(test::udp_frame(1, 15000)));
}

TEST(Tap, TooManyPendingTriggersAreCountedNotTracked) {
    TapConfig config = tap_config({1, 2, 3});
    config.max_pending = 2;
    TickToTradeTap tap(config);
    tap.delivered(tap.feed_frame(test::mold_frame(1, 3)), 10);
    EXPECT_EQ(tap.counters().pending_overflow, 1u);
    tap.order(20);
    EXPECT_EQ(tap.histogram().total_count(), 2);
}

TEST(Tap, TriggerListsAndFiles) {
    EXPECT_EQ(parse_trigger_list("7,1-3,2"), (std::vector<std::uint64_t>{1, 2, 3, 7}));
    EXPECT_THROW((void)parse_trigger_list("1,x"), tb::core::ConfigError);
    EXPECT_THROW((void)parse_trigger_list("5-3"), tb::core::ConfigError);
    EXPECT_THROW((void)parse_trigger_list("1,,2"), tb::core::ConfigError);
    tb::test::TempDir dir;
    std::ofstream(dir.file("t.txt")) << "# triggers\n10\n\n3-4\n";
    EXPECT_EQ(read_trigger_file(dir.file("t.txt")), (std::vector<std::uint64_t>{3, 4, 10}));
    std::ofstream(dir.file("bad.txt")) << "10\nten\n";
    try {
        (void)read_trigger_file(dir.file("bad.txt"));
        FAIL() << "no error";
    } catch (const tb::core::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.txt:2:"), std::string::npos) << e.what();
    }
}

TEST(FrameFilter, ClassifiesAndMatches) {
    const FrameClass udp = classify_frame(test::mold_frame(1, 1));
    EXPECT_TRUE(udp.ipv4 && udp.l4);
    EXPECT_EQ(udp.destination_ip, test::kFeedA);
    EXPECT_EQ(udp.destination_port, 26477);
    EXPECT_TRUE(filter_matches({FilterKind::kUdp, 0, 0}, udp));
    EXPECT_TRUE(filter_matches({FilterKind::kUdp, 26477, 0}, udp));
    EXPECT_TRUE(filter_matches({FilterKind::kUdp, 40000, 0}, udp));  // source port
    EXPECT_FALSE(filter_matches({FilterKind::kUdp, 1, 0}, udp));
    EXPECT_TRUE(filter_matches({FilterKind::kGroup, 26477, test::kFeedA}, udp));
    EXPECT_FALSE(filter_matches({FilterKind::kGroup, 0, test::kFeedB}, udp));
    EXPECT_FALSE(filter_matches({FilterKind::kTcp, 0, 0}, udp));
    const FrameClass ack = classify_frame(test::tcp_frame(1, 15000, 0));
    EXPECT_TRUE(filter_matches({FilterKind::kTcp, 15000, 0}, ack));
    EXPECT_FALSE(filter_matches({FilterKind::kTcpData, 15000, 0}, ack));
    EXPECT_TRUE(filter_matches({FilterKind::kTcpData, 0, 0}, classify_frame(test::tcp_frame(1))));
    const FrameClass raw = classify_frame(test::raw_frame(1));
    EXPECT_FALSE(raw.ipv4);
    EXPECT_TRUE(filter_matches({FilterKind::kAny, 0, 0}, raw));
    EXPECT_FALSE(filter_matches({FilterKind::kUdp, 0, 0}, raw));
}

TEST(FrameFilter, EverySingleProtectedFlipIsCaughtByAChecksum) {
    // Random draws over all bit positions of UDP and TCP frames of several sizes.
    tb::core::Rng rng(99);
    const std::vector<test::Bytes> frames = {
        test::udp_frame(1, 26477, 8), test::udp_frame(2, 26477, 900), test::tcp_frame(3, 15000, 0),
        test::tcp_frame(4, 15000, 300)};
    for (int i = 0; i < 20'000; ++i) {
        const test::Bytes& original = frames[static_cast<std::size_t>(i) % frames.size()];
        test::Bytes frame = original;
        ASSERT_TRUE(flip_protected_bit(frame, rng.next()));
        ASSERT_NE(frame, original);
        tb::proto::ParsedFrame parsed;
        ASSERT_NE(tb::proto::parse_frame(frame, parsed), tb::proto::Status::kOk) << i;
    }
}

}  // namespace
