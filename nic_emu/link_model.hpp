#pragma once

// One direction of one emulated link: decides for every frame that enters it whether it is
// dropped and when it leaves, from a LinkConfig and seeded random streams.
//
// A frame entering at arrival_ns goes through, in this order:
//   1. down windows      dropped while the link is down                       (down_dropped)
//   2. drop rules        dropped if it is one of the next N matching frames   (filter_dropped)
//   3. loss              Bernoulli or Gilbert-Elliott                         (lost)
//   4. rate limit        FIFO queue (tail drop at the bound), then serialization at the rate:
//                        the wire carries preamble and SFD (8 bytes), the frame padded to 60
//                        bytes, the FCS (4) and the inter-frame gap (12); the frame has arrived
//                        once its FCS is through, the next may start after the gap
//                                                                             (queue_dropped)
//   5. delay             base latency (after any step change) plus a jitter sample; a negative
//                        sum counts as 0                                      (delay_floored)
//   6. order             a link does not reorder: a frame never leaves before the one before it
//                        (held back if its sample says otherwise)             (order_held)
//   7. reorder           with the configured probability the frame is held back by the
//                        reorder delay more, outside the order rule, so later frames overtake it
//                        (held-back frames keep their order among themselves)
//   8. corruption        one bit flipped where a checksum covers it           (corrupted)
//   9. duplication       a copy leaves right after the frame                  (duplicated)
//
// Randomness: each impairment draws from its own stream, forked from the run's seed as
// "<prefix>/loss", "<prefix>/jitter", "<prefix>/dup", "<prefix>/reorder" and "<prefix>/corrupt",
// where the emulator's prefix is "port<N>/in" or "port<N>/out". Adding an impairment therefore
// never changes the samples another one draws, on this link or any other.
//
// Scheduled impairments (down, drop, step) are timed from start_ns. Arrival times are expected
// to be non-decreasing (as they are per link in the emulator); a frame that arrives earlier than
// the one before still gets a valid decision.
//
// Thread rules: one owner. on_frame() neither allocates nor throws.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.hpp"
#include "nic_emu/link_config.hpp"

namespace tb::nic {

struct LinkCounters {
    std::uint64_t frames = 0;  // entered the link
    std::uint64_t bytes = 0;
    std::uint64_t delivered = 0;  // left it (duplicates not counted)
    std::uint64_t lost = 0;
    std::uint64_t down_dropped = 0;
    std::uint64_t filter_dropped = 0;
    std::uint64_t queue_dropped = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t corrupted = 0;
    std::uint64_t corrupted_unprotected = 0;  // of corrupted: no checksum covers the flip
    std::uint64_t order_held = 0;
    std::uint64_t delay_floored = 0;

    template <class F>
    void visit(F&& f) const {
        f("frames", frames);
        f("bytes", bytes);
        f("delivered", delivered);
        f("lost", lost);
        f("down_dropped", down_dropped);
        f("filter_dropped", filter_dropped);
        f("queue_dropped", queue_dropped);
        f("duplicated", duplicated);
        f("reordered", reordered);
        f("corrupted", corrupted);
        f("corrupted_unprotected", corrupted_unprotected);
        f("order_held", order_held);
        f("delay_floored", delay_floored);
    }
};

enum class Verdict : std::uint8_t { kDeliver, kLost, kDown, kFiltered, kQueueFull };

struct Decision {
    Verdict verdict = Verdict::kDeliver;
    bool reordered = false;  // held back outside the order rule (its own delay line)
    bool duplicate = false;  // deliver a copy too, at the same time
    bool corrupted = false;
    std::int64_t departure_ns = 0;  // when it leaves the link (kDeliver)
};

// Jitter samples in nanoseconds from a JitterConfig.
class JitterSampler {
public:
    explicit JitterSampler(const JitterConfig& config);
    [[nodiscard]] std::int64_t operator()(core::Rng& rng) const noexcept;
    [[nodiscard]] bool none() const noexcept { return kind_ == JitterKind::kNone; }

private:
    JitterKind kind_;
    double a_;
    core::UniformReal uniform_;
    core::Normal normal_;
    core::LogNormal lognormal_;
    core::Pareto pareto_;
    std::optional<core::Empirical> empirical_;
};

// Loss per frame: Bernoulli, or the Gilbert-Elliott two-state chain.
class LossProcess {
public:
    explicit LossProcess(const LossConfig& config) noexcept;
    // True when the frame is lost.
    [[nodiscard]] bool operator()(core::Rng& rng) noexcept;
    [[nodiscard]] bool in_bad_state() const noexcept { return bad_; }

private:
    LossKind kind_;
    core::Bernoulli bernoulli_;
    core::Bernoulli good_to_bad_;
    core::Bernoulli bad_to_good_;
    core::Bernoulli deliver_in_bad_;
    core::Bernoulli deliver_in_good_;
    bool bad_ = false;
};

class LinkModel {
public:
    // The stream names this link draws from: prefix + "/" + impairment.
    [[nodiscard]] static std::string stream_name(std::string_view prefix,
                                                 std::string_view impairment);

    LinkModel(const LinkConfig& config, const core::Rng& root, std::string_view stream_prefix,
              std::int64_t start_ns);

    // Decides the fate of a frame of `wire_length` bytes (without FCS) entering at arrival_ns.
    // `frame` is its contiguous bytes (the first segment), read by drop rules and modified by
    // corruption.
    [[nodiscard]] Decision on_frame(std::int64_t arrival_ns, std::span<std::uint8_t> frame,
                                    std::uint32_t wire_length) noexcept;

    [[nodiscard]] bool identity() const noexcept { return identity_; }
    [[nodiscard]] const LinkConfig& config() const noexcept { return config_; }
    [[nodiscard]] const LinkCounters& counters() const noexcept { return counters_; }
    // Frames waiting for the rate limiter (not counting the one being serialized) as of the
    // last arrival.
    [[nodiscard]] std::uint32_t queue_depth() const noexcept { return queue_size_; }

    // Serialization time of a frame at `rate_bps`, in picoseconds, until its FCS is through
    // (`with_gap` false) or until the next frame may start (`with_gap` true).
    [[nodiscard]] static std::int64_t serialization_ps(std::uint32_t wire_length,
                                                       std::uint64_t rate_bps,
                                                       bool with_gap) noexcept;

private:
    [[nodiscard]] bool is_down(std::int64_t relative_ns) noexcept;
    [[nodiscard]] bool dropped_by_rule(std::int64_t relative_ns,
                                       std::span<const std::uint8_t> frame) noexcept;
    [[nodiscard]] std::int64_t base_latency(std::int64_t relative_ns) noexcept;

    LinkConfig config_;
    bool identity_;
    std::int64_t start_ns_;
    core::Rng loss_rng_;
    core::Rng jitter_rng_;
    core::Rng dup_rng_;
    core::Rng reorder_rng_;
    core::Rng corrupt_rng_;
    LossProcess loss_;
    JitterSampler jitter_;
    core::Bernoulli duplicate_;
    core::Bernoulli reorder_;
    core::Bernoulli corrupt_;

    std::size_t down_index_ = 0;  // first window that has not ended
    std::size_t step_index_ = 0;  // steps before it are in force
    std::int64_t latency_ns_;
    std::vector<std::uint64_t> drop_remaining_;

    // Rate limiter, in picoseconds since start_ns: when the transmitter is free, and the start
    // times of the frames queued behind it (a ring of queue_frames entries).
    std::int64_t free_at_ps_ = 0;
    std::vector<std::int64_t> queue_starts_;
    std::uint32_t queue_head_ = 0;
    std::uint32_t queue_size_ = 0;

    std::int64_t last_departure_ns_ = INT64_MIN;       // of the frames in order
    std::int64_t last_held_departure_ns_ = INT64_MIN;  // of the frames held back
    LinkCounters counters_;
};

}  // namespace tb::nic
