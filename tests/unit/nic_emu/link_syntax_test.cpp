// The compact link syntax (nic_emu/link_syntax.hpp) and the tool's option values
// (nic_emu/options.hpp): every option, the canonical form, and every kind of bad input with the
// message that names it.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "nic_emu/link_syntax.hpp"
#include "nic_emu/options.hpp"
#include "tests/support/process.hpp"

namespace {

using tb::core::ConfigError;
using namespace tb::nic;

// The message of the ConfigError that parse_link throws ("" if none).
std::string link_error(const std::string& text) {
    try {
        (void)parse_link(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(LinkSyntax, ParsesTheIssueExample) {
    const LinkConfig c = parse_link("latency=2us,jitter=normal:100ns,loss=0.1%");
    EXPECT_EQ(c.latency_ns, 2000);
    EXPECT_EQ(c.jitter.kind, JitterKind::kNormal);
    EXPECT_DOUBLE_EQ(c.jitter.a, 100.0);
    EXPECT_EQ(c.loss.kind, LossKind::kBernoulli);
    EXPECT_DOUBLE_EQ(c.loss.probability, 0.001);
    EXPECT_FALSE(c.identity());
}

TEST(LinkSyntax, NoneAndEmptyAreTheIdentityLink) {
    EXPECT_TRUE(parse_link("none").identity());
    EXPECT_TRUE(parse_link("").identity());
    EXPECT_TRUE(parse_link("latency=0,loss=0%").identity());
}

TEST(LinkSyntax, ParsesEveryOption) {
    const LinkConfig c = parse_link(
        "latency=1.5us,jitter=pareto:100ns:2.5,loss=ge:1%,25%,10%,99.9%,dup=0.5%,"
        "reorder=2%:20us,corrupt=0.01,rate=2.5gbit,queue=64,down=5s+200ms,down=1s+1ms,"
        "drop=3:udp:26477@2s,drop=1:group:233.54.12.111,step=3s:10us");
    EXPECT_EQ(c.latency_ns, 1500);
    EXPECT_EQ(c.jitter.kind, JitterKind::kPareto);
    EXPECT_DOUBLE_EQ(c.jitter.a, 100.0);
    EXPECT_DOUBLE_EQ(c.jitter.b, 2.5);
    EXPECT_EQ(c.loss.kind, LossKind::kGilbertElliott);
    EXPECT_DOUBLE_EQ(c.loss.p, 0.01);
    EXPECT_DOUBLE_EQ(c.loss.r, 0.25);
    EXPECT_DOUBLE_EQ(c.loss.h, 0.10);
    EXPECT_DOUBLE_EQ(c.loss.k, 0.999);
    EXPECT_DOUBLE_EQ(c.duplicate, 0.005);
    EXPECT_DOUBLE_EQ(c.reorder, 0.02);
    EXPECT_EQ(c.reorder_delay_ns, 20'000);
    EXPECT_DOUBLE_EQ(c.corrupt, 0.01);
    EXPECT_EQ(c.rate_bps, 2'500'000'000u);
    EXPECT_EQ(c.queue_frames, 64u);
    ASSERT_EQ(c.down.size(), 2u);  // sorted by start
    EXPECT_EQ(c.down[0], (DownWindow{1'000'000'000, 1'000'000}));
    EXPECT_EQ(c.down[1], (DownWindow{5'000'000'000, 200'000'000}));
    ASSERT_EQ(c.drops.size(), 2u);
    EXPECT_EQ(c.drops[0].count, 3u);
    EXPECT_EQ(c.drops[0].filter, (FrameFilter{FilterKind::kUdp, 26477, 0}));
    EXPECT_EQ(c.drops[0].start_ns, 2'000'000'000);
    EXPECT_EQ(c.drops[1].filter.kind, FilterKind::kGroup);
    EXPECT_EQ(c.drops[1].filter.group, 0xE9360C6Fu);  // 233.54.12.111
    EXPECT_EQ(c.drops[1].start_ns, 0);
    ASSERT_EQ(c.steps.size(), 1u);
    EXPECT_EQ(c.steps[0], (LatencyStep{3'000'000'000, 10'000}));
}

TEST(LinkSyntax, GilbertElliottDefaultsToGilbertsModel) {
    const LinkConfig c = parse_link("loss=ge:1%,30%");
    EXPECT_DOUBLE_EQ(c.loss.h, 0.0);
    EXPECT_DOUBLE_EQ(c.loss.k, 1.0);
}

TEST(LinkSyntax, JitterDistributions) {
    EXPECT_EQ(parse_link("jitter=uniform:50ns").jitter.kind, JitterKind::kUniform);
    const LinkConfig lognormal = parse_link("jitter=lognormal:500ns:200ns");
    EXPECT_EQ(lognormal.jitter.kind, JitterKind::kLogNormal);
    EXPECT_DOUBLE_EQ(lognormal.jitter.a, 500.0);
    EXPECT_DOUBLE_EQ(lognormal.jitter.b, 200.0);
}

TEST(LinkSyntax, EmpiricalJitterReadsItsTable) {
    tb::test::TempDir dir;
    const std::string path = dir.file("jitter.txt");
    std::ofstream(path) << "# observed\n100ns\n\n-20ns\n 1.5us \n";
    const LinkConfig c = parse_link("jitter=empirical:" + path);
    ASSERT_EQ(c.jitter.kind, JitterKind::kEmpirical);
    EXPECT_EQ(c.jitter.table, (std::vector<double>{100.0, -20.0, 1500.0}));
    EXPECT_EQ(c.jitter.source, path);
}

TEST(LinkSyntax, EmpiricalTableErrorsNameFileAndLine) {
    tb::test::TempDir dir;
    const std::string path = dir.file("bad.txt");
    std::ofstream(path) << "100ns\nfast\n";
    const std::string error = link_error("jitter=empirical:" + path);
    EXPECT_NE(error.find(path + ":2: 'fast'"), std::string::npos) << error;
    EXPECT_NE(link_error("jitter=empirical:" + dir.file("missing.txt")).find("cannot read"),
              std::string::npos);
    std::ofstream(dir.file("empty.txt")) << "# nothing\n";
    EXPECT_NE(link_error("jitter=empirical:" + dir.file("empty.txt")).find("holds no values"),
              std::string::npos);
}

TEST(LinkSyntax, CanonicalFormParsesBackToTheSameConfiguration) {
    const std::string texts[] = {
        "latency=2us,jitter=normal:100ns,loss=0.1%",
        "jitter=uniform:1us,dup=3%,reorder=1%:5us,corrupt=0.2%",
        "jitter=lognormal:700ns:300ns,loss=ge:0.5%,20%,5%,100%",
        "rate=10gbit,queue=20,down=1s+2ms,drop=5:tcp-data:15000@10ms,step=2s:3us",
        "jitter=pareto:50ns:1.5,drop=2:any,drop=1:tcp,drop=1:udp,drop=1:group:239.1.2.3:9000",
        "none",
    };
    for (const std::string& text : texts) {
        const LinkConfig first = parse_link(text);
        const std::string canonical = format_link(first);
        const LinkConfig second = parse_link(canonical);
        EXPECT_EQ(format_link(second), canonical) << text;
        EXPECT_EQ(second.latency_ns, first.latency_ns) << text;
        EXPECT_EQ(second.loss.probability, first.loss.probability) << text;
        EXPECT_EQ(second.loss.p, first.loss.p) << text;
        EXPECT_EQ(second.loss.h, first.loss.h) << text;
        EXPECT_EQ(second.jitter.a, first.jitter.a) << text;
        EXPECT_EQ(second.jitter.b, first.jitter.b) << text;
        EXPECT_EQ(second.rate_bps, first.rate_bps) << text;
        EXPECT_EQ(second.down, first.down) << text;
        EXPECT_EQ(second.drops, first.drops) << text;
        EXPECT_EQ(second.steps, first.steps) << text;
        EXPECT_EQ(second.identity(), first.identity()) << text;
    }
}

TEST(LinkSyntax, ErrorsNameTheOptionAndWhatWasExpected) {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"jiter=normal:100ns", "link option 'jiter=normal:100ns': unknown option 'jiter'"},
        {"latency=fast", "'fast' is not a duration"},
        {"latency=-2us", "'-2us' is not a duration"},
        {"latency=11000000s", "longer than 10 days"},
        {"latency", "link option 'latency': expected NAME=VALUE"},
        {"latency=", "the value is missing"},
        {"loss=150%", "'150%' is not a percentage"},
        {"loss=1.5", "'1.5' is not a percentage"},
        {"loss=lots", "'lots' is not a percentage"},
        {"loss=ge:1%", "takes ge:P,R[,H[,K]]"},
        {"loss=ge:1%,2%,3%,4%,5%", "takes ge:P,R[,H[,K]]"},
        {"loss=ge:1%,0", "Bad state for ever"},
        {"jitter=gauss:1us", "'gauss' is not a jitter distribution"},
        {"jitter=normal", "takes one standard deviation"},
        {"jitter=lognormal:1us", "takes a mean and a standard deviation"},
        {"jitter=pareto:1us:-1", "'-1' is not a positive shape"},
        {"jitter=pareto:0:2", "scale must be above 0"},
        {"jitter=empirical", "takes a file"},
        {"reorder=1%", "reorder takes PROB:DELAY"},
        {"reorder=1%:0", "would not reorder anything"},
        {"rate=10gbps", "'10gbps' is not a rate"},
        {"rate=0gbit", "'0gbit' is not a rate"},
        {"queue=0,rate=1gbit", "'0' is not a queue bound"},
        {"queue=10", "give rate= too"},
        {"down=5s", "down takes START+DURATION"},
        {"down=5s+x", "'x' is not a duration"},
        {"drop=3", "drop takes COUNT:FILTER"},
        {"drop=0:udp", "drop takes COUNT:FILTER"},
        {"drop=3:icmp", "unknown filter 'icmp'"},
        {"drop=3:udp:0", "'0' is not a port number"},
        {"drop=3:group:233.54.12", "'233.54.12' is not an IPv4 address"},
        {"drop=3:udp@soon", "'soon' is not a duration"},
        {"step=1s", "step takes TIME:LATENCY"},
        {"latency=1us,latency=2us", "'latency' is given twice"},
    };
    for (const Case& c : cases) {
        const std::string error = link_error(c.text);
        EXPECT_NE(error.find(c.message), std::string::npos)
            << "input: " << c.text << "\nmessage: " << error;
    }
}

TEST(LinkSyntax, RatesProbabilitiesAndSignedDurations) {
    EXPECT_EQ(parse_rate_bps("10gbit"), 10'000'000'000u);
    EXPECT_EQ(parse_rate_bps("2.5Gbit"), 2'500'000'000u);
    EXPECT_EQ(parse_rate_bps("100mbit"), 100'000'000u);
    EXPECT_EQ(parse_rate_bps("9600bit"), 9600u);
    EXPECT_EQ(parse_rate_bps("1tbit"), 1'000'000'000'000u);
    EXPECT_FALSE(parse_rate_bps("10"));
    EXPECT_FALSE(parse_rate_bps("gbit"));
    EXPECT_FALSE(parse_rate_bps("-1gbit"));
    EXPECT_EQ(parse_probability("0.1%"), 0.001);
    EXPECT_EQ(parse_probability("1"), 1.0);
    EXPECT_EQ(parse_probability("100%"), 1.0);
    EXPECT_FALSE(parse_probability("-0.1"));
    EXPECT_FALSE(parse_probability("%"));
    EXPECT_EQ(parse_signed_duration_ns("-20ns"), -20);
    EXPECT_EQ(parse_signed_duration_ns("3us"), 3000);
    EXPECT_FALSE(parse_signed_duration_ns("-"));
}

TEST(LinkOptions, SelectsPortAndDirection) {
    const LinkOption both = parse_link_option("1=latency=2us", 2);
    EXPECT_EQ(both.port, 1u);
    EXPECT_TRUE(both.in && both.out);
    EXPECT_EQ(both.link.latency_ns, 2000);
    const LinkOption out = parse_link_option("0:out=loss=1%", 2);
    EXPECT_FALSE(out.in);
    EXPECT_TRUE(out.out);
    const LinkOption in = parse_link_option("0:in=none", 2);
    EXPECT_TRUE(in.in);
    EXPECT_FALSE(in.out);
}

TEST(LinkOptions, BadLinkOptionsSayWhatIsWrong) {
    const auto error = [](const std::string& text) -> std::string {
        try {
            (void)parse_link_option(text, 2);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_NE(error("latency=2us").find("'latency' is not a port number"), std::string::npos);
    EXPECT_NE(error("2=latency=2us").find("port 2 does not exist"), std::string::npos);
    EXPECT_NE(error("0:up=latency=2us").find("direction 'up' is not in or out"), std::string::npos);
    EXPECT_NE(error("0").find("expected PORT[:in|:out]=LINK"), std::string::npos);
    EXPECT_NE(error("0:out=latency=2xs").find("--link 0:out: link option 'latency=2xs'"),
              std::string::npos)
        << error("0:out=latency=2xs");
}

TEST(LinkOptions, StaticEntriesAndTrailers) {
    const StaticMac mac = parse_static_mac("1=02:00:00:00:00:0a", 2);
    EXPECT_EQ(mac.port, 1u);
    EXPECT_EQ(mac.mac, (tb::proto::MacAddress{0x02, 0, 0, 0, 0, 0x0A}));
    EXPECT_EQ(parse_mac("02-00-00-00-00-0B"), (tb::proto::MacAddress{0x02, 0, 0, 0, 0, 0x0B}));
    EXPECT_FALSE(parse_mac("02:00:00:00:00"));
    EXPECT_FALSE(parse_mac("02:00:00:00:00:0g"));
    EXPECT_FALSE(parse_mac("02:00-00:00:00:00"));
    const StaticGroup group = parse_static_group("233.54.12.111=0,2", 3);
    EXPECT_EQ(group.group, 0xE9360C6Fu);
    EXPECT_EQ(group.ports, port_bit(0) | port_bit(2));
    const TrailerOption trailer = parse_trailer_option("1:7", 2);
    EXPECT_EQ(trailer.port, 1u);
    EXPECT_EQ(trailer.device, 7);
    EXPECT_THROW((void)parse_static_mac("0=nonsense", 2), ConfigError);
    EXPECT_THROW((void)parse_static_group("10.0.0.1=0", 2), ConfigError);
    EXPECT_THROW((void)parse_static_group("233.54.12.111=", 2), ConfigError);
    EXPECT_THROW((void)parse_static_group("233.54.12.111=0,5", 2), ConfigError);
    EXPECT_THROW((void)parse_trailer_option("0:70000", 2), ConfigError);
    EXPECT_THROW((void)parse_trailer_option("3", 2), ConfigError);
}

}  // namespace
