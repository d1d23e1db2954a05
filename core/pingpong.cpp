#include "core/pingpong.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/clock.hpp"
#include "core/endian.hpp"
#include "core/random.hpp"
#include "core/signals.hpp"

namespace tb::core::pingpong {
namespace {

constexpr std::uint32_t kMagic = 0x54425050;  // "TBPP"
constexpr std::uint16_t kMaxBurst = 64;
constexpr std::int64_t kControlIntervalNs = 1'000'000;
constexpr std::int64_t kStopAckWaitNs = 1'000'000'000;
constexpr std::int64_t kStopRepeatNs = 10'000'000;

constexpr std::size_t kMagicOffset = 14;
constexpr std::size_t kKindOffset = 18;
constexpr std::size_t kSequenceOffset = 22;
constexpr std::size_t kTimeOffset = 30;
static_assert(kTimeOffset + 8 == kHeaderSize);

std::uint8_t pattern_byte(std::uint64_t key, std::size_t offset) noexcept {
    return static_cast<std::uint8_t>((key >> ((offset & 7) * 8)) ^ offset);
}

std::string describe(const char* what, const Result& r, std::uint64_t frames) {
    return std::string(what) + " (sent " + std::to_string(r.sent) + " and received " +
           std::to_string(r.received) + " of " + std::to_string(frames) + " frames)";
}

// The bounded-loop bookkeeping every mode shares: progress, timeouts, link and stop checks.
class Watch {
public:
    Watch(EthPort& port, const Options& options)
        : port_(port),
          options_(options),
          start_(clock_.now_ns()),
          last_progress_(start_),
          next_check_(start_ + kControlIntervalNs) {}

    std::int64_t now() const noexcept { return clock_.now_ns(); }
    const TscClock& clock() const noexcept { return clock_; }
    void progress(std::int64_t now) noexcept { last_progress_ = now; }

    // Once a millisecond: nullptr while all is well, else why the loop must end.
    const char* check(std::int64_t now) noexcept {
        if (now < next_check_) {
            return nullptr;
        }
        next_check_ = now + kControlIntervalNs;
        link_down_ = !port_.link_up();
        if (link_down_) {
            return "link lost";
        }
        if (stop_requested()) {
            return "stopped by signal";
        }
        if (now - last_progress_ > options_.idle_timeout_ns) {
            return "no progress within the idle timeout";
        }
        if (now - start_ > options_.run_timeout_ns) {
            return "run timeout reached";
        }
        return nullptr;
    }
    bool link_down() const noexcept { return link_down_; }

private:
    EthPort& port_;
    const Options& options_;
    TscClock clock_;
    std::int64_t start_;
    std::int64_t last_progress_;
    std::int64_t next_check_;
    bool link_down_ = false;
};

// Frames built but not yet taken by the port, sent in order before anything new.
class Pending {
public:
    bool empty() const noexcept { return count_ == 0; }
    rte_mbuf** slots() noexcept { return frames_.data() + count_; }
    void added(std::uint16_t n) noexcept { count_ = static_cast<std::uint16_t>(count_ + n); }
    // Offers everything pending to the port; returns how many it took.
    std::uint16_t flush(EthPort& port) noexcept {
        if (count_ == 0) {
            return 0;
        }
        const std::uint16_t nb_tx = port.tx_burst(frames_.data(), count_);
        if (nb_tx < count_) {
            std::memmove(frames_.data(), frames_.data() + nb_tx,
                         sizeof(rte_mbuf*) * static_cast<std::size_t>(count_ - nb_tx));
        }
        count_ = static_cast<std::uint16_t>(count_ - nb_tx);
        return nb_tx;
    }
    void free_all() noexcept {
        rte_pktmbuf_free_bulk(frames_.data(), count_);
        count_ = 0;
    }

private:
    std::array<rte_mbuf*, kMaxBurst> frames_{};
    std::uint16_t count_ = 0;
};

// Queues one control frame; false when the pool is empty.
bool queue_control(EthPort& port, Pending& pending, Kind kind, std::uint64_t sequence,
                   std::int64_t now, std::uint16_t size) noexcept {
    rte_mbuf* frame = port.alloc();
    if (frame == nullptr) {
        return false;
    }
    write_frame(frame, kind, sequence, now, size);
    *pending.slots() = frame;
    pending.added(1);
    return true;
}

// In-order checking of numbered data frames.
void account_data(Result& result, std::uint64_t& expected, std::uint64_t sequence) noexcept {
    ++result.received;
    if (sequence == expected) {
        ++expected;
    } else if (sequence > expected) {
        result.lost += sequence - expected;
        expected = sequence + 1;
    } else {
        ++result.out_of_order;
    }
}

bool clean(const Result& r) noexcept {
    return r.lost == 0 && r.out_of_order == 0 && r.corrupt == 0;
}

std::uint16_t burst_of(const Options& options) noexcept {
    return std::clamp<std::uint16_t>(options.burst, 1, kMaxBurst);
}

}  // namespace

void write_frame(rte_mbuf* frame, Kind kind, std::uint64_t sequence, std::int64_t time_ns,
                 std::uint16_t size) noexcept {
    size = std::clamp(size, kMinFrameSize, kMaxFrameSize);
    auto* data = rte_pktmbuf_mtod(frame, std::uint8_t*);
    std::memset(data, 0xFF, 6);  // broadcast destination
    const std::uint8_t source[6] = {0x02, 0x54, 0x42, 0x50, 0x50, 0x01};
    std::memcpy(data + 6, source, sizeof source);
    store_be16(data + 12, kEtherType);
    store_be32(data + kMagicOffset, kMagic);
    data[kKindOffset] = static_cast<std::uint8_t>(kind);
    data[kKindOffset + 1] = data[kKindOffset + 2] = data[kKindOffset + 3] = 0;
    store_be64(data + kSequenceOffset, sequence);
    store_be64(data + kTimeOffset, static_cast<std::uint64_t>(time_ns));
    const std::uint64_t key = mix64(sequence);
    for (std::size_t i = kHeaderSize; i < size; ++i) {
        data[i] = pattern_byte(key, i);
    }
    frame->data_len = size;
    frame->pkt_len = size;
}

bool check_frame(const rte_mbuf* frame, FrameView& view) noexcept {
    const std::uint32_t size = frame->pkt_len;
    if (frame->nb_segs != 1 || frame->data_len != size || size < kHeaderSize ||
        size > kMaxFrameSize) {
        return false;
    }
    const auto* data = rte_pktmbuf_mtod(frame, const std::uint8_t*);
    if (load_be16(data + 12) != kEtherType || load_be32(data + kMagicOffset) != kMagic) {
        return false;
    }
    const std::uint8_t kind = data[kKindOffset];
    if (kind < static_cast<std::uint8_t>(Kind::kData) ||
        kind > static_cast<std::uint8_t>(Kind::kStopAck)) {
        return false;
    }
    view.kind = static_cast<Kind>(kind);
    view.sequence = load_be64(data + kSequenceOffset);
    view.time_ns = static_cast<std::int64_t>(load_be64(data + kTimeOffset));
    const std::uint64_t key = mix64(view.sequence);
    for (std::size_t i = kHeaderSize; i < size; ++i) {
        if (data[i] != pattern_byte(key, i)) {
            return false;
        }
    }
    return true;
}

Result run_stream(EthPort& port, const Options& options) {
    Result result;
    Watch watch(port, options);
    Pending pending;
    const std::uint16_t burst = burst_of(options);
    std::array<rte_mbuf*, kMaxBurst> rx{};
    std::uint64_t expected = 0;
    bool fin_queued = false;
    bool peer_fin = false;
    std::int64_t first_ns = -1;
    std::int64_t last_ns = 0;

    for (;;) {
        const std::int64_t now = watch.now();
        const std::uint16_t nb_rx = port.rx_burst(rx.data(), burst);
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            FrameView view{};
            if (!check_frame(rx[i], view)) {
                ++result.corrupt;
            } else if (view.kind == Kind::kData) {
                account_data(result, expected, view.sequence);
            } else if (view.kind == Kind::kFin) {
                peer_fin = true;
            } else {
                ++result.corrupt;
            }
        }
        rte_pktmbuf_free_bulk(rx.data(), nb_rx);
        bool moved = nb_rx > 0;
        if (nb_rx > 0) {
            last_ns = now;
            if (first_ns < 0) {
                first_ns = now;
            }
        }

        if (pending.empty() && result.sent < options.frames) {
            const auto n = static_cast<std::uint16_t>(
                std::min<std::uint64_t>(burst, options.frames - result.sent));
            if (port.alloc_bulk(pending.slots(), n)) {
                rte_mbuf** slots = pending.slots();
                for (std::uint16_t i = 0; i < n; ++i) {
                    write_frame(slots[i], Kind::kData, result.sent + i, now, options.frame_size);
                }
                pending.added(n);
            }
        }
        const std::uint16_t taken = pending.flush(port);
        // Data frames are queued only when nothing is pending, so until the FIN is queued
        // everything the port takes is data.
        if (!fin_queued) {
            result.sent += taken;
        }
        moved = moved || taken > 0;
        const bool received_all = expected >= options.frames;
        if (!fin_queued && pending.empty() && result.sent == options.frames && received_all) {
            fin_queued =
                queue_control(port, pending, Kind::kFin, options.frames, now, options.frame_size);
            (void)pending.flush(port);
        }
        if (moved) {
            watch.progress(now);
        }
        if (fin_queued && pending.empty() && peer_fin) {
            break;
        }
        if (const char* why = watch.check(now)) {
            // A peer that saw our FIN may close first: everything was checked already.
            if (watch.link_down() && fin_queued && pending.empty()) {
                break;
            }
            pending.free_all();
            result.error = describe(why, result, options.frames);
            return result;
        }
    }
    result.elapsed_ns = first_ns < 0 ? 0 : last_ns - first_ns;
    result.ok = clean(result) && result.received == options.frames;
    if (!result.ok) {
        result.error = describe("frames lost, reordered or corrupted", result, options.frames);
    }
    return result;
}

Result run_ping(EthPort& port, const Options& options, Histogram& rtt_ns) {
    Result result;
    Watch watch(port, options);
    const TscClock& clock = watch.clock();
    std::array<rte_mbuf*, kMaxBurst> rx{};
    const std::uint64_t total = options.warmup + options.frames;

    for (std::uint64_t seq = 0; seq < total; ++seq) {
        rte_mbuf* frame = port.alloc();
        if (frame == nullptr) {
            result.error = describe("mbuf pool empty", result, total);
            return result;
        }
        write_frame(frame, Kind::kPing, seq, 0, options.frame_size);
        const std::uint64_t sent_tsc = TscClock::read_tsc();
        while (port.tx_burst(&frame, 1) == 0) {
            if (const char* why = watch.check(watch.now())) {
                rte_pktmbuf_free(frame);
                result.error = describe(why, result, total);
                return result;
            }
        }
        ++result.sent;
        bool answered = false;
        while (!answered) {
            const std::uint16_t nb_rx = port.rx_burst(rx.data(), kMaxBurst);
            const std::uint64_t received_tsc = TscClock::read_tsc();
            for (std::uint16_t i = 0; i < nb_rx; ++i) {
                FrameView view{};
                if (!check_frame(rx[i], view) || view.kind != Kind::kPing) {
                    ++result.corrupt;
                } else if (view.sequence != seq) {
                    ++result.out_of_order;
                } else {
                    answered = true;
                    ++result.received;
                    if (seq >= options.warmup) {
                        rtt_ns.record(clock.to_ns(received_tsc) - clock.to_ns(sent_tsc));
                    }
                }
            }
            rte_pktmbuf_free_bulk(rx.data(), nb_rx);
            if (!answered) {
                if (const char* why = watch.check(watch.now())) {
                    result.error = describe(why, result, total);
                    return result;
                }
            }
        }
        watch.progress(watch.now());
    }

    // Tell the echo side to stop, and wait briefly for its acknowledgement.
    rte_mbuf* stop = port.alloc();
    if (stop != nullptr) {
        write_frame(stop, Kind::kStop, total, 0, options.frame_size);
        if (port.tx_burst(&stop, 1) == 0) {
            rte_pktmbuf_free(stop);
        }
        const std::int64_t deadline = watch.now() + kStopAckWaitNs;
        bool acked = false;
        while (!acked && watch.now() < deadline && port.link_up()) {
            const std::uint16_t nb_rx = port.rx_burst(rx.data(), kMaxBurst);
            for (std::uint16_t i = 0; i < nb_rx; ++i) {
                FrameView view{};
                acked = acked || (check_frame(rx[i], view) && view.kind == Kind::kStopAck);
            }
            rte_pktmbuf_free_bulk(rx.data(), nb_rx);
        }
    }
    result.ok = result.corrupt == 0 && result.received == total;
    if (!result.ok) {
        result.error = describe("corrupted echoes", result, total);
    }
    return result;
}

Result run_echo(EthPort& port, const Options& options) {
    Result result;
    Watch watch(port, options);
    std::array<rte_mbuf*, kMaxBurst> rx{};
    bool stopped = false;

    while (!stopped) {
        const std::uint16_t nb_rx = port.rx_burst(rx.data(), kMaxBurst);
        std::uint16_t keep = 0;
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            FrameView view{};
            if (!check_frame(rx[i], view)) {
                ++result.corrupt;
                rte_pktmbuf_free(rx[i]);
            } else if (view.kind == Kind::kStop) {
                write_frame(rx[i], Kind::kStopAck, view.sequence, 0,
                            static_cast<std::uint16_t>(rx[i]->pkt_len));
                rx[keep++] = rx[i];
                stopped = true;
            } else {
                rx[keep++] = rx[i];  // echoed unchanged
                ++result.received;
            }
        }
        // Everything received is sent back before the next receive, so the ring never holds
        // more than a burst.
        std::uint16_t done = 0;
        while (done < keep) {
            done = static_cast<std::uint16_t>(
                done + port.tx_burst(rx.data() + done, static_cast<std::uint16_t>(keep - done)));
            if (done < keep) {
                if (const char* why = watch.check(watch.now())) {
                    rte_pktmbuf_free_bulk(rx.data() + done, static_cast<unsigned>(keep - done));
                    result.error = describe(why, result, options.frames);
                    return result;
                }
            }
        }
        result.sent += keep;
        const std::int64_t now = watch.now();
        if (nb_rx > 0) {
            watch.progress(now);
        }
        if (!stopped) {
            if (const char* why = watch.check(now)) {
                result.error = describe(why, result, options.frames);
                return result;
            }
        }
    }
    result.ok = result.corrupt == 0;
    if (!result.ok) {
        result.error = describe("corrupted frames", result, options.frames);
    }
    return result;
}

Result run_blast(EthPort& port, const Options& options) {
    Result result;
    Watch watch(port, options);
    Pending pending;
    const std::uint16_t burst = burst_of(options);
    std::array<rte_mbuf*, kMaxBurst> rx{};
    const std::int64_t first_ns = watch.now();
    std::int64_t last_ns = first_ns;

    while (result.sent < options.frames) {
        const std::int64_t now = watch.now();
        if (pending.empty()) {
            const auto n = static_cast<std::uint16_t>(
                std::min<std::uint64_t>(burst, options.frames - result.sent));
            if (port.alloc_bulk(pending.slots(), n)) {
                rte_mbuf** slots = pending.slots();
                for (std::uint16_t i = 0; i < n; ++i) {
                    write_frame(slots[i], Kind::kData, result.sent + i, now, options.frame_size);
                }
                pending.added(n);
            }
        }
        const std::uint16_t taken = pending.flush(port);
        if (taken > 0) {
            result.sent += taken;
            last_ns = now;
            watch.progress(now);
        }
        if (const char* why = watch.check(now)) {
            pending.free_all();
            result.error = describe(why, result, options.frames);
            return result;
        }
    }
    result.elapsed_ns = last_ns - first_ns;

    // STOP carries the number sent; the sink answers with the number it received. STOP is
    // repeated only if the answer is late.
    bool acked = false;
    std::int64_t next_stop_ns = 0;
    while (!acked) {
        const std::int64_t now = watch.now();
        if (pending.empty() && now >= next_stop_ns) {
            if (!queue_control(port, pending, Kind::kStop, options.frames, now,
                               options.frame_size)) {
                result.error = describe("mbuf pool empty", result, options.frames);
                return result;
            }
            next_stop_ns = now + kStopRepeatNs;
        }
        (void)pending.flush(port);
        const std::uint16_t nb_rx = port.rx_burst(rx.data(), kMaxBurst);
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            FrameView view{};
            if (check_frame(rx[i], view) && view.kind == Kind::kStopAck) {
                acked = true;
                result.peer_received = view.sequence;
            }
        }
        rte_pktmbuf_free_bulk(rx.data(), nb_rx);
        if (!acked) {
            if (const char* why = watch.check(now)) {
                pending.free_all();
                result.error = describe(why, result, options.frames);
                return result;
            }
        }
    }
    pending.free_all();
    result.received = result.peer_received;
    result.ok = result.peer_received == options.frames;
    if (!result.ok) {
        result.error = "sink received " + std::to_string(result.peer_received) + " of " +
                       std::to_string(options.frames) + " frames";
    }
    return result;
}

Result run_sink(EthPort& port, const Options& options) {
    Result result;
    Watch watch(port, options);
    std::array<rte_mbuf*, kMaxBurst> rx{};
    std::uint64_t expected = 0;
    std::int64_t first_ns = -1;
    std::int64_t last_ns = 0;
    rte_mbuf* ack = nullptr;

    while (ack == nullptr) {
        const std::int64_t now = watch.now();
        const std::uint16_t nb_rx = port.rx_burst(rx.data(), kMaxBurst);
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            FrameView view{};
            if (!check_frame(rx[i], view)) {
                ++result.corrupt;
            } else if (view.kind == Kind::kData) {
                account_data(result, expected, view.sequence);
            } else if (view.kind == Kind::kStop && ack == nullptr) {
                // Reuse the STOP frame for the answer, which carries the count received.
                write_frame(rx[i], Kind::kStopAck, result.received, now,
                            static_cast<std::uint16_t>(rx[i]->pkt_len));
                ack = rx[i];
                rx[i] = nullptr;
            }
        }
        for (std::uint16_t i = 0; i < nb_rx; ++i) {
            if (rx[i] != nullptr) {
                rte_pktmbuf_free(rx[i]);
            }
        }
        if (nb_rx > 0) {
            last_ns = now;
            if (first_ns < 0) {
                first_ns = now;
            }
            watch.progress(now);
        }
        if (ack == nullptr) {
            if (const char* why = watch.check(now)) {
                result.error = describe(why, result, options.frames);
                return result;
            }
        }
    }
    while (port.tx_burst(&ack, 1) == 0) {
        if (const char* why = watch.check(watch.now())) {
            rte_pktmbuf_free(ack);
            result.error = describe(why, result, options.frames);
            return result;
        }
    }
    result.elapsed_ns = first_ns < 0 ? 0 : last_ns - first_ns;
    result.ok = clean(result) && (options.frames == 0 || result.received == options.frames);
    if (!result.ok) {
        result.error = describe("frames lost, reordered or corrupted", result, options.frames);
    }
    return result;
}

}  // namespace tb::core::pingpong
