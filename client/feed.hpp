#pragma once

// The feed handler: one MoldUDP64 session (version 1.00) received twice, on feed A and feed B,
// turned into one gap-free, in-order stream of ITCH messages.
//
// Arbitration: the first copy of each sequence number wins, whichever line it came on; later
// copies are counted as duplicates and dropped. A packet that continues the stream is delivered
// straight from the receive buffer (no copy); a packet ahead of the next expected sequence
// number opens a gap and its messages wait in the reorder window, a ring of fixed 64-byte slots
// indexed by sequence number (ITCH 5.0's longest message is 50 bytes), until the gap closes.
//
// Gaps: a gap seen on one line is usually filled by the other line within microseconds, so
// retransmission requests go out only once a gap is `gap_wait_ns` old. Each request (a
// MoldUDP64 Request Packet to the retransmission server: session, first sequence number,
// count) covers one hole of at most `max_request_messages`; at most
// `max_outstanding_requests` are in flight. An unanswered request is sent again after
// `request_timeout_ns`, up to `max_request_retries` times; answers that make progress do not
// count as failures. When a request has used its retries, or no retransmission server is
// configured (max_outstanding_requests 0), the gap cannot be filled: the missing messages are
// skipped, the sink is told (on_lost) and marks the books stale, and the stream goes on with the
// messages held in the window. Heartbeats (Message Count 0) and End of Session (0xFFFF) carry the
// next sequence number, so messages lost at the tail of the stream are found too.
//
// Session: the first valid packet names the session (or BookConfig-style: a configured session
// accepts only itself). A packet of another session is a session change: sequencing restarts,
// outstanding requests are dropped and the sink clears its books (on_session_change); stray
// packets of the previous session are then counted and dropped. End of session is reported once
// every message before it was delivered.
//
// Late join: with recover_from_start, a first packet numbered above 1 is a gap from sequence 1
// (recovered by retransmission, within what the server keeps); without it, the stream starts
// where the feed was joined.
//
// Sink (compile-time; no virtual call per message):
//     void on_message(std::uint64_t sequence, std::span<const std::uint8_t> message) noexcept;
//     void on_lost(std::uint64_t first, std::uint64_t count) noexcept;  // gap given up: the
//         first message skipped and how many were skipped (not necessarily contiguous)
//     void on_session_change(const proto::mold::Session& session) noexcept;
//     void on_end_of_session() noexcept;
//     bool send_request(std::span<const std::uint8_t> request) noexcept;  // false: not sent
// and optionally
//     void prefetch(std::span<const std::uint8_t> message) noexcept;  // the next one, ahead
//
// Memory: the window and request table are allocated at construction; nothing afterwards.
// Thread rules: one owner thread. Time is the owner's clock, passed in.

#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/endian.hpp"
#include "proto/moldudp64.hpp"

namespace tb::client {

namespace mold = tb::proto::mold;

enum class FeedLine : std::uint8_t { kA = 0, kB = 1, kRetransmission = 2 };
inline constexpr std::size_t kFeedLines = 3;

[[nodiscard]] constexpr const char* to_string(FeedLine line) noexcept {
    return line == FeedLine::kA ? "a" : line == FeedLine::kB ? "b" : "retransmission";
}

struct FeedConfig {
    std::string session;                      // expected session; "" adopts the first one seen
    std::uint32_t reorder_window = 1u << 16;  // messages held ahead of a gap (power of two)
    std::int64_t gap_wait_ns = 200'000;       // let the other line fill a gap first
    std::uint16_t max_request_messages = 1000;
    std::uint32_t max_outstanding_requests = 4;  // 0: no retransmission server
    std::int64_t request_timeout_ns = 50'000'000;
    std::uint32_t max_request_retries = 5;
    std::int64_t line_timeout_ns = 3'000'000'000;  // a line silent this long is reported down
    bool recover_from_start = true;
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_feed_config(const FeedConfig& config);

struct LineCounters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;    // message blocks received
    std::uint64_t first = 0;       // messages whose first copy came on this line (delivered)
    std::uint64_t duplicates = 0;  // copies of messages another copy had already supplied
    std::uint64_t heartbeats = 0;
    std::uint64_t end_of_session = 0;
    std::uint64_t malformed = 0;
    std::uint64_t wrong_session = 0;
    std::uint64_t down = 0;  // times the line went silent for line_timeout_ns

    template <class F>
    void visit(F&& f) const {
        f("packets", packets);
        f("bytes", bytes);
        f("messages", messages);
        f("first", first);
        f("duplicates", duplicates);
        f("heartbeats", heartbeats);
        f("end_of_session", end_of_session);
        f("malformed", malformed);
        f("wrong_session", wrong_session);
        f("down", down);
    }
};

struct FeedCounters {
    std::uint64_t delivered = 0;            // messages handed on, in sequence
    std::uint64_t from_window = 0;          // of those, delivered from the reorder window
    std::uint64_t gaps = 0;                 // gaps opened
    std::uint64_t gaps_filled_by_line = 0;  // closed before any request went out
    std::uint64_t requests = 0;             // request packets sent (retries included)
    std::uint64_t request_retries = 0;
    std::uint64_t requests_completed = 0;
    std::uint64_t requests_abandoned = 0;
    std::uint64_t request_send_failures = 0;
    std::uint64_t lost = 0;             // messages skipped because a gap could not be filled
    std::uint64_t stale_events = 0;     // on_lost calls
    std::uint64_t window_overflow = 0;  // messages too far ahead for the window (asked again)
    std::uint64_t too_long = 0;         // messages too long for a window slot (asked again)
    std::uint64_t session_changes = 0;
    std::uint64_t end_of_session = 0;  // the session ended with every message delivered

    template <class F>
    void visit(F&& f) const {
        f("delivered", delivered);
        f("from_window", from_window);
        f("gaps", gaps);
        f("gaps_filled_by_line", gaps_filled_by_line);
        f("requests", requests);
        f("request_retries", request_retries);
        f("requests_completed", requests_completed);
        f("requests_abandoned", requests_abandoned);
        f("request_send_failures", request_send_failures);
        f("lost", lost);
        f("stale_events", stale_events);
        f("window_overflow", window_overflow);
        f("too_long", too_long);
        f("session_changes", session_changes);
        f("end_of_session", end_of_session);
    }
};

template <class Sink>
class FeedHandler {
public:
    // Allocates the window; throws tb::core::ConfigError for a bad configuration. The sink must
    // outlive the handler.
    FeedHandler(const FeedConfig& config, Sink& sink)
        : config_((validate_feed_config(config), config)),
          sink_(sink),
          fixed_session_(!config.session.empty()),
          session_(mold::Session::left(config.session)),
          mask_(config.reorder_window - 1),
          window_(config.reorder_window),
          requests_(config.max_outstanding_requests) {}

    FeedHandler(const FeedHandler&) = delete;
    FeedHandler& operator=(const FeedHandler&) = delete;

    // One MoldUDP64 packet (a UDP payload) received on `line`. Returns the messages delivered.
    std::size_t on_packet(FeedLine line, std::span<const std::uint8_t> packet,
                          std::int64_t now_ns) noexcept;

    // Timers: requests after the gap wait, retries and give-ups, line silence. Returns the work
    // done. Call once per loop pass.
    unsigned poll(std::int64_t now_ns) noexcept;

    // When poll() next has something to do with nothing received (INT64_MAX: never).
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept;

    // ---- state ----
    [[nodiscard]] std::uint64_t next_sequence() const noexcept { return next_; }
    // One past the highest sequence number known to exist.
    [[nodiscard]] std::uint64_t known_end() const noexcept { return high_; }
    [[nodiscard]] bool in_gap() const noexcept { return started_ && next_ < high_; }
    [[nodiscard]] bool session_known() const noexcept { return session_known_; }
    [[nodiscard]] const mold::Session& session() const noexcept { return session_; }
    // End of Session seen, and every message before it delivered (or given up).
    [[nodiscard]] bool complete() const noexcept { return end_reported_; }
    [[nodiscard]] std::uint32_t outstanding_requests() const noexcept { return outstanding_; }
    [[nodiscard]] bool line_up(FeedLine line) const noexcept {
        return seen_[index(line)] && !down_[index(line)];
    }
    [[nodiscard]] const FeedCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const LineCounters& line(FeedLine line) const noexcept {
        return lines_[index(line)];
    }

private:
    static constexpr std::size_t kSlotBytes = 53;
    struct Slot {
        std::uint64_t sequence = 0;  // 0: empty (sequence numbers start at 1)
        std::uint16_t length = 0;
        std::uint8_t line = 0;
        std::uint8_t bytes[kSlotBytes];
    };
    static_assert(sizeof(Slot) == 64, "a window slot is one cache line");

    struct Request {
        std::uint64_t first = 0;
        std::uint64_t end = 0;       // one past the last sequence number asked for
        std::uint64_t progress = 0;  // next_ when last sent
        std::int64_t sent_ns = 0;
        std::uint32_t retries = 0;
        bool active = false;
    };

    [[nodiscard]] static std::size_t index(FeedLine line) noexcept {
        return static_cast<std::size_t>(line);
    }
    [[nodiscard]] bool present(std::uint64_t sequence) const noexcept {
        return window_[sequence & mask_].sequence == sequence;
    }
    [[nodiscard]] bool accept_session(const mold::Session& session, LineCounters& line) noexcept;
    void start_at(std::uint64_t first_seen, std::int64_t now_ns) noexcept;
    void note_end(std::uint64_t end, std::int64_t now_ns) noexcept;
    void deliver(std::uint64_t sequence, std::span<const std::uint8_t> message,
                 std::size_t line) noexcept {
        next_ = sequence + 1;
        ++lines_[line].first;
        ++counters_.delivered;
        sink_.on_message(sequence, message);
    }
    std::size_t drain() noexcept;
    void after_progress() noexcept;
    void issue_requests(std::int64_t now_ns) noexcept;
    [[nodiscard]] bool send_request(std::uint64_t first, std::uint64_t end) noexcept;
    // Skips what is still missing before `end`, delivering what the window holds.
    void give_up(std::uint64_t end) noexcept;
    void reset_sequencing() noexcept;

    FeedConfig config_;
    Sink& sink_;
    bool fixed_session_;
    bool session_known_ = false;
    bool has_previous_ = false;
    mold::Session session_;
    mold::Session previous_{};
    bool started_ = false;
    std::uint64_t next_ = 1;          // next sequence number to deliver
    std::uint64_t high_ = 1;          // one past the highest sequence number known to exist
    std::uint64_t end_sequence_ = 0;  // End of Session's next sequence number (0: not seen)
    bool end_reported_ = false;
    std::int64_t gap_since_ns_ = -1;  // when the current gap opened (-1: none)
    bool requested_in_gap_ = false;
    std::uint64_t scanned_to_ = 0;  // holes before this were requested or are being requested
    std::uint64_t mask_;
    std::vector<Slot> window_;
    std::vector<Request> requests_;
    std::uint32_t outstanding_ = 0;
    std::int64_t last_rx_ns_[kFeedLines] = {0, 0, 0};
    bool seen_[kFeedLines] = {false, false, false};
    bool down_[kFeedLines] = {false, false, false};
    LineCounters lines_[kFeedLines];
    FeedCounters counters_;
};

// ---- implementation (templates) ----

template <class Sink>
bool FeedHandler<Sink>::accept_session(const mold::Session& session, LineCounters& line) noexcept {
    if (!session_known_) {
        if (fixed_session_ && session != session_) {
            ++line.wrong_session;
            return false;
        }
        session_ = session;
        session_known_ = true;
        return true;
    }
    if (session == session_) [[likely]] {
        return true;
    }
    if (fixed_session_ || (has_previous_ && session == previous_)) {
        ++line.wrong_session;
        return false;
    }
    previous_ = session_;
    has_previous_ = true;
    session_ = session;
    ++counters_.session_changes;
    reset_sequencing();
    sink_.on_session_change(session_);
    return true;
}

template <class Sink>
void FeedHandler<Sink>::reset_sequencing() noexcept {
    started_ = false;
    next_ = 1;
    high_ = 1;
    end_sequence_ = 0;
    end_reported_ = false;
    gap_since_ns_ = -1;
    requested_in_gap_ = false;
    scanned_to_ = 0;
    for (Request& r : requests_) {
        r.active = false;
    }
    outstanding_ = 0;
    for (Slot& s : window_) {
        s.sequence = 0;
    }
}

template <class Sink>
void FeedHandler<Sink>::start_at(std::uint64_t first_seen, std::int64_t now_ns) noexcept {
    started_ = true;
    next_ = config_.recover_from_start || first_seen == 0 ? 1 : first_seen;
    high_ = next_;
    (void)now_ns;
}

template <class Sink>
void FeedHandler<Sink>::note_end(std::uint64_t end, std::int64_t now_ns) noexcept {
    if (end > high_) {
        high_ = end;
    }
    if (next_ < high_ && gap_since_ns_ < 0) {
        gap_since_ns_ = now_ns;
        requested_in_gap_ = false;
        ++counters_.gaps;
    }
}

template <class Sink>
std::size_t FeedHandler<Sink>::drain() noexcept {
    std::size_t delivered = 0;
    while (true) {
        Slot& slot = window_[next_ & mask_];
        if (slot.sequence != next_) {
            break;
        }
        slot.sequence = 0;
        ++counters_.from_window;
        ++delivered;
        deliver(next_, std::span<const std::uint8_t>(slot.bytes, slot.length), slot.line);
    }
    return delivered;
}

template <class Sink>
void FeedHandler<Sink>::after_progress() noexcept {
    if (gap_since_ns_ >= 0 && next_ >= high_) {
        if (!requested_in_gap_) {
            ++counters_.gaps_filled_by_line;
        }
        gap_since_ns_ = -1;
    }
    if (end_sequence_ != 0 && !end_reported_ && next_ >= end_sequence_) {
        end_reported_ = true;
        ++counters_.end_of_session;
        sink_.on_end_of_session();
    }
}

template <class Sink>
std::size_t FeedHandler<Sink>::on_packet(FeedLine line, std::span<const std::uint8_t> packet,
                                         std::int64_t now_ns) noexcept {
    const std::size_t li = index(line);
    LineCounters& lc = lines_[li];
    ++lc.packets;
    lc.bytes += packet.size();
    last_rx_ns_[li] = now_ns;
    seen_[li] = true;
    down_[li] = false;
    mold::Header header;
    if (mold::validate_packet(packet, header) != proto::Status::kOk) [[unlikely]] {
        ++lc.malformed;
        return 0;
    }
    if (!accept_session(header.session, lc)) {
        return 0;
    }
    const mold::PacketKind kind = header.kind();
    if (!started_) {
        start_at(header.sequence_number, now_ns);
    }
    if (kind != mold::PacketKind::kData) {
        if (kind == mold::PacketKind::kHeartbeat) {
            ++lc.heartbeats;
        } else {
            ++lc.end_of_session;
            if (end_sequence_ == 0) {
                end_sequence_ = header.sequence_number;
            }
        }
        note_end(header.sequence_number, now_ns);
        after_progress();
        return 0;
    }
    const std::uint64_t first = header.sequence_number;
    const std::uint64_t count = header.message_count;
    lc.messages += count;
    if (first + count <= next_) {
        lc.duplicates += count;
        return 0;
    }
    if (first > next_ && requests_.empty() &&
        (config_.gap_wait_ns == 0 || first + count > next_ + window_.size())) {
        // No retransmission server, and the gap may not wait (or the packet cannot be held):
        // only the other line could fill it, and it has had its chance.
        give_up(first);
    }
    std::size_t delivered = 0;
    std::size_t offset = mold::kHeaderSize;
    if (first <= next_) {
        // The packet continues the stream: deliver in place (validate_packet checked the blocks).
        for (std::uint64_t i = 0; i < count; ++i) {
            const std::size_t length = core::load_be16(packet.data() + offset);
            const std::uint64_t sequence = first + i;
            if constexpr (requires(Sink & s, std::span<const std::uint8_t> m) { s.prefetch(m); }) {
                // The next message is known already: let the sink start loading what it needs.
                const std::size_t next = offset + 2 + length;
                if (i + 1 < count) {
                    sink_.prefetch(packet.subspan(next + 2, core::load_be16(packet.data() + next)));
                }
            }
            if (sequence < next_) {
                ++lc.duplicates;
            } else {
                deliver(sequence, packet.subspan(offset + 2, length), li);
                ++delivered;
            }
            offset += 2 + length;
        }
        note_end(next_, now_ns);
        if (high_ > next_) {
            delivered += drain();
        }
        after_progress();
        return delivered;
    }
    // Ahead of a gap: keep the messages in the window.
    note_end(first + count, now_ns);
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::size_t length = core::load_be16(packet.data() + offset);
        const std::uint64_t sequence = first + i;
        Slot& slot = window_[sequence & mask_];
        if (sequence >= next_ + window_.size()) {
            ++counters_.window_overflow;
        } else if (slot.sequence == sequence) {
            ++lc.duplicates;
        } else if (length > kSlotBytes) {
            ++counters_.too_long;
        } else {
            slot.sequence = sequence;
            slot.length = static_cast<std::uint16_t>(length);
            slot.line = static_cast<std::uint8_t>(li);
            std::memcpy(slot.bytes, packet.data() + offset + 2, length);
        }
        offset += 2 + length;
    }
    if (config_.gap_wait_ns == 0) {
        issue_requests(now_ns);
    }
    return 0;
}

template <class Sink>
bool FeedHandler<Sink>::send_request(std::uint64_t first, std::uint64_t end) noexcept {
    mold::RetransmissionRequest request;
    request.session = session_;
    request.sequence_number = first;
    request.requested_count = static_cast<std::uint16_t>(end - first);
    std::uint8_t bytes[mold::kHeaderSize];
    const std::size_t n = mold::write_request(request, bytes);
    assert(n == mold::kHeaderSize);
    ++counters_.requests;
    if (!sink_.send_request(std::span<const std::uint8_t>(bytes, n))) {
        ++counters_.request_send_failures;
        return false;
    }
    return true;
}

template <class Sink>
void FeedHandler<Sink>::issue_requests(std::int64_t now_ns) noexcept {
    if (gap_since_ns_ < 0 || now_ns - gap_since_ns_ < config_.gap_wait_ns) {
        return;
    }
    if (requests_.empty()) {
        // No retransmission server: what is missing now is lost.
        give_up(high_);
        return;
    }
    const std::uint64_t limit = std::min<std::uint64_t>(high_, next_ + window_.size());
    std::uint64_t sequence = std::max(scanned_to_, next_);
    // Bounded by the window: each step moves `sequence` forward.
    while (outstanding_ < requests_.size() && sequence < limit) {
        if (present(sequence)) {
            ++sequence;
            continue;
        }
        bool covered = false;
        for (const Request& r : requests_) {
            if (r.active && r.first <= sequence && sequence < r.end) {
                sequence = r.end;
                covered = true;
                break;
            }
        }
        if (covered) {
            continue;
        }
        std::uint64_t end = sequence + 1;
        while (end < limit && end - sequence < config_.max_request_messages && !present(end)) {
            ++end;
        }
        for (const Request& r : requests_) {
            if (r.active && sequence < r.first && r.first < end) {
                end = r.first;
            }
        }
        for (Request& r : requests_) {
            if (!r.active) {
                r.active = true;
                r.first = sequence;
                r.end = end;
                r.progress = next_;
                r.sent_ns = now_ns;
                r.retries = 0;
                ++outstanding_;
                break;
            }
        }
        requested_in_gap_ = true;
        (void)send_request(sequence, end);
        sequence = end;
    }
    scanned_to_ = sequence;
}

template <class Sink>
void FeedHandler<Sink>::give_up(std::uint64_t end) noexcept {
    std::uint64_t first_lost = 0;
    std::uint64_t lost = 0;
    // Nothing is held at or beyond this (the window is filled only by on_packet).
    const std::uint64_t held_limit = next_ + window_.size();
    // Bounded by the window: every step delivers or skips one sequence number, and the rest
    // beyond the window is skipped at once.
    while (next_ < end) {
        if (next_ >= held_limit) {
            if (lost == 0) {
                first_lost = next_;
            }
            lost += end - next_;
            next_ = end;
            break;
        }
        if (present(next_)) {
            drain();
            continue;
        }
        if (lost++ == 0) {
            first_lost = next_;
        }
        ++next_;
    }
    drain();
    if (lost > 0) {
        counters_.lost += lost;
        ++counters_.stale_events;
        sink_.on_lost(first_lost, lost);
    }
    for (Request& r : requests_) {
        if (r.active && r.end <= next_) {
            r.active = false;
            --outstanding_;
        }
    }
    if (scanned_to_ < next_) {
        scanned_to_ = next_;
    }
    // What may lie beyond is a new gap, with its own wait (poll() opens it).
    gap_since_ns_ = -1;
    after_progress();
}

template <class Sink>
unsigned FeedHandler<Sink>::poll(std::int64_t now_ns) noexcept {
    unsigned work = 0;
    for (std::size_t l = 0; l < 2; ++l) {
        if (seen_[l] && !down_[l] && now_ns - last_rx_ns_[l] > config_.line_timeout_ns) {
            down_[l] = true;
            ++lines_[l].down;
            ++work;
        }
    }
    if (outstanding_ > 0) {
        for (Request& r : requests_) {
            if (!r.active) {
                continue;
            }
            if (next_ >= r.end) {
                r.active = false;
                --outstanding_;
                ++counters_.requests_completed;
                ++work;
                continue;
            }
            if (now_ns - r.sent_ns < config_.request_timeout_ns) {
                continue;
            }
            ++work;
            if (next_ > r.progress) {
                r.progress = next_;  // partly answered (a server may cut long requests)
            } else if (++r.retries > config_.max_request_retries) {
                ++counters_.requests_abandoned;
                give_up(r.end);
                continue;
            } else {
                ++counters_.request_retries;
            }
            r.sent_ns = now_ns;
            (void)send_request(std::max(r.first, next_), r.end);
        }
    }
    if (gap_since_ns_ < 0 && next_ < high_ && started_) {
        // A gap remains after a give-up or beyond the window: it is a new gap.
        gap_since_ns_ = now_ns;
        requested_in_gap_ = false;
        ++counters_.gaps;
    }
    if (gap_since_ns_ >= 0 && now_ns - gap_since_ns_ >= config_.gap_wait_ns &&
        (outstanding_ < requests_.size() || requests_.empty())) {
        const std::uint64_t before = counters_.requests + counters_.lost;
        issue_requests(now_ns);
        work += counters_.requests + counters_.lost != before ? 1 : 0;
    }
    return work;
}

template <class Sink>
std::int64_t FeedHandler<Sink>::next_timer_ns() const noexcept {
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    for (std::size_t l = 0; l < 2; ++l) {
        if (seen_[l] && !down_[l]) {
            next = std::min(next, last_rx_ns_[l] + config_.line_timeout_ns + 1);
        }
    }
    for (const Request& r : requests_) {
        if (r.active) {
            next = std::min(next, r.sent_ns + config_.request_timeout_ns);
        }
    }
    if (gap_since_ns_ >= 0 && (outstanding_ < requests_.size() || requests_.empty()) &&
        std::max(scanned_to_, next_) < high_) {
        next = std::min(next, gap_since_ns_ + config_.gap_wait_ns);
    }
    return next;
}

}  // namespace tb::client
