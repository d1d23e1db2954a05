#include "client/options.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>

#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"

namespace tb::client {

namespace po = boost::program_options;

bool parse_ipv4(std::string_view text, std::uint32_t& ip) noexcept {
    std::uint32_t value = 0;
    int parts = 0;
    std::size_t i = 0;
    while (parts < 4) {
        std::size_t j = i;
        std::uint32_t part = 0;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9' && j - i < 3) {
            part = part * 10 + static_cast<std::uint32_t>(text[j] - '0');
            ++j;
        }
        if (j == i || part > 255) {
            return false;
        }
        value = (value << 8) | part;
        ++parts;
        i = j;
        if (parts < 4) {
            if (i >= text.size() || text[i] != '.') {
                return false;
            }
            ++i;
        }
    }
    if (i != text.size()) {
        return false;
    }
    ip = value;
    return true;
}

bool parse_endpoint(std::string_view text, net::Endpoint& endpoint) noexcept {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    std::uint32_t ip = 0;
    if (!parse_ipv4(text.substr(0, colon), ip)) {
        return false;
    }
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
        return false;
    }
    endpoint = net::Endpoint{ip, static_cast<std::uint16_t>(port)};
    return true;
}

std::string format_ipv4(std::uint32_t ip) {
    char text[16];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF,
                  ip & 0xFF);
    return text;
}

namespace {

constexpr const char* kUsage =
    R"(Usage: tickbench-client [EAL args] -- [options]

The reference kernel-bypass trading client: MoldUDP64/ITCH 5.0 feeds A and B (arbitration, gap
recovery by retransmission), full-depth books, a SoupBinTCP/OUCH 4.2 order session, and a
strategy, in one busy-polling thread. With --transport dpdk (the default) it runs the user-space
stack (net/) over a DPDK port: EAL arguments choose the device, and only they differ between
tickbench (--vdev net_memif0,role=client,socket=/run/tickbench/client.sock,socket-abstract=no)
and a real NIC (-a 0000:3b:00.0). --transport kernel runs the same logic over kernel sockets.

Every option can also be given in a YAML file (--config) as a top-level key of the same name,
for example `strategy: maker` or `symbols: [ACME, BETA]`; the command line wins. Durations take
ns, us, ms, s or min; prices are dollars (10.5). Exit status: 0 done, 1 start-up or run failure,
2 bad options.

Options)";

// Options whose values are strings on the command line; flags are listed separately.
struct Spec {
    const char* name;
    const char* help;
};

constexpr Spec kValueOptions[] = {
    {"transport", "dpdk (user-space stack over a DPDK port) or kernel (sockets); default dpdk"},
    {"port", "DPDK port spec: port:N, dev:NAME, memif:client:PATH, ring:NAME ...; default port:0"},
    {"exchange", "order entry IP:PORT; default 10.0.0.1:15000 (kernel: 127.0.0.1:15000)"},
    {"client-ip", "our address on the DPDK port; default 10.0.0.2"},
    {"netmask", "netmask of client-ip; default 255.255.255.0"},
    {"gateway", "default gateway (0.0.0.0: none); default none"},
    {"mtu", "MTU of the DPDK port; default 1500"},
    {"interface-ip", "kernel: interface for the multicast groups; default 127.0.0.1"},
    {"username", "SoupBinTCP username (required)"},
    {"password", "SoupBinTCP password"},
    {"session", "SoupBinTCP session to ask for; default the current one"},
    {"first-sequence", "first login's requested sequence number (1 replays the day, 0 only new)"},
    {"feed-a", "feed A group:port; default 233.54.12.111:26477"},
    {"feed-b", "feed B group:port; default 233.54.12.112:26477"},
    {"retransmission", "MoldUDP64 retransmission server IP:PORT; default 10.0.0.1:26478"},
    {"request-port", "our UDP port for retransmission requests; default 26479"},
    {"feed-session", "MoldUDP64 session to accept; default the first one seen"},
    {"symbols", "symbols to build books for (comma separated); default every symbol"},
    {"strategy", "pingpong, taker, maker or quiet; default pingpong"},
    {"symbol", "the strategy's symbol (required unless quiet)"},
    {"shares", "order size; default 100"},
    {"tick", "price increment; default 0.01"},
    {"trigger", "pingpong: trade (default) or book"},
    {"buy-below", "taker: buy when the best offer is at or below this price"},
    {"sell-above", "taker: sell when the best bid is at or above this price"},
    {"max-position", "taker, maker: position limit in shares either way; default 1000"},
    {"edge-ticks", "maker: quote this many ticks behind the market's best; default 0 (join)"},
    {"duration", "stop after this long (0: at the end of the session); default 0"},
    {"max-orders",
     "send at most this many orders, then stop once they are done; default 0 (no limit)"},
    {"linger", "after the order budget is spent, wait this long for answers; default 200ms"},
    {"link-timeout", "dpdk: wait this long for the port's link; default 30s"},
    {"login-wait", "fail if the first login did not succeed within this long; default 30s"},
    {"token-prefix", "order token prefix (1-6 characters); default TB"},
    {"firm", "OUCH firm; default the account's"},
    {"display", "OUCH display: Y anonymous (default), A attributable, N, P, L"},
    {"max-order-shares", "largest order sent; default 1000000"},
    {"max-open-orders", "orders open at once; default 65536"},
    {"max-books", "books when every symbol is taken; default 16384"},
    {"max-book-orders", "orders on all books; default 1048576"},
    {"max-levels", "price levels on all books; default 262144"},
    {"reorder-window", "feed messages held ahead of a gap (power of two); default 65536"},
    {"gap-wait", "wait this long for the other line before asking; default 200us"},
    {"request-timeout", "retransmission request timeout; default 50ms"},
    {"request-retries", "retries of a request before the gap is given up; default 5"},
    {"max-requests", "retransmission requests in flight (0: no server); default 4"},
    {"max-request-messages", "messages asked for per request; default 1000"},
    {"line-timeout", "a feed line silent this long is reported down; default 3s"},
    {"heartbeat", "SoupBinTCP client heartbeat interval; default 1s"},
    {"server-timeout", "reconnect after this long without a byte from the server; default 15s"},
    {"reconnect-delay", "first reconnect delay (doubles up to 5s); default 100ms"},
    {"max-reconnects", "connection attempts in a row without a login; default 1000"},
    {"report", "write the final report as JSON to this file"},
    {"log-level", "error, warn, info or debug; default info"},
};

constexpr Spec kFlags[] = {
    {"no-feed-b", "listen to feed A only"},
    {"no-recover-from-start", "a late join starts where it joined, without asking for the start"},
    {"json", "print the final report as one JSON object"},
};

struct Value {
    std::string text;
    std::string origin;  // "--name" or "FILE:LINE:COLUMN: name"
};

std::string normalize(std::string name) {
    for (char& c : name) {
        if (c == '_') {
            c = '-';
        }
    }
    return name;
}

bool known_value(const std::string& name) {
    for (const Spec& s : kValueOptions) {
        if (name == s.name) {
            return true;
        }
    }
    return false;
}

bool known_flag(const std::string& name) {
    for (const Spec& s : kFlags) {
        if (name == s.name) {
            return true;
        }
    }
    return false;
}

std::string where(const std::string& file, const YAML::Mark& mark) {
    return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void read_file(const std::string& path, std::map<std::string, Value>& values) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw core::ConfigError("--config: cannot read '" + path + "'");
    } catch (const YAML::Exception& e) {
        throw core::ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (root.IsNull()) {
        return;
    }
    if (!root.IsMap()) {
        throw core::ConfigError(where(path, root.Mark()) +
                                ": expected a map of option names to values");
    }
    for (const auto& entry : root) {
        const std::string key = entry.first.Scalar();
        const std::string name = normalize(key);
        const std::string origin = where(path, entry.second.Mark()) + ": " + key;
        if (!known_value(name) && !known_flag(name)) {
            throw core::ConfigError(where(path, entry.first.Mark()) + ": " + key +
                                    ": unknown key; expected an option name of tickbench-client "
                                    "(see --help)");
        }
        const YAML::Node& node = entry.second;
        std::string text;
        if (node.IsScalar()) {
            text = node.Scalar();
        } else if (node.IsSequence() && name == "symbols") {
            for (const auto& item : node) {
                if (!item.IsScalar()) {
                    throw core::ConfigError(where(path, item.Mark()) + ": " + key +
                                            ": expected a list of symbols");
                }
                text += (text.empty() ? "" : ",") + item.Scalar();
            }
        } else {
            throw core::ConfigError(origin + ": expected a single value" +
                                    (name == "symbols" ? " or a list" : ""));
        }
        if (known_flag(name) && text != "true" && text != "false") {
            throw core::ConfigError(origin + ": expected true or false, got '" + text + "'");
        }
        values[name] = Value{text, origin};
    }
}

[[noreturn]] void bad(const Value& v, const std::string& expected) {
    throw core::ConfigError(v.origin + ": expected " + expected + ", got '" + v.text + "'");
}

class Values {
public:
    explicit Values(std::map<std::string, Value> values) : values_(std::move(values)) {}

    [[nodiscard]] const Value* get(const char* name) const {
        const auto it = values_.find(name);
        return it == values_.end() ? nullptr : &it->second;
    }
    [[nodiscard]] bool has(const char* name) const { return get(name) != nullptr; }
    [[nodiscard]] bool flag(const char* name) const {
        const Value* v = get(name);
        return v != nullptr && v->text == "true";
    }
    void string(const char* name, std::string& out) const {
        if (const Value* v = get(name)) {
            out = v->text;
        }
    }
    template <class T>
    void unsigned_value(const char* name, T& out, std::uint64_t min, std::uint64_t max) const {
        if (const Value* v = get(name)) {
            std::uint64_t value = 0;
            const auto [end, error] =
                std::from_chars(v->text.data(), v->text.data() + v->text.size(), value);
            if (error != std::errc{} || end != v->text.data() + v->text.size() || value < min ||
                value > max) {
                bad(*v, "an integer in " + std::to_string(min) + ".." + std::to_string(max));
            }
            out = static_cast<T>(value);
        }
    }
    void duration(const char* name, std::int64_t& out, bool allow_zero) const {
        if (const Value* v = get(name)) {
            const std::optional<std::int64_t> ns = core::parse_duration_ns(v->text);
            if (!ns || (!allow_zero && *ns == 0)) {
                bad(*v, allow_zero ? "a duration such as 250ms" : "a positive duration such as 1s");
            }
            out = *ns;
        }
    }
    void price(const char* name, Price& out) const {
        if (const Value* v = get(name)) {
            if (!parse_price(v->text, out)) {
                bad(*v, "a price in dollars with at most 4 decimals, such as 10.25");
            }
        }
    }
    void endpoint(const char* name, net::Endpoint& out) const {
        if (const Value* v = get(name)) {
            if (!parse_endpoint(v->text, out)) {
                bad(*v, "an IPv4 address and port such as 10.0.0.1:15000");
            }
        }
    }
    void ip(const char* name, std::uint32_t& out) const {
        if (const Value* v = get(name)) {
            if (!parse_ipv4(v->text, out)) {
                bad(*v, "an IPv4 address such as 10.0.0.2");
            }
        }
    }

private:
    std::map<std::string, Value> values_;
};

}  // namespace

ClientOptions parse_client_options(const std::vector<std::string>& args) {
    ClientOptions options;
    po::options_description description(kUsage);
    auto add = description.add_options();
    add("help,h", "print this help and exit");
    add("config", po::value<std::string>(), "YAML file with options (see above)");
    for (const Spec& s : kValueOptions) {
        add(s.name, po::value<std::string>(), s.help);
    }
    for (const Spec& s : kFlags) {
        add(s.name, s.help);
    }
    std::ostringstream help;
    help << description;
    options.help = help.str();
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(description).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw core::ConfigError(std::string("command line: ") + e.what() + " (see --help)");
    }
    if (vm.count("help") != 0) {
        options.help_requested = true;
        return options;
    }
    std::map<std::string, Value> merged;
    if (vm.count("config") != 0) {
        read_file(vm["config"].as<std::string>(), merged);
    }
    for (const Spec& s : kValueOptions) {
        if (vm.count(s.name) != 0) {
            merged[s.name] = Value{vm[s.name].as<std::string>(), std::string("--") + s.name};
        }
    }
    for (const Spec& s : kFlags) {
        if (vm.count(s.name) != 0) {
            merged[s.name] = Value{"true", std::string("--") + s.name};
        }
    }
    const Values v(std::move(merged));

    v.string("transport", options.transport);
    if (options.transport != "dpdk" && options.transport != "kernel") {
        bad(*v.get("transport"), "dpdk or kernel");
    }
    const bool kernel = options.transport == "kernel";
    if (kernel) {
        options.net.exchange.ip = 0x7F00'0001;
        options.net.retransmission.ip = 0x7F00'0001;
    }
    v.string("port", options.port);
    v.endpoint("exchange", options.net.exchange);
    v.ip("client-ip", options.client_ip);
    v.ip("netmask", options.netmask);
    v.ip("gateway", options.gateway);
    v.unsigned_value("mtu", options.mtu, 576, 9000);
    v.ip("interface-ip", options.interface_ip);

    SessionConfig& session = options.client.session;
    v.string("username", session.username);
    v.string("password", session.password);
    v.string("session", session.session);
    v.unsigned_value("first-sequence", session.first_sequence, 0, UINT64_MAX);
    v.duration("heartbeat", session.heartbeat_interval_ns, false);
    v.duration("server-timeout", session.server_timeout_ns, false);
    v.duration("reconnect-delay", session.reconnect_delay_ns, false);
    v.unsigned_value("max-reconnects", session.max_reconnects, 0, 1'000'000);
    if (session.username.empty()) {
        throw core::ConfigError("--username: required (the SoupBinTCP account to log in as)");
    }
    if (session.username.size() > 6) {
        bad(*v.get("username"), "1-6 characters");
    }
    if (session.password.size() > 10) {
        bad(*v.get("password"), "at most 10 characters");
    }
    if (session.session.size() > 10) {
        bad(*v.get("session"), "at most 10 characters");
    }

    v.endpoint("feed-a", options.net.feed_a);
    v.endpoint("feed-b", options.net.feed_b);
    options.net.feed_b_enabled = !v.flag("no-feed-b");
    v.endpoint("retransmission", options.net.retransmission);
    v.unsigned_value("request-port", options.net.request_port, 1, 65535);
    if (options.net.request_port == options.net.feed_a.port ||
        (options.net.feed_b_enabled && options.net.request_port == options.net.feed_b.port)) {
        throw core::ConfigError("--request-port " + std::to_string(options.net.request_port) +
                                ": must differ from the feed ports (retransmissions are told "
                                "from live packets by the port they arrive on)");
    }

    FeedConfig& feed = options.client.feed;
    v.string("feed-session", feed.session);
    if (feed.session.size() > 10) {
        bad(*v.get("feed-session"), "at most 10 characters");
    }
    v.unsigned_value("reorder-window", feed.reorder_window, 2, 1u << 24);
    if ((feed.reorder_window & (feed.reorder_window - 1)) != 0) {
        bad(*v.get("reorder-window"), "a power of two");
    }
    v.duration("gap-wait", feed.gap_wait_ns, true);
    v.duration("request-timeout", feed.request_timeout_ns, false);
    v.unsigned_value("request-retries", feed.max_request_retries, 0, 1000);
    v.unsigned_value("max-requests", feed.max_outstanding_requests, 0, 64);
    v.unsigned_value("max-request-messages", feed.max_request_messages, 1, 65534);
    v.duration("line-timeout", feed.line_timeout_ns, false);
    feed.recover_from_start = !v.flag("no-recover-from-start");

    BookConfig& books = options.client.books;
    if (const Value* symbols = v.get("symbols")) {
        std::string item;
        std::istringstream in(symbols->text);
        while (std::getline(in, item, ',')) {
            const std::size_t b = item.find_first_not_of(' ');
            const std::size_t e = item.find_last_not_of(' ');
            item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
            if (item.empty() || item.size() > 8) {
                bad(*symbols, "symbols of 1-8 characters, separated by commas");
            }
            for (const std::string& seen : books.symbols) {
                if (seen == item) {
                    bad(*symbols, "each symbol once");
                }
            }
            books.symbols.push_back(item);
        }
    }
    v.unsigned_value("max-books", books.max_books, 1, 65535);
    v.unsigned_value("max-book-orders", books.max_orders, 1, 1u << 28);
    v.unsigned_value("max-levels", books.max_levels, 1, 1u << 26);

    StrategyConfig& strategy = options.strategy;
    v.string("strategy", strategy.name);
    v.string("symbol", strategy.symbol);
    v.unsigned_value("shares", strategy.shares, 1, 999'999);
    v.price("tick", strategy.tick);
    if (const Value* trigger = v.get("trigger")) {
        if (trigger->text != "trade" && trigger->text != "book") {
            bad(*trigger, "trade or book");
        }
        strategy.trigger_on_book = trigger->text == "book";
    }
    v.price("buy-below", strategy.buy_below);
    v.price("sell-above", strategy.sell_above);
    v.unsigned_value("max-position", strategy.max_position, 0, 1'000'000'000);
    v.unsigned_value("edge-ticks", strategy.edge_ticks, 0, 1000);
    try {
        validate_strategy_config(strategy);
    } catch (const core::ConfigError& e) {
        throw core::ConfigError(std::string("--strategy ") + strategy.name + ": " + e.what());
    }
    if (!books.symbols.empty() && strategy.name != "quiet") {
        bool listed = false;
        for (const std::string& s : books.symbols) {
            listed = listed || s == strategy.symbol;
        }
        if (!listed) {
            throw core::ConfigError("--symbol " + strategy.symbol +
                                    ": not among --symbols, so it would have no book");
        }
    }

    OrderConfig& orders = options.client.orders;
    v.string("token-prefix", orders.token_prefix);
    v.string("firm", orders.firm);
    if (const Value* display = v.get("display")) {
        if (display->text.size() != 1 ||
            std::string("YANPL").find(display->text[0]) == std::string::npos) {
            bad(*display, "one of Y, A, N, P, L");
        }
        orders.display = static_cast<ouch::Display>(display->text[0]);
    }
    v.unsigned_value("max-order-shares", orders.max_order_shares, 1, 999'999);
    v.unsigned_value("max-open-orders", orders.max_orders, 1, 1u << 24);
    v.unsigned_value("max-orders", orders.max_orders_sent, 0, UINT64_MAX);
    try {
        validate_order_config(orders);
    } catch (const core::ConfigError& e) {
        throw core::ConfigError(std::string("orders: ") + e.what());
    }

    v.duration("duration", options.duration_ns, true);
    v.duration("linger", options.linger_ns, true);
    v.duration("link-timeout", options.link_timeout_ns, false);
    v.duration("login-wait", options.login_wait_ns, false);
    v.string("report", options.report_file);
    options.json = v.flag("json");
    v.string("log-level", options.log_level);
    return options;
}

}  // namespace tb::client
