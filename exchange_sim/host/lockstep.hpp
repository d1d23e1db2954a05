#pragma once

// The exchange's clock as the host derives it from the world's clock (DESIGN.md, "Modes"):
// normally the world's time minus the time spent holding; in lockstep, held still after each
// timeline step until the client's expected reaction arrived or a bounded quiet period passed.
//
// Lockstep, per step (the timeline events a pass ran; events due at the same time are one step):
//  - the step runs at exactly its scheduled time (pass_time()), and the exchange's clock stops
//    there, so the background flow, replay, feed
//    heartbeats and session timers wait; the network (stacks, emulated wire) keeps the world's
//    time, and everything a client sends is processed by the exchange at the held time;
//  - a step that entered a trigger order expects a reaction: the hold ends as soon as the
//    exchange has received an OUCH order (Enter, Replace or Cancel) from a client since the
//    step;
//  - otherwise, and when the reaction does not come, the hold ends once nothing arrived from
//    any client for `quiet_period_ns`, or after `max_hold_ns` in any case;
//  - then the exchange's clock moves on from the held time (the hold is not made up).
// With a deterministic client, a lockstep run's inputs reach the exchange at the same exchange
// times however fast the machine is, so its output digest is the same on every run.
//
// No allocation, no exception. Thread rules: the host's thread.

#include <algorithm>
#include <cstdint>
#include <limits>

namespace tb::exchange {

struct LockstepConfig {
    bool enabled = false;
    std::int64_t quiet_period_ns = 100'000'000;
    std::int64_t max_hold_ns = 0;  // 0: ten quiet periods
};

struct LockstepCounters {
    std::uint64_t holds = 0;
    std::uint64_t reactions = 0;          // holds ended by the expected reaction
    std::uint64_t quiet_releases = 0;     // ended by a quiet period
    std::uint64_t reaction_timeouts = 0;  // of those, a reaction was expected
    std::uint64_t capped_releases = 0;    // ended by max_hold_ns
    std::uint64_t held_ns = 0;            // world time spent holding, in total

    template <class F>
    void visit(F&& f) const {
        f("holds", holds);
        f("reactions", reactions);
        f("quiet_releases", quiet_releases);
        f("reaction_timeouts", reaction_timeouts);
        f("capped_releases", capped_releases);
        f("held_ns", held_ns);
    }
};

// What the host observes after each exchange pass (all running totals).
struct LockstepObservation {
    std::uint64_t steps = 0;      // timeline events run
    std::uint64_t triggers = 0;   // trigger orders entered
    std::uint64_t reactions = 0;  // OUCH orders received from clients
    std::uint64_t activity = 0;   // anything received from clients (bytes, datagrams)
    bool session_ended = false;
};

class ExchangeClock {
public:
    explicit ExchangeClock(const LockstepConfig& config) noexcept
        : config_(config),
          max_hold_ns_(config.max_hold_ns > 0 ? config.max_hold_ns : 10 * config.quiet_period_ns) {}

    // The exchange's time at world time `world_ns`.
    [[nodiscard]] std::int64_t now(std::int64_t world_ns) const noexcept {
        return holding_ ? hold_exchange_ns_ : world_ns - offset_ns_;
    }
    // The exchange's time for a pass at `world_ns` when its next timeline step is due at
    // `next_step_ns` (exchange time): in lockstep a due step runs at exactly its scheduled time
    // (and the hold after it starts there), so the exchange stamps the same times on every run
    // however late the pass came.
    [[nodiscard]] std::int64_t pass_time(std::int64_t world_ns,
                                         std::int64_t next_step_ns) const noexcept {
        const std::int64_t x = now(world_ns);
        return config_.enabled && !holding_ && next_step_ns < x ? next_step_ns : x;
    }
    // The world time at which the exchange's time reaches `exchange_ns` (not holding), or at
    // which a hold ends without news (holding).
    [[nodiscard]] std::int64_t to_world(std::int64_t exchange_ns) const noexcept {
        if (holding_) {
            return std::min(last_activity_ns_ + config_.quiet_period_ns,
                            hold_start_ns_ + max_hold_ns_);
        }
        if (exchange_ns == std::numeric_limits<std::int64_t>::max()) {
            return exchange_ns;
        }
        return exchange_ns + offset_ns_;
    }

    // Call after each exchange pass, with the world's time of the pass and the exchange time
    // the pass used (pass_time()).
    void observe(std::int64_t world_ns, std::int64_t exchange_ns,
                 const LockstepObservation& o) noexcept {
        if (!config_.enabled) {
            return;
        }
        if (holding_) {
            if (o.activity != activity_seen_) {
                activity_seen_ = o.activity;
                last_activity_ns_ = world_ns;
            }
            if (o.triggers > triggers_seen_) {
                expect_reaction_ = true;  // another step at the held time entered a trigger
                triggers_seen_ = o.triggers;
            }
            steps_seen_ = o.steps;
            const bool reacted = expect_reaction_ && o.reactions > reaction_base_;
            const bool quiet = world_ns - last_activity_ns_ >= config_.quiet_period_ns;
            const bool capped = world_ns - hold_start_ns_ >= max_hold_ns_;
            if (reacted || quiet || capped || o.session_ended) {
                if (reacted) {
                    ++counters_.reactions;
                } else if (quiet) {
                    ++counters_.quiet_releases;
                    counters_.reaction_timeouts += expect_reaction_ ? 1 : 0;
                } else if (capped) {
                    ++counters_.capped_releases;
                }
                counters_.held_ns += static_cast<std::uint64_t>(world_ns - hold_start_ns_);
                // The exchange's time goes on from the held time.
                offset_ns_ = world_ns - hold_exchange_ns_;
                holding_ = false;
            }
            return;
        }
        if (o.steps > steps_seen_ && !o.session_ended) {
            holding_ = true;
            ++counters_.holds;
            hold_exchange_ns_ = exchange_ns;
            hold_start_ns_ = world_ns;
            last_activity_ns_ = world_ns;
            expect_reaction_ = o.triggers > triggers_seen_;
            reaction_base_ = o.reactions;
            activity_seen_ = o.activity;
        }
        steps_seen_ = o.steps;
        triggers_seen_ = o.triggers;
    }

    [[nodiscard]] bool holding() const noexcept { return holding_; }
    [[nodiscard]] bool enabled() const noexcept { return config_.enabled; }
    [[nodiscard]] const LockstepCounters& counters() const noexcept { return counters_; }

private:
    LockstepConfig config_;
    std::int64_t max_hold_ns_;
    std::int64_t offset_ns_ = 0;
    bool holding_ = false;
    bool expect_reaction_ = false;
    std::int64_t hold_exchange_ns_ = 0;
    std::int64_t hold_start_ns_ = 0;
    std::int64_t last_activity_ns_ = 0;
    std::uint64_t steps_seen_ = 0;
    std::uint64_t triggers_seen_ = 0;
    std::uint64_t reaction_base_ = 0;
    std::uint64_t activity_seen_ = 0;
    LockstepCounters counters_;
};

}  // namespace tb::exchange
