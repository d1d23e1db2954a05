#pragma once

// The exchange side of a scenario file (YAML, format in scenarios/README.md): the session, the
// symbols, the users, order-entry and market-data settings, network identities, link settings
// per port (kept as nic_emu strings), the initial book, background flow, ITCH replay and the
// timeline of scripted events.
//
// load_scenario() reads and checks everything before the exchange starts. Any problem throws
// tb::core::ConfigError with "FILE:LINE:COLUMN: FIELD: expected ..., got ...": unknown keys,
// missing required keys, values of the wrong kind or out of range, references to symbols or
// users that do not exist. main() prints it and exits with tb::core::kExitConfig (2).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exchange_sim/engine/config.hpp"
#include "exchange_sim/engine/inputs.hpp"
#include "exchange_sim/feed/publisher.hpp"
#include "exchange_sim/flow/background.hpp"
#include "exchange_sim/flow/itch_replay.hpp"
#include "exchange_sim/gateway/gateway.hpp"

namespace tb::exchange {

struct Ipv4Endpoint {
    std::uint32_t ip = 0;  // host order
    std::uint16_t port = 0;
    bool operator==(const Ipv4Endpoint&) const noexcept = default;
};

// DESIGN.md, "Wire identities".
struct NetworkConfig {
    std::uint32_t exchange_ip = 0x0A00'0001;  // 10.0.0.1
    std::uint32_t client_ip = 0x0A00'0002;    // 10.0.0.2
    std::uint16_t order_entry_port = 15000;
    Ipv4Endpoint feed_a{0xE936'0C6F, 26477};  // 233.54.12.111
    Ipv4Endpoint feed_b{0xE936'0C70, 26477};  // 233.54.12.112
    std::uint16_t retransmission_port = 26478;
};

// Which port of the emulated network a link setting names (scenarios/README.md, "links"):
// "exchange" (order entry and retransmissions), "feed_a", "feed_b" (each feed line), "client"
// (every client port) or "client<N>" (client port N, from 0), each optionally followed by ":in"
// (what that side sends into the network) or ":out" (what the network delivers to it); both
// directions when neither is given.
enum class LinkPortKind : std::uint8_t { kExchange, kFeedA, kFeedB, kClient };

struct LinkTarget {
    LinkPortKind kind = LinkPortKind::kClient;
    int client = -1;  // kClient: the client port's index, -1 for every client port
    bool in = true;
    bool out = true;
};

// "client1:out" -> its target; nothing when the name is not one of the above.
[[nodiscard]] std::optional<LinkTarget> parse_link_port(std::string_view name) noexcept;

// A link setting: the port it applies to and nic_emu's compact syntax (checked by nic_emu's
// parser when the scenario is read; an empty spec means no impairment).
struct LinkSetting {
    std::string port;  // as written
    std::string spec;
    LinkTarget target;
    int line = 0;  // where it was written (1-based), for messages
    int column = 0;
};

// An order placed at the start of the session or by the timeline.
struct ScriptedOrder {
    ParticipantId participant = 0;
    Token token;
    ouch::Side side = ouch::Side::kBuy;
    Shares shares = 0;
    Stock stock;
    Price price = 0;
    std::uint32_t time_in_force = ouch::kTimeInForceSystemHours;
    ouch::Display display = ouch::Display::kAnonymous;
};

enum class TimelineKind : std::uint8_t {
    kOrder,
    kCancel,
    kHalt,
    kResume,
    kLink,
    kDisconnect,
    kEndOfSession,
};

[[nodiscard]] const char* to_string(TimelineKind kind) noexcept;

struct TimelineEvent {
    std::int64_t at_ns = 0;  // after the session start
    TimelineKind kind = TimelineKind::kOrder;
    ScriptedOrder order;     // kOrder; kCancel uses participant, token, shares (new size)
    bool trigger = false;    // kOrder: a tick-to-trade trigger
    Stock stock;             // kHalt, kResume
    ActionReason reason;     // kHalt, kResume
    LinkSetting link;        // kLink
    ParticipantId user = 0;  // kDisconnect: the user's participant
    int line = 0;            // where it was written, for messages
};

struct Scenario {
    std::string file;
    std::string name;
    std::uint64_t seed = 1;
    std::string date;  // YYYY-MM-DD
    std::int64_t start_of_day_ns = 9LL * 3600 * 1'000'000'000 + 30LL * 60 * 1'000'000'000;
    std::optional<std::int64_t> duration_ns;  // end of session after the start, if given
    std::vector<SymbolConfig> symbols;
    GatewayConfig gateway;  // users included
    FeedConfig feed;
    NetworkConfig network;
    std::vector<LinkSetting> links;
    ParticipantId operations = 3999;  // market operations: initial book and timeline orders
    Firm operations_firm = Firm::from("MKTO");
    std::vector<ScriptedOrder> initial_book;
    std::optional<BackgroundFlowConfig> background;
    std::optional<ItchReplayConfig> replay;
    std::vector<TimelineEvent> timeline;  // sorted by time, stable
    std::uint32_t max_orders = 1u << 20;
    std::uint32_t max_tokens = 1u << 22;
    std::size_t inputs_per_pass = 32;
};

// Reads and checks a scenario file; throws tb::core::ConfigError.
[[nodiscard]] Scenario load_scenario(const std::string& path);
// The same for text in memory; `file` names it in messages. Relative paths inside (the ITCH
// replay file) are taken relative to `base_dir`.
[[nodiscard]] Scenario parse_scenario(std::string_view text, const std::string& file,
                                      const std::string& base_dir = ".");

// The engine's configuration for a scenario: symbols, every participant (users, market
// operations, background flow, replay) and firms without anti-internalization for the
// exchange's own participants.
[[nodiscard]] EngineConfig engine_config(const Scenario& scenario);

// Helpers shared with the command line: "10.0.0.1" -> host-order address; "12.34" dollars ->
// Price(4); "09:30:00.5" -> ns since midnight; "latency=2us,loss=0.1%" -> outer form check.
[[nodiscard]] std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept;
[[nodiscard]] std::optional<Price> parse_price(std::string_view text) noexcept;
[[nodiscard]] std::optional<std::int64_t> parse_time_of_day(std::string_view text) noexcept;
[[nodiscard]] bool valid_link_spec(std::string_view text) noexcept;
[[nodiscard]] std::string format_ipv4(std::uint32_t ip);

}  // namespace tb::exchange
