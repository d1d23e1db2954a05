#pragma once

// The market-data publisher: ITCH 5.0 messages numbered and packed into MoldUDP64 packets, a
// message store, and the retransmission server, at the payload level. The owner (the exchange
// core) sends every packet to feed A and feed B (identical bytes, DESIGN.md "Wire identities")
// and retransmissions by unicast to the requester; this class knows no sockets.
//
// MoldUDP64 (version 1.00):
//  - Sequence numbers start at 1 and count messages; a packet carries the number of its first
//    message. Messages are added to the open packet until the next one would pass the payload
//    limit (the MTU less IPv4 and UDP headers); then the packet is sent and a new one begun.
//    flush() sends the open packet: the core calls it at the end of every loop pass, so no
//    message waits for a packet to fill.
//  - Heartbeat: a packet with Message Count 0 and the next sequence number, sent when nothing
//    was sent for `heartbeat_interval_ns` (Nasdaq sends them about once a second).
//  - End of session: Message Count 0xFFFF with the next sequence number, after the last message.
//  - Retransmission requests (the "Request Packet": session, sequence number, count) are
//    answered from the store by unicast packets built like live ones. A request is served only
//    for the current session and for sequence numbers the store still holds; the count is cut
//    to `retransmit_max_messages` and to the last message sent; requests beyond the rate
//    limit (`retransmit_rate_per_s` messages per second) are dropped. MoldUDP64 has no negative
//    answer: a client whose request is dropped asks again, as the specification expects.
//
// The store keeps the most recent `store_messages` messages (a power of two) in fixed slots of
// 2 + 50 bytes (ITCH 5.0's longest message is 50 bytes), preallocated at construction: storing
// is one copy, and a retransmission copies blocks exactly as they were first sent. Older
// messages are overwritten; requests for them are counted and dropped.
//
// Out (compile-time; the exchange core):
//     void feed_packet(std::span<const std::uint8_t> packet, const FeedPacketInfo& info) noexcept;
//     void retransmission_packet(const UdpEndpoint& to,
//                                std::span<const std::uint8_t> packet) noexcept;
// Packets are views of the publisher's buffers, valid during the call only.

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "exchange_sim/gateway/rate_limiter.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"

namespace tb::exchange {

namespace mold = tb::proto::mold;

// A UDP peer as the transport names it: IPv4 address and port, host order.
struct UdpEndpoint {
    std::uint32_t ip = 0;
    std::uint16_t port = 0;
    bool operator==(const UdpEndpoint&) const noexcept = default;
};

struct FeedPacketInfo {
    std::uint64_t first_sequence = 0;
    std::uint16_t message_count = 0;  // 0 heartbeat, 0xFFFF end of session
    bool trigger = false;             // carries a message caused by a tick-to-trade trigger
};

struct FeedConfig {
    std::string session = "TB00000001";  // MoldUDP64 session, up to 10 characters
    std::size_t mtu = 1500;
    std::int64_t heartbeat_interval_ns = 1'000'000'000;
    std::size_t store_messages = 1u << 20;  // rounded up to a power of two
    std::uint16_t retransmit_max_messages = 1000;
    std::uint64_t retransmit_rate_per_s = 100'000;  // messages per second, all requesters
};

// Throws tb::core::ConfigError naming the first invalid field.
void validate_feed_config(const FeedConfig& config);

struct FeedCounters {
    std::uint64_t messages = 0;
    std::uint64_t packets = 0;  // data packets
    std::uint64_t heartbeats = 0;
    std::uint64_t end_of_session = 0;
    std::uint64_t bytes = 0;
    std::uint64_t retransmit_requests = 0;
    std::uint64_t retransmit_packets = 0;
    std::uint64_t retransmit_messages = 0;
    std::uint64_t retransmit_malformed = 0;
    std::uint64_t retransmit_wrong_session = 0;
    std::uint64_t retransmit_unavailable = 0;  // overwritten or not yet sent
    std::uint64_t retransmit_rate_limited = 0;
    std::uint64_t retransmit_truncated = 0;  // requests cut to the per-request maximum

    template <class F>
    void visit(F&& f) const {
        f("messages", messages);
        f("packets", packets);
        f("heartbeats", heartbeats);
        f("end_of_session", end_of_session);
        f("bytes", bytes);
        f("retransmit_requests", retransmit_requests);
        f("retransmit_packets", retransmit_packets);
        f("retransmit_messages", retransmit_messages);
        f("retransmit_malformed", retransmit_malformed);
        f("retransmit_wrong_session", retransmit_wrong_session);
        f("retransmit_unavailable", retransmit_unavailable);
        f("retransmit_rate_limited", retransmit_rate_limited);
        f("retransmit_truncated", retransmit_truncated);
    }
};

// The message store: the last `capacity` messages, each in a fixed slot with its MoldUDP64
// message block (2-byte length, then the message).
class FeedStore {
public:
    static constexpr std::size_t kSlotSize = 2 + proto::itch::kMaxMessageSize;

    explicit FeedStore(std::size_t capacity)
        : capacity_(std::bit_ceil(std::max<std::size_t>(capacity, 2))),
          mask_(capacity_ - 1),
          slots_(capacity_ * kSlotSize) {}

    // The slot for sequence number `sequence` (its bytes are overwritten by the caller).
    [[nodiscard]] std::uint8_t* slot(std::uint64_t sequence) noexcept {
        return slots_.data() + (sequence & mask_) * kSlotSize;
    }
    [[nodiscard]] const std::uint8_t* slot(std::uint64_t sequence) const noexcept {
        return slots_.data() + (sequence & mask_) * kSlotSize;
    }
    // The message block (length and message) of `sequence`.
    [[nodiscard]] std::span<const std::uint8_t> block(std::uint64_t sequence) const noexcept {
        const std::uint8_t* p = slot(sequence);
        return {p, 2 + static_cast<std::size_t>(core::load_be16(p))};
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

private:
    std::size_t capacity_;
    std::size_t mask_;
    std::vector<std::uint8_t> slots_;
};

template <class Out>
class FeedPublisher {
public:
    // The buffers and the store are allocated here; nothing after.
    FeedPublisher(const FeedConfig& config, Out& out)
        : out_(out),
          session_(mold::Session::left(config.session)),
          payload_limit_(mold::payload_limit_for_mtu(config.mtu)),
          heartbeat_interval_ns_(config.heartbeat_interval_ns),
          retransmit_max_(config.retransmit_max_messages),
          retransmit_limiter_(config.retransmit_rate_per_s, config.retransmit_rate_per_s),
          store_(config.store_messages),
          live_buffer_(payload_limit_),
          retransmit_buffer_(payload_limit_),
          builder_(live_buffer_, payload_limit_) {
        validate_feed_config(config);
        builder_.start(session_, next_sequence_);
    }

    FeedPublisher(const FeedPublisher&) = delete;
    FeedPublisher& operator=(const FeedPublisher&) = delete;

    // Numbers, stores and packs one ITCH message; returns its sequence number. The packet is
    // sent first if the message does not fit. After end_session() nothing is added (returns 0).
    template <class M>
    [[nodiscard]] std::uint64_t add(const M& message) noexcept {
        if (ended_) {
            return 0;
        }
        constexpr std::size_t size = proto::wire_size<M>();
        static_assert(size <= proto::itch::kMaxMessageSize);
        if (!builder_.fits(size)) {
            send_packet();
        }
        const std::uint64_t sequence = next_sequence_++;
        std::uint8_t* slot = store_.slot(sequence);
        core::store_be16(slot, static_cast<std::uint16_t>(size));
        proto::encode_fields(message, slot + 2);
        const bool added = builder_.add(std::span<const std::uint8_t>(slot + 2, size));
        assert(added);
        (void)added;
        ++counters_.messages;
        return sequence;
    }

    // The wire bytes of the message with this sequence number (while the store holds it).
    [[nodiscard]] std::span<const std::uint8_t> message(std::uint64_t sequence) const noexcept {
        return store_.block(sequence).subspan(2);
    }

    // Marks the open packet as carrying a tick-to-trade trigger message.
    void mark_trigger() noexcept { trigger_ = true; }

    // Sends the open packet, if it has messages; returns whether one was sent.
    bool flush(std::int64_t now_ns) noexcept {
        if (builder_.count() == 0) {
            return false;
        }
        send_packet();
        last_send_ns_ = now_ns;
        return true;
    }

    // Heartbeat when idle; returns the work done (0 or 1).
    std::size_t poll(std::int64_t now_ns) noexcept {
        if (ended_ || !started_) {
            if (!started_) {
                started_ = true;
                last_send_ns_ = now_ns;
            }
            return 0;
        }
        if (builder_.count() > 0) {
            return flush(now_ns) ? 1 : 0;
        }
        if (now_ns - last_send_ns_ < heartbeat_interval_ns_) {
            return 0;
        }
        std::uint8_t packet[mold::kHeaderSize];
        const std::size_t n = mold::write_heartbeat(session_, next_sequence_, packet);
        assert(n == mold::kHeaderSize);
        ++counters_.heartbeats;
        counters_.bytes += n;
        last_send_ns_ = now_ns;
        out_.feed_packet(std::span<const std::uint8_t>(packet, n),
                         FeedPacketInfo{next_sequence_, mold::kHeartbeatCount, false});
        return 1;
    }

    // Sends the open packet, then End of Session; later messages are refused.
    void end_session(std::int64_t now_ns) noexcept {
        if (ended_) {
            return;
        }
        flush(now_ns);
        ended_ = true;
        std::uint8_t packet[mold::kHeaderSize];
        const std::size_t n = mold::write_end_of_session(session_, next_sequence_, packet);
        assert(n == mold::kHeaderSize);
        ++counters_.end_of_session;
        counters_.bytes += n;
        last_send_ns_ = now_ns;
        out_.feed_packet(std::span<const std::uint8_t>(packet, n),
                         FeedPacketInfo{next_sequence_, mold::kEndOfSessionCount, false});
    }

    // A MoldUDP64 Request Packet from `from`; answers by unicast. Returns the packets sent.
    std::size_t retransmit(std::span<const std::uint8_t> request_bytes, const UdpEndpoint& from,
                           std::int64_t now_ns) noexcept {
        ++counters_.retransmit_requests;
        mold::RetransmissionRequest request;
        if (mold::parse_request(request_bytes, request) != proto::Status::kOk) {
            ++counters_.retransmit_malformed;
            return 0;
        }
        if (request.session != session_) {
            ++counters_.retransmit_wrong_session;
            return 0;
        }
        // Messages still in an unsent packet are not yet "sent": the client cannot miss them.
        const std::uint64_t last_sent = builder_.next_sequence() - builder_.count() - 1;
        const std::uint64_t oldest =
            next_sequence_ > store_.capacity() ? next_sequence_ - store_.capacity() : 1;
        if (request.sequence_number < oldest || request.sequence_number > last_sent) {
            ++counters_.retransmit_unavailable;
            return 0;
        }
        std::uint64_t count = request.requested_count;
        if (count > retransmit_max_) {
            count = retransmit_max_;
            ++counters_.retransmit_truncated;
        }
        count = std::min<std::uint64_t>(count, last_sent - request.sequence_number + 1);
        if (!retransmit_limiter_.try_take(now_ns, count)) {
            ++counters_.retransmit_rate_limited;
            return 0;
        }
        mold::PacketBuilder builder(retransmit_buffer_, payload_limit_);
        std::uint64_t sequence = request.sequence_number;
        const std::uint64_t end = sequence + count;
        std::size_t packets = 0;
        builder.start(session_, sequence);
        // Bounded by `count` (at most retransmit_max_ messages).
        while (sequence < end) {
            const std::span<const std::uint8_t> block = store_.block(sequence);
            if (!builder.add(block.subspan(2))) {
                packets += send_retransmission(builder, from);
                builder.start(session_, sequence);
                continue;
            }
            ++sequence;
        }
        packets += send_retransmission(builder, from);
        counters_.retransmit_messages += count;
        return packets;
    }

    // Clock time of the next heartbeat (when idle).
    [[nodiscard]] std::int64_t next_heartbeat_ns() const noexcept {
        return ended_ ? std::numeric_limits<std::int64_t>::max()
                      : last_send_ns_ + heartbeat_interval_ns_;
    }
    [[nodiscard]] std::uint64_t next_sequence() const noexcept { return next_sequence_; }
    [[nodiscard]] std::size_t open_messages() const noexcept { return builder_.count(); }
    [[nodiscard]] bool ended() const noexcept { return ended_; }
    [[nodiscard]] const mold::Session& session() const noexcept { return session_; }
    [[nodiscard]] std::size_t payload_limit() const noexcept { return payload_limit_; }
    [[nodiscard]] const FeedCounters& counters() const noexcept { return counters_; }

private:
    void send_packet() noexcept {
        const std::uint64_t first = builder_.next_sequence() - builder_.count();
        const std::uint16_t count = builder_.count();
        const std::span<const std::uint8_t> packet = builder_.finish();
        ++counters_.packets;
        counters_.bytes += packet.size();
        out_.feed_packet(packet, FeedPacketInfo{first, count, trigger_});
        trigger_ = false;
        builder_.start(session_, next_sequence_);
    }

    std::size_t send_retransmission(mold::PacketBuilder& builder, const UdpEndpoint& to) noexcept {
        if (builder.count() == 0) {
            return 0;
        }
        const std::span<const std::uint8_t> packet = builder.finish();
        ++counters_.retransmit_packets;
        out_.retransmission_packet(to, packet);
        return 1;
    }

    Out& out_;
    mold::Session session_;
    std::size_t payload_limit_;
    std::int64_t heartbeat_interval_ns_;
    std::uint16_t retransmit_max_;
    RateLimiter retransmit_limiter_;
    FeedStore store_;
    std::vector<std::uint8_t> live_buffer_;
    std::vector<std::uint8_t> retransmit_buffer_;
    mold::PacketBuilder builder_;
    std::uint64_t next_sequence_ = 1;
    std::int64_t last_send_ns_ = 0;
    bool started_ = false;
    bool ended_ = false;
    bool trigger_ = false;
    FeedCounters counters_;
};

}  // namespace tb::exchange
