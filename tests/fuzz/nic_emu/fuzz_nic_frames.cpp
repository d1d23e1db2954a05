// Arbitrary frames through everything in nic_emu/ that reads frame bytes: the switch (with IGMP
// snooping), classification and filters, corruption, the tick-to-trade tap, and a link with
// every impairment. Nothing may read out of bounds or crash; the switch never sends a frame back
// to its port or to the mirror.
//
// Input: byte 0 picks a well-formed template (MoldUDP64 feed, TCP order, IGMPv2 report, IGMPv3
// report, non-IP) or, for 5 and above, takes the rest of the input as the frame; otherwise the
// rest are (offset, value) pairs written into the template, and an odd count cuts the frame.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/random.hpp"
#include "nic_emu/frame_filter.hpp"
#include "nic_emu/igmp.hpp"
#include "nic_emu/link_model.hpp"
#include "nic_emu/link_syntax.hpp"
#include "nic_emu/switch.hpp"
#include "nic_emu/tap.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using tb::nic::test::Bytes;

Bytes frame_from(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return {};
    }
    const unsigned selector = data[0];
    if (selector >= 5) {
        return Bytes(data + 1, data + size);
    }
    Bytes frame;
    switch (selector) {
        case 0:
            frame = tb::nic::test::mold_frame(7, 3);
            break;
        case 1:
            frame = tb::nic::test::tcp_frame(7);
            break;
        case 2:
            frame = tb::nic::test::igmp_v2_frame(tb::nic::igmp::kV2Report, tb::nic::test::kFeedA);
            break;
        case 3: {
            const std::uint32_t source = tb::nic::test::kExchangeIp;
            const tb::nic::igmp::GroupRecord records[] = {
                {tb::nic::igmp::kChangeToExclude, tb::nic::test::kFeedA, {}},
                {tb::nic::igmp::kModeIsInclude, tb::nic::test::kFeedB, std::span(&source, 1)}};
            std::uint8_t message[64];
            const std::size_t n = tb::nic::igmp::write_v3_report(records, message);
            frame = tb::nic::test::igmp_frame(std::span(message, n), 0xE0000016);
            break;
        }
        default:
            frame = tb::nic::test::raw_frame(7);
            break;
    }
    std::size_t i = 1;
    for (; i + 1 < size; i += 2) {
        frame[data[i] % frame.size()] = data[i + 1];
    }
    if (i < size) {
        frame.resize(data[i] % (frame.size() + 1));
    }
    return frame;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static tb::nic::Switch network_switch = [] {
        tb::nic::SwitchConfig config;
        config.mirror_port = 3;
        config.mac_capacity = 64;
        config.group_capacity = 8;
        config.groups.push_back({tb::nic::test::kFeedB, tb::nic::port_bit(2)});
        return tb::nic::Switch(config, 4);
    }();
    static tb::nic::LinkModel link(
        tb::nic::parse_link("latency=1us,jitter=normal:100ns,loss=ge:5%,30%,dup=5%,"
                            "reorder=5%:2us,corrupt=20%,rate=1gbit,queue=16,"
                            "drop=1000000:udp:26477,drop=1000000:group:233.54.12.112,"
                            "drop=1000000:tcp-data"),
        tb::core::Rng(1), "fuzz", 0);
    static tb::nic::TickToTradeTap tap([] {
        tb::nic::TapConfig config;
        config.enabled = true;
        config.triggers = {1, 7, 8, 9, 100};
        return config;
    }());
    static std::int64_t now = 0;

    Bytes frame = frame_from(data, size);
    const auto ingress = static_cast<std::uint32_t>(size % 3);
    const tb::nic::PortMask ports = network_switch.forward(ingress, frame);
    if ((ports & (tb::nic::port_bit(ingress) | tb::nic::port_bit(3))) != 0) {
        std::abort();
    }
    (void)tb::nic::classify_frame(frame);
    tap.delivered(tap.feed_frame(frame), now);
    if (tap.is_order(frame)) {
        tap.order(now + 1);
    }
    now += 10;
    (void)link.on_frame(now, frame, static_cast<std::uint32_t>(frame.size()));
    Bytes copy = frame;
    (void)tb::nic::flip_protected_bit(copy,
                                      static_cast<std::uint64_t>(size) * 0x9E3779B97F4A7C15ULL);
    return 0;
}
