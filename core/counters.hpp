#pragma once

// Counters: plain structs of std::uint64_t fields, one per component, written by the owning
// thread on the data path and read by the control side for reports (STYLE.md, "Errors, logs,
// counters"). A counters struct lists its fields once, in a visit() member:
//
//     struct PortCounters {
//         std::uint64_t rx_frames = 0;
//         std::uint64_t tx_frames = 0;
//         template <class F> void visit(F&& f) const { f("rx_frames", rx_frames);
//                                                      f("tx_frames", tx_frames); }
//     };
//
// and every report format (text, JSON) is written once, here, for all of them.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace tb::core {

template <class T>
concept Counters = requires(const T& counters) {
    counters.visit([](std::string_view, std::uint64_t) {});
};

// "name=value name=value ..." on one line, in declaration order.
template <Counters T>
[[nodiscard]] std::string format_counters(const T& counters) {
    std::string out;
    counters.visit([&out](std::string_view name, std::uint64_t value) {
        if (!out.empty()) {
            out += ' ';
        }
        out.append(name);
        out += '=';
        out += std::to_string(value);
    });
    return out;
}

// {"name":value,...} as a JSON object, in declaration order.
template <Counters T>
[[nodiscard]] std::string counters_json(const T& counters) {
    std::string out = "{";
    counters.visit([&out](std::string_view name, std::uint64_t value) {
        if (out.size() > 1) {
            out += ',';
        }
        out += '"';
        out.append(name);
        out += "\":";
        out += std::to_string(value);
    });
    out += '}';
    return out;
}

}  // namespace tb::core
