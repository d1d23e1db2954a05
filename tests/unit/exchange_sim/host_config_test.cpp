// What the host takes from a scenario and the command line: link port names and directions,
// link settings checked by nic_emu's parser with the scenario's file, line and column, the
// tool's options and their errors, the default run directory, the session's wall-clock epoch.

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.hpp"
#include "exchange_sim/host/host.hpp"
#include "exchange_sim/scenario/options.hpp"
#include "exchange_sim/scenario/scenario.hpp"

namespace tb::exchange {
namespace {

const std::string kMinimal = R"(name: t
session: {date: 2024-01-02}
symbols: [{stock: ACME, reference: 10.00, band: 1.00}]
users: [{username: ALICE, password: pw, participant: 1, firm: FRMA}]
)";

std::string error_of(const std::string& yaml) {
    try {
        (void)parse_scenario(yaml, "bad.yaml");
    } catch (const core::ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(LinkPorts, NamesAndDirections) {
    const auto client = parse_link_port("client");
    ASSERT_TRUE(client);
    EXPECT_EQ(client->kind, LinkPortKind::kClient);
    EXPECT_EQ(client->client, -1);
    EXPECT_TRUE(client->in && client->out);
    const auto one = parse_link_port("client12:out");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->client, 12);
    EXPECT_FALSE(one->in);
    EXPECT_TRUE(one->out);
    const auto feed = parse_link_port("feed_b:in");
    ASSERT_TRUE(feed);
    EXPECT_EQ(feed->kind, LinkPortKind::kFeedB);
    EXPECT_TRUE(feed->in);
    EXPECT_FALSE(feed->out);
    EXPECT_EQ(parse_link_port("exchange")->kind, LinkPortKind::kExchange);
    EXPECT_EQ(parse_link_port("feed_a")->kind, LinkPortKind::kFeedA);
    for (const char* bad : {"", "switch", "client:both", "client01", "clientx", "client123",
                            "feed_c", "exchange:", ":in", "Client"}) {
        EXPECT_FALSE(parse_link_port(bad)) << bad;
    }
}

TEST(LinkPorts, ScenarioLinksCarryTheirTargetAndPlace) {
    const Scenario s = parse_scenario(kMinimal + R"(links:
  client1:out: "latency=2us"
  feed_b: "loss=ge:1%,25%"
timeline:
  - {at: 1s, link: {port: feed_a:in, spec: none}}
)",
                                      "ok.yaml");
    ASSERT_EQ(s.links.size(), 2u);
    EXPECT_EQ(s.links[0].target.client, 1);
    EXPECT_FALSE(s.links[0].target.in);
    EXPECT_EQ(s.links[0].line, 6);
    EXPECT_EQ(s.links[0].column, 3);
    EXPECT_EQ(s.links[1].target.kind, LinkPortKind::kFeedB);
    ASSERT_EQ(s.timeline.size(), 1u);
    EXPECT_EQ(s.timeline[0].link.target.kind, LinkPortKind::kFeedA);
    EXPECT_TRUE(s.timeline[0].link.target.in);
    EXPECT_FALSE(s.timeline[0].link.target.out);
}

TEST(LinkPorts, BadPortsAndSpecsNameFileLineAndColumn) {
    EXPECT_EQ(error_of(kMinimal + "links: {switch: \"latency=2us\"}\n")
                  .rfind("bad.yaml:5:9: links.switch: expected a port of the emulated network", 0),
              0u)
        << error_of(kMinimal + "links: {switch: \"latency=2us\"}\n");
    const std::string nic = error_of(kMinimal + "links: {client: \"latency=2us,jiter=1us\"}\n");
    EXPECT_EQ(nic.rfind("bad.yaml:5:17: links.client: expected a link in nic_emu's syntax (", 0),
              0u)
        << nic;
    EXPECT_NE(nic.find("jiter"), std::string::npos) << nic;
    const std::string timeline =
        error_of(kMinimal + "timeline:\n  - {at: 1s, link: {port: client, spec: \"loss=200%\"}}\n");
    EXPECT_NE(timeline.find("bad.yaml:6:"), std::string::npos) << timeline;
    EXPECT_NE(timeline.find("loss"), std::string::npos) << timeline;
}

TEST(HostOptions, ModesAndTheirOptions) {
    const char* memif[] = {"x",      "--scenario", "s.yaml", "--clients",      "3",  "--run-dir",
                           "/tmp/r", "--duration", "5s",     "--link-timeout", "2s", "--json"};
    const ExchangeOptions m = parse_exchange_options(12, memif);
    EXPECT_EQ(m.mode, ExchangeMode::kMemif);
    EXPECT_EQ(m.clients, 3u);
    EXPECT_EQ(m.run_dir, "/tmp/r");
    EXPECT_EQ(m.duration_ns, 5'000'000'000);
    EXPECT_EQ(m.link_timeout_ns, 2'000'000'000);
    EXPECT_TRUE(m.json);
    const char* kernel[] = {"x", "--scenario", "s.yaml", "--mode", "kernel", "--lockstep"};
    const ExchangeOptions k = parse_exchange_options(6, kernel);
    EXPECT_EQ(k.mode, ExchangeMode::kKernel);
    EXPECT_TRUE(k.lockstep);
    EXPECT_TRUE(k.run_dir.empty());
    const char* ports[] = {"x", "--scenario", "s.yaml", "--port", "ring:a", "--port", "ring:b"};
    EXPECT_EQ(parse_exchange_options(7, ports).ports.size(), 2u);
}

TEST(HostOptions, OptionsThatCannotWorkAreConfigErrors) {
    const std::vector<std::vector<const char*>> bad = {
        {"x", "--scenario", "s", "--mode", "fast"},
        {"x", "--scenario", "s", "--mode", "kernel", "--capture", "c.pcapng"},
        {"x", "--scenario", "s", "--mode", "kernel", "--hgrm", "t.hgrm"},
        {"x", "--scenario", "s", "--mode", "kernel", "--clients", "2"},
        {"x", "--scenario", "s", "--clients", "0"},
        {"x", "--scenario", "s", "--clients", "2", "--port", "ring:a"},
        {"x", "--scenario", "s", "--duration", "0"},
        {"x", "--scenario", "s", "--link-timeout", "soon"},
    };
    for (const auto& args : bad) {
        EXPECT_THROW((void)parse_exchange_options(static_cast<int>(args.size()), args.data()),
                     core::ConfigError)
            << args[3];
    }
}

TEST(HostOptions, DefaultRunDirectoryFollowsXdgRuntimeDir) {
    const char* saved = std::getenv("XDG_RUNTIME_DIR");
    const std::string keep = saved != nullptr ? saved : "";
    ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    EXPECT_EQ(default_run_dir(), "/run/user/1000/tickbench");
    ::unsetenv("XDG_RUNTIME_DIR");
    EXPECT_EQ(default_run_dir(), "/run/tickbench");
    if (saved != nullptr) {
        ::setenv("XDG_RUNTIME_DIR", keep.c_str(), 1);
    }
}

TEST(HostOptions, SessionEpochIsTheDatesWallClockTime) {
    // 2024-01-02T09:30:00Z is 1704187800 s after the epoch.
    EXPECT_EQ(session_epoch_ns("2024-01-02", 34'200'000'000'000LL), 1'704'187'800'000'000'000LL);
    EXPECT_EQ(session_epoch_ns("1970-01-01", 0), 0);
    EXPECT_EQ(session_epoch_ns("2000-03-01", 0), 951'868'800'000'000'000LL);
}

}  // namespace
}  // namespace tb::exchange
