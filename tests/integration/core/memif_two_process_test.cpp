// Two tickbench-pingpong processes joined by a net_memif wire: integrity of a million frames
// each way, round trips, and what the client does when the server disappears.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
using tb::test::Process;
using tb::test::TempDir;

const std::string kPingpong = TB_PINGPONG_BIN;

std::vector<std::string> pingpong(const std::string& spec, const std::string& mode,
                                  std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kPingpong, "--", "--port", spec, "--mode", mode};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

TEST(MemifTwoProcess, MillionFramesEachWayArriveCompleteInOrderAndIntact) {
    TempDir dir;
    const std::string socket = dir.file("stream.sock");
    Process server(pingpong("memif:server:" + socket, "stream", {"--frames", "1000000"}),
                   dir.file("server.out"), dir.file("server.err"));
    Process client(pingpong("memif:client:" + socket, "stream", {"--frames", "1000000"}),
                   dir.file("client.out"), dir.file("client.err"));
    const auto client_status = client.wait_for(180s);
    const auto server_status = server.wait_for(30s);
    const std::string expected =
        "stream: ok, sent 1000000, received 1000000, lost 0, "
        "out of order 0, corrupt 0";
    ASSERT_TRUE(client_status.has_value()) << "client did not finish";
    ASSERT_TRUE(server_status.has_value()) << "server did not finish";
    EXPECT_EQ(*client_status, 0) << tb::test::read_file(dir.file("client.err"));
    EXPECT_EQ(*server_status, 0) << tb::test::read_file(dir.file("server.err"));
    EXPECT_NE(tb::test::read_file(dir.file("client.out")).find(expected), std::string::npos)
        << tb::test::read_file(dir.file("client.out"));
    EXPECT_NE(tb::test::read_file(dir.file("server.out")).find(expected), std::string::npos)
        << tb::test::read_file(dir.file("server.out"));
}

TEST(MemifTwoProcess, PingAgainstEchoTimesEveryRoundTrip) {
    TempDir dir;
    const std::string socket = dir.file("ping.sock");
    Process server(pingpong("memif:server:" + socket, "echo"), dir.file("server.out"),
                   dir.file("server.err"));
    Process client(pingpong("memif:client:" + socket, "ping",
                            {"--frames", "20000", "--hgrm", dir.file("rtt.hgrm")}),
                   dir.file("client.out"), dir.file("client.err"));
    const auto client_status = client.wait_for(120s);
    const auto server_status = server.wait_for(30s);
    ASSERT_TRUE(client_status.has_value() && server_status.has_value());
    EXPECT_EQ(*client_status, 0) << tb::test::read_file(dir.file("client.err"));
    EXPECT_EQ(*server_status, 0) << tb::test::read_file(dir.file("server.err"));
    const std::string out = tb::test::read_file(dir.file("client.out"));
    EXPECT_NE(out.find("ping: ok, sent 21000, received 21000"), std::string::npos) << out;
    EXPECT_NE(out.find("count=20000"), std::string::npos) << out;
    const std::string hgrm = tb::test::read_file(dir.file("rtt.hgrm"));
    EXPECT_NE(hgrm.find("Total count    =        20000"), std::string::npos) << hgrm;
}

TEST(MemifTwoProcess, ClientReportsLinkLossWhenTheServerIsKilled) {
    TempDir dir;
    const std::string socket = dir.file("kill.sock");
    // Far more frames than can pass before the kill, and an idle timeout far beyond the bound
    // below, so only link-loss detection can end the client in time.
    const std::vector<std::string> endless = {"--frames", "100000000000", "--idle-timeout", "120s"};
    Process server(pingpong("memif:server:" + socket, "stream", endless), dir.file("server.out"),
                   dir.file("server.err"));
    Process client(pingpong("memif:client:" + socket, "stream", endless), dir.file("client.out"),
                   dir.file("client.err"));
    ASSERT_TRUE(tb::test::wait_for_text(dir.file("client.out"), "link up", 60s))
        << tb::test::read_file(dir.file("client.err"));
    std::this_thread::sleep_for(300ms);  // frames are flowing both ways now
    ASSERT_TRUE(client.running());
    server.kill(SIGKILL);
    const auto client_status = client.wait_for(15s);
    ASSERT_TRUE(client_status.has_value()) << "the client hung after its server died";
    EXPECT_EQ(*client_status, 1);
    const std::string err = tb::test::read_file(dir.file("client.err"));
    EXPECT_NE(err.find("link lost"), std::string::npos) << err;
    const std::string out = tb::test::read_file(dir.file("client.out"));
    EXPECT_NE(out.find("stream: FAILED"), std::string::npos) << out;
}

TEST(MemifTwoProcess, ClientWithoutServerFailsWithinItsConnectTimeout) {
    TempDir dir;
    Process client(
        pingpong("memif:client:" + dir.file("none.sock"), "ping", {"--connect-timeout", "500ms"}),
        dir.file("client.out"), dir.file("client.err"));
    const auto status = client.wait_for(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    const std::string err = tb::test::read_file(dir.file("client.err"));
    EXPECT_NE(err.find("no memif server"), std::string::npos) << err;
}

TEST(MemifTwoProcess, BadOptionsExitWithStatusTwo) {
    TempDir dir;
    Process client({kPingpong, "--", "--port", "ring:x", "--mode", "juggle"}, dir.file("out"),
                   dir.file("err"));
    const auto status = client.wait_for(30s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 2);
    EXPECT_NE(tb::test::read_file(dir.file("err")).find("--mode 'juggle'"), std::string::npos);
}

}  // namespace
