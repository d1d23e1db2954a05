#pragma once

// The compact link syntax of `tickbench-nic --link` and of scenario files:
//
//   LINK     := "none" | OPTION ( "," OPTION )*
//   OPTION   := latency=DURATION                 base one-way delay
//             | jitter=JITTER                    added to the latency, per frame
//             | loss=PROB                        Bernoulli loss
//             | loss=ge:P,R[,H[,K]]              Gilbert-Elliott (see LossConfig)
//             | dup=PROB                         frame delivered twice
//             | reorder=PROB:DURATION            frame held back by DURATION more
//             | corrupt=PROB                     one bit flipped where a checksum covers it
//             | rate=RATE                        serialization at RATE, FIFO queue, tail drop
//             | queue=COUNT                      queue bound in frames (default 1000)
//             | down=DURATION+DURATION           down from START for DURATION (repeatable)
//             | drop=COUNT:FILTER[@DURATION]     drop the next COUNT matching frames, from the
//                                                given time on (default 0) (repeatable)
//             | step=DURATION:DURATION           from time T, latency becomes L (repeatable)
//   JITTER   := uniform:DURATION                 uniform in [-W, +W]
//             | normal:DURATION                  mean 0, standard deviation S
//             | lognormal:DURATION:DURATION      mean M, standard deviation S (>= 0)
//             | pareto:DURATION:NUMBER           scale X0, shape A; adds X - X0 (>= 0)
//             | empirical:PATH                   one duration per line (may be negative)
//   PROB     := NUMBER% (0 to 100) | NUMBER (a probability, 0 to 1)
//   RATE     := NUMBER followed by bit, kbit, mbit, gbit or tbit (powers of 1000)
//   FILTER   := any | udp[:PORT] | tcp[:PORT] | tcp-data[:PORT] | group:A.B.C.D[:PORT]
//   DURATION := core::parse_duration_ns: 250ns, 2us, 1.5ms, 3s, 1min; a bare number is ns
//
// Example: latency=2us,jitter=normal:100ns,loss=0.1%,rate=10gbit,down=5s+200ms
//
// Times in down, drop and step are relative to the emulator's start. Options other than down,
// drop and step may appear once. Commas inside a value (loss=ge:1%,25%) are allowed: a piece
// without "=" continues the option before it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nic_emu/link_config.hpp"

namespace tb::nic {

// Parses a link description; throws core::ConfigError naming the offending option and what was
// expected. Reads the file of jitter=empirical:PATH.
[[nodiscard]] LinkConfig parse_link(std::string_view text);

// The canonical text of a configuration (parse_link(format_link(c)) gives c back, except that
// an empirical table is named by its file).
[[nodiscard]] std::string format_link(const LinkConfig& config);

// "10gbit", "2.5Gbit", "100mbit", "9600bit" -> bits per second; nothing if malformed or zero.
[[nodiscard]] std::optional<std::uint64_t> parse_rate_bps(std::string_view text) noexcept;

// "0.1%" -> 0.001, "0.25" -> 0.25; nothing outside [0, 1] or if malformed.
[[nodiscard]] std::optional<double> parse_probability(std::string_view text) noexcept;

// A duration that may be negative ("-20ns"); otherwise as core::parse_duration_ns.
[[nodiscard]] std::optional<std::int64_t> parse_signed_duration_ns(std::string_view text) noexcept;

// "udp:26477", "group:233.54.12.111:26477", "tcp-data", "any"; throws core::ConfigError.
[[nodiscard]] FrameFilter parse_filter(std::string_view text);
[[nodiscard]] std::string format_filter(const FrameFilter& filter);

// An empirical jitter table: one duration per line (negative allowed), blank lines and lines
// starting with '#' ignored; throws core::ConfigError naming file and line.
[[nodiscard]] std::vector<double> read_jitter_table(const std::string& path);

}  // namespace tb::nic
