#include "nic_emu/report.hpp"

#include <cstdio>

namespace tb::nic {

std::string histogram_json(const core::Histogram& histogram) {
    char text[320];
    std::snprintf(text, sizeof text,
                  "{\"count\":%lld,\"min\":%lld,\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,"
                  "\"p99.9\":%lld,\"max\":%lld,\"mean\":%.1f}",
                  static_cast<long long>(histogram.total_count()),
                  static_cast<long long>(histogram.min()),
                  static_cast<long long>(histogram.value_at_percentile(50.0)),
                  static_cast<long long>(histogram.value_at_percentile(90.0)),
                  static_cast<long long>(histogram.value_at_percentile(99.0)),
                  static_cast<long long>(histogram.value_at_percentile(99.9)),
                  static_cast<long long>(histogram.max()), histogram.mean());
    return text;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
            out += escape;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

}  // namespace tb::nic
