// tickbench-nic as a user runs it: help, bad options (exit 2 with the offending token named),
// start-up failures (exit 1), and a real-time run with two streams over memif (this process at
// both ends) and a capture that shows every frame held for the configured latency.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/endian.hpp"
#include "core/eth_port.hpp"
#include "core/pingpong.hpp"
#include "proto/capture.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
using tb::core::EthPort;
using tb::core::EthPortConfig;
using tb::test::Process;
using tb::test::TempDir;
namespace pingpong = tb::core::pingpong;

const std::string kNic = TB_NIC_BIN;

struct Finished {
    int status = -1;
    std::string out;
    std::string err;
};

Finished run_nic(const std::vector<std::string>& options, std::chrono::milliseconds bound = 60s) {
    TempDir dir;
    std::vector<std::string> argv = {kNic, "--"};
    argv.insert(argv.end(), options.begin(), options.end());
    Process nic(argv, dir.file("out"), dir.file("err"));
    const auto status = nic.wait_for(bound);
    Finished f;
    f.status = status.value_or(-1);
    f.out = tb::test::read_file(dir.file("out"));
    f.err = tb::test::read_file(dir.file("err"));
    return f;
}

TEST(NicTool, HelpDocumentsPortsLinkSyntaxCaptureAndStats) {
    const Finished f = run_nic({"--help"});
    EXPECT_EQ(f.status, 0) << f.err;
    for (const char* text :
         {"memif:server:PATH", "--link PORT[:in|:out]=LINK", "latency=DURATION",
          "jitter=normal:SIGMA", "loss=ge:P,R[,H[,K]]", "reorder=PROB:DELAY", "rate=RATE",
          "down=START+DURATION", "drop=N:FILTER[@START]", "step=AT:LATENCY", "--capture",
          "--trailer", "--enable-heuristic metamako_eth", "--tap-client", "--stats", "--json",
          "Exit status: 0 success, 1"}) {
        EXPECT_NE(f.out.find(text), std::string::npos) << text;
    }
}

TEST(NicTool, BadLinkSyntaxExitsTwoNamingTheToken) {
    const Finished f = run_nic(
        {"--port", "ring:a", "--port", "ring:b", "--link", "1:out=latency=2us,jiter=normal:100ns"});
    EXPECT_EQ(f.status, 2);
    EXPECT_NE(f.err.find("--link 1:out: link option 'jiter=normal:100ns': unknown option 'jiter'"),
              std::string::npos)
        << f.err;
    const Finished bad_value = run_nic({"--port", "ring:a", "--link", "0=loss=ge:1%,25%,loss=2%"});
    EXPECT_EQ(bad_value.status, 2);
    EXPECT_NE(bad_value.err.find("'loss' is given twice"), std::string::npos) << bad_value.err;
}

TEST(NicTool, OtherBadOptionsExitTwo) {
    struct Case {
        std::vector<std::string> options;
        const char* message;
    };
    const Case cases[] = {
        {{}, "at least one --port is required"},
        {{"--port", "ring:a", "--link", "3=latency=1us"}, "port 3 does not exist"},
        {{"--port", "ring:a", "--mac", "0=zz:00:00:00:00:00"}, "is not a MAC address"},
        {{"--port", "ring:a", "--group", "10.1.1.1=0"}, "is not an IPv4 multicast group"},
        {{"--port", "ring:a", "--unknown-multicast", "maybe"}, "is not flood or drop"},
        {{"--port", "ring:a", "--tap-client", "0"}, "needs --triggers"},
        {{"--port", "ring:a", "--triggers", "1"}, "need --tap-client"},
        {{"--port", "ring:a", "--tx-timeout", "soon"}, "is not a duration"},
        {{"--port", "ring:a", "--delay-capacity", "0"}, "delay line capacity"},
        {{"--port", "ring:a", "--mirror", "0", "--tap-client", "0", "--triggers", "1"},
         "cannot watch the mirror port"},
        {{"--port", "ring:a", "--frobnicate"}, "frobnicate"},
    };
    for (const Case& c : cases) {
        const Finished f = run_nic(c.options);
        EXPECT_EQ(f.status, 2) << c.message << "\n" << f.err;
        EXPECT_NE(f.err.find(c.message), std::string::npos) << f.err;
    }
}

TEST(NicTool, MemifServerWithoutClientFailsWithinTheLinkTimeout) {
    // run_nic's bound (30 s, a hundred times the link timeout) is only there so that a hang
    // fails the test instead of blocking it.
    TempDir dir;
    const Finished f = run_nic(
        {"--port", "memif:server:" + dir.file("lonely.sock"), "--link-timeout", "300ms"}, 30s);
    EXPECT_EQ(f.status, 1) << f.err;
    EXPECT_NE(f.err.find("did not come up within 300 ms"), std::string::npos) << f.err;
}

// Frames of a pingpong stream, by direction: the sequence number and the kind at their
// offsets (core/pingpong.hpp).
std::uint64_t stream_key(std::span<const std::uint8_t> frame) {
    return tb::core::load_be64(frame.data() + 22) << 8 | frame[18];
}

// One end of a stream: numbered pingpong data frames out, the other end's checked on the way
// in (complete, in order, intact).
struct StreamEnd {
    std::unique_ptr<EthPort> port;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t corrupt = 0;

    // Offers up to a burst of the next frames; what the port refuses is offered again later.
    void send(std::uint64_t frames) {
        rte_mbuf* burst[32];
        const auto want = static_cast<std::uint16_t>(std::min<std::uint64_t>(32, frames - sent));
        if (want == 0 || !port->alloc_bulk(burst, want)) {
            return;
        }
        for (std::uint16_t i = 0; i < want; ++i) {
            pingpong::write_frame(burst[i], pingpong::Kind::kData, sent + i, 0, 64);
        }
        const std::uint16_t nb_tx = port->tx_burst(burst, want);
        rte_pktmbuf_free_bulk(burst + nb_tx, want - nb_tx);
        sent += nb_tx;
    }
    // Takes what arrived; true when something did.
    bool receive() {
        rte_mbuf* burst[32];
        const std::uint16_t nb_rx = port->rx_burst(burst, 32);
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            pingpong::FrameView view{};
            if (!pingpong::check_frame(burst[i], view) || view.kind != pingpong::Kind::kData) {
                ++corrupt;
            } else if (view.sequence != received) {
                ++out_of_order;
            }
            ++received;
        }
        rte_pktmbuf_free_bulk(burst, nb_rx);
        return nb_rx > 0;
    }
};

std::unique_ptr<EthPort> memif_client(const std::string& socket) {
    EthPortConfig config;
    config.spec = "memif:client:" + socket;
    config.connect_timeout_ns = 30'000'000'000;
    return std::make_unique<EthPort>(config);
}

TEST(NicTool, ForwardsTwoStreamsOverMemifHoldingEveryFrameForTheLatency) {
    // Both ends are this process, polled from one thread: a memif peer must not leave while
    // tickbench-nic polls its port (README, "Ports and mbufs"), so the ends close only after
    // tickbench-nic has stopped.
    constexpr std::uint64_t kFrames = 5'000;
    TempDir dir;
    const std::string capture = dir.file("wire.pcapng");
    const std::string stats = dir.file("stats.json");
    Process nic({kNic, "--", "--port", "memif:server:" + dir.file("a.sock"), "--port",
                 "memif:server:" + dir.file("b.sock"), "--link", "0=latency=50us", "--link",
                 "1:out=latency=20us", "--capture", capture, "--stats", stats,
                 // The ends share a CPU with other work here and can miss their rings for
                 // milliseconds: keep refused frames (no drop) and room for all of them in the
                 // delay lines.
                 "--tx-timeout", "60s", "--delay-capacity", "16384"},
                dir.file("nic.out"), dir.file("nic.err"));
    // Clients connect once the server ports are set up (see tickbench-nic's message).
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("nic.out"), "waiting for links", 60s))
        << tb::test::read_file(dir.file("nic.err"));
    StreamEnd a{memif_client(dir.file("a.sock"))};
    StreamEnd b{memif_client(dir.file("b.sock"))};
    ASSERT_TRUE(a.port->wait_link_up(30'000'000'000));
    ASSERT_TRUE(b.port->wait_link_up(30'000'000'000));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("nic.out"), "ports up, forwarding", 30s))
        << tb::test::read_file(dir.file("nic.err"));

    // Bounded: 10 s without a frame arriving ends the loop (and fails below).
    const tb::core::TscClock clock;
    std::int64_t last_progress = clock.now_ns();
    while ((a.received < kFrames || b.received < kFrames) &&
           clock.now_ns() - last_progress < 10'000'000'000) {
        a.send(kFrames);
        b.send(kFrames);
        const bool got_a = a.receive();
        const bool got_b = b.receive();
        if (got_a || got_b) {
            last_progress = clock.now_ns();
        }
    }
    nic.kill(SIGTERM);
    const auto status_nic = nic.wait_for(30s);
    ASSERT_TRUE(status_nic.has_value());
    EXPECT_EQ(*status_nic, 0) << tb::test::read_file(dir.file("nic.err"));
    // Every data frame arrived, in order and intact, at both ends.
    for (const StreamEnd* end : {&a, &b}) {
        EXPECT_EQ(end->sent, kFrames);
        EXPECT_EQ(end->received, kFrames);
        EXPECT_EQ(end->out_of_order, 0u);
        EXPECT_EQ(end->corrupt, 0u);
    }
    EXPECT_NE(tb::test::read_file(stats).find("\"delivery_error_ns\":{\"count\":"),
              std::string::npos);

    // Every frame that crossed was held at least its path's latency: 50 us each way on port
    // 0's links, 20 us more on port 1's way out.
    tb::proto::CaptureReader reader;
    ASSERT_EQ(reader.open(capture), tb::proto::Status::kOk) << reader.error();
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::int64_t> entered;
    std::size_t crossed = 0;
    tb::proto::CaptureRecord record;
    while (reader.next(record) == tb::proto::Status::kOk) {
        ASSERT_GE(record.data.size(), 30u);
        const std::uint64_t key = stream_key(record.data);
        if (record.direction == tb::proto::CaptureDirection::kInbound) {
            entered[{record.interface_id, key}] = record.timestamp_ns;
            continue;
        }
        const std::uint32_t from = 1 - record.interface_id;
        const auto it = entered.find({from, key});
        ASSERT_NE(it, entered.end()) << "a frame left without entering";
        const std::int64_t held = record.timestamp_ns - it->second;
        ASSERT_GE(held, record.interface_id == 1 ? 70'000 : 50'000);
        ++crossed;
    }
    EXPECT_EQ(crossed, 2 * kFrames);
}

}  // namespace
