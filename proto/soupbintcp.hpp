#pragma once

// SoupBinTCP 3.0 (Nasdaq "SoupBinTCP", version 3.00; OUCH 4.2 sessions use this layout, and
// version 4.0 keeps it): the TCP framing that carries OUCH.
//
// Every packet is Packet Length (2, big-endian: the bytes that follow it, type included),
// Packet Type (1) and a payload whose layout depends on the type (section 2 of the spec):
//   '+' Debug              free text                       both directions
//   'A' Login Accepted     Session (10), Sequence Number (20)   server
//   'J' Login Rejected     Reject Reason Code (1)          server
//   'S' Sequenced Data     one message                     server
//   'H' Server Heartbeat   -                               server
//   'Z' End of Session     -                               server
//   'L' Login Request      Username (6), Password (10), Requested Session (10),
//                          Requested Sequence Number (20)  client
//   'U' Unsequenced Data   one message                     client
//   'R' Client Heartbeat   -                               client
//   'O' Logout Request     -                               client
// Alpha fields are padded with spaces; the session in Login Accepted is right-justified (left
// padded) as the spec shows. Sequence numbers are ASCII decimal, right-justified, left padded with
// spaces.
//
// Framer rebuilds packets from any split of the TCP byte stream and refuses a length of 0 or
// above a configured maximum: the caller then ends the session (the stream cannot be resynced).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/endian.hpp"
#include "proto/status.hpp"
#include "proto/wire.hpp"

namespace tb::proto::soup {

// Bytes before the payload: Packet Length (2) and Packet Type (1).
inline constexpr std::size_t kPacketHeaderSize = 3;

enum class PacketType : char {
    kDebug = '+',
    kLoginAccepted = 'A',
    kLoginRejected = 'J',
    kSequencedData = 'S',
    kServerHeartbeat = 'H',
    kEndOfSession = 'Z',
    kLoginRequest = 'L',
    kUnsequencedData = 'U',
    kClientHeartbeat = 'R',
    kLogoutRequest = 'O',
};

// Login Rejected reason codes.
enum class RejectReason : char {
    kNotAuthorized = 'A',        // bad username or password
    kSessionNotAvailable = 'S',  // the requested session is not available
};

[[nodiscard]] std::string_view packet_type_name(PacketType type) noexcept;
// True for the ten types above.
[[nodiscard]] bool is_known_type(char type) noexcept;

struct LoginRequest {
    Alpha<6> username{};
    Alpha<10> password{};
    Alpha<10> requested_session{};                // all spaces: the current session
    std::uint64_t requested_sequence_number = 0;  // 0: start with the next new message
    bool operator==(const LoginRequest&) const noexcept = default;
};

struct LoginAccepted {
    Alpha<10> session{};
    std::uint64_t sequence_number = 0;  // the sequence number of the next Sequenced Data packet
    bool operator==(const LoginAccepted&) const noexcept = default;
};

inline constexpr std::size_t kLoginRequestPayload = 46;
inline constexpr std::size_t kLoginAcceptedPayload = 30;
inline constexpr std::size_t kLoginRejectedPayload = 1;

// One packet, framing removed: its type and the bytes after the type.
struct Packet {
    PacketType type = PacketType::kServerHeartbeat;
    std::span<const std::uint8_t> payload;
};

// Parses one whole packet (length prefix included, nothing after it) and checks the payload
// length its type requires. kTruncated / kBadLength / kUnknownType as usual.
[[nodiscard]] Status parse_packet(std::span<const std::uint8_t> bytes, Packet& packet) noexcept;

// Payload decoders; each checks the payload length (kBadLength) and the numeric fields
// (kBadValue for anything but spaces followed by digits that fit 64 bits).
[[nodiscard]] Status decode_login_request(std::span<const std::uint8_t> payload,
                                          LoginRequest& request) noexcept;
[[nodiscard]] Status decode_login_accepted(std::span<const std::uint8_t> payload,
                                           LoginAccepted& accepted) noexcept;
[[nodiscard]] Status decode_login_rejected(std::span<const std::uint8_t> payload,
                                           RejectReason& reason) noexcept;

// Encoders write one whole packet (length prefix included) into `out` and return its size, or
// 0 if it does not fit or the payload is longer than a 2-byte length can say.
[[nodiscard]] std::size_t write_login_request(const LoginRequest& request,
                                              std::span<std::uint8_t> out) noexcept;
[[nodiscard]] std::size_t write_login_accepted(const LoginAccepted& accepted,
                                               std::span<std::uint8_t> out) noexcept;
[[nodiscard]] std::size_t write_login_rejected(RejectReason reason,
                                               std::span<std::uint8_t> out) noexcept;
// Server Heartbeat, End of Session, Client Heartbeat and Logout Request (no payload).
[[nodiscard]] std::size_t write_empty(PacketType type, std::span<std::uint8_t> out) noexcept;
// Debug, Sequenced Data or Unsequenced Data with the given payload.
[[nodiscard]] std::size_t write_with_payload(PacketType type, std::span<const std::uint8_t> payload,
                                             std::span<std::uint8_t> out) noexcept;

// Sequenced or Unsequenced Data carrying message M (OUCH), encoded in place.
template <class M>
[[nodiscard]] std::size_t write_message(PacketType type, const M& message,
                                        std::span<std::uint8_t> out) noexcept {
    constexpr std::size_t size = kPacketHeaderSize + wire_size<M>();
    if (out.size() < size) {
        return 0;
    }
    core::store_be16(out.data(), static_cast<std::uint16_t>(1 + wire_size<M>()));
    out[2] = static_cast<std::uint8_t>(type);
    encode_fields(message, out.data() + kPacketHeaderSize);
    return size;
}

// ASCII decimal, right-justified and padded on the left with spaces (numeric fields). False if
// the value does not fit in `width` characters.
[[nodiscard]] bool write_numeric(std::uint64_t value, std::span<char> field) noexcept;
[[nodiscard]] Status read_numeric(std::span<const char> field, std::uint64_t& value) noexcept;

// Counters of a Framer, read by the owner of the connection.
struct FramerCounters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t bad_lengths = 0;
    template <class F>
    void visit(F&& f) const {
        f("packets", packets);
        f("bytes", bytes);
        f("bad_lengths", bad_lengths);
    }
};

// Rebuilds SoupBinTCP packets from a TCP byte stream split anywhere. Whole packets inside one
// feed() are delivered straight from the caller's bytes; only a packet split across calls is
// copied into the framer's buffer (sized once, at construction).
//
// Once feed() returned kBadLength the framer stays in that state (every later feed() returns
// kBadLength, nothing is delivered): the session must be ended, as SoupBinTCP has no way to find
// the next packet boundary. reset() starts a fresh stream.
class Framer {
public:
    // `max_packet_length`: the largest Packet Length accepted (bytes after the length field).
    explicit Framer(std::size_t max_packet_length);

    // Calls on_packet(std::span<const std::uint8_t> whole_packet) for every complete packet
    // (length prefix included) in stream order. The span is valid only during the call.
    template <class OnPacket>
    [[nodiscard]] Status feed(std::span<const std::uint8_t> bytes, OnPacket&& on_packet) noexcept;

    void reset() noexcept {
        pending_ = 0;
        failed_ = false;
    }
    // Bytes held from an incomplete packet.
    [[nodiscard]] std::size_t pending() const noexcept { return pending_; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] const FramerCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] std::size_t max_packet_length() const noexcept { return max_length_; }

private:
    [[nodiscard]] bool length_ok(std::size_t length) noexcept {
        if (length == 0 || length > max_length_) {
            failed_ = true;
            ++counters_.bad_lengths;
            return false;
        }
        return true;
    }

    std::size_t max_length_;
    std::vector<std::uint8_t> buffer_;  // max_length_ + 2 bytes, allocated once
    std::size_t pending_ = 0;
    bool failed_ = false;
    FramerCounters counters_;
};

template <class OnPacket>
Status Framer::feed(std::span<const std::uint8_t> bytes, OnPacket&& on_packet) noexcept {
    if (failed_) {
        return Status::kBadLength;
    }
    counters_.bytes += bytes.size();
    std::size_t at = 0;
    // First complete a packet left over from the previous call.
    if (pending_ > 0) {
        if (pending_ < 2) {
            const std::size_t take = std::min<std::size_t>(2 - pending_, bytes.size());
            std::copy_n(bytes.data(), take, buffer_.data() + pending_);
            pending_ += take;
            at += take;
            if (pending_ < 2) {
                return Status::kOk;
            }
            if (!length_ok(core::load_be16(buffer_.data()))) {
                return Status::kBadLength;
            }
        }
        const std::size_t total = 2 + static_cast<std::size_t>(core::load_be16(buffer_.data()));
        const std::size_t take = std::min(total - pending_, bytes.size() - at);
        std::copy_n(bytes.data() + at, take, buffer_.data() + pending_);
        pending_ += take;
        at += take;
        if (pending_ < total) {
            return Status::kOk;
        }
        pending_ = 0;
        ++counters_.packets;
        on_packet(std::span<const std::uint8_t>(buffer_.data(), total));
    }
    // Then deliver whole packets in place.
    while (bytes.size() - at >= 2) {
        const std::size_t length = core::load_be16(bytes.data() + at);
        if (!length_ok(length)) {
            return Status::kBadLength;
        }
        if (bytes.size() - at - 2 < length) {
            break;
        }
        ++counters_.packets;
        on_packet(bytes.subspan(at, 2 + length));
        at += 2 + length;
    }
    // Keep what is left of a packet that continues in the next call.
    const std::size_t rest = bytes.size() - at;
    if (rest > 0) {
        std::copy_n(bytes.data() + at, rest, buffer_.data());
        pending_ = rest;
    }
    return Status::kOk;
}

}  // namespace tb::proto::soup
