#include "nic_emu/link_model.hpp"

#include <algorithm>
#include <cmath>

#include "nic_emu/frame_filter.hpp"

namespace tb::nic {
namespace {

// Ethernet framing around the bytes DPDK hands over (IEEE 802.3 clause 4.4.2): preamble and
// start frame delimiter, FCS, inter-packet gap; frames are padded to 60 bytes before the FCS.
constexpr std::int64_t kPreambleBytes = 8;
constexpr std::int64_t kFcsBytes = 4;
constexpr std::int64_t kGapBytes = 12;
constexpr std::int64_t kMinFrameBytes = 60;

// Jitter samples are kept well inside int64 nanoseconds (a heavy tail can draw anything).
constexpr double kMaxSampleNs = 1e15;

std::int64_t round_ns(double ns) noexcept {
    ns = std::clamp(ns, -kMaxSampleNs, kMaxSampleNs);
    return static_cast<std::int64_t>(std::floor(ns + 0.5));
}

}  // namespace

// ---- JitterSampler ---------------------------------------------------------------------------

JitterSampler::JitterSampler(const JitterConfig& config)
    : kind_(config.kind),
      a_(config.a),
      uniform_(config.kind == JitterKind::kUniform ? -config.a : 0.0,
               config.kind == JitterKind::kUniform ? config.a : 0.0),
      normal_(0.0, config.kind == JitterKind::kNormal ? config.a : 0.0),
      lognormal_(config.kind == JitterKind::kLogNormal
                     ? core::LogNormal::from_mean_stddev(config.a, config.b)
                     : core::LogNormal(0.0, 0.0)),
      pareto_(config.kind == JitterKind::kPareto ? config.a : 1.0,
              config.kind == JitterKind::kPareto ? config.b : 1.0) {
    if (kind_ == JitterKind::kEmpirical) {
        empirical_.emplace(config.table);
    }
}

std::int64_t JitterSampler::operator()(core::Rng& rng) const noexcept {
    switch (kind_) {
        case JitterKind::kNone:
            return 0;
        case JitterKind::kUniform:
            return round_ns(uniform_(rng));
        case JitterKind::kNormal:
            return round_ns(normal_(rng));
        case JitterKind::kLogNormal:
            return round_ns(lognormal_(rng));
        case JitterKind::kPareto:
            return round_ns(pareto_(rng) - a_);
        case JitterKind::kEmpirical:
            return round_ns((*empirical_)(rng));
    }
    return 0;
}

// ---- LossProcess -----------------------------------------------------------------------------

LossProcess::LossProcess(const LossConfig& config) noexcept
    : kind_(config.kind),
      bernoulli_(config.kind == LossKind::kBernoulli ? config.probability : 0.0),
      good_to_bad_(config.p),
      bad_to_good_(config.r),
      deliver_in_bad_(config.h),
      deliver_in_good_(config.k) {}

bool LossProcess::operator()(core::Rng& rng) noexcept {
    switch (kind_) {
        case LossKind::kNone:
            return false;
        case LossKind::kBernoulli:
            return bernoulli_(rng);
        case LossKind::kGilbertElliott: {
            // The state's delivery probability decides this frame; then the chain moves.
            const bool lost = bad_ ? !deliver_in_bad_(rng) : !deliver_in_good_(rng);
            bad_ = bad_ ? !bad_to_good_(rng) : good_to_bad_(rng);
            return lost;
        }
    }
    return false;
}

// ---- LinkModel -------------------------------------------------------------------------------

std::string LinkModel::stream_name(std::string_view prefix, std::string_view impairment) {
    std::string name(prefix);
    name += '/';
    name += impairment;
    return name;
}

LinkModel::LinkModel(const LinkConfig& config, const core::Rng& root,
                     std::string_view stream_prefix, std::int64_t start_ns)
    : config_(config),
      identity_(config.identity()),
      start_ns_(start_ns),
      loss_rng_(root.fork(stream_name(stream_prefix, "loss"))),
      jitter_rng_(root.fork(stream_name(stream_prefix, "jitter"))),
      dup_rng_(root.fork(stream_name(stream_prefix, "dup"))),
      reorder_rng_(root.fork(stream_name(stream_prefix, "reorder"))),
      corrupt_rng_(root.fork(stream_name(stream_prefix, "corrupt"))),
      loss_(config.loss),
      jitter_(config.jitter),
      duplicate_(config.duplicate),
      reorder_(config.reorder),
      corrupt_(config.corrupt),
      latency_ns_(config.latency_ns) {
    std::sort(config_.down.begin(), config_.down.end(),
              [](const DownWindow& a, const DownWindow& b) { return a.start_ns < b.start_ns; });
    std::stable_sort(config_.steps.begin(), config_.steps.end(),
                     [](const LatencyStep& a, const LatencyStep& b) { return a.at_ns < b.at_ns; });
    for (const DropRule& rule : config_.drops) {
        drop_remaining_.push_back(rule.count);
    }
    if (config_.rate_bps != 0) {
        queue_starts_.assign(config_.queue_frames != 0 ? config_.queue_frames : kDefaultQueueFrames,
                             0);
    }
}

std::int64_t LinkModel::serialization_ps(std::uint32_t wire_length, std::uint64_t rate_bps,
                                         bool with_gap) noexcept {
    const std::int64_t bytes = kPreambleBytes +
                               std::max<std::int64_t>(wire_length, kMinFrameBytes) + kFcsBytes +
                               (with_gap ? kGapBytes : 0);
    __extension__ using Int128 = __int128;
    const Int128 bit_ps = static_cast<Int128>(bytes) * 8 * 1'000'000'000'000;
    return static_cast<std::int64_t>((bit_ps + rate_bps / 2) / rate_bps);
}

bool LinkModel::is_down(std::int64_t relative_ns) noexcept {
    const std::vector<DownWindow>& windows = config_.down;
    while (down_index_ < windows.size() &&
           windows[down_index_].start_ns + windows[down_index_].duration_ns <= relative_ns) {
        ++down_index_;
    }
    // Windows may overlap: any one that has started and not ended takes the link down.
    for (std::size_t i = down_index_; i < windows.size() && windows[i].start_ns <= relative_ns;
         ++i) {
        if (relative_ns < windows[i].start_ns + windows[i].duration_ns) {
            return true;
        }
    }
    return false;
}

bool LinkModel::dropped_by_rule(std::int64_t relative_ns,
                                std::span<const std::uint8_t> frame) noexcept {
    bool classified = false;
    FrameClass frame_class;
    for (std::size_t i = 0; i < drop_remaining_.size(); ++i) {
        const DropRule& rule = config_.drops[i];
        if (drop_remaining_[i] == 0 || relative_ns < rule.start_ns) {
            continue;
        }
        if (!classified) {
            frame_class = classify_frame(frame);
            classified = true;
        }
        if (filter_matches(rule.filter, frame_class)) {
            --drop_remaining_[i];
            return true;
        }
    }
    return false;
}

std::int64_t LinkModel::base_latency(std::int64_t relative_ns) noexcept {
    const std::vector<LatencyStep>& steps = config_.steps;
    while (step_index_ < steps.size() && steps[step_index_].at_ns <= relative_ns) {
        latency_ns_ = steps[step_index_].latency_ns;
        ++step_index_;
    }
    return latency_ns_;
}

Decision LinkModel::on_frame(std::int64_t arrival_ns, std::span<std::uint8_t> frame,
                             std::uint32_t wire_length) noexcept {
    Decision decision;
    ++counters_.frames;
    counters_.bytes += wire_length;
    if (identity_) {
        decision.departure_ns = arrival_ns;
        ++counters_.delivered;
        return decision;
    }
    const std::int64_t relative_ns = arrival_ns - start_ns_;
    if (!config_.down.empty() && is_down(relative_ns)) {
        ++counters_.down_dropped;
        decision.verdict = Verdict::kDown;
        return decision;
    }
    if (!drop_remaining_.empty() && dropped_by_rule(relative_ns, frame)) {
        ++counters_.filter_dropped;
        decision.verdict = Verdict::kFiltered;
        return decision;
    }
    if (loss_(loss_rng_)) {
        ++counters_.lost;
        decision.verdict = Verdict::kLost;
        return decision;
    }

    std::int64_t on_wire_ns = arrival_ns;
    if (config_.rate_bps != 0) {
        // Picoseconds from the start (a run shorter than 106 days fits in int64).
        const std::int64_t arrival_ps = relative_ns * 1000;
        const auto capacity = static_cast<std::uint32_t>(queue_starts_.size());
        // Frames whose serialization has begun have left the queue.
        while (queue_size_ > 0 && queue_starts_[queue_head_] <= arrival_ps) {
            queue_head_ = queue_head_ + 1 == capacity ? 0 : queue_head_ + 1;
            --queue_size_;
        }
        const std::int64_t start_ps = std::max(arrival_ps, free_at_ps_);
        if (start_ps > arrival_ps) {
            if (queue_size_ == capacity) {
                ++counters_.queue_dropped;
                decision.verdict = Verdict::kQueueFull;
                return decision;
            }
            std::uint32_t tail = queue_head_ + queue_size_;
            if (tail >= capacity) {
                tail -= capacity;
            }
            queue_starts_[tail] = start_ps;
            ++queue_size_;
        }
        free_at_ps_ = start_ps + serialization_ps(wire_length, config_.rate_bps, true);
        const std::int64_t end_ps =
            start_ps + serialization_ps(wire_length, config_.rate_bps, false);
        on_wire_ns = start_ns_ + (end_ps + 999) / 1000;
    }

    std::int64_t delay_ns = base_latency(relative_ns);
    if (!jitter_.none()) {
        delay_ns += jitter_(jitter_rng_);
    }
    if (delay_ns < 0) {
        ++counters_.delay_floored;
        delay_ns = 0;
    }
    std::int64_t departure_ns = on_wire_ns + delay_ns;
    if (departure_ns < last_departure_ns_) {
        ++counters_.order_held;
        departure_ns = last_departure_ns_;
    }
    if (config_.reorder > 0.0 && reorder_(reorder_rng_)) {
        ++counters_.reordered;
        decision.reordered = true;
        // Held-back frames keep their order among themselves (they wait in one FIFO line), so
        // the departure decided here is the one the emulator carries out.
        departure_ns = std::max(departure_ns + config_.reorder_delay_ns, last_held_departure_ns_);
        last_held_departure_ns_ = departure_ns;
    } else {
        last_departure_ns_ = departure_ns;
    }
    decision.departure_ns = departure_ns;

    if (config_.corrupt > 0.0 && corrupt_(corrupt_rng_)) {
        ++counters_.corrupted;
        decision.corrupted = true;
        if (!flip_protected_bit(frame, corrupt_rng_.next())) {
            ++counters_.corrupted_unprotected;
        }
    }
    if (config_.duplicate > 0.0 && duplicate_(dup_rng_)) {
        ++counters_.duplicated;
        decision.duplicate = true;
    }
    ++counters_.delivered;
    return decision;
}

}  // namespace tb::nic
