#include "nic_emu/link_syntax.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "proto/ipv4.hpp"

namespace tb::nic {
namespace {

using core::ConfigError;

constexpr const char* kOptionNames =
    "latency, jitter, loss, dup, reorder, corrupt, rate, queue, down, drop, step";
// Every time a link computes stays far inside int64 nanoseconds with durations up to this.
constexpr std::int64_t kMaxDurationNs = 10LL * 24 * 3600 * 1'000'000'000;
constexpr const char* kDurationExample = "a duration such as 250ns, 2us, 1.5ms or 3s";
constexpr const char* kProbabilityExample =
    "a percentage such as 0.1% or a probability between 0 and 1";

std::optional<double> parse_number(std::string_view text) noexcept {
    double value = 0.0;
    if (text.empty() || text.front() == '+' || text.front() == '-') {
        return std::nullopt;
    }
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

template <class T>
std::optional<T> parse_unsigned(std::string_view text) noexcept {
    T value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// Splits at the first `separator`; the second part is empty when there is none.
std::pair<std::string_view, std::string_view> split_once(std::string_view text, char separator) {
    const std::size_t at = text.find(separator);
    if (at == std::string_view::npos) {
        return {text, {}};
    }
    return {text.substr(0, at), text.substr(at + 1)};
}

std::vector<std::string_view> split_all(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        const std::size_t at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return parts;
        }
        text = text.substr(at + 1);
    }
}

// Parsing context for one option, so that every message names it the same way.
class Option {
public:
    Option(std::string_view token, std::string_view name, std::string_view value)
        : token_(token), name_(name), value_(value) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw ConfigError("link option '" + std::string(token_) + "': " + what);
    }
    [[noreturn]] void expected(std::string_view part, const std::string& what) const {
        fail("'" + std::string(part) + "' is not " + what);
    }

    std::int64_t duration(std::string_view part) const {
        const auto ns = core::parse_duration_ns(part);
        if (!ns) {
            expected(part, kDurationExample);
        }
        if (*ns > kMaxDurationNs) {
            fail("'" + std::string(part) + "' is longer than 10 days, the most a link takes");
        }
        return *ns;
    }
    double probability(std::string_view part) const {
        const auto p = parse_probability(part);
        if (!p) {
            expected(part, kProbabilityExample);
        }
        return *p;
    }
    double positive(std::string_view part, const char* what) const {
        const auto number = parse_number(part);
        if (!number || *number <= 0.0) {
            expected(part, what);
        }
        return *number;
    }

    std::string_view name() const noexcept { return name_; }
    std::string_view value() const noexcept { return value_; }

private:
    std::string_view token_;
    std::string_view name_;
    std::string_view value_;
};

JitterConfig parse_jitter(const Option& option) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const auto parts = split_once(option.value(), ':');
    const std::string_view kind = parts.first;
    const std::string_view rest = parts.second;
    const std::vector<std::string_view> args =
        rest.empty() ? std::vector<std::string_view>{} : split_all(rest, ':');
    const auto want = [&](std::size_t n, const char* form) {
        if (args.size() != n) {
            option.fail("jitter '" + std::string(kind) + "' takes " + form);
        }
    };
    JitterConfig jitter;
    if (kind == "uniform") {
        want(1, "one width, for example uniform:100ns");
        jitter.kind = JitterKind::kUniform;
        jitter.a = static_cast<double>(option.duration(args[0]));
    } else if (kind == "normal") {
        want(1, "one standard deviation, for example normal:100ns");
        jitter.kind = JitterKind::kNormal;
        jitter.a = static_cast<double>(option.duration(args[0]));
    } else if (kind == "lognormal") {
        want(2, "a mean and a standard deviation, for example lognormal:500ns:200ns");
        jitter.kind = JitterKind::kLogNormal;
        jitter.a = static_cast<double>(option.duration(args[0]));
        jitter.b = static_cast<double>(option.duration(args[1]));
        if (jitter.a <= 0.0) {
            option.fail("the log-normal mean must be above 0");
        }
    } else if (kind == "pareto") {
        want(2, "a scale and a shape, for example pareto:100ns:2.5");
        jitter.kind = JitterKind::kPareto;
        jitter.a = static_cast<double>(option.duration(args[0]));
        jitter.b = option.positive(args[1], "a positive shape such as 2.5");
        if (jitter.a <= 0.0) {
            option.fail("the Pareto scale must be above 0");
        }
    } else if (kind == "empirical") {
        if (rest.empty()) {
            option.fail("jitter 'empirical' takes a file, for example empirical:jitter.txt");
        }
        jitter.kind = JitterKind::kEmpirical;
        jitter.source = std::string(rest);
        jitter.table = read_jitter_table(jitter.source);
    } else if (kind == "none") {
        if (!rest.empty()) {
            option.fail("jitter 'none' takes no arguments");
        }
    } else {
        option.expected(kind,
                        "a jitter distribution: none, uniform, normal, lognormal, pareto or "
                        "empirical");
    }
    return jitter;
}

LossConfig parse_loss(const Option& option) {
    LossConfig loss;
    const auto [kind, rest] = split_once(option.value(), ':');
    if (kind != "ge") {
        loss.probability = option.probability(option.value());
        loss.kind = loss.probability > 0.0 ? LossKind::kBernoulli : LossKind::kNone;
        return loss;
    }
    const std::vector<std::string_view> args =
        rest.empty() ? std::vector<std::string_view>{} : split_all(rest, ',');
    if (args.size() < 2 || args.size() > 4) {
        option.fail("Gilbert-Elliott loss takes ge:P,R[,H[,K]], for example ge:1%,25%");
    }
    loss.kind = LossKind::kGilbertElliott;
    loss.p = option.probability(args[0]);
    loss.r = option.probability(args[1]);
    if (args.size() > 2) {
        loss.h = option.probability(args[2]);
    }
    if (args.size() > 3) {
        loss.k = option.probability(args[3]);
    }
    if (loss.r == 0.0 && loss.p > 0.0) {
        option.fail("R (Bad to Good) of 0 would keep the link in the Bad state for ever");
    }
    return loss;
}

std::string format_number(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

std::string format_ns(std::int64_t ns) {
    return std::to_string(ns) + "ns";
}

std::string format_ns(double ns) {
    return format_number(ns) + "ns";
}

bool repeatable(std::string_view name) {
    return name == "down" || name == "drop" || name == "step";
}

// Splits the text at commas; a piece without '=' continues the option before it
// (loss=ge:1%,25%).
std::vector<std::string_view> split_options(std::string_view text) {
    std::vector<std::string_view> options;
    std::size_t start = 0;
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = text.find(',', at);
        const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
        const std::string_view piece = text.substr(at, end - at);
        if (at != start && piece.find('=') != std::string_view::npos) {
            options.push_back(text.substr(start, at - 1 - start));
            start = at;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        at = comma + 1;
    }
    options.push_back(text.substr(start));
    return options;
}

[[noreturn]] void filter_error(std::string_view text, const std::string& what) {
    throw ConfigError("filter '" + std::string(text) + "': " + what +
                      "; expected any, udp[:PORT], tcp[:PORT], tcp-data[:PORT] or "
                      "group:A.B.C.D[:PORT]");
}

}  // namespace

std::optional<std::uint64_t> parse_rate_bps(std::string_view text) noexcept {
    std::size_t digits_end = 0;
    while (digits_end < text.size() &&
           ((text[digits_end] >= '0' && text[digits_end] <= '9') || text[digits_end] == '.')) {
        ++digits_end;
    }
    const auto number = parse_number(text.substr(0, digits_end));
    if (!number) {
        return std::nullopt;
    }
    std::string unit;
    for (const char c : text.substr(digits_end)) {
        unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    double scale = 0.0;
    if (unit == "bit") {
        scale = 1.0;
    } else if (unit == "kbit") {
        scale = 1e3;
    } else if (unit == "mbit") {
        scale = 1e6;
    } else if (unit == "gbit") {
        scale = 1e9;
    } else if (unit == "tbit") {
        scale = 1e12;
    } else {
        return std::nullopt;
    }
    const double bps = std::round(*number * scale);
    if (!(bps >= 1.0) || bps > 1e15) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(bps);
}

std::optional<double> parse_probability(std::string_view text) noexcept {
    const bool percent = !text.empty() && text.back() == '%';
    const auto number = parse_number(percent ? text.substr(0, text.size() - 1) : text);
    if (!number) {
        return std::nullopt;
    }
    const double p = percent ? *number / 100.0 : *number;
    if (p < 0.0 || p > 1.0) {
        return std::nullopt;
    }
    return p;
}

std::optional<std::int64_t> parse_signed_duration_ns(std::string_view text) noexcept {
    if (!text.empty() && text.front() == '-') {
        const auto magnitude = core::parse_duration_ns(text.substr(1));
        if (!magnitude) {
            return std::nullopt;
        }
        return -*magnitude;
    }
    return core::parse_duration_ns(text);
}

FrameFilter parse_filter(std::string_view text) {
    const auto fail = [&](const std::string& what) { filter_error(text, what); };
    const auto port_of = [&](std::string_view part) -> std::uint16_t {
        const auto port = parse_unsigned<std::uint16_t>(part);
        if (!port || *port == 0) {
            filter_error(text, "'" + std::string(part) + "' is not a port number (1 to 65535)");
        }
        return *port;
    };
    const auto [kind, rest] = split_once(text, ':');
    FrameFilter filter;
    if (kind == "any") {
        if (!rest.empty()) {
            fail("'any' takes no port");
        }
        filter.kind = FilterKind::kAny;
    } else if (kind == "udp" || kind == "tcp" || kind == "tcp-data") {
        filter.kind = kind == "udp"   ? FilterKind::kUdp
                      : kind == "tcp" ? FilterKind::kTcp
                                      : FilterKind::kTcpData;
        if (!rest.empty()) {
            filter.port = port_of(rest);
        }
    } else if (kind == "group") {
        filter.kind = FilterKind::kGroup;
        const auto [address, port] = split_once(rest, ':');
        const auto group = proto::parse_ipv4_address(address);
        if (!group) {
            filter_error(text, "'" + std::string(address) + "' is not an IPv4 address");
        }
        filter.group = *group;
        if (!port.empty()) {
            filter.port = port_of(port);
        }
    } else {
        fail("unknown filter '" + std::string(kind) + "'");
    }
    return filter;
}

std::string format_filter(const FrameFilter& filter) {
    std::string text;
    switch (filter.kind) {
        case FilterKind::kAny:
            return "any";
        case FilterKind::kUdp:
            text = "udp";
            break;
        case FilterKind::kTcp:
            text = "tcp";
            break;
        case FilterKind::kTcpData:
            text = "tcp-data";
            break;
        case FilterKind::kGroup:
            text = "group:" + proto::format_ipv4(filter.group);
            break;
    }
    if (filter.port != 0) {
        text += ":" + std::to_string(filter.port);
    }
    return text;
}

std::vector<double> read_jitter_table(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw ConfigError("cannot read the jitter table " + path);
    }
    std::vector<double> values;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const std::size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') {
            continue;
        }
        const std::size_t last = line.find_last_not_of(" \t\r");
        const std::string_view text = std::string_view(line).substr(first, last - first + 1);
        const auto ns = parse_signed_duration_ns(text);
        if (!ns) {
            throw ConfigError(path + ":" + std::to_string(number) + ": '" + std::string(text) +
                              "' is not " + kDurationExample + " (a minus sign is allowed)");
        }
        values.push_back(static_cast<double>(*ns));
    }
    if (values.empty()) {
        throw ConfigError("the jitter table " + path + " holds no values");
    }
    return values;
}

LinkConfig parse_link(std::string_view text) {
    LinkConfig config;
    if (text == "none" || text.empty()) {
        return config;
    }
    std::vector<std::string> seen;
    for (const std::string_view token : split_options(text)) {
        const auto [name, value] = split_once(token, '=');
        const Option option(token, name, value);
        if (token.empty()) {
            throw ConfigError("link '" + std::string(text) +
                              "' has an empty option; options are separated by single commas");
        }
        if (token.find('=') == std::string_view::npos) {
            option.fail("expected NAME=VALUE with NAME one of " + std::string(kOptionNames));
        }
        if (value.empty()) {
            option.fail("the value is missing");
        }
        if (!repeatable(name)) {
            if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
                option.fail("'" + std::string(name) + "' is given twice");
            }
            seen.emplace_back(name);
        }
        if (name == "latency") {
            config.latency_ns = option.duration(value);
        } else if (name == "jitter") {
            config.jitter = parse_jitter(option);
        } else if (name == "loss") {
            config.loss = parse_loss(option);
        } else if (name == "dup") {
            config.duplicate = option.probability(value);
        } else if (name == "reorder") {
            const auto [probability, delay] = split_once(value, ':');
            if (delay.empty()) {
                option.fail("reorder takes PROB:DELAY, for example reorder=1%:20us");
            }
            config.reorder = option.probability(probability);
            config.reorder_delay_ns = option.duration(delay);
            if (config.reorder > 0.0 && config.reorder_delay_ns == 0) {
                option.fail("a reorder delay of 0 would not reorder anything");
            }
        } else if (name == "corrupt") {
            config.corrupt = option.probability(value);
        } else if (name == "rate") {
            const auto rate = parse_rate_bps(value);
            if (!rate) {
                option.expected(value, "a rate such as 10gbit, 2.5gbit or 100mbit");
            }
            config.rate_bps = *rate;
        } else if (name == "queue") {
            const auto frames = parse_unsigned<std::uint32_t>(value);
            if (!frames || *frames == 0 || *frames > (1u << 24)) {
                option.expected(value, "a queue bound in frames (1 to 16777216)");
            }
            config.queue_frames = *frames;
        } else if (name == "down") {
            const auto [start, duration] = split_once(value, '+');
            if (duration.empty()) {
                option.fail("down takes START+DURATION, for example down=2s+100ms");
            }
            config.down.push_back({option.duration(start), option.duration(duration)});
        } else if (name == "drop") {
            const auto [count_text, rest] = split_once(value, ':');
            const auto count = parse_unsigned<std::uint64_t>(count_text);
            if (!count || *count == 0 || rest.empty()) {
                option.fail("drop takes COUNT:FILTER[@TIME], for example drop=3:udp:26477@1s");
            }
            const auto [filter_text, at] = split_once(rest, '@');
            DropRule rule;
            rule.count = *count;
            try {
                rule.filter = parse_filter(filter_text);
            } catch (const ConfigError& e) {
                option.fail(e.what());
            }
            rule.start_ns = at.empty() ? 0 : option.duration(at);
            config.drops.push_back(rule);
        } else if (name == "step") {
            const auto [at, latency] = split_once(value, ':');
            if (latency.empty()) {
                option.fail("step takes TIME:LATENCY, for example step=1s:20us");
            }
            config.steps.push_back({option.duration(at), option.duration(latency)});
        } else {
            option.fail("unknown option '" + std::string(name) + "'; expected one of " +
                        kOptionNames);
        }
    }
    if (config.queue_frames != 0 && config.rate_bps == 0) {
        throw ConfigError("link '" + std::string(text) +
                          "': queue= bounds the queue of a rate limit; give rate= too");
    }
    std::stable_sort(
        config.down.begin(), config.down.end(),
        [](const DownWindow& a, const DownWindow& b) { return a.start_ns < b.start_ns; });
    std::stable_sort(config.steps.begin(), config.steps.end(),
                     [](const LatencyStep& a, const LatencyStep& b) { return a.at_ns < b.at_ns; });
    return config;
}

std::string format_link(const LinkConfig& config) {
    std::vector<std::string> options;
    if (config.latency_ns != 0) {
        options.push_back("latency=" + format_ns(config.latency_ns));
    }
    const JitterConfig& jitter = config.jitter;
    switch (jitter.kind) {
        case JitterKind::kNone:
            break;
        case JitterKind::kUniform:
            options.push_back("jitter=uniform:" + format_ns(jitter.a));
            break;
        case JitterKind::kNormal:
            options.push_back("jitter=normal:" + format_ns(jitter.a));
            break;
        case JitterKind::kLogNormal:
            options.push_back("jitter=lognormal:" + format_ns(jitter.a) + ":" +
                              format_ns(jitter.b));
            break;
        case JitterKind::kPareto:
            options.push_back("jitter=pareto:" + format_ns(jitter.a) + ":" +
                              format_number(jitter.b));
            break;
        case JitterKind::kEmpirical:
            options.push_back("jitter=empirical:" + jitter.source);
            break;
    }
    const LossConfig& loss = config.loss;
    if (loss.kind == LossKind::kBernoulli) {
        options.push_back("loss=" + format_number(loss.probability));
    } else if (loss.kind == LossKind::kGilbertElliott) {
        options.push_back("loss=ge:" + format_number(loss.p) + "," + format_number(loss.r) + "," +
                          format_number(loss.h) + "," + format_number(loss.k));
    }
    if (config.duplicate > 0.0) {
        options.push_back("dup=" + format_number(config.duplicate));
    }
    if (config.reorder > 0.0) {
        options.push_back("reorder=" + format_number(config.reorder) + ":" +
                          format_ns(config.reorder_delay_ns));
    }
    if (config.corrupt > 0.0) {
        options.push_back("corrupt=" + format_number(config.corrupt));
    }
    if (config.rate_bps != 0) {
        options.push_back("rate=" + std::to_string(config.rate_bps) + "bit");
    }
    if (config.queue_frames != 0) {
        options.push_back("queue=" + std::to_string(config.queue_frames));
    }
    for (const DownWindow& window : config.down) {
        options.push_back("down=" + format_ns(window.start_ns) + "+" +
                          format_ns(window.duration_ns));
    }
    for (const DropRule& rule : config.drops) {
        options.push_back("drop=" + std::to_string(rule.count) + ":" + format_filter(rule.filter) +
                          "@" + format_ns(rule.start_ns));
    }
    for (const LatencyStep& step : config.steps) {
        options.push_back("step=" + format_ns(step.at_ns) + ":" + format_ns(step.latency_ns));
    }
    if (options.empty()) {
        return "none";
    }
    std::string text;
    for (const std::string& option : options) {
        if (!text.empty()) {
            text += ',';
        }
        text += option;
    }
    return text;
}

}  // namespace tb::nic
