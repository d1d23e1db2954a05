// EthPort inside one process: net_ring wires, generic virtual devices, and the start-up errors
// a user meets. EAL is started once by tests/support/eal_test_main.cpp.

#include "core/eth_port.hpp"

#include <gtest/gtest.h>
#include <rte_bus_vdev.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/pingpong.hpp"
#include "tests/support/process.hpp"

namespace tb::core {
namespace {

EthPortConfig config_for(const std::string& spec) {
    EthPortConfig config;
    config.spec = spec;
    return config;
}

// Sends `count` numbered frames from `from` and checks they all arrive at `to`, in order.
void send_and_check(EthPort& from, EthPort& to, std::uint64_t first, std::uint64_t count) {
    std::array<rte_mbuf*, 32> frames{};
    std::uint64_t sent = 0;
    std::uint64_t expected = first;
    int idle_passes = 0;
    while (expected < first + count) {
        if (sent < count) {
            rte_mbuf* frame = from.alloc();
            ASSERT_NE(frame, nullptr);
            pingpong::write_frame(frame, pingpong::Kind::kData, first + sent, 0, 64 + sent % 100);
            if (from.tx_burst(&frame, 1) == 1) {
                ++sent;
            } else {
                rte_pktmbuf_free(frame);
            }
        }
        const std::uint16_t nb_rx = to.rx_burst(frames.data(), frames.size());
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            pingpong::FrameView view{};
            ASSERT_TRUE(pingpong::check_frame(frames[i], view));
            EXPECT_EQ(view.sequence, expected);
            EXPECT_EQ(frames[i]->pkt_len, 64 + (view.sequence - first) % 100);
            ++expected;
        }
        rte_pktmbuf_free_bulk(frames.data(), nb_rx);
        idle_passes = nb_rx == 0 ? idle_passes + 1 : 0;
        ASSERT_LT(idle_passes, 1'000'000) << "frames stopped arriving";
    }
}

TEST(RingPort, TwoEndsOfOneNameFormAWireBothWays) {
    EthPort a(config_for("ring:wire-both-ways"));
    EthPort b(config_for("ring:wire-both-ways"));
    EXPECT_TRUE(a.link_up());
    EXPECT_TRUE(b.link_up());
    send_and_check(a, b, 0, 5000);
    send_and_check(b, a, 100, 5000);
    EXPECT_EQ(a.stats().tx_frames, 5000U);
    EXPECT_EQ(a.stats().rx_frames, 5000U);
    EXPECT_EQ(b.stats().tx_frames, 5000U);
    EXPECT_EQ(b.stats().rx_frames, 5000U);
}

TEST(RingPort, AThirdEndIsRefused) {
    EthPort a(config_for("ring:only-two"));
    EthPort b(config_for("ring:only-two"));
    EXPECT_THROW(EthPort c(config_for("ring:only-two")), ConfigError);
}

TEST(RingPort, TheNameIsFreeAgainOnceBothEndsClose) {
    {
        EthPort a(config_for("ring:reused"));
        EthPort b(config_for("ring:reused"));
        send_and_check(a, b, 0, 10);
    }
    EthPort a(config_for("ring:reused"));
    EthPort b(config_for("ring:reused"));
    send_and_check(b, a, 0, 10);
}

TEST(RingPort, AFullRingHandsFramesBackAndCountsThem) {
    // More mbufs than the ring holds, so that the ring fills before the pool empties.
    EthPortConfig big_pool = config_for("ring:full");
    big_pool.pool_size = 16383;
    EthPort a(big_pool);
    EthPort b(config_for("ring:full"));
    std::uint64_t refused = 0;
    std::uint64_t taken = 0;
    // Nobody reads b, so the 4095-slot ring fills and tx_burst returns the rest to us.
    for (int i = 0; i < 200; ++i) {
        std::array<rte_mbuf*, 32> frames{};
        ASSERT_TRUE(a.alloc_bulk(frames.data(), frames.size()));
        for (rte_mbuf* frame : frames) {
            pingpong::write_frame(frame, pingpong::Kind::kData, 0, 0, 64);
        }
        const std::uint16_t nb_tx = a.tx_burst(frames.data(), frames.size());
        taken += nb_tx;
        refused += frames.size() - nb_tx;
        rte_pktmbuf_free_bulk(frames.data() + nb_tx, static_cast<unsigned>(frames.size() - nb_tx));
    }
    EXPECT_GT(refused, 0U);
    EXPECT_EQ(a.stats().tx_refused, refused);
    EXPECT_EQ(a.stats().tx_frames, taken);
}

TEST(RingPort, TwoThreadsStreamAMillionFramesEachWay) {
    EthPort a(config_for("ring:threads"));
    EthPort b(config_for("ring:threads"));
    pingpong::Options options;
    options.frames = 1'000'000;
    options.idle_timeout_ns = 30'000'000'000;
    pingpong::Result result_a;
    pingpong::Result result_b;
    std::thread other([&] { result_b = pingpong::run_stream(b, options); });
    result_a = pingpong::run_stream(a, options);
    other.join();
    for (const pingpong::Result* r : {&result_a, &result_b}) {
        EXPECT_TRUE(r->ok) << r->error;
        EXPECT_EQ(r->sent, options.frames);
        EXPECT_EQ(r->received, options.frames);
        EXPECT_EQ(r->lost, 0U);
        EXPECT_EQ(r->out_of_order, 0U);
        EXPECT_EQ(r->corrupt, 0U);
    }
}

TEST(VdevPort, AnyVirtualDeviceOpensByDriverName) {
    // net_null swallows what it is given and reports it sent.
    EthPort port(config_for("vdev:net_null_tb0"));
    EXPECT_EQ(port.device_name(), "net_null_tb0");
    std::array<rte_mbuf*, 8> frames{};
    ASSERT_TRUE(port.alloc_bulk(frames.data(), frames.size()));
    for (rte_mbuf* frame : frames) {
        pingpong::write_frame(frame, pingpong::Kind::kData, 0, 0, 64);
    }
    EXPECT_EQ(port.tx_burst(frames.data(), frames.size()), frames.size());
    EXPECT_EQ(port.stats().tx_frames, frames.size());
}

// The test binary starts EAL with --vdev net_null_eal0 --vdev net_null_eal1 (CMakeLists.txt), as
// a user would name a real NIC with -a.
TEST(DevPort, ADeviceEalProbedIsFoundByName) {
    EthPort port(config_for("dev:net_null_eal0"));
    EXPECT_EQ(port.device_name(), "net_null_eal0");
}

TEST(DevPort, ADeviceEalProbedIsFoundById) {
    std::uint16_t id = 0;
    ASSERT_EQ(rte_eth_dev_get_port_by_name("net_null_eal1", &id), 0);
    EthPort port(config_for("port:" + std::to_string(id)));
    EXPECT_EQ(port.port_id(), id);
    EXPECT_EQ(port.device_name(), "net_null_eal1");
}

TEST(PortErrors, AnUnknownSpecIsAConfigErrorThatListsTheForms) {
    try {
        EthPort port(config_for("pcap:/tmp/x"));
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("memif:server:PATH"), std::string::npos) << e.what();
    }
    EXPECT_THROW(EthPort port(config_for("ring:")), ConfigError);
    EXPECT_THROW(EthPort port(config_for("port:x")), ConfigError);
    EXPECT_THROW(EthPort port(config_for("memif:server:/tmp/a,b")), ConfigError);
}

TEST(PortErrors, AMissingDeviceIsAStartupErrorThatSaysWhatToDo) {
    try {
        EthPort port(config_for("dev:0000:3b:00.0"));
        FAIL() << "expected StartupError";
    } catch (const StartupError& e) {
        EXPECT_NE(std::string(e.what()).find("-a or --vdev"), std::string::npos) << e.what();
    }
    EXPECT_THROW(EthPort port(config_for("port:20")), StartupError);
    EXPECT_THROW(EthPort port(config_for("vdev:net_nosuchdriver0")), StartupError);
}

TEST(MemifPort, ClientWithoutServerGivesUpAtTheConnectTimeout) {
    tb::test::TempDir dir;
    EthPortConfig config = config_for("memif:client:" + dir.file("nobody.sock"));
    config.connect_timeout_ns = 300'000'000;
    try {
        EthPort port(config);
        FAIL() << "expected StartupError";
    } catch (const StartupError& e) {
        EXPECT_NE(std::string(e.what()).find("no memif server"), std::string::npos) << e.what();
    }
}

TEST(MemifPort, ServerRefusesASocketALiveServerHolds) {
    tb::test::TempDir dir;
    const std::string spec = "memif:server:" + dir.file("busy.sock");
    EthPort first(config_for(spec));
    EXPECT_FALSE(first.link_up()) << "no client yet";
    try {
        EthPort second(config_for(spec));
        FAIL() << "expected StartupError";
    } catch (const StartupError& e) {
        EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
    }
}

TEST(MemifPort, ServerReplacesAStaleSocketFile) {
    tb::test::TempDir dir;
    const std::string path = dir.file("stale.sock");
    // A socket file nobody listens on, as a killed server leaves behind.
    const int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    close(fd);
    EthPort server(config_for("memif:server:" + path));
    EXPECT_FALSE(server.link_up());
}

TEST(MemifPort, AClientThatConnectsBeforeTheServerIsConfiguredStillComesUp) {
    // A memif server listens from the moment its device exists; its queues are configured
    // later. A client that connects in between is turned away during the handshake, so the
    // client must connect again until the link comes up.
    tb::test::TempDir dir;
    const std::string path = dir.file("early.sock");
    const std::string args = "role=server,socket=" + path + ",socket-abstract=no,id=0,zero-copy=no";
    ASSERT_EQ(rte_vdev_init("net_memif_early", args.c_str()), 0);
    tb::test::Process client({TB_PINGPONG_BIN, "--", "--port", "memif:client:" + path, "--mode",
                              "echo", "--idle-timeout", "30s"},
                             dir.file("client.out"), dir.file("client.err"));
    // The client's first connection reaches the unconfigured server (it is retried every 10 ms
    // until the socket answers).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    {
        EthPort server(config_for("dev:net_memif_early"));
        EXPECT_TRUE(
            tb::test::wait_for_text(dir.file("client.out"), "link up", std::chrono::seconds(20)))
            << tb::test::read_file(dir.file("client.err"));
        client.kill(SIGTERM);
        (void)client.wait_for(std::chrono::seconds(10));
    }
    EXPECT_EQ(rte_vdev_uninit("net_memif_early"), 0);
}

TEST(MemifPort, ServerCreatesTheSocketFolder) {
    tb::test::TempDir dir;
    EthPort server(config_for("memif:server:" + dir.file("run/tickbench/a.sock")));
    EXPECT_TRUE(std::filesystem::exists(dir.file("run/tickbench/a.sock")));
}

}  // namespace
}  // namespace tb::core
