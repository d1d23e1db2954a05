// Scenario files (exchange_sim/scenario): a full file parses into the values it says, defaults
// are DESIGN.md's wire identities, and every kind of mistake is a ConfigError naming the file,
// line, column, field and what was expected. Also the command line of tickbench-exchange.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "exchange_sim/scenario/options.hpp"
#include "exchange_sim/scenario/scenario.hpp"

namespace tb::exchange {
namespace {

const std::string kMinimal = R"(name: minimal
session:
  date: 2024-01-02
symbols:
  - {stock: ACME, reference: 10.00, band: 1.00}
)";

// The ConfigError message for `text`, or "" if it parsed.
std::string error_of(const std::string& text) {
    try {
        (void)parse_scenario(text, "bad.yaml");
    } catch (const core::ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(Scenario, FullFileParsesIntoItsValues) {
    const Scenario s = parse_scenario(R"(name: full
seed: 99
session: {date: 2024-02-29, start: "10:15:30.25", duration: 90s, id: SESSION01}
symbols:
  - {stock: ACME, tick: 0.05, reference: 20.00, band: 2.50, locate: 7}
  - {stock: BRK.A, tick: 1.00, reference: 5000.00, band: 100.00, halted: true}
users:
  - {username: CLI, password: pw, participant: 12, firm: ABCD}
order_entry:
  port: 16000
  heartbeat_interval: 500ms
  client_timeout: 5s
  cancel_on_disconnect: true
  max_sessions: 3
  rate_limit: 100
  rate_burst: 10
  store_initial_bytes: 4096
  store_max_bytes: 1048576
  tx_buffer_bytes: 8192
market_data:
  feed_a: 239.1.1.1:30001
  feed_b: 239.1.1.2:30002
  retransmission_port: 30003
  mtu: 9000
  heartbeat_interval: 2s
  store_messages: 1024
  retransmit_max_messages: 500
  retransmit_rate: 1000
network: {exchange_ip: 10.1.0.1, client_ip: 10.1.0.2}
links: {client: "latency=2us,jitter=normal:100ns,loss=0.1%", feed_a: ""}
initial_book:
  - {stock: ACME, side: buy, shares: 100, price: 19.95, tif: day, display: A, token: INIT1}
background:
  participants: 2
  cancel_share: 0.5
  symbols: [{stock: ACME, rate: 1000.5}]
timeline:
  - {at: 2s, halt: {stock: ACME, reason: T1}}
  - {at: 1s, order: {user: CLI, stock: ACME, side: short, shares: 200, price: 20.05, tif: ioc}, trigger: true}
  - {at: 3s, resume: ACME}
  - {at: 4s, link: {port: client, spec: "loss=1%"}}
  - {at: 5s, disconnect: CLI}
  - {at: 6s, cancel: {token: INIT1, shares: 50}}
  - {at: 80s, end_session: true}
limits: {max_orders: 4096, max_tokens: 16384, inputs_per_pass: 64}
)",
                                      "full.yaml");
    EXPECT_EQ(s.name, "full");
    EXPECT_EQ(s.seed, 99u);
    EXPECT_EQ(s.date, "2024-02-29");
    EXPECT_EQ(s.start_of_day_ns, ((10 * 60 + 15) * 60 + 30) * 1'000'000'000LL + 250'000'000);
    EXPECT_EQ(s.duration_ns, 90'000'000'000LL);
    EXPECT_EQ(s.gateway.session, "SESSION01");
    EXPECT_EQ(s.feed.session, "SESSION01");
    ASSERT_EQ(s.symbols.size(), 2u);
    EXPECT_EQ(s.symbols[0].tick, 500u);
    EXPECT_EQ(s.symbols[0].reference_price, 200'000u);
    EXPECT_EQ(s.symbols[0].band, 25'000u);
    EXPECT_EQ(s.symbols[0].locate, 7u);
    EXPECT_EQ(s.symbols[1].stock.str(), "BRK.A");
    EXPECT_TRUE(s.symbols[1].halted_at_start);
    EXPECT_EQ(s.symbols[1].locate, 2u);
    ASSERT_EQ(s.gateway.users.size(), 1u);
    EXPECT_EQ(s.gateway.users[0].participant, 12u);
    EXPECT_EQ(s.gateway.users[0].firm.str(), "ABCD");
    EXPECT_EQ(s.network.order_entry_port, 16000);
    EXPECT_EQ(s.gateway.server_heartbeat_interval_ns, 500'000'000);
    EXPECT_EQ(s.gateway.client_timeout_ns, 5'000'000'000);
    EXPECT_TRUE(s.gateway.cancel_on_disconnect);
    EXPECT_EQ(s.gateway.max_sessions, 3u);
    EXPECT_EQ(s.gateway.rate_limit_per_s, 100u);
    EXPECT_EQ(s.gateway.rate_limit_burst, 10u);
    EXPECT_EQ(s.gateway.store_max_bytes, 1'048'576u);
    EXPECT_EQ(s.network.feed_a, (Ipv4Endpoint{0xEF010101, 30001}));
    EXPECT_EQ(s.network.feed_b, (Ipv4Endpoint{0xEF010102, 30002}));
    EXPECT_EQ(s.network.retransmission_port, 30003);
    EXPECT_EQ(s.network.exchange_ip, 0x0A010001u);
    EXPECT_EQ(s.feed.mtu, 9000u);
    EXPECT_EQ(s.feed.store_messages, 1024u);
    EXPECT_EQ(s.feed.retransmit_max_messages, 500u);
    ASSERT_EQ(s.links.size(), 2u);
    EXPECT_EQ(s.links[0].port, "client");
    EXPECT_EQ(s.links[1].spec, "");
    ASSERT_EQ(s.initial_book.size(), 1u);
    EXPECT_EQ(s.initial_book[0].display, ouch::Display::kAttributable);
    EXPECT_EQ(s.initial_book[0].time_in_force, ouch::kTimeInForceMarketHours);
    EXPECT_EQ(s.initial_book[0].participant, s.operations);
    ASSERT_TRUE(s.background);
    EXPECT_EQ(s.background->participants, 2u);
    EXPECT_DOUBLE_EQ(s.background->symbols[0].rate_per_s, 1000.5);
    EXPECT_EQ(s.background->symbols[0].tick, 500u);
    ASSERT_EQ(s.timeline.size(), 7u);
    // Sorted by time; the order came second in the file.
    EXPECT_EQ(s.timeline[0].kind, TimelineKind::kOrder);
    EXPECT_TRUE(s.timeline[0].trigger);
    EXPECT_EQ(s.timeline[0].order.participant, 12u);
    EXPECT_EQ(s.timeline[0].order.side, ouch::Side::kSellShort);
    EXPECT_EQ(s.timeline[0].order.time_in_force, ouch::kTimeInForceImmediateOrCancel);
    EXPECT_EQ(s.timeline[1].kind, TimelineKind::kHalt);
    EXPECT_EQ(s.timeline[1].reason.str(), "T1");
    EXPECT_EQ(s.timeline[3].link.spec, "loss=1%");
    EXPECT_EQ(s.timeline[4].user, 12u);
    EXPECT_EQ(s.timeline[5].order.shares, 50u);
    EXPECT_EQ(s.timeline[6].kind, TimelineKind::kEndOfSession);
    EXPECT_EQ(s.max_orders, 4096u);
    EXPECT_EQ(s.inputs_per_pass, 64u);
    // The engine gets every participant, and firms without anti-internalization for the
    // exchange's own.
    const EngineConfig engine = engine_config(s);
    EXPECT_EQ(engine.participants.size(), 1u + 1u + 2u);
    EXPECT_NO_THROW(validate_config(engine));
}

TEST(Scenario, DefaultsAreTheWireIdentitiesOfTheDesign) {
    const Scenario s = parse_scenario(kMinimal, "minimal.yaml");
    EXPECT_EQ(format_ipv4(s.network.exchange_ip), "10.0.0.1");
    EXPECT_EQ(format_ipv4(s.network.client_ip), "10.0.0.2");
    EXPECT_EQ(s.network.order_entry_port, 15000);
    EXPECT_EQ(format_ipv4(s.network.feed_a.ip), "233.54.12.111");
    EXPECT_EQ(s.network.feed_a.port, 26477);
    EXPECT_EQ(format_ipv4(s.network.feed_b.ip), "233.54.12.112");
    EXPECT_EQ(s.network.feed_b.port, 26477);
    EXPECT_EQ(s.network.retransmission_port, 26478);
    EXPECT_EQ(s.gateway.server_heartbeat_interval_ns, 1'000'000'000);
    EXPECT_EQ(s.gateway.client_timeout_ns, 15'000'000'000);
    EXPECT_EQ(s.feed.heartbeat_interval_ns, 1'000'000'000);
    EXPECT_EQ(s.gateway.session, "TB20240102");
    EXPECT_EQ(s.start_of_day_ns, 34'200'000'000'000);
    EXPECT_EQ(s.seed, 1u);
    EXPECT_FALSE(s.background);
    EXPECT_FALSE(s.replay);
    EXPECT_EQ(s.symbols[0].tick, 100u);
}

struct BadCase {
    const char* name;
    std::string text;
    std::string expected;  // a substring of the message, with file:line:column
};

TEST(Scenario, MistakesNameFileLineColumnFieldAndExpectation) {
    const std::vector<BadCase> cases = {
        {"unknown top-level key", kMinimal + "colour: blue\n",
         "bad.yaml:6:1: colour: unknown key; expected one of name, seed"},
        {"unknown nested key", kMinimal + "order_entry: {hearbeat_interval: 1s}\n",
         "bad.yaml:6:15: order_entry.hearbeat_interval: unknown key"},
        {"missing name",
         "session: {date: 2024-01-02}\nsymbols: [{stock: A, reference: 1, band: 1}]\n",
         "bad.yaml:1:1: name: missing (required)"},
        {"missing band",
         "name: x\nsession: {date: 2024-01-02}\nsymbols:\n  - {stock: ACME, reference: 10}\n",
         "bad.yaml:4:5: symbols[0].band: missing (required)"},
        {"bad date", "name: x\nsession: {date: 2024-13-02}\n",
         "bad.yaml:2:17: session.date: expected a date YYYY-MM-DD, got '2024-13-02'"},
        {"bad start", "name: x\nsession: {date: 2024-01-02, start: \"25:00:00\"}\n",
         "session.start: expected a time of day HH:MM:SS[.fraction], got '25:00:00'"},
        {"bad price",
         "name: x\nsession: {date: 2024-01-02}\nsymbols:\n  - {stock: ACME, reference: 10.123456, "
         "band: 1}\n",
         "bad.yaml:4:30: symbols[0].reference: expected a price in dollars with at most 4 "
         "decimals, such as 12.3400, got '10.123456'"},
        {"reference off the tick",
         "name: x\nsession: {date: 2024-01-02}\nsymbols:\n  - {stock: ACME, tick: 0.05, reference: "
         "10.01, band: 1}\n",
         "symbols[0].reference: expected a positive multiple of the tick, got '10.01'"},
        {"lower-case stock",
         "name: x\nsession: {date: 2024-01-02}\nsymbols:\n  - {stock: acme, reference: 10, band: "
         "1}\n",
         "symbols[0].stock: expected a stock symbol"},
        {"duplicate stock", kMinimal + "  - {stock: ACME, reference: 10.00, band: 1.00}\n",
         "bad.yaml:6:13: symbols[1].stock: expected a symbol not listed before, got 'ACME'"},
        {"bad duration", kMinimal + "order_entry: {client_timeout: soon}\n",
         "order_entry.client_timeout: expected a duration such as 250ns, 2us, 1.5ms, 3s or 1min, "
         "got 'soon'"},
        {"zero duration", kMinimal + "order_entry: {client_timeout: 0}\n",
         "order_entry.client_timeout: expected a positive duration, got '0'"},
        {"bad boolean", kMinimal + "order_entry: {cancel_on_disconnect: yes}\n",
         "order_entry.cancel_on_disconnect: expected true or false, got 'yes'"},
        {"out of range integer", kMinimal + "order_entry: {max_sessions: 0}\n",
         "order_entry.max_sessions: expected an integer from 1 to 1024, got '0'"},
        {"long username",
         kMinimal + "users: [{username: TOOLONGNAME, password: p, participant: 1, firm: F}]\n",
         "users[0].username: expected a SoupBinTCP username of 1 to 6 printable characters"},
        {"duplicate participant",
         kMinimal + "users:\n  - {username: A, password: p, participant: 1, firm: F}\n  - "
                    "{username: B, password: p, participant: 1, firm: F}\n",
         "bad.yaml:8:45: users[1].participant: expected a participant id not used before"},
        {"bad endpoint", kMinimal + "market_data: {feed_a: 233.54.12.111}\n",
         "market_data.feed_a: expected ADDRESS:PORT such as 233.54.12.111:26477"},
        {"bad address", kMinimal + "network: {exchange_ip: 10.0.0.256}\n",
         "network.exchange_ip: expected an IPv4 address such as 10.0.0.1, got '10.0.0.256'"},
        {"bad link", kMinimal + "links: {client: \"latency 2us\"}\n",
         "bad.yaml:6:17: links.client: expected a link in nic_emu's syntax"},
        {"unknown symbol in book",
         kMinimal + "initial_book: [{stock: NOPE, side: buy, shares: 1, price: 10}]\n",
         "initial_book[0].stock: expected a symbol listed under symbols, got 'NOPE'"},
        {"bad side", kMinimal + "initial_book: [{stock: ACME, side: up, shares: 1, price: 10}]\n",
         "initial_book[0].side: expected buy, sell, short or exempt"},
        {"unknown user in timeline", kMinimal + "timeline: [{at: 1s, disconnect: EVE}]\n",
         "timeline[0].disconnect: expected a username listed under users, got 'EVE'"},
        {"two events at once", kMinimal + "timeline: [{at: 1s, halt: ACME, resume: ACME}]\n",
         "timeline[0]: expected exactly one event"},
        {"unknown event", kMinimal + "timeline: [{at: 1s, explode: ACME}]\n",
         "timeline[0].explode: unknown key; expected at, trigger and one of order"},
        {"trigger on a halt", kMinimal + "timeline: [{at: 1s, halt: ACME, trigger: true}]\n",
         "timeline[0].trigger: expected trigger only on an order"},
        {"missing at", kMinimal + "timeline: [{halt: ACME}]\n",
         "timeline[0].at: missing (required)"},
        {"shares too large",
         kMinimal + "initial_book: [{stock: ACME, side: buy, shares: 1000000, price: 10}]\n",
         "initial_book[0].shares: expected an integer from 1 to 999999"},
        {"shares beyond one",
         kMinimal + "background: {cancel_share: 0.7, replace_share: 0.5, symbols: [{stock: ACME, "
                    "rate: 1}]}\n",
         "background: expected cancel_share + replace_share + marketable_share at most 1"},
        {"zero rate", kMinimal + "background: {symbols: [{stock: ACME, rate: 0}]}\n",
         "background.symbols[0].rate: expected a number from"},
        {"replay speed", kMinimal + "replay: {file: x.itch, symbols: [ACME], speed: fast}\n",
         "replay.speed: expected a number from"},
        {"not a mapping", "- just\n- a list\n", "bad.yaml:1:1: : expected a mapping, got a list"},
        {"YAML syntax", "name: [unclosed\n", "bad.yaml:2:1: not valid YAML"},
        {"event after duration",
         "name: x\nsession: {date: 2024-01-02, duration: 1s}\nsymbols: [{stock: A, reference: 1, "
         "band: 1}]\ntimeline: [{at: 2s, halt: A}]\n",
         "bad.yaml:4: timeline: event after the session's duration"},
    };
    for (const BadCase& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string message = error_of(c.text);
        EXPECT_NE(message.find(c.expected), std::string::npos) << "message: " << message;
    }
}

TEST(Scenario, MissingFileIsAConfigError) {
    EXPECT_THROW((void)load_scenario("/nonexistent/scenario.yaml"), core::ConfigError);
}

TEST(Scenario, PricesParseExactlyInFourDecimals) {
    EXPECT_EQ(parse_price("10"), 100'000u);
    EXPECT_EQ(parse_price("10.5"), 105'000u);
    EXPECT_EQ(parse_price("0.0001"), 1u);
    EXPECT_EQ(parse_price("199999.9999"), 1'999'999'999u);
    EXPECT_EQ(parse_price("429496.7295"), 4'294'967'295u);
    EXPECT_FALSE(parse_price("429496.7296"));
    EXPECT_FALSE(parse_price(""));
    EXPECT_FALSE(parse_price("."));
    EXPECT_FALSE(parse_price("1."));
    EXPECT_FALSE(parse_price(".5"));
    EXPECT_FALSE(parse_price("-1"));
    EXPECT_FALSE(parse_price("1.00001"));
    EXPECT_FALSE(parse_price("1e3"));
    EXPECT_FALSE(parse_price("99999999999"));
}

TEST(Scenario, AddressesTimesAndLinkSpecs) {
    EXPECT_EQ(parse_ipv4("233.54.12.111"), 0xE9360C6Fu);
    EXPECT_FALSE(parse_ipv4("1.2.3"));
    EXPECT_FALSE(parse_ipv4("1.2.3.4.5"));
    EXPECT_FALSE(parse_ipv4("1.2.3.x"));
    EXPECT_FALSE(parse_ipv4("1..3.4"));
    EXPECT_FALSE(parse_ipv4("0001.2.3.4"));
    EXPECT_EQ(parse_time_of_day("00:00:00"), 0);
    EXPECT_EQ(parse_time_of_day("23:59:59.999999999"), 86'399'999'999'999LL);
    EXPECT_EQ(parse_time_of_day("09:30:00.5"), 34'200'500'000'000LL);
    EXPECT_FALSE(parse_time_of_day("9:30:00"));
    EXPECT_FALSE(parse_time_of_day("09:60:00"));
    EXPECT_FALSE(parse_time_of_day("09:30:00."));
    EXPECT_FALSE(parse_time_of_day("09:30:00.1234567890"));
    EXPECT_TRUE(valid_link_spec(""));
    EXPECT_TRUE(valid_link_spec("latency=2us"));
    EXPECT_TRUE(valid_link_spec("latency=2us,jitter=normal:100ns,loss=0.1%,rate_bps=10000000"));
    EXPECT_FALSE(valid_link_spec("latency"));
    EXPECT_FALSE(valid_link_spec("=2us"));
    EXPECT_FALSE(valid_link_spec("latency="));
    EXPECT_FALSE(valid_link_spec("latency=2us,"));
    EXPECT_FALSE(valid_link_spec(",latency=2us"));
    EXPECT_FALSE(valid_link_spec("Latency=2us"));
    EXPECT_FALSE(valid_link_spec("latency=2 us"));
    EXPECT_FALSE(valid_link_spec("a=b=c"));
}

TEST(ExchangeOptions, ParsesTheCommandLine) {
    const char* argv[] = {"tickbench-exchange", "--scenario",     "s.yaml", "--seed",   "12",
                          "--lockstep",         "--quiet-period", "50ms",   "--report", "r.json"};
    const ExchangeOptions o = parse_exchange_options(10, argv);
    EXPECT_EQ(o.scenario, "s.yaml");
    EXPECT_EQ(o.seed, 12u);
    EXPECT_TRUE(o.lockstep);
    EXPECT_EQ(o.quiet_period_ns, 50'000'000);
    EXPECT_EQ(o.report, "r.json");
    EXPECT_FALSE(o.help_requested);
}

TEST(ExchangeOptions, HelpDocumentsEveryOption) {
    const char* argv[] = {"tickbench-exchange", "--help"};
    const ExchangeOptions o = parse_exchange_options(2, argv);
    EXPECT_TRUE(o.help_requested);
    for (const char* option : {"--scenario", "--seed", "--run-dir", "--lockstep", "--quiet-period",
                               "--capture", "--hgrm", "--report"}) {
        EXPECT_NE(o.help.find(option), std::string::npos) << option;
    }
}

TEST(ExchangeOptions, BadCommandLinesAreConfigErrors) {
    const std::vector<std::vector<const char*>> bad = {
        {"x"},
        {"x", "--scenario"},
        {"x", "--scenario", "s.yaml", "--seed", "-1"},
        {"x", "--scenario", "s.yaml", "--seed", "12abc"},
        {"x", "--scenario", "s.yaml", "--quiet-period", "0"},
        {"x", "--scenario", "s.yaml", "--bogus"},
    };
    for (const auto& argv : bad) {
        EXPECT_THROW((void)parse_exchange_options(static_cast<int>(argv.size()), argv.data()),
                     core::ConfigError)
            << argv.back();
    }
}

}  // namespace
}  // namespace tb::exchange
