// An independent DPDK application on our wire: dpdk-testpmd (Debian's dpdk-dev) attached to
// tickbench-nic over memif forwards every frame back with its MAC addresses swapped
// (--forward-mode=macswap). This test process sends numbered frames through tickbench-nic to
// testpmd and checks what comes back against the configured link:
//
//   test --memif A--> [port 0] tickbench-nic [port 1, latency=200us both ways, loss=10% out]
//        --memif B--> testpmd (macswap) --memif B--> tickbench-nic --memif A--> test
//
//  - the MACs are swapped (testpmd really forwarded them);
//  - the share the link lost matches 10% within five standard errors, and the capture
//    accounts for every frame: what tickbench-nic did not hand on is exactly what it counted
//    as lost or dropped, and everything it handed to this process arrived;
//  - every round trip takes at least the 400 us of configured latency;
//  - in tickbench-nic's capture every frame, either way, is held exactly 200 us plus the
//    lateness the emulator recorded for its hand-over in its delivery-error histogram (no
//    bound on that lateness is asserted: it is the shared machine's scheduling noise).
//
// Busy-polling processes: tickbench-nic (pinned to the first CPU) and testpmd's forwarding core
// (the second); this process sleeps between frames. Skips when dpdk-testpmd is missing.

#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.hpp"
#include "core/endian.hpp"
#include "core/eth_port.hpp"
#include "core/pingpong.hpp"
#include "proto/capture.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tb::core;
using tb::test::Process;
using tb::test::TempDir;

const std::string kNic = TB_NIC_BIN;
constexpr const char* kTestpmd = "/usr/bin/dpdk-testpmd";
constexpr std::uint64_t kFrames = 20'000;
constexpr std::int64_t kLatencyNs = 200'000;
constexpr double kLoss = 0.10;
constexpr std::uint8_t kOurMac[6] = {0x02, 0x54, 0x42, 0x50, 0x50, 0x01};  // pingpong's

void sleep_ns(long ns) {
    const timespec pause{0, ns};
    nanosleep(&pause, nullptr);
}

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

// The processes `pid` started (Linux: /proc/PID/task/PID/children).
std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> children;
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    long child = 0;
    while (in >> child) {
        children.push_back(static_cast<pid_t>(child));
    }
    return children;
}

// Kills the processes `pid` started when it goes out of scope.
struct KillChildren {
    explicit KillChildren(pid_t parent) : pid(parent) {}
    KillChildren(const KillChildren&) = delete;
    KillChildren& operator=(const KillChildren&) = delete;
    ~KillChildren() {
        for (const pid_t child : children_of(pid)) {
            ::kill(child, SIGKILL);
        }
    }
    pid_t pid;
};

TEST(Testpmd, ForwardsFramesBackThroughOurLinkWithItsLatencyAndLoss) {
    if (access(kTestpmd, X_OK) != 0) {
        GTEST_SKIP() << kTestpmd << " is not installed (apt-get install dpdk-dev)";
    }
    TempDir dir;
    const std::string socket_a = dir.file("a.sock");
    const std::string socket_b = dir.file("b.sock");
    const std::string capture = dir.file("wire.pcapng");
    const std::string stats = dir.file("stats.json");
    Process nic({kNic,
                 "-l",
                 "0",
                 "--",
                 "--port",
                 "memif:server:" + socket_a,
                 "--port",
                 "memif:server:" + socket_b,
                 "--link",
                 "1:in=latency=200us",
                 "--link",
                 "1:out=latency=200us,loss=10%",
                 "--seed",
                 "42",
                 "--capture",
                 capture,
                 "--stats",
                 stats,
                 "--link-timeout",
                 "60s"},
                dir.file("nic.out"), dir.file("nic.err"));
    // Clients connect once the server ports are set up (see tickbench-nic's message).
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("nic.out"), "waiting for links", 60s))
        << tb::test::read_file(dir.file("nic.err"));
    // testpmd: no hugepages, its own prefix, a pool that fits 256 MB, memif without zero-copy
    // (the default; zero-copy crashes here). --stats-period keeps it running without a
    // terminal until it gets SIGINT.
    const std::string prefix = "tbtestpmd" + std::to_string(getpid());
    Process testpmd({"/usr/bin/timeout",
                     "-s",
                     "INT",
                     "-k",
                     "10",
                     "300",
                     kTestpmd,
                     "-l",
                     "0,1",
                     "--no-huge",
                     "-m",
                     "256",
                     "--no-pci",
                     "--file-prefix",
                     prefix,
                     "--vdev",
                     "net_memif0,role=client,socket=" + socket_b + ",socket-abstract=no",
                     "--",
                     "--forward-mode=macswap",
                     "--auto-start",
                     "--no-mlockall",
                     "--stats-period",
                     "1",
                     "--total-num-mbufs",
                     "8192"},
                    dir.file("testpmd.out"), dir.file("testpmd.err"));
    // Whatever way the test ends, testpmd itself goes too (killing `timeout` would leave it).
    const KillChildren testpmd_guard{testpmd.pid()};

    EthPortConfig config;
    config.spec = "memif:client:" + socket_a;
    config.connect_timeout_ns = 30'000'000'000;
    EthPort port(config);
    ASSERT_TRUE(port.wait_link_up(30'000'000'000));
    const TscClock clock;
    rte_mbuf* burst[32];

    // testpmd drops what arrives before its forwarding starts: probe until frames come back.
    bool ready = false;
    const std::int64_t probe_deadline = clock.now_ns() + 60'000'000'000;
    for (std::uint64_t probe = 0; !ready && clock.now_ns() < probe_deadline; ++probe) {
        rte_mbuf* frame = port.alloc();
        ASSERT_NE(frame, nullptr);
        pingpong::write_frame(frame, pingpong::Kind::kStop, probe, 0, 64);
        if (port.tx_burst(&frame, 1) == 0) {
            rte_pktmbuf_free(frame);
        }
        for (int i = 0; i < 100 && !ready; ++i) {
            const std::uint16_t nb_rx = port.rx_burst(burst, 32);
            ready = nb_rx > 0;
            rte_pktmbuf_free_bulk(burst, nb_rx);
            sleep_ns(1'000'000);
        }
    }
    ASSERT_TRUE(ready) << "nothing came back from testpmd\n"
                       << tb::test::read_file(dir.file("nic.err"))
                       << tb::test::read_file(dir.file("testpmd.err"));
    sleep_ns(500'000'000);
    while (const std::uint16_t nb_rx = port.rx_burst(burst, 32)) {
        rte_pktmbuf_free_bulk(burst, nb_rx);
    }

    // The measured run: one frame every 30 us or so, echoes collected in between.
    std::vector<std::int64_t> sent_at(kFrames, -1);
    std::vector<std::int64_t> round_trip(kFrames, -1);
    std::uint64_t received = 0;
    std::uint64_t not_swapped = 0;
    std::uint64_t strays = 0;
    const auto collect = [&] {
        const std::uint16_t nb_rx = port.rx_burst(burst, 32);
        const std::int64_t now = clock.now_ns();
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            pingpong::FrameView view{};
            const auto* data = rte_pktmbuf_mtod(burst[i], const std::uint8_t*);
            if (!pingpong::check_frame(burst[i], view) || view.kind != pingpong::Kind::kData ||
                view.sequence >= kFrames || round_trip[view.sequence] >= 0) {
                ++strays;
                continue;
            }
            // macswap: our source is now the destination, and our broadcast the source.
            if (std::memcmp(data, kOurMac, 6) != 0 || data[6] != 0xFF) {
                ++not_swapped;
            }
            round_trip[view.sequence] = now - sent_at[view.sequence];
            ++received;
        }
        rte_pktmbuf_free_bulk(burst, nb_rx);
    };
    for (std::uint64_t seq = 0; seq < kFrames; ++seq) {
        rte_mbuf* frame = port.alloc();
        ASSERT_NE(frame, nullptr);
        pingpong::write_frame(frame, pingpong::Kind::kData, seq, 0, 64);
        sent_at[seq] = clock.now_ns();
        while (port.tx_burst(&frame, 1) == 0) {
            collect();
        }
        collect();
        sleep_ns(20'000);
    }
    const std::int64_t drain_until = clock.now_ns() + 2'000'000'000;
    while (clock.now_ns() < drain_until) {
        collect();
        sleep_ns(100'000);
    }
    // tickbench-nic stops first: a memif peer that leaves while it polls can crash it (README,
    // "Ports and mbufs"). testpmd, left polling a wire whose other end went away, may then hang
    // or crash on its way out; it is not under test, so it is stopped by force if it must be.
    nic.kill(SIGTERM);
    const auto nic_status = nic.wait_for(30s);
    testpmd.kill(SIGINT);  // `timeout` passes it on to testpmd
    if (!testpmd.wait_for(15s).has_value()) {
        for (const pid_t child : children_of(testpmd.pid())) {
            ::kill(child, SIGKILL);
        }
        (void)testpmd.wait_for(15s);
    }
    // testpmd leaves its EAL runtime folder behind (DPDK's rule for where it is: /var/run/dpdk
    // for root, $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk otherwise).
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    const std::string runtime = geteuid() == 0   ? "/var/run/dpdk"
                                : xdg != nullptr ? std::string(xdg) + "/dpdk"
                                                 : "/tmp/dpdk";
    std::error_code ignored;
    std::filesystem::remove_all(runtime + "/" + prefix, ignored);
    ASSERT_TRUE(nic_status.has_value());
    EXPECT_EQ(*nic_status, 0) << tb::test::read_file(dir.file("nic.err"));

    EXPECT_EQ(not_swapped, 0u);
    EXPECT_EQ(strays, 0u);
    const std::string report = tb::test::read_file(stats);
    const auto port_counter = [&](int port, const std::string& key) {
        return json_number(report, {"{\"index\":" + std::to_string(port)}, key);
    };
    const long long link_frames = json_number(report, {"{\"index\":1", "\"out\":{"}, "frames");
    const long long lost_by_link = json_number(report, {"{\"index\":1", "\"out\":{"}, "lost");
    ASSERT_GE(link_frames, static_cast<long long>(kFrames)) << report;
    // The link's loss (it saw our frames and the probes): SE = sqrt(0.1 * 0.9 / 20000) =
    // 0.00212; 5 SE = 0.0106.
    EXPECT_NEAR(static_cast<double>(lost_by_link) / static_cast<double>(link_frames), kLoss, 0.0106)
        << report;

    // Latency: 200 us each way at least, on every round trip.
    std::vector<std::int64_t> trips;
    for (const std::int64_t rtt : round_trip) {
        if (rtt >= 0) {
            trips.push_back(rtt);
        }
    }
    ASSERT_FALSE(trips.empty());
    std::sort(trips.begin(), trips.end());
    EXPECT_GE(trips.front(), 2 * kLatencyNs);
    std::printf("round trips through tickbench-nic and testpmd: min %lld ns, median %lld ns\n",
                static_cast<long long>(trips.front()),
                static_cast<long long>(trips[trips.size() / 2]));

    // TB_NIC_KEEP_CAPTURE=FILE keeps a copy to look at by hand.
    if (const char* keep = std::getenv("TB_NIC_KEEP_CAPTURE")) {
        std::filesystem::copy_file(capture, keep,
                                   std::filesystem::copy_options::overwrite_existing);
    }
    // The emulator's own stamps. Every frame it handed over, either way, left exactly 200 us
    // after it entered plus the lateness of the pass that handed it over (real time: a pass
    // comes at or after the due time, never before). That lateness is what the emulator
    // recorded in its delivery-error histogram, one sample per hand-over: the capture's
    // (exit - entry - 200 us) of all frames and the report's histogram must be the same set,
    // so the emulator added the configured latency and nothing else, however loaded the
    // machine was.
    tb::proto::CaptureReader reader;
    ASSERT_EQ(reader.open(capture), tb::proto::Status::kOk) << reader.error();
    // (interface the frame entered on, kind and sequence) -> entry time.
    std::map<std::tuple<std::uint32_t, std::uint8_t, std::uint64_t>, std::int64_t> entered;
    std::vector<std::int64_t> lateness;
    std::vector<std::int64_t> held_out;  // our data frames, from us to testpmd
    std::uint64_t unmatched = 0;
    // Frames (probes too) at each point of the wire: entered from us, left for testpmd,
    // entered from testpmd, left for us; and our data frames among them.
    std::uint64_t from_us = 0;
    std::uint64_t to_testpmd = 0;
    std::uint64_t from_testpmd = 0;
    std::uint64_t to_us = 0;
    std::uint64_t data_from_us = 0;
    std::uint64_t data_to_us = 0;
    const auto data = static_cast<std::uint8_t>(pingpong::Kind::kData);
    tb::proto::CaptureRecord record;
    while (reader.next(record) == tb::proto::Status::kOk) {
        ASSERT_GE(record.data.size(), 30u);
        const std::uint8_t kind = record.data[18];
        const std::uint64_t seq = load_be64(record.data.data() + 22);
        const bool inbound = record.direction == tb::proto::CaptureDirection::kInbound;
        (record.interface_id == 0 ? (inbound ? from_us : to_us)
                                  : (inbound ? from_testpmd : to_testpmd)) += 1;
        if (kind == data && record.interface_id == 0) {
            (inbound ? data_from_us : data_to_us) += 1;
        }
        if (inbound) {
            entered[{record.interface_id, kind, seq}] = record.timestamp_ns;
            continue;
        }
        const auto it = entered.find({1 - record.interface_id, kind, seq});
        if (it == entered.end()) {
            ++unmatched;
            continue;
        }
        const std::int64_t held = record.timestamp_ns - it->second;
        lateness.push_back(held - kLatencyNs);
        if (record.interface_id == 1 && kind == data) {
            held_out.push_back(held);
        }
    }
    EXPECT_EQ(unmatched, 0u) << "frames left the wire that never entered it";
    // Every frame is accounted for: what tickbench-nic did not hand on, it counted (lost by the
    // link, or dropped by a full line or a port that refused it too long); everything it handed
    // to us, we received. What testpmd did not send back is testpmd's business (it shares a
    // loaded machine), shown but not judged.
    EXPECT_EQ(data_from_us, kFrames);
    const long long dropped = port_counter(0, "tx_dropped") + port_counter(0, "line_full") +
                              port_counter(1, "tx_dropped") + port_counter(1, "line_full");
    EXPECT_EQ(static_cast<long long>((from_us - to_testpmd) + (from_testpmd - to_us)),
              lost_by_link + dropped)
        << report;
    EXPECT_EQ(received, data_to_us);
    std::printf(
        "frames: %llu sent, %llu lost by the link, %lld dropped by tickbench-nic, %llu "
        "not returned by testpmd, %llu data frames received\n",
        static_cast<unsigned long long>(from_us), lost_by_link, dropped,
        static_cast<unsigned long long>(to_testpmd - from_testpmd),
        static_cast<unsigned long long>(received));
    ASSERT_GT(held_out.size(), kFrames / 2);
    std::sort(lateness.begin(), lateness.end());
    EXPECT_GE(lateness.front(), 0) << "a frame was handed over before its latency was up";
    EXPECT_EQ(json_number(report, {"\"delivery_error_ns\":"}, "count"),
              static_cast<long long>(lateness.size()))
        << report;
    EXPECT_EQ(json_number(report, {"\"delivery_error_ns\":"}, "min"), lateness.front()) << report;
    EXPECT_EQ(json_number(report, {"\"delivery_error_ns\":"}, "max"), lateness.back()) << report;
    std::sort(held_out.begin(), held_out.end());
    std::printf("held by tickbench-nic on the way out: min %lld ns, median %lld ns\n",
                static_cast<long long>(held_out.front()),
                static_cast<long long>(held_out[held_out.size() / 2]));
}

}  // namespace
