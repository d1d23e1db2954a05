#pragma once

// Reports of an emulator's counters, for the control side (never the data path): one JSON
// object, or lines of text, in port order.

#include <cstdio>
#include <string>

#include "core/counters.hpp"
#include "core/histogram.hpp"
#include "nic_emu/emulator.hpp"
#include "nic_emu/link_syntax.hpp"

namespace tb::nic {

// {"count":..,"min":..,"p50":..,"p90":..,"p99":..,"p99.9":..,"max":..,"mean":..} in ns.
[[nodiscard]] std::string histogram_json(const core::Histogram& histogram);

[[nodiscard]] std::string json_string(std::string_view text);

template <FramePort P, core::Clock C>
[[nodiscard]] std::string report_json(const Emulator<P, C>& emulator,
                                      const EmulatorConfig& config) {
    std::string out = "{\"ports\":[";
    for (std::size_t i = 0; i < emulator.port_count(); ++i) {
        if (i != 0) {
            out += ',';
        }
        out +=
            "{\"index\":" + std::to_string(i) + ",\"name\":" + json_string(config.ports[i].name) +
            ",\"counters\":" + core::counters_json(emulator.port_counters(i)) +
            ",\"in\":{\"link\":" + json_string(format_link(config.ports[i].in)) +
            ",\"counters\":" + core::counters_json(emulator.link(i, Direction::kIn).counters()) +
            "},\"out\":{\"link\":" + json_string(format_link(config.ports[i].out)) +
            ",\"counters\":" + core::counters_json(emulator.link(i, Direction::kOut).counters()) +
            "}}";
    }
    out += "],\"switch\":" + core::counters_json(emulator.network_switch().counters());
    out += ",\"delivery_error_ns\":" + histogram_json(emulator.delivery_error());
    if (emulator.tap().enabled()) {
        out += ",\"tap\":{\"counters\":" + core::counters_json(emulator.tap().counters()) +
               ",\"tick_to_trade_ns\":" + histogram_json(emulator.tap().histogram()) + "}";
    }
    if (emulator.capture() != nullptr) {
        out += ",\"capture\":{\"path\":" + json_string(emulator.capture()->path()) +
               ",\"counters\":" + core::counters_json(emulator.capture()->counters()) + "}";
    }
    out += '}';
    return out;
}

template <FramePort P, core::Clock C>
[[nodiscard]] std::string report_text(const Emulator<P, C>& emulator,
                                      const EmulatorConfig& config) {
    std::string out;
    for (std::size_t i = 0; i < emulator.port_count(); ++i) {
        const std::string name = "port " + std::to_string(i) + " (" + config.ports[i].name + ")";
        out += name + ": " + core::format_counters(emulator.port_counters(i)) + "\n";
        for (const Direction direction : {Direction::kIn, Direction::kOut}) {
            const LinkConfig& link =
                direction == Direction::kIn ? config.ports[i].in : config.ports[i].out;
            if (link.identity()) {
                continue;
            }
            out += "  " + std::string(direction == Direction::kIn ? "in " : "out ") +
                   format_link(link) + ": " +
                   core::format_counters(emulator.link(i, direction).counters()) + "\n";
        }
    }
    out += "switch: " + core::format_counters(emulator.network_switch().counters()) + "\n";
    out += "delivery error: " + emulator.delivery_error().summary() + "\n";
    if (emulator.tap().enabled()) {
        out += "tap: " + core::format_counters(emulator.tap().counters()) + "\n";
        out += "tick-to-trade: " + emulator.tap().histogram().summary() + "\n";
    }
    if (emulator.capture() != nullptr) {
        out += "capture " + emulator.capture()->path() + ": " +
               core::format_counters(emulator.capture()->counters()) + "\n";
    }
    return out;
}

}  // namespace tb::nic
