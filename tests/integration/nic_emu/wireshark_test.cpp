// Wireshark (tshark) as an independent judge of the emulator's capture and timestamp trailers.
// A virtual-time run writes a pcapng file; tshark then reads it and must report:
//  - one interface per port, with its name, and every frame on the right one with the right
//    direction and the nanosecond timestamp we stamped;
//  - no malformed frame, and every checksum verifying (the trailer does not disturb IPv4, UDP
//    and TCP);
//  - with its Metamako trailer dissector (Debian 12's tshark 4.0: heuristic, off by default,
//    enabled with --enable-heuristic metamako_eth), the seconds, nanoseconds, original FCS,
//    flags, device and port we wrote into every frame handed to the trailer port.
// Skips when tshark is not installed.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"
#include "proto/capture.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/nic_emu/frames.hpp"
#include "tests/unit/nic_emu/sim_port.hpp"

namespace {

using namespace tb::nic;
using test::Bytes;

// 2024-06-11 12:00:00 UTC: the wall-clock time of virtual time 0.
constexpr std::int64_t kEpochNs = 1'718'107'200'000'000'000;
constexpr std::uint16_t kDevice = 0x1234;

using tb::test::CommandResult;
using tb::test::run_command;

bool have_tshark() {
    return tb::test::have_command("tshark");
}

std::vector<std::vector<std::string>> rows(const std::string& text) {
    std::vector<std::vector<std::string>> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("Running as user", 0) == 0) {
            continue;  // tshark's warning to root, on stderr
        }
        std::vector<std::string> columns;
        std::size_t start = 0;
        for (;;) {
            const std::size_t tab = line.find('\t', start);
            columns.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) {
                break;
            }
            start = tab + 1;
        }
        out.push_back(columns);
    }
    return out;
}

// What the run handed to the trailer port, as the port's device saw it.
struct RunResult {
    std::vector<Bytes> delivered;
    std::size_t captured = 0;
};

// Exchange on port 0 sends MoldUDP64 packets (some shorter than 60 bytes, so they get padded)
// and unicast UDP; the client on port 1 sends orders. Port 1 gets trailers.
RunResult make_capture(const std::string& path) {
    EmulatorConfig config;
    config.seed = 5;
    config.ports.resize(2);
    config.ports[0].name = "exchange";
    config.ports[1].name = "client";
    config.ports[1].out = parse_link("latency=2500ns,jitter=uniform:300ns");
    config.ports[0].out = parse_link("latency=1us");
    config.ports[1].trailer = true;
    config.ports[1].trailer_device = kDevice;
    config.capture_path = path;
    config.epoch_ns = kEpochNs;
    tb::core::VirtualClock clock;
    test::Pool pool0;
    test::Pool pool1;
    test::SimPort exchange(pool0.get());
    test::SimPort client(pool1.get());
    std::vector<test::SimPort*> ports = {&exchange, &client};
    RunResult run;
    {
        Emulator<test::SimPort, tb::core::VirtualClock> emulator(config, ports, clock);
        test::World world(clock, emulator);
        const auto collect = [&](std::int64_t) {
            for (Bytes& frame : client.take()) {
                run.delivered.push_back(std::move(frame));
            }
            (void)exchange.discard();
        };
        for (std::uint64_t i = 0; i < 200; ++i) {
            world.run_until(static_cast<std::int64_t>(i) * 5'000 + 17, collect);
            if (i % 3 == 0) {
                exchange.send(test::udp_frame(i, 26478, 8));  // 50 bytes: padded before the trailer
            } else {
                exchange.send(test::mold_frame(i, static_cast<std::uint16_t>(1 + i % 40)));
            }
            if (i % 7 == 0) {
                client.send(test::tcp_frame(i, 15000, 48));
            }
        }
        world.run_until(10'000'000, collect);
        emulator.finish();
        run.captured = emulator.capture()->counters().frames;
    }
    return run;
}

class Wireshark : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tshark()) {
            GTEST_SKIP() << "tshark is not installed (apt-get install tshark)";
        }
        run_ = make_capture(dir_.file("wire.pcapng"));
        // TB_NIC_KEEP_CAPTURE=FILE keeps a copy to look at by hand.
        if (const char* keep = std::getenv("TB_NIC_KEEP_CAPTURE")) {
            std::filesystem::copy_file(dir_.file("wire.pcapng"), keep,
                                       std::filesystem::copy_options::overwrite_existing);
        }
    }
    std::string tshark(const std::string& arguments) const {
        return "TZ=UTC tshark -r '" + dir_.file("wire.pcapng") + "' " + arguments + " 2>&1";
    }

    tb::test::TempDir dir_;
    RunResult run_;
};

TEST_F(Wireshark, ReadsEveryFrameOnItsInterfaceWithDirectionAndNanosecondTime) {
    const CommandResult result =
        run_command(tshark("-T fields -e frame.interface_id -e frame.interface_name "
                           "-e frame.packet_flags_direction -e frame.time_epoch -e frame.len"));
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto table = rows(result.output);
    ASSERT_EQ(table.size(), run_.captured);
    // Our own reader gives the same records; tshark must agree on every one.
    tb::proto::CaptureReader reader;
    ASSERT_EQ(reader.open(dir_.file("wire.pcapng")), tb::proto::Status::kOk);
    tb::proto::CaptureRecord record;
    std::size_t outbound_client = 0;
    for (const auto& row : table) {
        ASSERT_EQ(reader.next(record), tb::proto::Status::kOk);
        ASSERT_EQ(row.size(), 5u) << result.output;
        EXPECT_EQ(row[0], std::to_string(record.interface_id));
        EXPECT_EQ(row[1], record.interface_id == 0 ? "exchange" : "client");
        const bool inbound = record.direction == tb::proto::CaptureDirection::kInbound;
        EXPECT_EQ(row[2], inbound ? "0x00000001" : "0x00000002");
        const std::int64_t seconds = record.timestamp_ns / 1'000'000'000;
        char expected_time[40];
        std::snprintf(expected_time, sizeof expected_time, "%lld.%09lld",
                      static_cast<long long>(seconds),
                      static_cast<long long>(record.timestamp_ns % 1'000'000'000));
        EXPECT_EQ(row[3], expected_time);
        EXPECT_EQ(row[4], std::to_string(record.data.size()));
        outbound_client += !inbound && record.interface_id == 1;
    }
    EXPECT_EQ(outbound_client, run_.delivered.size());
}

TEST_F(Wireshark, FindsNoMalformedFrameAndEveryChecksumVerifies) {
    const CommandResult result = run_command(
        tshark("-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE "
               "--enable-heuristic metamako_eth -z expert,warn -q"));
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.find("Malformed"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("Bad checksum"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("Error"), std::string::npos) << result.output;
    // Checksum status 1 is "good" (Wireshark's PROTO_CHECKSUM_E_GOOD); every frame here is
    // IPv4 with UDP or TCP.
    const CommandResult status = run_command(
        tshark("-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE "
               "--enable-heuristic metamako_eth -T fields -e ip.checksum.status "
               "-e udp.checksum.status -e tcp.checksum.status"));
    ASSERT_EQ(status.exit_code, 0) << status.output;
    const auto table = rows(status.output);
    ASSERT_EQ(table.size(), run_.captured);
    for (const auto& row : table) {
        ASSERT_EQ(row.size(), 3u) << status.output;
        EXPECT_EQ(row[0], "1");
        EXPECT_EQ(row[1] + row[2], "1");
    }
}

TEST_F(Wireshark, DecodesTheTrailerValuesWeWrote) {
    const CommandResult result = run_command(tshark(
        "--enable-heuristic metamako_eth -Y 'frame.interface_id == 1 && "
        "frame.packet_flags_direction == 2' -T fields -e metamako.time -e metamako.srcdevice "
        "-e metamako.srcport -e metamako.orig_fcs -e metamako.flags -e frame.time_epoch"));
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const auto table = rows(result.output);
    ASSERT_EQ(table.size(), run_.delivered.size()) << result.output;
    ASSERT_FALSE(table.empty());
    for (std::size_t i = 0; i < table.size(); ++i) {
        Trailer trailer;
        ASSERT_EQ(parse_trailer(run_.delivered[i], trailer), tb::proto::Status::kOk);
        const auto& row = table[i];
        ASSERT_GE(row.size(), 6u) << result.output;
        EXPECT_EQ(row[1], std::to_string(kDevice)) << row[1];
        EXPECT_EQ(row[2], "1");
        char fcs[16];
        std::snprintf(fcs, sizeof fcs, "0x%08x", trailer.original_fcs);
        EXPECT_EQ(row[3], fcs);
        EXPECT_EQ(row[4], "0x01");
        // The trailer time is the hand-over time, which is also the capture time.
        char expected_epoch[40];
        std::snprintf(expected_epoch, sizeof expected_epoch, "%u.%09u", trailer.seconds,
                      trailer.nanoseconds);
        EXPECT_EQ(row[5], expected_epoch);
        // metamako.time as Wireshark 4.0 prints an absolute time in UTC.
        const std::time_t seconds = trailer.seconds;
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char date[64];
        std::strftime(date, sizeof date, "%b %e, %Y %H:%M:%S", &utc);
        char expected_time[96];
        std::snprintf(expected_time, sizeof expected_time, "%s.%09u UTC", date,
                      trailer.nanoseconds);
        EXPECT_EQ(row[0], expected_time);
    }
}

}  // namespace
