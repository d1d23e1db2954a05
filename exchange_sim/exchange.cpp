#include "exchange_sim/exchange.hpp"

#include <cstdio>

#include "core/counters.hpp"

namespace tb::exchange {

namespace {

std::string hex64(std::uint64_t value) {
    char text[19];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

std::string format_report(const ExchangeReport& report) {
    std::string out;
    out += "scenario: " + report.scenario + " seed=" + std::to_string(report.seed) + "\n";
    out += "digest: " + hex64(report.digest) +
           " messages=" + std::to_string(report.digest_messages) + "\n";
    out += "exchange: " + core::format_counters(report.exchange) + "\n";
    out += "engine: " + core::format_counters(report.engine) + "\n";
    out += "order_entry: " + core::format_counters(report.gateway) + "\n";
    for (const ExchangeReport::Session& session : report.sessions) {
        out += "session " + session.username +
               " participant=" + std::to_string(session.participant) +
               " stream_messages=" + std::to_string(session.stream_messages) + ": " +
               core::format_counters(session.counters) + "\n";
    }
    // Feeds A and B carry the same packets; their packet and byte counts are in "exchange".
    out += "feed: " + core::format_counters(report.feed) + "\n";
    if (report.background) {
        out += "background: " + core::format_counters(*report.background) + "\n";
    }
    if (report.replay) {
        out += "replay: " + core::format_counters(*report.replay) + "\n";
    }
    return out;
}

std::string report_json(const ExchangeReport& report) {
    std::string out = "{";
    out += "\"scenario\":" + json_string(report.scenario);
    out += ",\"seed\":" + std::to_string(report.seed);
    out += ",\"digest\":\"" + hex64(report.digest) + "\"";
    out += ",\"digest_messages\":" + std::to_string(report.digest_messages);
    out += ",\"exchange\":" + core::counters_json(report.exchange);
    out += ",\"engine\":" + core::counters_json(report.engine);
    out += ",\"order_entry\":" + core::counters_json(report.gateway);
    out += ",\"sessions\":[";
    for (std::size_t i = 0; i < report.sessions.size(); ++i) {
        const ExchangeReport::Session& session = report.sessions[i];
        out += i == 0 ? "" : ",";
        out += "{\"username\":" + json_string(session.username) +
               ",\"participant\":" + std::to_string(session.participant) +
               ",\"stream_messages\":" + std::to_string(session.stream_messages) +
               ",\"counters\":" + core::counters_json(session.counters) + "}";
    }
    out += "]";
    out += ",\"feed\":" + core::counters_json(report.feed);
    if (report.background) {
        out += ",\"background\":" + core::counters_json(*report.background);
    }
    if (report.replay) {
        out += ",\"replay\":" + core::counters_json(*report.replay);
    }
    return out + "}";
}

}  // namespace tb::exchange
