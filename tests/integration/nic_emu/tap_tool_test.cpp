// tickbench-nic's tick-to-trade tap as a user runs it: this process plays the exchange on port
// 0 and the client on port 1, both over memif, and tickbench-nic stands between them with
// --tap-client 1 --triggers ... --tap-hgrm FILE --stats FILE.
//
//   exchange (this process) --memif A--> [port 0] tickbench-nic [port 1, latency=20us out]
//        --memif B--> client (this process): answers each trigger with an order frame
//
// The exchange publishes numbered MoldUDP64 packets; the client answers every trigger packet
// with an OUCH-like order frame (TCP with payload to port 15000) after busy-waiting a fixed
// reaction time, and sends one more order that answers nothing. Checked:
//  - the tap's counters in the report: every trigger delivered once, every order seen, only
//    the answering ones matched;
//  - the tick-to-trade histogram holds one value per trigger, none below the client's reaction
//    time (causality: t_md is stamped before the client could read the frame and t_ord after
//    it sent its order, so only the two processes' TSC calibrations, within 1%, stand between);
//  - the .hgrm file is HdrHistogram's percentile distribution of the same values.
// No upper bound on any time is asserted: on a shared machine that is scheduling noise.
// Busy-polling processes: serial.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/endian.hpp"
#include "core/eth_port.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using namespace std::chrono_literals;
using tb::core::EthPort;
using tb::core::EthPortConfig;
using tb::core::TscClock;
using tb::nic::test::Bytes;
using tb::test::Process;
using tb::test::TempDir;

const std::string kNic = TB_NIC_BIN;
constexpr std::uint64_t kPackets = 200;
constexpr const char* kTriggerList = "5,10-12,50,150";
const std::set<std::uint64_t> kTriggers = {5, 10, 11, 12, 50, 150};
constexpr std::int64_t kReactionNs = 50'000;
constexpr std::int64_t kWaitNs = 10'000'000'000;  // bound of every wait for a frame

// The number after "key": that follows each of `anchors` in turn in a JSON text (-1 if absent).
long long json_number(const std::string& json, const std::vector<std::string>& anchors,
                      const std::string& key) {
    std::size_t at = 0;
    for (const std::string& anchor : anchors) {
        at = json.find(anchor, at);
        if (at == std::string::npos) {
            return -1;
        }
    }
    const std::size_t field = json.find("\"" + key + "\":", at);
    return field == std::string::npos ? -1 : std::stoll(json.substr(field + key.size() + 3));
}

std::unique_ptr<EthPort> memif_client(const std::string& socket) {
    EthPortConfig config;
    config.spec = "memif:client:" + socket;
    config.connect_timeout_ns = 30'000'000'000;
    return std::make_unique<EthPort>(config);
}

bool send(EthPort& port, const Bytes& bytes) {
    rte_mbuf* m = port.alloc();
    if (m == nullptr) {
        return false;
    }
    std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(bytes.size())), bytes.data(),
                bytes.size());
    if (port.tx_burst(&m, 1) != 1) {
        rte_pktmbuf_free(m);
        return false;
    }
    return true;
}

TEST(NicToolTap, TimesTickToTradeFromTriggerToOrderAndWritesTheHistogram) {
    TempDir dir;
    const std::string stats = dir.file("stats.json");
    const std::string hgrm = dir.file("t2t.hgrm");
    Process nic({kNic,
                 "-l",
                 "0",
                 "--",
                 "--port",
                 "memif:server:" + dir.file("a.sock"),
                 "--port",
                 "memif:server:" + dir.file("b.sock"),
                 "--link",
                 "1:out=latency=20us",
                 "--tap-client",
                 "1",
                 "--triggers",
                 kTriggerList,
                 "--tap-hgrm",
                 hgrm,
                 "--stats",
                 stats,
                 "--tx-timeout",
                 "10s"},
                dir.file("nic.out"), dir.file("nic.err"));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("nic.out"), "waiting for links", 60s))
        << tb::test::read_file(dir.file("nic.err"));
    auto exchange = memif_client(dir.file("a.sock"));
    auto client = memif_client(dir.file("b.sock"));
    ASSERT_TRUE(exchange->wait_link_up(30'000'000'000));
    ASSERT_TRUE(client->wait_link_up(30'000'000'000));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("nic.out"), "forwarding", 30s))
        << tb::test::read_file(dir.file("nic.err"));

    const TscClock clock;
    rte_mbuf* burst[32];
    std::uint64_t orders_sent = 0;
    std::uint64_t orders_received = 0;
    std::uint64_t answered = 0;
    const auto drain_exchange = [&] {
        const std::uint16_t nb_rx = exchange->rx_burst(burst, 32);
        orders_received += nb_rx;
        rte_pktmbuf_free_bulk(burst, nb_rx);
    };
    for (std::uint64_t seq = 1; seq <= kPackets; ++seq) {
        ASSERT_TRUE(send(*exchange, tb::nic::test::mold_frame(seq, 1))) << seq;
        // The client waits for this packet (the switch floods the group: nobody joined it).
        bool arrived = false;
        const std::int64_t deadline = clock.now_ns() + kWaitNs;
        while (!arrived && clock.now_ns() < deadline) {
            const std::uint16_t nb_rx = client->rx_burst(burst, 32);
            const std::int64_t rx_ns = clock.now_ns();
            for (std::uint16_t i = 0; i < nb_rx; ++i) {
                const auto* data = rte_pktmbuf_mtod(burst[i], const std::uint8_t*);
                arrived = arrived || tb::core::load_be64(data + 14 + 20 + 8 + 10) == seq;
            }
            rte_pktmbuf_free_bulk(burst, nb_rx);
            if (arrived && kTriggers.count(seq) != 0) {
                // The strategy's reaction time, then the order.
                while (clock.now_ns() < rx_ns + kReactionNs) {
                }
                ASSERT_TRUE(send(*client, tb::nic::test::tcp_frame(seq)));
                ++orders_sent;
                ++answered;
            }
            drain_exchange();
        }
        ASSERT_TRUE(arrived) << "packet " << seq << " never reached the client\n"
                             << tb::test::read_file(dir.file("nic.err"));
        if (seq == 100) {
            // An order that answers no trigger: counted, not matched.
            ASSERT_TRUE(send(*client, tb::nic::test::tcp_frame(1'000'000)));
            ++orders_sent;
        }
    }
    const std::int64_t deadline = clock.now_ns() + kWaitNs;
    while (orders_received < orders_sent && clock.now_ns() < deadline) {
        drain_exchange();
    }
    EXPECT_EQ(orders_received, orders_sent);
    nic.kill(SIGTERM);
    const auto status = nic.wait_for(30s);
    ASSERT_TRUE(status.has_value());
    ASSERT_EQ(*status, 0) << tb::test::read_file(dir.file("nic.err"));

    const std::string report = tb::test::read_file(stats);
    const auto tap = [&](const std::string& key) {
        return json_number(report, {"\"tap\":{\"counters\":"}, key);
    };
    const auto t2t = [&](const std::string& key) {
        return json_number(report, {"\"tick_to_trade_ns\":"}, key);
    };
    const auto triggers = static_cast<long long>(kTriggers.size());
    EXPECT_EQ(tap("triggers_delivered"), triggers) << report;
    EXPECT_EQ(tap("triggers_repeated"), 0) << report;
    EXPECT_EQ(tap("orders"), static_cast<long long>(orders_sent)) << report;
    EXPECT_EQ(tap("orders_answering"), static_cast<long long>(answered)) << report;
    EXPECT_EQ(tap("pending_overflow"), 0) << report;
    EXPECT_EQ(t2t("count"), triggers) << report;
    // The reaction time less 1% for the two processes' TSC calibrations.
    EXPECT_GE(t2t("min"), kReactionNs * 99 / 100) << report;
    EXPECT_GE(t2t("max"), t2t("min")) << report;

    // HdrHistogram's text: a header row, value rows, and the summary with count and maximum.
    const std::string text = tb::test::read_file(hgrm);
    EXPECT_EQ(text.rfind("       Value     Percentile TotalCount 1/(1-Percentile)", 0), 0u) << text;
    const std::size_t summary = text.find("#[Max     =");
    ASSERT_NE(summary, std::string::npos) << text;
    double max_ns = 0;
    long long total = 0;
    ASSERT_EQ(std::sscanf(text.c_str() + summary, "#[Max     = %lf, Total count    = %lld]",
                          &max_ns, &total),
              2)
        << text;
    EXPECT_EQ(total, triggers);
    EXPECT_EQ(static_cast<long long>(max_ns), t2t("max"));
}

}  // namespace
