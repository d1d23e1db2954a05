#pragma once

// MoldUDP64 (Nasdaq "MoldUDP64 Protocol Specification", version 1.00): the UDP framing that
// carries ITCH messages.
//
// Downstream packet: Session (10, alpha), Sequence Number (8, the sequence number of the first
// message in the packet), Message Count (2), then Message Count message blocks, each a 2-byte
// Message Length followed by that many bytes. A packet with Message Count 0 is a heartbeat, one
// with 0xFFFF is the end of the session (both without message blocks). A retransmission request
// (client to the request server) is the same 20-byte header, where Message Count is the number
// of messages asked for. All integers are big-endian.
//
// Parsing never allocates and never reads outside the packet; the builder writes into a
// caller's buffer and stops at the configured payload limit (MTU minus IP and UDP headers).

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/endian.hpp"
#include "proto/status.hpp"
#include "proto/wire.hpp"

namespace tb::proto::mold {

inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kSessionSize = 10;
inline constexpr std::uint16_t kHeartbeatCount = 0;
inline constexpr std::uint16_t kEndOfSessionCount = 0xFFFF;
// The largest Message Count of a packet that carries messages (0xFFFF means end of session).
inline constexpr std::uint16_t kMaxMessageCount = 0xFFFE;

using Session = Alpha<kSessionSize>;

// The UDP payload limit for a given link MTU: IPv4 header without options (20) and UDP (8).
[[nodiscard]] constexpr std::size_t payload_limit_for_mtu(std::size_t mtu) noexcept {
    return mtu > 28 ? mtu - 28 : 0;
}

enum class PacketKind : std::uint8_t { kData, kHeartbeat, kEndOfSession };

struct Header {
    Session session{};
    std::uint64_t sequence_number = 0;
    std::uint16_t message_count = 0;

    [[nodiscard]] PacketKind kind() const noexcept {
        return message_count == kHeartbeatCount      ? PacketKind::kHeartbeat
               : message_count == kEndOfSessionCount ? PacketKind::kEndOfSession
                                                     : PacketKind::kData;
    }
    bool operator==(const Header&) const noexcept = default;
};

// Reads the 20-byte header (no check of what follows it).
[[nodiscard]] Status parse_header(std::span<const std::uint8_t> packet, Header& header) noexcept;

// Writes the 20-byte header; out must have kHeaderSize bytes.
void write_header(const Header& header, std::uint8_t* out) noexcept;

// Checks a whole downstream packet: the header, and that exactly message_count message blocks
// fill the rest of the packet. Heartbeat and end-of-session packets must be the bare header.
// kTruncated: a block runs past the end; kBadLength: bytes left over after the last block.
[[nodiscard]] Status validate_packet(std::span<const std::uint8_t> packet, Header& header) noexcept;

// Validates `packet`, then calls on_message(sequence_number, std::span<const uint8_t> message)
// for every message block in order. Nothing is delivered unless the whole packet is valid, so a
// corrupt packet never produces half its messages.
template <class OnMessage>
[[nodiscard]] Status for_each_message(std::span<const std::uint8_t> packet, Header& header,
                                      OnMessage&& on_message) noexcept {
    const Status status = validate_packet(packet, header);
    if (status != Status::kOk || header.kind() != PacketKind::kData) {
        return status;
    }
    std::size_t offset = kHeaderSize;
    std::uint64_t sequence = header.sequence_number;
    for (std::uint16_t i = 0; i < header.message_count; ++i) {
        const std::size_t length = core::load_be16(packet.data() + offset);
        on_message(sequence, packet.subspan(offset + 2, length));
        offset += 2 + length;
        ++sequence;
    }
    return Status::kOk;
}

// A retransmission request (section "Request Packet"): the same layout as the header, where
// message_count is how many messages are asked for, starting at sequence_number.
struct RetransmissionRequest {
    Session session{};
    std::uint64_t sequence_number = 0;
    std::uint16_t requested_count = 0;
    bool operator==(const RetransmissionRequest&) const noexcept = default;
};

// Exactly 20 bytes; kTruncated/kBadLength otherwise, kBadValue for a count of 0 or 0xFFFF.
[[nodiscard]] Status parse_request(std::span<const std::uint8_t> packet,
                                   RetransmissionRequest& request) noexcept;
// Writes 20 bytes; returns 0 if out is too small.
[[nodiscard]] std::size_t write_request(const RetransmissionRequest& request,
                                        std::span<std::uint8_t> out) noexcept;

// Writes a heartbeat (count 0) or end-of-session (count 0xFFFF) packet; sequence_number is the
// next sequence number the session will use. Returns 20, or 0 if out is too small.
[[nodiscard]] std::size_t write_heartbeat(const Session& session, std::uint64_t next_sequence,
                                          std::span<std::uint8_t> out) noexcept;
[[nodiscard]] std::size_t write_end_of_session(const Session& session, std::uint64_t next_sequence,
                                               std::span<std::uint8_t> out) noexcept;

// Builds downstream packets in a caller's buffer, filling each one up to a payload limit.
//
//     PacketBuilder builder(buffer, payload_limit_for_mtu(1500));
//     builder.start(session, next_seq);
//     while (more && builder.add(message)) { ... }   // false: the packet is full
//     std::span<const std::uint8_t> packet = builder.finish();
//
// Not thread-safe; one builder per feed. The buffer must outlive the builder.
class PacketBuilder {
public:
    // `buffer` receives the packet; `payload_limit` (>= 20) caps the packet size, and is itself
    // capped by the buffer size.
    PacketBuilder(std::span<std::uint8_t> buffer, std::size_t payload_limit) noexcept;

    // Begins a packet whose first message has sequence number `first_sequence`.
    void start(const Session& session, std::uint64_t first_sequence) noexcept;

    // Appends one message block. False, and nothing written, if it would not fit in the payload
    // limit, if the packet already holds kMaxMessageCount messages, or if the message is longer
    // than a 2-byte length can say.
    [[nodiscard]] bool add(std::span<const std::uint8_t> message) noexcept;

    // Encodes message M (ITCH) straight into the packet; false as for add().
    template <class M>
    [[nodiscard]] bool add_message(const M& message) noexcept {
        constexpr std::size_t size = wire_size<M>();
        if (!fits(size)) {
            return false;
        }
        core::store_be16(buffer_.data() + size_, static_cast<std::uint16_t>(size));
        encode_fields(message, buffer_.data() + size_ + 2);
        size_ += 2 + size;
        ++count_;
        return true;
    }

    // True when a message of `message_size` bytes would still fit.
    [[nodiscard]] bool fits(std::size_t message_size) const noexcept {
        return count_ < kMaxMessageCount && message_size <= 0xFFFF &&
               size_ + 2 + message_size <= limit_;
    }

    // Writes the message count and returns the finished packet (a view of the buffer).
    [[nodiscard]] std::span<const std::uint8_t> finish() noexcept;

    [[nodiscard]] std::uint16_t count() const noexcept { return count_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::uint64_t next_sequence() const noexcept { return first_sequence_ + count_; }

private:
    std::span<std::uint8_t> buffer_;
    std::size_t limit_;
    std::size_t size_ = 0;
    std::uint16_t count_ = 0;
    std::uint64_t first_sequence_ = 0;
};

}  // namespace tb::proto::mold
