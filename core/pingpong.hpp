#pragma once

// Port exercisers: numbered test frames between two ends of a wire (memif, ring, or a real
// link), used by the tickbench-pingpong tool, the port tests and bench_core.
//
// Pairs of modes, one at each end:
//   stream <-> stream  both ends send `frames` numbered frames and check that the peer's arrive
//                      complete, in order and intact; then they exchange FIN and stop.
//   ping   <-> echo    ping sends one frame at a time and times its return (round-trip
//                      histogram); echo sends every frame back until ping says STOP.
//   blast  <-> sink    blast sends `frames` as fast as the port takes them; sink checks them and
//                      answers STOP with the count it received.
//
// Frame layout (network byte order), after a 14-byte Ethernet header with EtherType 0x88B5
// (IEEE 802 local experimental) and broadcast destination:
//   offset 14  magic "TBPP"        offset 18 kind (1 byte), 3 bytes zero
//   offset 22  sequence (8 bytes)  offset 30 sender time in ns (8 bytes)
//   offset 38  pattern bytes derived from the sequence, to the end of the frame
//
// Every loop is bounded: it ends with an error after `idle_timeout_ns` without progress, after
// `run_timeout_ns` in all, when the link goes down, or when stop_requested() (core/signals.hpp).

#include <cstdint>
#include <string>

#include "core/eth_port.hpp"
#include "core/histogram.hpp"

namespace tb::core::pingpong {

inline constexpr std::uint16_t kEtherType = 0x88B5;
inline constexpr std::uint16_t kHeaderSize = 38;
inline constexpr std::uint16_t kMinFrameSize = 64;
inline constexpr std::uint16_t kMaxFrameSize = 1514;

enum class Kind : std::uint8_t { kData = 1, kFin = 2, kPing = 3, kStop = 4, kStopAck = 5 };

struct Options {
    std::uint64_t frames = 1'000'000;          // data frames (stream, blast) or pings
    std::uint64_t warmup = 1000;               // ping: round trips not recorded
    std::uint16_t frame_size = kMinFrameSize;  // bytes handed to the port, no FCS
    std::uint16_t burst = 32;
    std::int64_t idle_timeout_ns = 5'000'000'000;
    std::int64_t run_timeout_ns = 300'000'000'000;
};

struct Result {
    bool ok = false;
    std::string error;           // what went wrong, when !ok
    std::uint64_t sent = 0;      // data or ping frames the port took
    std::uint64_t received = 0;  // data frames (or echoes) received and checked
    std::uint64_t lost = 0;      // sequence numbers skipped
    std::uint64_t out_of_order = 0;
    std::uint64_t corrupt = 0;        // bad magic, kind, length or pattern
    std::uint64_t peer_received = 0;  // blast: what the sink reported
    std::int64_t elapsed_ns = 0;      // first to last data frame at this end
};

[[nodiscard]] Result run_stream(EthPort& port, const Options& options);
// Round trips are recorded in nanoseconds into rtt_ns (not cleared first).
[[nodiscard]] Result run_ping(EthPort& port, const Options& options, Histogram& rtt_ns);
[[nodiscard]] Result run_echo(EthPort& port, const Options& options);
[[nodiscard]] Result run_blast(EthPort& port, const Options& options);
[[nodiscard]] Result run_sink(EthPort& port, const Options& options);

// Writes a frame of `size` bytes; exposed for tests.
void write_frame(rte_mbuf* frame, Kind kind, std::uint64_t sequence, std::int64_t time_ns,
                 std::uint16_t size) noexcept;

// What check_frame found in a received frame.
struct FrameView {
    Kind kind;
    std::uint64_t sequence;
    std::int64_t time_ns;
};
// False when the frame is not an intact pingpong frame.
[[nodiscard]] bool check_frame(const rte_mbuf* frame, FrameView& view) noexcept;

}  // namespace tb::core::pingpong
