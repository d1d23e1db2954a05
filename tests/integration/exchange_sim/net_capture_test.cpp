// The capture of a seeded sim-mode run (every port of the emulated network, pcapng), judged by
// independent decoders: tshark reads SoupBinTCP and OUCH on the order-entry port and MoldUDP64
// on the feed port, with no malformed frame and every checksum good; tickbench-dump decodes the
// ITCH inside. The same seed writes the same bytes twice. Skips the tshark part when tshark is
// not installed.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tests/integration/exchange_sim/net_harness.hpp"
#include "tests/support/process.hpp"

namespace tb::exchange::testing {
namespace {

using tb::test::CommandResult;
using tb::test::run_command;

bool have_tshark() {
    return tb::test::have_command("tshark");
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos;
         at = text.find(what, at + what.size())) {
        ++n;
    }
    return n;
}

// A short seeded day: background flow, a client that logs in and trades, a trigger, the end.
std::uint64_t seeded_run(const std::string& capture) {
    HostConfig config;
    config.capture_path = capture;
    SimWorld world(parse_scenario(base_scenario_yaml() + R"(background:
  participants: 2
  symbols:
    - {stock: ACME, rate: 5000}
timeline:
  - {at: 20ms, order: {stock: BETA, side: sell, shares: 100, price: 50.00, token: TRIG}, trigger: true}
  - {at: 60ms, end_session: true}
)",
                                  "capture.yaml"),
                   1, config);
    FeedReceiver feed(world);
    world.start();
    NetClient alice(world);
    EXPECT_TRUE(alice.connect());
    alice.login("ALICE", "secret1");
    alice.send_ouch(enter_order("A1", ouchw::Side::kBuy, 100, "BETA", 500'000));
    alice.send_ouch(enter_order("A2", ouchw::Side::kSell, 100, "ACME", 105'000));
    feed.request("TB20240102", 1, 10);
    EXPECT_TRUE(world.run_until([&] { return world.host->finished(); }, kSecondNs));
    world.run_for(10 * kMsNs);
    world.host->finish();
    return world.exchange().digest().value();
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(NetCapture, SameSeedWritesTheSameCaptureAndDigest) {
    tb::test::TempDir dir;
    const std::uint64_t a = seeded_run(dir.file("a.pcapng"));
    const std::uint64_t b = seeded_run(dir.file("b.pcapng"));
    EXPECT_EQ(a, b);
    const std::string bytes = file_bytes(dir.file("a.pcapng"));
    EXPECT_GT(bytes.size(), 10'000u);
    EXPECT_TRUE(bytes == file_bytes(dir.file("b.pcapng")));
}

TEST(NetCapture, TsharkDecodesSoupBinTcpOuchAndMoldUdp64) {
    if (!have_tshark()) {
        GTEST_SKIP() << "tshark is not installed";
    }
    tb::test::TempDir dir;
    const std::string path = dir.file("run.pcapng");
    (void)seeded_run(path);
    // Every frame is in the capture twice (entering the wire on one port, leaving it on
    // another): tshark's TCP sequence analysis would take the second copies for
    // retransmissions and leave them undissected, so it is switched off.
    const std::string decode = "tshark -r " + path +
                               " -o tcp.analyze_sequence_numbers:FALSE"
                               " -d tcp.port==15000,soupbintcp -d udp.port==26477,moldudp64"
                               " -d udp.port==26478,moldudp64 -o tcp.check_checksum:TRUE"
                               " -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE";
    const CommandResult interfaces =
        run_command(decode + " -T fields -e frame.interface_name 2>/dev/null");
    ASSERT_EQ(interfaces.exit_code, 0) << interfaces.output;
    for (const char* name : {"exchange", "feed_a", "feed_b", "client0"}) {
        EXPECT_NE(interfaces.output.find(name), std::string::npos) << name;
    }
    // On the client's port: Login Request, Login Accepted with Start of Day, two Enter Orders
    // and their Accepted, the trigger's Executed, End of Day with End of Session.
    const CommandResult session =
        run_command(decode +
                    " -Y 'frame.interface_name == \"client0\" && soupbintcp'"
                    " -T fields -e frame.protocols 2>/dev/null");
    EXPECT_GE(count(session.output, "soupbintcp"), 8u) << session.output;
    EXPECT_GE(count(session.output, "ouch"), 6u) << session.output;
    const CommandResult feeds_and_requests =
        run_command(decode +
                    " -Y 'frame.interface_name == \"client0\"' -T fields -e frame.protocols"
                    " 2>/dev/null");
    EXPECT_GT(count(feeds_and_requests.output, "moldudp64"), 20u);
    // Every frame is whole and every checksum verifies.
    const CommandResult malformed =
        run_command(decode + " -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null");
    EXPECT_EQ(malformed.exit_code, 0);
    EXPECT_EQ(malformed.output, "") << malformed.output.substr(0, 2000);
    // OUCH messages tshark names: Enter Order from the client, Accepted back.
    const CommandResult ouch = run_command(decode + " -Y ouch -V 2>/dev/null");
    EXPECT_NE(ouch.output.find("Enter Order"), std::string::npos);
    EXPECT_NE(ouch.output.find("Accepted"), std::string::npos);
    // Feed A and B as separate groups from the exchange's address.
    const CommandResult feeds =
        run_command(decode + " -Y moldudp64 -T fields -e ip.src -e ip.dst 2>/dev/null");
    EXPECT_NE(feeds.output.find("10.0.0.1\t233.54.12.111"), std::string::npos);
    EXPECT_NE(feeds.output.find("10.0.0.1\t233.54.12.112"), std::string::npos);
}

TEST(NetCapture, TickbenchDumpDecodesTheItch) {
    tb::test::TempDir dir;
    const std::string path = dir.file("run.pcapng");
    (void)seeded_run(path);
    const CommandResult dump =
        run_command(std::string(TB_DUMP_BIN) + " --mold-port 26477 " + path + " 2>&1");
    EXPECT_EQ(dump.exit_code, 0) << dump.output.substr(0, 4000);
    EXPECT_GT(count(dump.output, "Add Order"), 10u);
    EXPECT_NE(dump.output.find("Stock Directory"), std::string::npos);
    EXPECT_NE(dump.output.find("System Event"), std::string::npos);
    EXPECT_NE(dump.output.find("Enter Order"), std::string::npos);
    EXPECT_EQ(dump.output.find("error="), std::string::npos) << dump.output.substr(0, 4000);
}

}  // namespace
}  // namespace tb::exchange::testing
