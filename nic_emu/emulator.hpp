#pragma once

// The emulated NIC and network: N ports joined by a switch, a link model on each direction of
// each port, wire timestamps, capture, timestamp trailers and the tick-to-trade tap.
//
//   port i --rx_burst--> [link i/in] --> switch --> [link j/out] --tx_burst--> port j
//
// "in" is what the device behind port i sends into the network, "out" what the network delivers
// to it. A frame enters the wire when rx_burst returns it and leaves it when tx_burst takes it;
// both moments are stamped with the emulator's clock (capture, trailer, tap, delivery error).
//
// Time: a pass reads the clock when a burst arrives (the frames' wire-entry stamp, taken with
// the frames in hand) and, if it has not read it yet, when a delay line has frames to check;
// that time decides what is due and stamps the hand-overs of the pass (their wire-exit time).
// An idle pass reads nothing. A frame's due time is computed from a stamp taken after it
// arrived, and it is handed over only once a later read reaches it, so a thread preempted in
// the middle of a pass hands frames over late, never early.
//  - Real time (core::TscClock): poll() in a busy loop; delayed frames wait in delay lines and
//    are handed over on the first pass at or after their due time. delivery_error() holds, for
//    every frame handed over, the hand-over time minus the due time.
//  - Virtual time (core::VirtualClock, sim mode): the world calls poll() until every component
//    is idle, then moves the clock to the earliest next_event_ns() of all components. A frame
//    received at t with a link latency L is handed over by the poll() at exactly t + L;
//    processing takes no time.
//
// Frames that a port refuses (its ring is full) stay at the head of their line and are offered
// again on later passes; one still refused tx_timeout_ns after its due time is dropped
// (tx_dropped). tx_timeout_ns = 0 drops at the first refusal, as a NIC whose RX ring is full.
//
// mbufs: frames are held while delayed and freed when dropped. Copies (duplicates, floods,
// mirror) come from the destination port's pool (the receiving port's for a duplicate on "in"),
// so size every pool for the frames the lines can hold: held_frames_bound(config) plus the
// rings.
//
// No allocation after construction, no exception and no virtual call in poll(). Thread rules:
// one thread polls; the control side reads counters from the same thread (or after it stopped).
// Destroy the emulator before its ports: it frees the frames it still holds.

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/histogram.hpp"
#include "core/random.hpp"
#include "nic_emu/capture.hpp"
#include "nic_emu/delay_line.hpp"
#include "nic_emu/link_model.hpp"
#include "nic_emu/port.hpp"
#include "nic_emu/switch.hpp"
#include "nic_emu/tap.hpp"
#include "nic_emu/trailer.hpp"

namespace tb::nic {

inline constexpr std::uint16_t kBurst = 32;

struct PortOptions {
    std::string name;      // for the capture interface and reports (for example the port spec)
    LinkConfig in;         // frames the port's device sends into the network
    LinkConfig out;        // frames the network delivers to it
    bool trailer = false;  // append a Metamako trailer (trailer.hpp) to frames delivered to it
    std::uint16_t trailer_device = 0;  // the trailer's source device; its port is the index
};

struct EmulatorConfig {
    std::uint64_t seed = 1;
    std::vector<PortOptions> ports;
    SwitchConfig switching;
    TapConfig tap;
    std::string capture_path;            // pcapng file; empty: no capture
    std::int64_t epoch_ns = 0;           // wall-clock time (ns since 1970) of clock time 0
    std::uint32_t line_capacity = 4096;  // frames one delay line holds
    std::int64_t tx_timeout_ns = 1'000'000;
};

struct PortCounters {
    std::uint64_t rx_frames = 0;  // taken from the port (entered the wire)
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_frames = 0;  // handed to the port (left the wire)
    std::uint64_t tx_bytes = 0;
    std::uint64_t tx_refused = 0;      // offers the port refused (each retry counts)
    std::uint64_t tx_dropped = 0;      // still refused tx_timeout_ns after due: dropped
    std::uint64_t line_full = 0;       // dropped: a delay line towards or from it was full
    std::uint64_t copy_failed = 0;     // a copy for it could not be made (pool empty)
    std::uint64_t trailer_failed = 0;  // no room for the trailer (sent without)
    std::uint64_t mirror_ignored = 0;  // frames the mirror port sent (dropped)

    template <class F>
    void visit(F&& f) const {
        f("rx_frames", rx_frames);
        f("rx_bytes", rx_bytes);
        f("tx_frames", tx_frames);
        f("tx_bytes", tx_bytes);
        f("tx_refused", tx_refused);
        f("tx_dropped", tx_dropped);
        f("line_full", line_full);
        f("copy_failed", copy_failed);
        f("trailer_failed", trailer_failed);
        f("mirror_ignored", mirror_ignored);
    }
};

enum class Direction : std::uint8_t { kIn, kOut };

// Stream prefix of a port's link direction: "port<N>/in" or "port<N>/out".
[[nodiscard]] std::string link_stream_prefix(std::uint32_t port, Direction direction);

// Frames all delay lines together can hold under `config` (for sizing mbuf pools).
[[nodiscard]] std::uint64_t held_frames_bound(const EmulatorConfig& config);

// Checks what the Switch does not: port count, tap port, delay line capacity; throws ConfigError.
void validate_config(const EmulatorConfig& config, std::size_t port_count);

template <FramePort P, core::Clock C>
class Emulator {
public:
    // Ports in index order, one per config.ports entry; neither is owned. Time 0 of scheduled
    // impairments is clock.now_ns() now. Throws core::ConfigError or core::StartupError.
    Emulator(const EmulatorConfig& config, std::span<P* const> ports, const C& clock)
        : clock_(clock),
          start_ns_(clock.now_ns()),
          epoch_ns_(config.epoch_ns),
          tx_timeout_ns_(config.tx_timeout_ns),
          switch_((validate_config(config, ports.size()), config.switching),
                  static_cast<std::uint32_t>(ports.size())),
          tap_(config.tap),
          tap_port_(config.tap.enabled ? static_cast<int>(config.tap.client_port) : -1),
          mirror_port_(config.switching.mirror_port) {
        const core::Rng root(config.seed);
        slots_.reserve(ports.size());
        for (std::uint32_t i = 0; i < ports.size(); ++i) {
            const PortOptions& options = config.ports[i];
            slots_.emplace_back(ports[i], options, root, i, start_ns_, config.line_capacity);
            any_in_delay_ = any_in_delay_ || !slots_.back().in_identity;
        }
        if (!config.capture_path.empty()) {
            capture_ = std::make_unique<Capture>(config.capture_path, epoch_ns_);
            for (std::uint32_t i = 0; i < slots_.size(); ++i) {
                const std::string& name = config.ports[i].name;
                slots_[i].capture_interface =
                    capture_->add_interface(name.empty() ? "port" + std::to_string(i) : name);
            }
        }
    }

    ~Emulator() {
        release_frames();
        if (capture_) {
            try {
                capture_->close();
            } catch (const std::exception&) {
                // close_capture() is where a caller learns about write errors.
            }
        }
    }
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    // One pass: take up to kBurst frames from every port, move every frame whose time has
    // come, hand over what is due. Returns the frames moved (0: idle).
    [[nodiscard]] std::uint32_t poll() noexcept {
        PassClock now{clock_};
        std::uint32_t work = 0;
        const auto count = static_cast<std::uint32_t>(slots_.size());
        for (std::uint32_t i = 0; i < count; ++i) {
            work += receive(i, now);
        }
        if (any_in_delay_) {
            for (std::uint32_t i = 0; i < count; ++i) {
                work += release_in(i, now);
            }
        }
        for (std::uint32_t i = 0; i < count; ++i) {
            work += transmit(i, now);
        }
        return work;
    }

    // The earliest time at which poll() has work of its own (a held frame falls due, or a
    // refused one reaches its tx timeout); INT64_MAX when it holds nothing. Frames waiting in
    // a port's RX ring are not counted: the world knows about them.
    [[nodiscard]] std::int64_t next_event_ns() const noexcept {
        std::int64_t next = INT64_MAX;
        for (const Slot& s : slots_) {
            next = std::min({next, s.in_main.next_due_ns(), s.in_held.next_due_ns()});
            std::int64_t out = std::min(s.out_main.next_due_ns(), s.out_held.next_due_ns());
            if (s.blocked && out != INT64_MAX) {
                out += tx_timeout_ns_;
            }
            next = std::min(next, out);
        }
        return next;
    }

    // Frees every held frame and closes the capture; throws core::StartupError if the capture
    // is incomplete. Call before reading the capture file.
    void finish() {
        release_frames();
        if (capture_) {
            capture_->close();
        }
    }

    [[nodiscard]] std::size_t port_count() const noexcept { return slots_.size(); }
    [[nodiscard]] const PortCounters& port_counters(std::size_t i) const noexcept {
        return slots_[i].counters;
    }
    [[nodiscard]] const LinkModel& link(std::size_t i, Direction direction) const noexcept {
        return direction == Direction::kIn ? slots_[i].in_model : slots_[i].out_model;
    }
    [[nodiscard]] const Switch& network_switch() const noexcept { return switch_; }
    [[nodiscard]] const TickToTradeTap& tap() const noexcept { return tap_; }
    [[nodiscard]] const core::Histogram& delivery_error() const noexcept { return delivery_error_; }
    [[nodiscard]] const Capture* capture() const noexcept { return capture_.get(); }
    [[nodiscard]] std::int64_t start_ns() const noexcept { return start_ns_; }
    // Frames held in delay lines now.
    [[nodiscard]] std::uint64_t held_frames() const noexcept {
        std::uint64_t held = 0;
        for (const Slot& s : slots_) {
            held += s.in_main.size() + s.in_held.size() + s.out_main.size() + s.out_held.size();
        }
        return held;
    }

private:
    using Line = DelayLine<rte_mbuf>;

    // The time of a pass, read from the clock only when something needs it: when a burst
    // arrives (always read again then: the frames' wire-entry stamp) and when a delay line has
    // frames to check. An idle pass reads nothing.
    class PassClock {
    public:
        explicit PassClock(const C& clock) noexcept : clock_(clock) {}
        [[nodiscard]] std::int64_t get() noexcept {
            if (!read_) {
                refresh();
            }
            return now_;
        }
        std::int64_t refresh() noexcept {
            now_ = clock_.now_ns();
            read_ = true;
            return now_;
        }

    private:
        const C& clock_;
        std::int64_t now_ = 0;
        bool read_ = false;
    };

    struct Slot {
        Slot(P* port_, const PortOptions& options, const core::Rng& root, std::uint32_t index,
             std::int64_t start_ns, std::uint32_t capacity)
            : port(port_),
              in_model(options.in, root, link_stream_prefix(index, Direction::kIn), start_ns),
              out_model(options.out, root, link_stream_prefix(index, Direction::kOut), start_ns),
              in_identity(in_model.identity()),
              out_identity(out_model.identity()),
              in_main(in_identity ? 0 : capacity),
              in_held(options.in.reorder > 0.0 ? capacity : 0),
              out_main(capacity),
              out_held(options.out.reorder > 0.0 ? capacity : 0),
              trailer(options.trailer),
              trailer_device(options.trailer_device),
              trailer_port(static_cast<std::uint8_t>(index)) {}

        P* port;
        LinkModel in_model;
        LinkModel out_model;
        bool in_identity;
        bool out_identity;
        Line in_main;
        Line in_held;
        Line out_main;
        Line out_held;
        bool trailer;
        std::uint16_t trailer_device;
        std::uint8_t trailer_port;
        bool blocked = false;  // the port refused frames on the last pass
        std::uint32_t capture_interface = 0;
        PortCounters counters;
    };

    // The earlier head of two lines (ties: the in-order line first), or nullopt past `limit`.
    // `ia`/`ib` are offsets into the lines, so a burst can be gathered without popping.
    static int earlier(const Line& a, std::uint32_t ia, const Line& b, std::uint32_t ib,
                       std::int64_t limit) noexcept {
        const std::int64_t da = ia < a.size() ? a.at(ia).due_ns : INT64_MAX;
        const std::int64_t db = ib < b.size() ? b.at(ib).due_ns : INT64_MAX;
        if (std::min(da, db) > limit) {
            return -1;
        }
        return db < da ? 1 : 0;
    }

    void push(Line& line, rte_mbuf* frame, std::int64_t due_ns, PortCounters& counters) noexcept {
        if (!line.push(frame, due_ns)) {
            ++counters.line_full;
            rte_pktmbuf_free(frame);
        }
    }

    // Runs a frame through a link model into its lines (or frees it).
    void enter_link(LinkModel& model, Line& main, Line& held, P& pool, rte_mbuf* frame,
                    std::int64_t now, PortCounters& counters) noexcept {
        const Decision decision = model.on_frame(now, first_segment(frame), frame->pkt_len);
        if (decision.verdict != Verdict::kDeliver) {
            rte_pktmbuf_free(frame);
            return;
        }
        Line& line = decision.reordered ? held : main;
        rte_mbuf* copy = nullptr;
        if (decision.duplicate) {
            copy = copy_frame(pool, frame);
            if (copy == nullptr) {
                ++counters.copy_failed;
            }
        }
        push(line, frame, decision.departure_ns, counters);
        if (copy != nullptr) {
            push(line, copy, decision.departure_ns, counters);
        }
    }

    void to_port(std::uint32_t j, rte_mbuf* frame, std::int64_t t) noexcept {
        Slot& s = slots_[j];
        if (s.out_identity) {
            push(s.out_main, frame, t, s.counters);
        } else {
            enter_link(s.out_model, s.out_main, s.out_held, *s.port, frame, t, s.counters);
        }
    }

    // A frame that left port i's "in" link at time t meets the switch.
    void switch_frame(std::uint32_t i, rte_mbuf* frame, std::int64_t t) noexcept {
        PortMask ports = switch_.forward(i, first_segment(frame));
        if (mirror_port_ >= 0) {
            const auto m = static_cast<std::uint32_t>(mirror_port_);
            rte_mbuf* copy = copy_frame(*slots_[m].port, frame);
            if (copy != nullptr) {
                to_port(m, copy, t);
            } else {
                ++slots_[m].counters.copy_failed;
            }
        }
        if (ports == 0) {
            rte_pktmbuf_free(frame);
            return;
        }
        while (ports != 0) {
            const auto j = static_cast<std::uint32_t>(__builtin_ctzll(ports));
            ports &= ports - 1;
            // The last destination gets the frame itself, the others copies.
            rte_mbuf* out = ports == 0 ? frame : copy_frame(*slots_[j].port, frame);
            if (out == nullptr) {
                ++slots_[j].counters.copy_failed;
                continue;
            }
            to_port(j, out, t);
        }
    }

    // Frames are stamped with a clock read taken once the burst is in hand.
    std::uint32_t receive(std::uint32_t i, PassClock& clock) noexcept {
        Slot& s = slots_[i];
        rte_mbuf* frames[kBurst];
        const std::uint16_t nb_rx = s.port->rx_burst(frames, kBurst);
        if (nb_rx == 0) {
            return 0;
        }
        const std::int64_t now = clock.refresh();
        for (std::uint16_t k = 0; k < nb_rx; ++k) {
            rte_mbuf* frame = frames[k];
            ++s.counters.rx_frames;
            s.counters.rx_bytes += frame->pkt_len;
            if (capture_) {
                capture_frame(s.capture_interface, frame, now, proto::CaptureDirection::kInbound);
            }
            if (static_cast<int>(i) == tap_port_ && tap_.is_order(first_segment(frame))) {
                tap_.order(now);
            }
            if (static_cast<int>(i) == mirror_port_) {
                ++s.counters.mirror_ignored;
                rte_pktmbuf_free(frame);
            } else if (s.in_identity) {
                switch_frame(i, frame, now);
            } else {
                enter_link(s.in_model, s.in_main, s.in_held, *s.port, frame, now, s.counters);
            }
        }
        return nb_rx;
    }

    // Frames whose "in" link delay is over go to the switch, in due order.
    std::uint32_t release_in(std::uint32_t i, PassClock& clock) noexcept {
        Slot& s = slots_[i];
        if (s.in_main.empty() && s.in_held.empty()) {
            return 0;
        }
        const std::int64_t now = clock.get();
        std::uint32_t moved = 0;
        for (;;) {
            const int which = earlier(s.in_main, 0, s.in_held, 0, now);
            if (which < 0) {
                return moved;
            }
            Line& line = which == 0 ? s.in_main : s.in_held;
            const typename Line::Entry entry = line.front();
            line.pop();
            switch_frame(i, entry.item, entry.due_ns);
            ++moved;
        }
    }

    // Hands over what is due by the pass's time, which is also the hand-over stamp.
    std::uint32_t transmit(std::uint32_t j, PassClock& clock) noexcept {
        Slot& s = slots_[j];
        s.blocked = false;
        if (s.out_main.empty() && s.out_held.empty()) {
            return 0;
        }
        const std::int64_t now = clock.get();
        std::uint32_t sent = 0;
        // Enough bursts to drain what a pass can bring (every port's burst), and no more, so
        // one port cannot hold the loop.
        const std::size_t max_bursts = slots_.size() + 1;
        for (std::size_t burst = 0; burst < max_bursts; ++burst) {
            rte_mbuf* frames[kBurst];
            std::int64_t due[kBurst];
            bool held[kBurst];
            std::uint32_t appended[kBurst];
            std::uint32_t lengths[kBurst];
            TriggerHit hits[kBurst];
            std::uint16_t n = 0;
            if (s.out_held.empty()) {
                // No frame held back for reordering: a run from the head of one line.
                const std::uint32_t available = std::min<std::uint32_t>(s.out_main.size(), kBurst);
                while (n < available && s.out_main.at(n).due_ns <= now) {
                    const typename Line::Entry& entry = s.out_main.at(n);
                    frames[n] = entry.item;
                    due[n] = entry.due_ns;
                    held[n] = false;
                    ++n;
                }
            } else {
                std::uint32_t im = 0;
                std::uint32_t ih = 0;
                while (n < kBurst) {
                    const int which = earlier(s.out_main, im, s.out_held, ih, now);
                    if (which < 0) {
                        break;
                    }
                    const typename Line::Entry& entry =
                        which == 0 ? s.out_main.at(im++) : s.out_held.at(ih++);
                    frames[n] = entry.item;
                    due[n] = entry.due_ns;
                    held[n] = which == 1;
                    ++n;
                }
            }
            if (n == 0) {
                break;
            }
            const bool tap_here = static_cast<int>(j) == tap_port_;
            const bool prepare = s.trailer || capture_ || tap_here;
            for (std::uint16_t k = 0; k < n; ++k) {
                appended[k] = 0;
                hits[k] = TriggerHit{};
                if (prepare) {
                    if (s.trailer) {
                        appended[k] = add_trailer(s, frames[k], now);
                    }
                    if (capture_) {
                        stage_frame(k, frames[k]);
                    }
                    if (tap_here) {
                        hits[k] = tap_.feed_frame(first_segment(frames[k]));
                    }
                }
                lengths[k] = frames[k]->pkt_len;
            }
            const std::uint16_t nb_tx = s.port->tx_burst(frames, n);
            std::uint32_t taken_main = 0;
            for (std::uint16_t k = 0; k < nb_tx; ++k) {
                s.counters.tx_bytes += lengths[k];
                delivery_error_.record(now - due[k]);
                taken_main += held[k] ? 0 : 1;
            }
            s.counters.tx_frames += nb_tx;
            if (prepare) {
                for (std::uint16_t k = 0; k < nb_tx; ++k) {
                    if (capture_) {
                        capture_->write(s.capture_interface, now,
                                        capture_->stage(k).first(std::min<std::size_t>(
                                            lengths[k], Capture::kStageBytes)),
                                        proto::CaptureDirection::kOutbound);
                    }
                    if (hits[k].count != 0) {
                        tap_.delivered(hits[k], now);
                    }
                }
            }
            s.out_main.pop(taken_main);
            s.out_held.pop(nb_tx - taken_main);
            sent += nb_tx;
            if (nb_tx < n) {
                s.counters.tx_refused += n - nb_tx;
                for (std::uint16_t k = nb_tx; k < n; ++k) {
                    if (appended[k] != 0) {
                        rte_pktmbuf_trim(frames[k], static_cast<std::uint16_t>(appended[k]));
                    }
                }
                drop_timed_out(s, now);
                s.blocked = earlier(s.out_main, 0, s.out_held, 0, now) >= 0;
                break;
            }
            if (n < kBurst) {
                break;
            }
        }
        return sent;
    }

    void drop_timed_out(Slot& s, std::int64_t now) noexcept {
        for (;;) {
            const int which = earlier(s.out_main, 0, s.out_held, 0, now - tx_timeout_ns_);
            if (which < 0) {
                return;
            }
            Line& line = which == 0 ? s.out_main : s.out_held;
            rte_pktmbuf_free(line.front().item);
            line.pop();
            ++s.counters.tx_dropped;
        }
    }

    // Appends the trailer in place; returns the bytes added (0: none fit).
    std::uint32_t add_trailer(Slot& s, rte_mbuf* frame, std::int64_t now) noexcept {
        if (frame->nb_segs != 1) {
            ++s.counters.trailer_failed;
            return 0;
        }
        const std::uint32_t length = frame->data_len;
        const std::span<std::uint8_t> buffer(rte_pktmbuf_mtod(frame, std::uint8_t*),
                                             length + rte_pktmbuf_tailroom(frame));
        const std::size_t new_length =
            append_trailer(buffer, length, now + epoch_ns_, s.trailer_device, s.trailer_port);
        if (new_length == 0) {
            ++s.counters.trailer_failed;
            return 0;
        }
        const auto added = static_cast<std::uint32_t>(new_length - length);
        (void)rte_pktmbuf_append(frame, static_cast<std::uint16_t>(added));
        return added;
    }

    void stage_frame(std::size_t slot, rte_mbuf* frame) noexcept {
        const std::span<std::uint8_t> stage = capture_->stage(slot);
        const std::uint32_t length =
            std::min<std::uint32_t>(frame->pkt_len, static_cast<std::uint32_t>(stage.size()));
        const void* bytes = rte_pktmbuf_read(frame, 0, length, stage.data());
        if (bytes != stage.data()) {
            std::memcpy(stage.data(), bytes, length);
        }
    }

    void capture_frame(std::uint32_t interface_id, rte_mbuf* frame, std::int64_t now,
                       proto::CaptureDirection direction) noexcept {
        if (frame->nb_segs == 1) {
            capture_->write(interface_id, now, first_segment(frame), direction);
            return;
        }
        stage_frame(0, frame);
        capture_->write(
            interface_id, now,
            capture_->stage(0).first(std::min<std::size_t>(frame->pkt_len, Capture::kStageBytes)),
            direction);
    }

    void release_frames() noexcept {
        for (Slot& s : slots_) {
            for (Line* line : {&s.in_main, &s.in_held, &s.out_main, &s.out_held}) {
                while (!line->empty()) {
                    rte_pktmbuf_free(line->front().item);
                    line->pop();
                }
            }
        }
    }

    const C& clock_;
    std::int64_t start_ns_;
    std::int64_t epoch_ns_;
    std::int64_t tx_timeout_ns_;
    Switch switch_;
    TickToTradeTap tap_;
    int tap_port_;
    int mirror_port_;
    bool any_in_delay_ = false;
    std::vector<Slot> slots_;
    std::unique_ptr<Capture> capture_;
    core::Histogram delivery_error_;
};

}  // namespace tb::nic
