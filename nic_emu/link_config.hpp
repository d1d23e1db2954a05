#pragma once

// What one direction of one emulated link does to the frames that cross it: plain data, filled
// by parse_link() (link_syntax.hpp) or by code, read by LinkModel (link_model.hpp).
//
// Times are int64_t nanoseconds. Scheduled impairments (down windows, drop rules, latency steps)
// are timed relative to the emulator's start (Emulator's start_ns, usually 0 in virtual time and
// the moment every link came up in real time).

#include <cstdint>
#include <string>
#include <vector>

namespace tb::nic {

enum class JitterKind : std::uint8_t {
    kNone,
    kUniform,    // uniform in [-a, +a]
    kNormal,     // normal, mean 0, standard deviation a
    kLogNormal,  // log-normal with mean a and standard deviation b (always >= 0)
    kPareto,     // X - a where X is Pareto type I with scale a and shape b (>= 0, heavy tail)
    kEmpirical,  // values drawn like the observations in `table` (core::Empirical)
};

struct JitterConfig {
    JitterKind kind = JitterKind::kNone;
    double a = 0.0;
    double b = 0.0;
    std::vector<double> table;  // kEmpirical: observations in ns
    std::string source;         // kEmpirical: the file they came from, for messages
};

enum class LossKind : std::uint8_t { kNone, kBernoulli, kGilbertElliott };

// Gilbert-Elliott in the notation of Hasslinger and Hohlfeld (and of Linux netem's gemodel):
// a Good and a Bad state; per frame the state's delivery probability decides, then the state
// moves: Good -> Bad with probability p, Bad -> Good with probability r. h is the probability
// that a frame is delivered in the Bad state, k in the Good state. With h = 0 and k = 1 (the
// defaults, Gilbert's model) losses come in bursts of mean length 1/r and the loss rate is
// p / (p + r).
struct LossConfig {
    LossKind kind = LossKind::kNone;
    double probability = 0.0;  // kBernoulli
    double p = 0.0;
    double r = 1.0;
    double h = 0.0;
    double k = 1.0;
};

// Which frames a drop rule counts and drops.
enum class FilterKind : std::uint8_t {
    kAny,      // every frame
    kUdp,      // UDP over IPv4; with port: source or destination port equal to it
    kTcp,      // TCP over IPv4; with port: source or destination port equal to it
    kTcpData,  // TCP segments that carry payload; with port as for kTcp
    kGroup,    // UDP to IPv4 destination `group`; with port: destination port equal to it
};

struct FrameFilter {
    FilterKind kind = FilterKind::kAny;
    std::uint16_t port = 0;   // 0: any port
    std::uint32_t group = 0;  // kGroup, host order
    bool operator==(const FrameFilter&) const noexcept = default;
};

// The link is down from start_ns for duration_ns: frames entering it then are dropped.
struct DownWindow {
    std::int64_t start_ns = 0;
    std::int64_t duration_ns = 0;
    bool operator==(const DownWindow&) const noexcept = default;
};

// From start_ns on, the next `count` frames that match `filter` are dropped.
struct DropRule {
    std::uint64_t count = 0;
    FrameFilter filter;
    std::int64_t start_ns = 0;
    bool operator==(const DropRule&) const noexcept = default;
};

// From at_ns on, the base latency is latency_ns.
struct LatencyStep {
    std::int64_t at_ns = 0;
    std::int64_t latency_ns = 0;
    bool operator==(const LatencyStep&) const noexcept = default;
};

// Default queue bound of a rate-limited link, in frames (Linux's default txqueuelen).
inline constexpr std::uint32_t kDefaultQueueFrames = 1000;

struct LinkConfig {
    std::int64_t latency_ns = 0;
    JitterConfig jitter;
    LossConfig loss;
    double duplicate = 0.0;             // probability a frame is delivered twice
    double reorder = 0.0;               // probability a frame is held back ...
    std::int64_t reorder_delay_ns = 0;  // ... by this much more, so later frames overtake it
    double corrupt = 0.0;               // probability one bit of the frame is flipped
    std::uint64_t rate_bps = 0;         // 0: no rate limit (no serialization delay)
    std::uint32_t queue_frames = 0;     // rate limit queue bound; 0: kDefaultQueueFrames
    std::vector<DownWindow> down;       // sorted by start_ns
    std::vector<DropRule> drops;        // in the order given
    std::vector<LatencyStep> steps;     // sorted by at_ns

    // True when the link does nothing to frames (no delay, no impairment): the emulator then
    // hands frames straight on.
    [[nodiscard]] bool identity() const noexcept {
        return latency_ns == 0 && jitter.kind == JitterKind::kNone &&
               loss.kind == LossKind::kNone && duplicate == 0.0 && reorder == 0.0 &&
               corrupt == 0.0 && rate_bps == 0 && down.empty() && drops.empty() && steps.empty();
    }
};

}  // namespace tb::nic
