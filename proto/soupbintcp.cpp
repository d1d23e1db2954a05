#include "proto/soupbintcp.hpp"

#include <cstring>

namespace tb::proto::soup {

std::string_view packet_type_name(PacketType type) noexcept {
    switch (type) {
        case PacketType::kDebug:
            return "Debug";
        case PacketType::kLoginAccepted:
            return "Login Accepted";
        case PacketType::kLoginRejected:
            return "Login Rejected";
        case PacketType::kSequencedData:
            return "Sequenced Data";
        case PacketType::kServerHeartbeat:
            return "Server Heartbeat";
        case PacketType::kEndOfSession:
            return "End of Session";
        case PacketType::kLoginRequest:
            return "Login Request";
        case PacketType::kUnsequencedData:
            return "Unsequenced Data";
        case PacketType::kClientHeartbeat:
            return "Client Heartbeat";
        case PacketType::kLogoutRequest:
            return "Logout Request";
    }
    return "";
}

bool is_known_type(char type) noexcept {
    return !packet_type_name(static_cast<PacketType>(type)).empty();
}

namespace {

// The payload length a type requires, or -1 when any length is allowed.
int required_payload(PacketType type) noexcept {
    switch (type) {
        case PacketType::kLoginAccepted:
            return static_cast<int>(kLoginAcceptedPayload);
        case PacketType::kLoginRejected:
            return static_cast<int>(kLoginRejectedPayload);
        case PacketType::kLoginRequest:
            return static_cast<int>(kLoginRequestPayload);
        case PacketType::kServerHeartbeat:
        case PacketType::kEndOfSession:
        case PacketType::kClientHeartbeat:
        case PacketType::kLogoutRequest:
            return 0;
        case PacketType::kDebug:
        case PacketType::kSequencedData:
        case PacketType::kUnsequencedData:
            return -1;
    }
    return -1;
}

std::size_t write_header(PacketType type, std::size_t payload_size,
                         std::span<std::uint8_t> out) noexcept {
    if (payload_size + 1 > 0xFFFF || out.size() < kPacketHeaderSize + payload_size) {
        return 0;
    }
    core::store_be16(out.data(), static_cast<std::uint16_t>(payload_size + 1));
    out[2] = static_cast<std::uint8_t>(type);
    return kPacketHeaderSize + payload_size;
}

template <std::size_t N>
void copy_alpha(const std::uint8_t* from, Alpha<N>& to) noexcept {
    std::memcpy(to.bytes.data(), from, N);
}

}  // namespace

Status parse_packet(std::span<const std::uint8_t> bytes, Packet& packet) noexcept {
    if (bytes.size() < kPacketHeaderSize) {
        return bytes.size() == 2 && core::load_be16(bytes.data()) == 0 ? Status::kBadLength
                                                                       : Status::kTruncated;
    }
    const std::size_t length = core::load_be16(bytes.data());
    if (length == 0) {
        return Status::kBadLength;
    }
    if (bytes.size() < 2 + length) {
        return Status::kTruncated;
    }
    if (bytes.size() > 2 + length) {
        return Status::kBadLength;
    }
    const char type = static_cast<char>(bytes[2]);
    if (!is_known_type(type)) {
        return Status::kUnknownType;
    }
    packet.type = static_cast<PacketType>(type);
    packet.payload = bytes.subspan(kPacketHeaderSize);
    const int required = required_payload(packet.type);
    if (required >= 0 && packet.payload.size() != static_cast<std::size_t>(required)) {
        return packet.payload.size() < static_cast<std::size_t>(required) ? Status::kTruncated
                                                                          : Status::kBadLength;
    }
    return Status::kOk;
}

bool write_numeric(std::uint64_t value, std::span<char> field) noexcept {
    std::size_t at = field.size();
    do {
        if (at == 0) {
            return false;
        }
        field[--at] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (at > 0) {
        field[--at] = ' ';
    }
    return true;
}

Status read_numeric(std::span<const char> field, std::uint64_t& value) noexcept {
    std::size_t at = 0;
    while (at < field.size() && field[at] == ' ') {
        ++at;
    }
    if (at == field.size()) {
        return Status::kBadValue;
    }
    std::uint64_t result = 0;
    for (; at < field.size(); ++at) {
        const char c = field[at];
        if (c < '0' || c > '9') {
            return Status::kBadValue;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (result > (UINT64_MAX - digit) / 10) {
            return Status::kBadValue;
        }
        result = result * 10 + digit;
    }
    value = result;
    return Status::kOk;
}

namespace {

Status check_payload(std::span<const std::uint8_t> payload, std::size_t required) noexcept {
    if (payload.size() < required) {
        return Status::kTruncated;
    }
    return payload.size() > required ? Status::kBadLength : Status::kOk;
}

std::span<const char> chars(std::span<const std::uint8_t> bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

Status decode_login_request(std::span<const std::uint8_t> payload, LoginRequest& request) noexcept {
    const Status status = check_payload(payload, kLoginRequestPayload);
    if (status != Status::kOk) {
        return status;
    }
    LoginRequest r;
    copy_alpha(payload.data(), r.username);
    copy_alpha(payload.data() + 6, r.password);
    copy_alpha(payload.data() + 16, r.requested_session);
    if (read_numeric(chars(payload.subspan(26, 20)), r.requested_sequence_number) != Status::kOk) {
        return Status::kBadValue;
    }
    request = r;
    return Status::kOk;
}

Status decode_login_accepted(std::span<const std::uint8_t> payload,
                             LoginAccepted& accepted) noexcept {
    const Status status = check_payload(payload, kLoginAcceptedPayload);
    if (status != Status::kOk) {
        return status;
    }
    LoginAccepted a;
    copy_alpha(payload.data(), a.session);
    if (read_numeric(chars(payload.subspan(10, 20)), a.sequence_number) != Status::kOk) {
        return Status::kBadValue;
    }
    accepted = a;
    return Status::kOk;
}

Status decode_login_rejected(std::span<const std::uint8_t> payload, RejectReason& reason) noexcept {
    const Status status = check_payload(payload, kLoginRejectedPayload);
    if (status != Status::kOk) {
        return status;
    }
    reason = static_cast<RejectReason>(static_cast<char>(payload[0]));
    return Status::kOk;
}

std::size_t write_login_request(const LoginRequest& request, std::span<std::uint8_t> out) noexcept {
    const std::size_t size = write_header(PacketType::kLoginRequest, kLoginRequestPayload, out);
    if (size == 0) {
        return 0;
    }
    std::uint8_t* p = out.data() + kPacketHeaderSize;
    std::memcpy(p, request.username.bytes.data(), 6);
    std::memcpy(p + 6, request.password.bytes.data(), 10);
    std::memcpy(p + 16, request.requested_session.bytes.data(), 10);
    if (!write_numeric(request.requested_sequence_number,
                       std::span<char>(reinterpret_cast<char*>(p + 26), 20))) {
        return 0;
    }
    return size;
}

std::size_t write_login_accepted(const LoginAccepted& accepted,
                                 std::span<std::uint8_t> out) noexcept {
    const std::size_t size = write_header(PacketType::kLoginAccepted, kLoginAcceptedPayload, out);
    if (size == 0) {
        return 0;
    }
    std::uint8_t* p = out.data() + kPacketHeaderSize;
    std::memcpy(p, accepted.session.bytes.data(), 10);
    if (!write_numeric(accepted.sequence_number,
                       std::span<char>(reinterpret_cast<char*>(p + 10), 20))) {
        return 0;
    }
    return size;
}

std::size_t write_login_rejected(RejectReason reason, std::span<std::uint8_t> out) noexcept {
    const std::size_t size = write_header(PacketType::kLoginRejected, kLoginRejectedPayload, out);
    if (size != 0) {
        out[kPacketHeaderSize] = static_cast<std::uint8_t>(reason);
    }
    return size;
}

std::size_t write_empty(PacketType type, std::span<std::uint8_t> out) noexcept {
    if (required_payload(type) != 0) {
        return 0;
    }
    return write_header(type, 0, out);
}

std::size_t write_with_payload(PacketType type, std::span<const std::uint8_t> payload,
                               std::span<std::uint8_t> out) noexcept {
    if (required_payload(type) != -1) {
        return 0;
    }
    const std::size_t size = write_header(type, payload.size(), out);
    if (size != 0 && !payload.empty()) {
        std::memcpy(out.data() + kPacketHeaderSize, payload.data(), payload.size());
    }
    return size;
}

Framer::Framer(std::size_t max_packet_length)
    : max_length_(std::min<std::size_t>(max_packet_length, 0xFFFF)), buffer_(max_length_ + 2) {}

}  // namespace tb::proto::soup
