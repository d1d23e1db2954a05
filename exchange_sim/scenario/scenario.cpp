#include "exchange_sim/scenario/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "core/units.hpp"
#include "nic_emu/link_syntax.hpp"

namespace tb::exchange {

const char* to_string(TimelineKind kind) noexcept {
    switch (kind) {
        case TimelineKind::kOrder:
            return "order";
        case TimelineKind::kCancel:
            return "cancel";
        case TimelineKind::kHalt:
            return "halt";
        case TimelineKind::kResume:
            return "resume";
        case TimelineKind::kLink:
            return "link";
        case TimelineKind::kDisconnect:
            return "disconnect";
        case TimelineKind::kEndOfSession:
            return "end_session";
    }
    return "unknown";
}

std::optional<std::uint32_t> parse_ipv4(std::string_view text) noexcept {
    std::uint32_t ip = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 4; ++i) {
        unsigned value = 0;
        const auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc{} || next == p || next - p > 3 || value > 255) {
            return std::nullopt;
        }
        ip = (ip << 8) | value;
        p = next;
        if (i < 3) {
            if (p == end || *p != '.') {
                return std::nullopt;
            }
            ++p;
        }
    }
    if (p != end) {
        return std::nullopt;
    }
    return ip;
}

std::string format_ipv4(std::uint32_t ip) {
    return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xFF) + "." +
           std::to_string((ip >> 8) & 0xFF) + "." + std::to_string(ip & 0xFF);
}

std::optional<Price> parse_price(std::string_view text) noexcept {
    // Dollars with at most four decimals (Price(4)), exactly: no floating point.
    std::uint64_t whole = 0;
    std::size_t i = 0;
    if (text.empty()) {
        return std::nullopt;
    }
    for (; i < text.size() && text[i] != '.'; ++i) {
        if (text[i] < '0' || text[i] > '9' || whole > 1'000'000) {
            return std::nullopt;
        }
        whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (i == 0) {
        return std::nullopt;
    }
    std::uint64_t fraction = 0;
    std::size_t digits = 0;
    if (i < text.size()) {
        ++i;
        if (i == text.size()) {
            return std::nullopt;
        }
        for (; i < text.size(); ++i, ++digits) {
            if (text[i] < '0' || text[i] > '9' || digits == 4) {
                return std::nullopt;
            }
            fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        }
    }
    for (; digits < 4; ++digits) {
        fraction *= 10;
    }
    const std::uint64_t price = whole * kPriceScale + fraction;
    if (price > 0xFFFF'FFFFULL) {
        return std::nullopt;
    }
    return static_cast<Price>(price);
}

std::optional<std::int64_t> parse_time_of_day(std::string_view text) noexcept {
    // HH:MM:SS with an optional fraction of up to nine digits.
    if (text.size() < 8 || text[2] != ':' || text[5] != ':') {
        return std::nullopt;
    }
    auto two = [&](std::size_t at) -> int {
        if (text[at] < '0' || text[at] > '9' || text[at + 1] < '0' || text[at + 1] > '9') {
            return -1;
        }
        return (text[at] - '0') * 10 + (text[at + 1] - '0');
    };
    const int h = two(0);
    const int m = two(3);
    const int s = two(6);
    if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) {
        return std::nullopt;
    }
    std::int64_t ns = ((h * 60LL + m) * 60 + s) * 1'000'000'000LL;
    if (text.size() > 8) {
        if (text[8] != '.' || text.size() == 9 || text.size() > 18) {
            return std::nullopt;
        }
        std::int64_t fraction = 0;
        std::size_t digits = 0;
        for (std::size_t i = 9; i < text.size(); ++i, ++digits) {
            if (text[i] < '0' || text[i] > '9') {
                return std::nullopt;
            }
            fraction = fraction * 10 + (text[i] - '0');
        }
        for (; digits < 9; ++digits) {
            fraction *= 10;
        }
        ns += fraction;
    }
    return ns;
}

std::optional<LinkTarget> parse_link_port(std::string_view name) noexcept {
    LinkTarget target;
    const std::size_t colon = name.find(':');
    if (colon != std::string_view::npos) {
        const std::string_view direction = name.substr(colon + 1);
        if (direction == "in") {
            target.out = false;
        } else if (direction == "out") {
            target.in = false;
        } else {
            return std::nullopt;
        }
        name = name.substr(0, colon);
    }
    if (name == "exchange") {
        target.kind = LinkPortKind::kExchange;
    } else if (name == "feed_a") {
        target.kind = LinkPortKind::kFeedA;
    } else if (name == "feed_b") {
        target.kind = LinkPortKind::kFeedB;
    } else if (name == "client") {
        target.kind = LinkPortKind::kClient;
    } else if (name.size() > 6 && name.size() <= 8 && name.substr(0, 6) == "client") {
        int index = 0;
        const std::string_view digits = name.substr(6);
        const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (ec != std::errc{} || p != digits.data() + digits.size() ||
            (digits.size() > 1 && digits[0] == '0')) {
            return std::nullopt;
        }
        target.kind = LinkPortKind::kClient;
        target.client = index;
    } else {
        return std::nullopt;
    }
    return target;
}

bool valid_link_spec(std::string_view text) noexcept {
    // nic_emu's compact syntax, outer form: key=value items separated by commas; keys are
    // lower-case words, values are non-empty and without spaces or further '='. A piece without
    // '=' after the first item continues the value before it ("loss=ge:1%,25%"). Empty or
    // "none": no impairment.
    if (text.empty() || text == "none") {
        return true;
    }
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        const std::string_view item = text.substr(at, comma - at);
        const std::size_t eq = item.find('=');
        const bool continuation = eq == std::string_view::npos && at > 0 && !item.empty();
        if (!continuation && (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())) {
            return false;
        }
        if (continuation) {
            for (const char c : item) {
                if (c < 0x21 || c > 0x7E) {
                    return false;
                }
            }
            if (comma == text.size()) {
                break;
            }
            at = comma + 1;
            continue;
        }
        for (std::size_t i = 0; i < eq; ++i) {
            const char c = item[i];
            if (!((c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9'))) {
                return false;
            }
        }
        for (std::size_t i = eq + 1; i < item.size(); ++i) {
            const char c = item[i];
            if (c == '=' || c == ' ' || c == '\t' || c < 0x21 || c > 0x7E) {
                return false;
            }
        }
        if (comma == text.size()) {
            break;
        }
        at = comma + 1;
    }
    return true;
}

namespace {

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& field,
                           const std::string& expected) const {
        std::ostringstream out;
        const YAML::Mark mark = node.Mark();
        out << file_ << ':' << (mark.line + 1) << ':' << (mark.column + 1) << ": " << field
            << ": expected " << expected;
        if (node.IsScalar()) {
            out << ", got '" << node.Scalar() << "'";
        } else if (node.IsMap()) {
            out << ", got a mapping";
        } else if (node.IsSequence()) {
            out << ", got a list";
        } else if (node.IsNull()) {
            out << ", got nothing";
        }
        throw core::ConfigError(out.str());
    }
    [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& field,
                              const std::string& what) const {
        std::ostringstream out;
        out << file_ << ':' << (mark.line + 1) << ':' << (mark.column + 1) << ": " << field << ": "
            << what;
        throw core::ConfigError(out.str());
    }

    void map(const YAML::Node& node, const std::string& path,
             std::initializer_list<std::string_view> allowed) const {
        if (!node.IsMap()) {
            fail(node, path, "a mapping");
        }
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string key = it->first.Scalar();
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                std::string keys;
                for (std::string_view k : allowed) {
                    keys += keys.empty() ? "" : ", ";
                    keys += k;
                }
                fail_at(it->first.Mark(), join(path, key), "unknown key; expected one of " + keys);
            }
        }
    }
    void list(const YAML::Node& node, const std::string& path) const {
        if (!node.IsSequence()) {
            fail(node, path, "a list");
        }
    }
    [[nodiscard]] YAML::Node required(const YAML::Node& map, const std::string& path,
                                      const char* key) const {
        const YAML::Node node = map[key];
        if (!node) {
            fail_at(map.Mark(), join(path, key), "missing (required)");
        }
        return node;
    }

    [[nodiscard]] std::string text(const YAML::Node& node, const std::string& path,
                                   std::size_t max_size = 4096) const {
        if (!node.IsScalar() || node.Scalar().size() > max_size) {
            fail(node, path, "a string of at most " + std::to_string(max_size) + " characters");
        }
        return node.Scalar();
    }
    [[nodiscard]] std::uint64_t unsigned_int(const YAML::Node& node, const std::string& path,
                                             std::uint64_t lo, std::uint64_t hi) const {
        std::uint64_t value = 0;
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (!node.IsScalar() || s.empty() || ec != std::errc{} || p != s.data() + s.size() ||
            value < lo || value > hi) {
            fail(node, path, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
        }
        return value;
    }
    [[nodiscard]] double real(const YAML::Node& node, const std::string& path, double lo,
                              double hi) const {
        double value = 0.0;
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (!node.IsScalar() || s.empty() || ec != std::errc{} || p != s.data() + s.size() ||
            !std::isfinite(value) || value < lo || value > hi) {
            std::ostringstream range;
            range << "a number from " << lo << " to " << hi;
            fail(node, path, range.str());
        }
        return value;
    }
    [[nodiscard]] bool boolean(const YAML::Node& node, const std::string& path) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        if (s == "true") {
            return true;
        }
        if (s == "false") {
            return false;
        }
        fail(node, path, "true or false");
    }
    [[nodiscard]] std::int64_t duration(const YAML::Node& node, const std::string& path) const {
        const std::optional<std::int64_t> ns =
            node.IsScalar() ? core::parse_duration_ns(node.Scalar()) : std::nullopt;
        if (!ns) {
            fail(node, path, "a duration such as 250ns, 2us, 1.5ms, 3s or 1min");
        }
        return *ns;
    }
    [[nodiscard]] Price price(const YAML::Node& node, const std::string& path) const {
        const std::optional<Price> p = node.IsScalar() ? parse_price(node.Scalar()) : std::nullopt;
        if (!p) {
            fail(node, path, "a price in dollars with at most 4 decimals, such as 12.3400");
        }
        return *p;
    }
    [[nodiscard]] Stock stock(const YAML::Node& node, const std::string& path) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        bool ok = !s.empty() && s.size() <= 8;
        for (const char c : s) {
            ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-');
        }
        if (!ok) {
            fail(node, path, "a stock symbol of 1 to 8 upper-case letters, digits, '.' or '-'");
        }
        return Stock::from(s);
    }
    [[nodiscard]] std::string alnum(const YAML::Node& node, const std::string& path,
                                    std::size_t max_size, const char* what) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        bool ok = !s.empty() && s.size() <= max_size;
        for (const char c : s) {
            ok = ok && c > 0x20 && c < 0x7F;
        }
        if (!ok) {
            fail(node, path, what);
        }
        return s;
    }
    [[nodiscard]] std::uint32_t ipv4(const YAML::Node& node, const std::string& path) const {
        const std::optional<std::uint32_t> ip =
            node.IsScalar() ? parse_ipv4(node.Scalar()) : std::nullopt;
        if (!ip) {
            fail(node, path, "an IPv4 address such as 10.0.0.1");
        }
        return *ip;
    }
    [[nodiscard]] Ipv4Endpoint endpoint(const YAML::Node& node, const std::string& path) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        const std::size_t colon = s.rfind(':');
        Ipv4Endpoint e;
        std::uint16_t port = 0;
        const auto ip = colon == std::string::npos
                            ? std::nullopt
                            : parse_ipv4(std::string_view(s).substr(0, colon));
        const char* begin = s.data() + (colon == std::string::npos ? 0 : colon + 1);
        const auto [p, ec] = std::from_chars(begin, s.data() + s.size(), port);
        if (!ip || ec != std::errc{} || p != s.data() + s.size() || port == 0) {
            fail(node, path, "ADDRESS:PORT such as 233.54.12.111:26477");
        }
        e.ip = *ip;
        e.port = port;
        return e;
    }
    [[nodiscard]] ouch::Side side(const YAML::Node& node, const std::string& path) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        if (s == "buy" || s == "B") {
            return ouch::Side::kBuy;
        }
        if (s == "sell" || s == "S") {
            return ouch::Side::kSell;
        }
        if (s == "short" || s == "T") {
            return ouch::Side::kSellShort;
        }
        if (s == "exempt" || s == "E") {
            return ouch::Side::kSellShortExempt;
        }
        fail(node, path, "buy, sell, short or exempt (or B, S, T, E)");
    }
    [[nodiscard]] std::uint32_t time_in_force(const YAML::Node& node,
                                              const std::string& path) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        if (s == "ioc") {
            return ouch::kTimeInForceImmediateOrCancel;
        }
        if (s == "day" || s == "market_hours") {
            return ouch::kTimeInForceMarketHours;
        }
        if (s == "system_hours") {
            return ouch::kTimeInForceSystemHours;
        }
        fail(node, path, "ioc, day (market_hours) or system_hours");
    }
    [[nodiscard]] ouch::Display display(const YAML::Node& node, const std::string& path) const {
        const std::string s = node.IsScalar() ? node.Scalar() : std::string();
        if (s.size() == 1 &&
            (s[0] == 'A' || s[0] == 'Y' || s[0] == 'N' || s[0] == 'P' || s[0] == 'L')) {
            return static_cast<ouch::Display>(s[0]);
        }
        fail(node, path, "an OUCH 4.2 display code the engine supports: A, Y, N, P or L");
    }

    [[nodiscard]] static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }
    [[nodiscard]] static std::string index(const std::string& path, std::size_t i) {
        return path + "[" + std::to_string(i) + "]";
    }

private:
    std::string file_;
};

struct Parser {
    Reader r;
    Scenario& s;
    std::string base_dir;

    [[nodiscard]] std::size_t symbol_index(const YAML::Node& node, const std::string& path) const {
        const Stock stock = r.stock(node, path);
        for (std::size_t i = 0; i < s.symbols.size(); ++i) {
            if (s.symbols[i].stock == stock) {
                return i;
            }
        }
        r.fail(node, path, "a symbol listed under symbols");
    }
    [[nodiscard]] ParticipantId user_participant(const YAML::Node& node,
                                                 const std::string& path) const {
        const std::string name = r.text(node, path, 6);
        for (const UserConfig& user : s.gateway.users) {
            if (user.username == name) {
                return user.participant;
            }
        }
        r.fail(node, path, "a username listed under users");
    }

    void session(const YAML::Node& node) {
        r.map(node, "session", {"date", "start", "duration", "id"});
        const YAML::Node date = r.required(node, "session", "date");
        const std::string d = r.text(date, "session.date", 10);
        bool ok = d.size() == 10 && d[4] == '-' && d[7] == '-';
        for (std::size_t i = 0; ok && i < d.size(); ++i) {
            ok = i == 4 || i == 7 || (d[i] >= '0' && d[i] <= '9');
        }
        if (ok) {
            const int month = (d[5] - '0') * 10 + (d[6] - '0');
            const int day = (d[8] - '0') * 10 + (d[9] - '0');
            ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
        }
        if (!ok) {
            r.fail(date, "session.date", "a date YYYY-MM-DD");
        }
        s.date = d;
        s.gateway.session = "TB" + d.substr(0, 4) + d.substr(5, 2) + d.substr(8, 2);
        if (const YAML::Node start = node["start"]) {
            const auto tod = start.IsScalar() ? parse_time_of_day(start.Scalar()) : std::nullopt;
            if (!tod) {
                r.fail(start, "session.start", "a time of day HH:MM:SS[.fraction]");
            }
            s.start_of_day_ns = *tod;
        }
        if (const YAML::Node duration = node["duration"]) {
            s.duration_ns = r.duration(duration, "session.duration");
            if (*s.duration_ns <= 0 ||
                s.start_of_day_ns + *s.duration_ns > 24LL * 3600 * 1'000'000'000) {
                r.fail(duration, "session.duration", "a positive duration ending before midnight");
            }
        }
        if (const YAML::Node id = node["id"]) {
            s.gateway.session =
                r.alnum(id, "session.id", 10, "a session name of 1 to 10 printable characters");
        }
        s.feed.session = s.gateway.session;
    }

    void symbols(const YAML::Node& node) {
        r.list(node, "symbols");
        if (node.size() == 0) {
            r.fail(node, "symbols", "at least one symbol");
        }
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string path = Reader::index("symbols", i);
            const YAML::Node n = node[i];
            r.map(n, path, {"stock", "tick", "reference", "band", "halted", "locate"});
            SymbolConfig symbol;
            const YAML::Node stock = r.required(n, path, "stock");
            symbol.stock = r.stock(stock, path + ".stock");
            for (const SymbolConfig& other : s.symbols) {
                if (other.stock == symbol.stock) {
                    r.fail(stock, path + ".stock", "a symbol not listed before");
                }
            }
            symbol.tick = n["tick"] ? r.price(n["tick"], path + ".tick") : Price{100};
            if (symbol.tick == 0) {
                r.fail(n["tick"], path + ".tick", "a positive tick");
            }
            const YAML::Node reference = r.required(n, path, "reference");
            symbol.reference_price = r.price(reference, path + ".reference");
            if (symbol.reference_price == 0 || symbol.reference_price % symbol.tick != 0) {
                r.fail(reference, path + ".reference", "a positive multiple of the tick");
            }
            const YAML::Node band = r.required(n, path, "band");
            symbol.band = r.price(band, path + ".band");
            if (symbol.band == 0 || symbol.band % symbol.tick != 0 ||
                level_count(symbol) > kMaxLevelsPerSide) {
                r.fail(band, path + ".band",
                       "a positive multiple of the tick, at most 262143 ticks each side");
            }
            if (n["halted"]) {
                symbol.halted_at_start = r.boolean(n["halted"], path + ".halted");
            }
            symbol.locate = n["locate"] ? static_cast<StockLocate>(r.unsigned_int(
                                              n["locate"], path + ".locate", 1, 65535))
                                        : static_cast<StockLocate>(i + 1);
            s.symbols.push_back(symbol);
        }
    }

    void users(const YAML::Node& node) {
        r.list(node, "users");
        std::set<std::string> names;
        std::set<ParticipantId> ids;
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string path = Reader::index("users", i);
            const YAML::Node n = node[i];
            r.map(n, path, {"username", "password", "participant", "firm"});
            UserConfig user;
            const YAML::Node username = r.required(n, path, "username");
            user.username = r.alnum(username, path + ".username", 6,
                                    "a SoupBinTCP username of 1 to 6 printable characters");
            if (!names.insert(user.username).second) {
                r.fail(username, path + ".username", "a username not listed before");
            }
            const YAML::Node password = r.required(n, path, "password");
            user.password = r.alnum(password, path + ".password", 10,
                                    "a SoupBinTCP password of 1 to 10 printable characters");
            const YAML::Node participant = r.required(n, path, "participant");
            user.participant = static_cast<ParticipantId>(
                r.unsigned_int(participant, path + ".participant", 1, 2999));
            if (!ids.insert(user.participant).second) {
                r.fail(participant, path + ".participant", "a participant id not used before");
            }
            const YAML::Node firm = r.required(n, path, "firm");
            user.firm = Firm::from(
                r.alnum(firm, path + ".firm", 4, "a firm (MPID) of 1 to 4 printable characters"));
            s.gateway.users.push_back(user);
        }
    }

    void order_entry(const YAML::Node& node) {
        const std::string p = "order_entry";
        r.map(node, p,
              {"port", "heartbeat_interval", "client_timeout", "cancel_on_disconnect",
               "max_sessions", "rate_limit", "rate_burst", "store_initial_bytes", "store_max_bytes",
               "tx_buffer_bytes"});
        GatewayConfig& g = s.gateway;
        if (node["port"]) {
            s.network.order_entry_port =
                static_cast<std::uint16_t>(r.unsigned_int(node["port"], p + ".port", 1, 65535));
        }
        if (node["heartbeat_interval"]) {
            g.server_heartbeat_interval_ns =
                positive(node["heartbeat_interval"], p + ".heartbeat_interval");
        }
        if (node["client_timeout"]) {
            g.client_timeout_ns = positive(node["client_timeout"], p + ".client_timeout");
        }
        if (node["cancel_on_disconnect"]) {
            g.cancel_on_disconnect =
                r.boolean(node["cancel_on_disconnect"], p + ".cancel_on_disconnect");
        }
        if (node["max_sessions"]) {
            g.max_sessions = static_cast<std::uint32_t>(
                r.unsigned_int(node["max_sessions"], p + ".max_sessions", 1, 1024));
        }
        if (node["rate_limit"]) {
            g.rate_limit_per_s =
                r.unsigned_int(node["rate_limit"], p + ".rate_limit", 0, 1'000'000'000);
        }
        if (node["rate_burst"]) {
            g.rate_limit_burst =
                r.unsigned_int(node["rate_burst"], p + ".rate_burst", 1, 1'000'000'000);
        }
        if (node["store_initial_bytes"]) {
            g.store_initial_bytes = r.unsigned_int(node["store_initial_bytes"],
                                                   p + ".store_initial_bytes", 1024, 1ULL << 32);
        }
        if (node["store_max_bytes"]) {
            g.store_max_bytes =
                r.unsigned_int(node["store_max_bytes"], p + ".store_max_bytes", 1024, 1ULL << 36);
        }
        if (node["tx_buffer_bytes"]) {
            g.tx_buffer_bytes =
                r.unsigned_int(node["tx_buffer_bytes"], p + ".tx_buffer_bytes", 1024, 64ULL << 20);
        }
        if (g.store_max_bytes < g.store_initial_bytes) {
            r.fail(node, p + ".store_max_bytes", "at least store_initial_bytes");
        }
    }

    [[nodiscard]] std::int64_t positive(const YAML::Node& node, const std::string& path) const {
        const std::int64_t ns = r.duration(node, path);
        if (ns <= 0) {
            r.fail(node, path, "a positive duration");
        }
        return ns;
    }

    void market_data(const YAML::Node& node) {
        const std::string p = "market_data";
        r.map(node, p,
              {"feed_a", "feed_b", "retransmission_port", "mtu", "heartbeat_interval",
               "store_messages", "retransmit_max_messages", "retransmit_rate"});
        if (node["feed_a"]) {
            s.network.feed_a = r.endpoint(node["feed_a"], p + ".feed_a");
        }
        if (node["feed_b"]) {
            s.network.feed_b = r.endpoint(node["feed_b"], p + ".feed_b");
        }
        if (node["retransmission_port"]) {
            s.network.retransmission_port = static_cast<std::uint16_t>(
                r.unsigned_int(node["retransmission_port"], p + ".retransmission_port", 1, 65535));
        }
        if (node["mtu"]) {
            s.feed.mtu = r.unsigned_int(node["mtu"], p + ".mtu", 128, 9000);
        }
        if (node["heartbeat_interval"]) {
            s.feed.heartbeat_interval_ns =
                positive(node["heartbeat_interval"], p + ".heartbeat_interval");
        }
        if (node["store_messages"]) {
            s.feed.store_messages =
                r.unsigned_int(node["store_messages"], p + ".store_messages", 2, 1ULL << 28);
        }
        if (node["retransmit_max_messages"]) {
            s.feed.retransmit_max_messages = static_cast<std::uint16_t>(r.unsigned_int(
                node["retransmit_max_messages"], p + ".retransmit_max_messages", 1, 65534));
        }
        if (node["retransmit_rate"]) {
            s.feed.retransmit_rate_per_s =
                r.unsigned_int(node["retransmit_rate"], p + ".retransmit_rate", 0, 1'000'000'000);
        }
    }

    void network(const YAML::Node& node) {
        r.map(node, "network", {"exchange_ip", "client_ip"});
        if (node["exchange_ip"]) {
            s.network.exchange_ip = r.ipv4(node["exchange_ip"], "network.exchange_ip");
        }
        if (node["client_ip"]) {
            s.network.client_ip = r.ipv4(node["client_ip"], "network.client_ip");
        }
    }

    [[nodiscard]] LinkSetting link(const YAML::Node& port, const YAML::Node& spec,
                                   const std::string& path) const {
        LinkSetting l;
        l.port = r.alnum(port, path, 32, "a port name of 1 to 32 printable characters");
        const std::optional<LinkTarget> target = parse_link_port(l.port);
        if (!target) {
            r.fail(port, path,
                   "a port of the emulated network: exchange, feed_a, feed_b, client or "
                   "client<N>, optionally with :in or :out");
        }
        l.target = *target;
        l.line = port.Mark().line + 1;
        l.column = port.Mark().column + 1;
        l.spec = spec.IsScalar() ? spec.Scalar() : std::string();
        if (!spec.IsScalar() || !valid_link_spec(l.spec)) {
            r.fail(spec, path,
                   "a link in nic_emu's syntax: key=value items separated by commas, such as "
                   "\"latency=2us,jitter=normal:100ns,loss=0.1%\"");
        }
        if (!l.spec.empty()) {
            try {
                (void)nic::parse_link(l.spec);
            } catch (const core::ConfigError& e) {
                r.fail(spec, path, std::string("a link in nic_emu's syntax (") + e.what() + ")");
            }
        }
        return l;
    }

    void links(const YAML::Node& node) {
        if (!node.IsMap()) {
            r.fail(node, "links", "a mapping from port name to link setting");
        }
        for (auto it = node.begin(); it != node.end(); ++it) {
            s.links.push_back(link(it->first, it->second, "links." + it->first.Scalar()));
        }
    }

    ScriptedOrder order(const YAML::Node& n, const std::string& path, std::size_t counter) {
        ScriptedOrder o;
        o.participant = s.operations;
        if (n["user"]) {
            o.participant = user_participant(n["user"], path + ".user");
        }
        const std::size_t symbol = symbol_index(r.required(n, path, "stock"), path + ".stock");
        o.stock = s.symbols[symbol].stock;
        o.side = r.side(r.required(n, path, "side"), path + ".side");
        const YAML::Node shares = r.required(n, path, "shares");
        o.shares = static_cast<Shares>(r.unsigned_int(shares, path + ".shares", 1, 999'999));
        o.price = r.price(r.required(n, path, "price"), path + ".price");
        if (n["tif"]) {
            o.time_in_force = r.time_in_force(n["tif"], path + ".tif");
        }
        if (n["display"]) {
            o.display = r.display(n["display"], path + ".display");
        }
        if (n["token"]) {
            o.token = Token::from(r.alnum(n["token"], path + ".token", 14,
                                          "an order token of 1 to 14 printable characters"));
        } else {
            o.token = Token::from("SCN" + std::to_string(counter));
        }
        return o;
    }

    void initial_book(const YAML::Node& node) {
        r.list(node, "initial_book");
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string path = Reader::index("initial_book", i);
            r.map(node[i], path,
                  {"stock", "side", "shares", "price", "user", "tif", "display", "token"});
            s.initial_book.push_back(order(node[i], path, ++order_counter));
        }
    }

    void background(const YAML::Node& node) {
        const std::string p = "background";
        r.map(node, p,
              {"participants", "first_participant", "cancel_share", "replace_share",
               "marketable_share", "walk_probability", "depth_ticks", "marketable_ticks", "lot",
               "max_lots", "max_live_orders", "symbols"});
        BackgroundFlowConfig b;
        if (node["participants"]) {
            b.participants = static_cast<std::uint32_t>(
                r.unsigned_int(node["participants"], p + ".participants", 1, 100));
        }
        if (node["first_participant"]) {
            b.first_participant = static_cast<ParticipantId>(
                r.unsigned_int(node["first_participant"], p + ".first_participant", 3000, 3800));
        }
        auto share = [&](const char* key, double& value) {
            if (node[key]) {
                value = r.real(node[key], p + "." + key, 0.0, 1.0);
            }
        };
        share("cancel_share", b.cancel_share);
        share("replace_share", b.replace_share);
        share("marketable_share", b.marketable_share);
        share("walk_probability", b.walk_probability);
        if (b.cancel_share + b.replace_share + b.marketable_share > 1.0) {
            r.fail(node, p, "cancel_share + replace_share + marketable_share at most 1");
        }
        if (node["depth_ticks"]) {
            b.depth_ticks = r.real(node["depth_ticks"], p + ".depth_ticks", 0.0, 1000.0);
        }
        if (node["marketable_ticks"]) {
            b.marketable_ticks = static_cast<std::uint32_t>(
                r.unsigned_int(node["marketable_ticks"], p + ".marketable_ticks", 0, 1000));
        }
        if (node["lot"]) {
            b.lot = static_cast<Shares>(r.unsigned_int(node["lot"], p + ".lot", 1, 10'000));
        }
        if (node["max_lots"]) {
            b.max_lots = static_cast<std::uint32_t>(
                r.unsigned_int(node["max_lots"], p + ".max_lots", 1, 99));
        }
        if (node["max_live_orders"]) {
            b.max_live_orders = static_cast<std::uint32_t>(
                r.unsigned_int(node["max_live_orders"], p + ".max_live_orders", 1, 1'000'000));
        }
        const YAML::Node symbols = r.required(node, p, "symbols");
        r.list(symbols, p + ".symbols");
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            const std::string path = Reader::index(p + ".symbols", i);
            r.map(symbols[i], path, {"stock", "rate"});
            const std::size_t index =
                symbol_index(r.required(symbols[i], path, "stock"), path + ".stock");
            FlowSymbolConfig f;
            f.stock = s.symbols[index].stock;
            f.tick = s.symbols[index].tick;
            f.reference_price = s.symbols[index].reference_price;
            f.band = s.symbols[index].band;
            f.rate_per_s = r.real(r.required(symbols[i], path, "rate"), path + ".rate", 1e-6, 1e9);
            b.symbols.push_back(f);
        }
        s.background = b;
    }

    void replay(const YAML::Node& node) {
        const std::string p = "replay";
        r.map(node, p, {"file", "symbols", "speed", "max_orders"});
        ItchReplayConfig c;
        const YAML::Node file = r.required(node, p, "file");
        c.file = r.text(file, p + ".file");
        if (c.file.empty()) {
            r.fail(file, p + ".file", "a file name");
        }
        if (c.file.front() != '/') {
            c.file = base_dir + "/" + c.file;
        }
        const YAML::Node symbols = r.required(node, p, "symbols");
        r.list(symbols, p + ".symbols");
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            c.symbols.push_back(
                s.symbols[symbol_index(symbols[i], Reader::index(p + ".symbols", i))].stock);
        }
        if (const YAML::Node speed = node["speed"]) {
            if (speed.IsScalar() && speed.Scalar() == "max") {
                c.speed = 0.0;
            } else {
                c.speed = r.real(speed, p + ".speed", 1e-6, 1e6);
            }
        }
        if (node["max_orders"]) {
            c.max_orders = static_cast<std::uint32_t>(
                r.unsigned_int(node["max_orders"], p + ".max_orders", 1, 1u << 24));
        }
        s.replay = c;
    }

    void timeline(const YAML::Node& node) {
        r.list(node, "timeline");
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string path = Reader::index("timeline", i);
            const YAML::Node n = node[i];
            if (!n.IsMap()) {
                r.fail(n, path, "a mapping with 'at' and one event");
            }
            TimelineEvent e;
            e.line = n.Mark().line + 1;
            e.at_ns = r.duration(r.required(n, path, "at"), path + ".at");
            std::size_t events = 0;
            for (auto it = n.begin(); it != n.end(); ++it) {
                const std::string key = it->first.Scalar();
                const YAML::Node v = it->second;
                const std::string field = path + "." + key;
                if (key == "at" || key == "trigger") {
                    continue;
                }
                ++events;
                if (key == "order") {
                    r.map(v, field,
                          {"stock", "side", "shares", "price", "user", "tif", "display", "token"});
                    e.kind = TimelineKind::kOrder;
                    e.order = order(v, field, ++order_counter);
                } else if (key == "cancel") {
                    r.map(v, field, {"token", "user", "shares"});
                    e.kind = TimelineKind::kCancel;
                    e.order.participant = s.operations;
                    if (v["user"]) {
                        e.order.participant = user_participant(v["user"], field + ".user");
                    }
                    e.order.token =
                        Token::from(r.alnum(r.required(v, field, "token"), field + ".token", 14,
                                            "an order token of 1 to 14 characters"));
                    e.order.shares = v["shares"] ? static_cast<Shares>(r.unsigned_int(
                                                       v["shares"], field + ".shares", 0, 999'999))
                                                 : 0;
                } else if (key == "halt" || key == "resume") {
                    e.kind = key == "halt" ? TimelineKind::kHalt : TimelineKind::kResume;
                    if (v.IsMap()) {
                        r.map(v, field, {"stock", "reason"});
                        e.stock =
                            s.symbols[symbol_index(r.required(v, field, "stock"), field + ".stock")]
                                .stock;
                        if (v["reason"]) {
                            e.reason =
                                ActionReason::from(r.alnum(v["reason"], field + ".reason", 4,
                                                           "an ITCH reason of 1 to 4 characters"));
                        }
                    } else {
                        e.stock = s.symbols[symbol_index(v, field)].stock;
                    }
                } else if (key == "link") {
                    r.map(v, field, {"port", "spec"});
                    e.kind = TimelineKind::kLink;
                    e.link =
                        link(r.required(v, field, "port"), r.required(v, field, "spec"), field);
                } else if (key == "disconnect") {
                    e.kind = TimelineKind::kDisconnect;
                    e.user = user_participant(v, field);
                } else if (key == "end_session") {
                    e.kind = TimelineKind::kEndOfSession;
                    if (!v.IsNull() && !(v.IsScalar() && v.Scalar() == "true")) {
                        r.fail(v, field, "true (or nothing)");
                    }
                } else {
                    r.fail_at(it->first.Mark(), field,
                              "unknown key; expected at, trigger and one of order, cancel, halt, "
                              "resume, link, disconnect, end_session");
                }
            }
            if (events != 1) {
                r.fail(n, path,
                       "exactly one event (order, cancel, halt, resume, link, "
                       "disconnect or end_session)");
            }
            if (n["trigger"]) {
                e.trigger = r.boolean(n["trigger"], path + ".trigger");
                if (e.trigger && e.kind != TimelineKind::kOrder) {
                    r.fail(n["trigger"], path + ".trigger", "trigger only on an order");
                }
            }
            s.timeline.push_back(e);
        }
        std::stable_sort(
            s.timeline.begin(), s.timeline.end(),
            [](const TimelineEvent& a, const TimelineEvent& b) { return a.at_ns < b.at_ns; });
    }

    void limits(const YAML::Node& node) {
        r.map(node, "limits", {"max_orders", "max_tokens", "inputs_per_pass"});
        if (node["max_orders"]) {
            s.max_orders = static_cast<std::uint32_t>(
                r.unsigned_int(node["max_orders"], "limits.max_orders", 16, 1u << 26));
        }
        if (node["max_tokens"]) {
            s.max_tokens = static_cast<std::uint32_t>(
                r.unsigned_int(node["max_tokens"], "limits.max_tokens", 16, 1u << 28));
        }
        if (node["inputs_per_pass"]) {
            s.inputs_per_pass =
                r.unsigned_int(node["inputs_per_pass"], "limits.inputs_per_pass", 1, 4096);
        }
    }

    void parse(const YAML::Node& root) {
        r.map(root, "",
              {"name", "seed", "session", "symbols", "users", "order_entry", "market_data",
               "network", "links", "initial_book", "background", "replay", "timeline", "limits"});
        s.name = r.text(r.required(root, "", "name"), "name", 200);
        if (root["seed"]) {
            s.seed = r.unsigned_int(root["seed"], "seed", 0, ~std::uint64_t{0});
        }
        session(r.required(root, "", "session"));
        symbols(r.required(root, "", "symbols"));
        if (root["users"]) {
            users(root["users"]);
        }
        if (root["order_entry"]) {
            order_entry(root["order_entry"]);
        }
        if (root["market_data"]) {
            market_data(root["market_data"]);
        }
        if (root["network"]) {
            network(root["network"]);
        }
        if (root["links"]) {
            links(root["links"]);
        }
        if (root["limits"]) {
            limits(root["limits"]);
        }
        if (root["initial_book"]) {
            initial_book(root["initial_book"]);
        }
        if (root["background"]) {
            background(root["background"]);
        }
        if (root["replay"]) {
            replay(root["replay"]);
        }
        if (root["timeline"]) {
            timeline(root["timeline"]);
        }
        if (s.duration_ns) {
            for (const TimelineEvent& e : s.timeline) {
                if (e.at_ns > *s.duration_ns) {
                    throw core::ConfigError(s.file + ":" + std::to_string(e.line) +
                                            ": timeline: event after the session's duration");
                }
            }
        }
    }

    std::size_t order_counter = 0;
};

}  // namespace

Scenario parse_scenario(std::string_view text, const std::string& file,
                        const std::string& base_dir) {
    Scenario scenario;
    scenario.file = file;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
        throw core::ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
    }
    Parser parser{Reader(file), scenario, base_dir};
    try {
        parser.parse(root);
    } catch (const YAML::Exception& e) {
        throw core::ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    // The remaining cross-checks are the components' own (they name the field).
    try {
        validate_gateway_config(scenario.gateway);
        validate_feed_config(scenario.feed);
        if (scenario.background) {
            validate_flow_config(*scenario.background);
        }
        validate_config(engine_config(scenario));
    } catch (const core::ConfigError& e) {
        throw core::ConfigError(file + ": " + e.what());
    }
    return scenario;
}

Scenario load_scenario(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw core::ConfigError(path + ": cannot read the scenario file");
    }
    std::ostringstream text;
    text << in.rdbuf();
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    return parse_scenario(text.str(), path, dir);
}

EngineConfig engine_config(const Scenario& scenario) {
    EngineConfig config;
    config.symbols = scenario.symbols;
    config.max_orders = scenario.max_orders;
    config.max_tokens = scenario.max_tokens;
    for (const UserConfig& user : scenario.gateway.users) {
        config.participants.push_back({user.participant, user.firm});
    }
    config.participants.push_back({scenario.operations, scenario.operations_firm});
    config.firms.push_back({scenario.operations_firm, AiqMethod::kNone});
    if (scenario.background) {
        const BackgroundFlowConfig& b = *scenario.background;
        for (std::uint32_t i = 0; i < b.participants; ++i) {
            config.participants.push_back(
                {static_cast<ParticipantId>(b.first_participant + i), flow_firm(i)});
            config.firms.push_back({flow_firm(i), AiqMethod::kNone});
        }
    }
    if (scenario.replay) {
        config.participants.push_back({scenario.replay->maker, Firm::from("RPLM")});
        config.participants.push_back({scenario.replay->taker, Firm::from("RPLT")});
        config.firms.push_back({Firm::from("RPLM"), AiqMethod::kNone});
        config.firms.push_back({Firm::from("RPLT"), AiqMethod::kNone});
    }
    return config;
}

}  // namespace tb::exchange
