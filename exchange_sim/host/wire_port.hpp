#pragma once

// The ports the exchange host plugs into its embedded emulator (nic_emu::Emulator<WirePort<C>,
// C>) and into its feed stacks.
//
// WirePort wraps one core::EthPort on the emulator's side and adds, on the device side of the
// emulated wire:
//  - the client tap (wire_tap.hpp): frames taken from a client's port and handed to it are
//    inspected and stamped with the clock when they change hands;
//  - timeline link stages: a link impairment a scenario applies while it runs (the timeline's
//    `link` events) is one more nic_emu LinkModel and delay line per direction, between the
//    device and the emulator: "in" frames pass it before the emulator takes them, "out" frames
//    after the emulator handed them over. The port's own link (the scenario's `links`) stays
//    inside the emulator; a timeline setting replaces the previous timeline setting of that
//    port and direction, and an empty one ends it (frames it holds still leave in order). The
//    emulator's capture stamps "out" frames when it hands them to the stage.
// SendOnlyPort wraps a feed stack's port: the feed stacks only send, so every frame the network
// delivers to them (ARP requests, IGMP, flooded frames) is freed unseen; they never answer ARP
// for the exchange's address, which the order-entry stack owns.
//
// No allocation after construction, no exception, no virtual call per frame. Thread rules: the
// host's thread.

#include <rte_mbuf.h>

#include <algorithm>
#include <cstdint>
#include <span>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "exchange_sim/host/wire_tap.hpp"
#include "nic_emu/delay_line.hpp"
#include "nic_emu/link_model.hpp"
#include "nic_emu/port.hpp"

namespace tb::exchange {

struct WirePortCounters {
    std::uint64_t stage_frames = 0;       // frames that went through a timeline link stage
    std::uint64_t stage_dropped = 0;      // lost, down, filtered or queue-dropped by it
    std::uint64_t stage_line_full = 0;    // its delay line was full
    std::uint64_t stage_copy_failed = 0;  // a duplicate could not be made
    std::uint64_t stage_tx_refused = 0;   // the port refused a frame leaving the stage

    template <class F>
    void visit(F&& f) const {
        f("stage_frames", stage_frames);
        f("stage_dropped", stage_dropped);
        f("stage_line_full", stage_line_full);
        f("stage_copy_failed", stage_copy_failed);
        f("stage_tx_refused", stage_tx_refused);
    }
};

template <core::Clock C>
class WirePort {
public:
    static constexpr std::uint16_t kBurst = 32;

    // `stage_capacity` frames per stage delay line (0: this port takes no timeline links).
    WirePort(core::EthPort& port, const C& clock, std::uint32_t stage_capacity)
        : port_(&port), clock_(&clock), in_(stage_capacity), out_(stage_capacity) {}
    ~WirePort() { release(); }
    WirePort(const WirePort&) = delete;
    WirePort& operator=(const WirePort&) = delete;

    void set_tap(WireTap* tap) noexcept { tap_ = tap; }
    // The link model of a timeline setting for one direction (nullptr: none). The model is the
    // host's and outlives its use here.
    void set_stage(bool in, nic::LinkModel* model) noexcept { (in ? in_ : out_).model = model; }
    [[nodiscard]] bool stage_capable() const noexcept { return in_.main.capacity() > 0; }

    // ---- nic::FramePort ----
    // Frames the device sent into the network.
    [[nodiscard]] std::uint16_t rx_burst(rte_mbuf** frames, std::uint16_t nb_frames) noexcept {
        std::int64_t now = -1;
        if (out_.active()) {
            now = clock_->now_ns();
            flush_out(now);
        }
        if (!in_.active()) {
            const std::uint16_t nb_rx = port_->rx_burst(frames, nb_frames);
            if (nb_rx > 0 && tap_ != nullptr) {
                tap_from_client(frames, nb_rx, clock_->now_ns());
            }
            return nb_rx;
        }
        rte_mbuf* taken[kBurst];
        const std::uint16_t nb_rx = port_->rx_burst(taken, std::min(nb_frames, kBurst));
        if (nb_rx > 0 || now < 0) {
            now = clock_->now_ns();
        }
        if (tap_ != nullptr) {
            tap_from_client(taken, nb_rx, now);
        }
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            enter(in_, taken[i], now);
        }
        std::uint16_t n = 0;
        while (n < nb_frames) {
            nic::DelayLine<rte_mbuf>* line = in_.due_line(now);
            if (line == nullptr) {
                break;
            }
            frames[n++] = line->front().item;
            line->pop();
        }
        return n;
    }

    // Frames the network hands to the device.
    [[nodiscard]] std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t nb_frames) noexcept {
        if (!out_.active()) {
            return transmit(frames, nb_frames);
        }
        const std::int64_t now = clock_->now_ns();
        for (std::uint16_t i = 0; i < nb_frames; ++i) {
            enter(out_, frames[i], now);
        }
        flush_out(now);
        return nb_frames;
    }

    [[nodiscard]] rte_mbuf* alloc() noexcept { return port_->alloc(); }
    [[nodiscard]] bool alloc_bulk(rte_mbuf** frames, unsigned count) noexcept {
        return port_->alloc_bulk(frames, count);
    }

    // The earliest time a stage has a frame due (INT64_MAX: none).
    [[nodiscard]] std::int64_t next_event_ns() const noexcept {
        return std::min(in_.next_due_ns(), out_.next_due_ns());
    }
    [[nodiscard]] const WirePortCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] core::EthPort& port() noexcept { return *port_; }

    // Frees every frame the stages hold (before the ports go).
    void release() noexcept {
        for (Stage* s : {&in_, &out_}) {
            for (nic::DelayLine<rte_mbuf>* line : {&s->main, &s->held}) {
                while (!line->empty()) {
                    rte_pktmbuf_free(line->front().item);
                    line->pop();
                }
            }
        }
    }

private:
    struct Stage {
        explicit Stage(std::uint32_t capacity) : main(capacity), held(capacity) {}
        nic::LinkModel* model = nullptr;
        nic::DelayLine<rte_mbuf> main;
        nic::DelayLine<rte_mbuf> held;  // frames the model reorders

        [[nodiscard]] bool active() const noexcept {
            return model != nullptr || !main.empty() || !held.empty();
        }
        [[nodiscard]] std::int64_t next_due_ns() const noexcept {
            return std::min(main.next_due_ns(), held.next_due_ns());
        }
        // The line whose head is due first by `now`, or nullptr.
        [[nodiscard]] nic::DelayLine<rte_mbuf>* due_line(std::int64_t now) noexcept {
            const std::int64_t a = main.next_due_ns();
            const std::int64_t b = held.next_due_ns();
            if (std::min(a, b) > now) {
                return nullptr;
            }
            return b < a ? &held : &main;
        }
    };

    void push(nic::DelayLine<rte_mbuf>& line, rte_mbuf* frame, std::int64_t due) noexcept {
        if (!line.push(frame, due)) {
            ++counters_.stage_line_full;
            rte_pktmbuf_free(frame);
        }
    }

    // A frame enters a stage: through its model when it has one, else straight through (in
    // order behind what the stage still holds).
    void enter(Stage& s, rte_mbuf* frame, std::int64_t now) noexcept {
        ++counters_.stage_frames;
        if (s.model == nullptr) {
            push(s.main, frame, now);
            return;
        }
        const nic::Decision d = s.model->on_frame(now, nic::first_segment(frame), frame->pkt_len);
        if (d.verdict != nic::Verdict::kDeliver) {
            ++counters_.stage_dropped;
            rte_pktmbuf_free(frame);
            return;
        }
        nic::DelayLine<rte_mbuf>& line = d.reordered ? s.held : s.main;
        rte_mbuf* copy = nullptr;
        if (d.duplicate) {
            copy = nic::copy_frame(*port_, frame);
            if (copy == nullptr) {
                ++counters_.stage_copy_failed;
            }
        }
        push(line, frame, d.departure_ns);
        if (copy != nullptr) {
            push(line, copy, d.departure_ns);
        }
    }

    // Hands the due frames of the out stage to the port; refused ones wait at the head.
    void flush_out(std::int64_t now) noexcept {
        for (int burst = 0; burst < 4; ++burst) {
            rte_mbuf* frames[kBurst];
            bool from_held[kBurst];
            std::uint32_t im = 0;
            std::uint32_t ih = 0;
            std::uint16_t n = 0;
            while (n < kBurst) {
                const std::int64_t a = im < out_.main.size() ? out_.main.at(im).due_ns : INT64_MAX;
                const std::int64_t b = ih < out_.held.size() ? out_.held.at(ih).due_ns : INT64_MAX;
                if (std::min(a, b) > now) {
                    break;
                }
                from_held[n] = b < a;
                frames[n] = b < a ? out_.held.at(ih++).item : out_.main.at(im++).item;
                ++n;
            }
            if (n == 0) {
                return;
            }
            const std::uint16_t nb_tx = transmit(frames, n);
            std::uint32_t taken_held = 0;
            for (std::uint16_t k = 0; k < nb_tx; ++k) {
                taken_held += from_held[k] ? 1 : 0;
            }
            out_.held.pop(taken_held);
            out_.main.pop(nb_tx - taken_held);
            if (nb_tx < n) {
                counters_.stage_tx_refused += n - nb_tx;
                return;
            }
        }
    }

    std::uint16_t transmit(rte_mbuf** frames, std::uint16_t n) noexcept {
        if (tap_ == nullptr) {
            return port_->tx_burst(frames, n);
        }
        WireTap::Outbound what[kBurst];
        std::uint16_t sent = 0;
        while (sent < n) {
            const auto chunk = static_cast<std::uint16_t>(std::min<int>(n - sent, kBurst));
            bool any = false;
            for (std::uint16_t k = 0; k < chunk; ++k) {
                what[k] = tap_->inspect_outbound(nic::first_segment(frames[sent + k]));
                any = any || what[k].answer || what[k].count != 0;
            }
            const std::uint16_t nb_tx = port_->tx_burst(frames + sent, chunk);
            if (any && nb_tx > 0) {
                const std::int64_t now = clock_->now_ns();
                for (std::uint16_t k = 0; k < nb_tx; ++k) {
                    tap_->delivered(what[k], now);
                }
            }
            sent += nb_tx;
            if (nb_tx < chunk) {
                break;
            }
        }
        return sent;
    }

    void tap_from_client(rte_mbuf** frames, std::uint16_t n, std::int64_t now) noexcept {
        for (std::uint16_t i = 0; i < n; ++i) {
            tap_->from_client(nic::first_segment(frames[i]), now);
        }
    }

    core::EthPort* port_;
    const C* clock_;
    WireTap* tap_ = nullptr;
    Stage in_;
    Stage out_;
    WirePortCounters counters_;
};

// A feed stack's port: sends, and frees whatever the network delivers to it.
class SendOnlyPort {
public:
    explicit SendOnlyPort(core::EthPort& port) noexcept : port_(&port) {}

    [[nodiscard]] std::uint16_t rx_burst(rte_mbuf**, std::uint16_t) noexcept {
        rte_mbuf* frames[32];
        const std::uint16_t nb_rx = port_->rx_burst(frames, 32);
        if (nb_rx > 0) {
            discarded_ += nb_rx;
            rte_pktmbuf_free_bulk(frames, nb_rx);
        }
        return 0;
    }
    [[nodiscard]] std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t nb_frames) noexcept {
        return port_->tx_burst(frames, nb_frames);
    }
    [[nodiscard]] rte_mbuf* alloc() noexcept { return port_->alloc(); }
    [[nodiscard]] bool alloc_bulk(rte_mbuf** frames, unsigned count) noexcept {
        return port_->alloc_bulk(frames, count);
    }
    [[nodiscard]] std::uint64_t discarded() const noexcept { return discarded_; }

private:
    core::EthPort* port_;
    std::uint64_t discarded_ = 0;
};

}  // namespace tb::exchange
