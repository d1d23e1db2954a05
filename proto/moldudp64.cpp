#include "proto/moldudp64.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tb::proto::mold {

Status parse_header(std::span<const std::uint8_t> packet, Header& header) noexcept {
    if (packet.size() < kHeaderSize) {
        return Status::kTruncated;
    }
    std::memcpy(header.session.bytes.data(), packet.data(), kSessionSize);
    header.sequence_number = core::load_be64(packet.data() + 10);
    header.message_count = core::load_be16(packet.data() + 18);
    return Status::kOk;
}

void write_header(const Header& header, std::uint8_t* out) noexcept {
    std::memcpy(out, header.session.bytes.data(), kSessionSize);
    core::store_be64(out + 10, header.sequence_number);
    core::store_be16(out + 18, header.message_count);
}

Status validate_packet(std::span<const std::uint8_t> packet, Header& header) noexcept {
    const Status status = parse_header(packet, header);
    if (status != Status::kOk) {
        return status;
    }
    if (header.kind() != PacketKind::kData) {
        return packet.size() == kHeaderSize ? Status::kOk : Status::kBadLength;
    }
    std::size_t offset = kHeaderSize;
    for (std::uint16_t i = 0; i < header.message_count; ++i) {
        if (packet.size() - offset < 2) {
            return Status::kTruncated;
        }
        const std::size_t length = core::load_be16(packet.data() + offset);
        if (packet.size() - offset - 2 < length) {
            return Status::kTruncated;
        }
        offset += 2 + length;
    }
    return offset == packet.size() ? Status::kOk : Status::kBadLength;
}

Status parse_request(std::span<const std::uint8_t> packet,
                     RetransmissionRequest& request) noexcept {
    Header header;
    const Status status = parse_header(packet, header);
    if (status != Status::kOk) {
        return status;
    }
    if (packet.size() != kHeaderSize) {
        return Status::kBadLength;
    }
    if (header.message_count == 0 || header.message_count == kEndOfSessionCount) {
        return Status::kBadValue;
    }
    request = RetransmissionRequest{header.session, header.sequence_number, header.message_count};
    return Status::kOk;
}

std::size_t write_request(const RetransmissionRequest& request,
                          std::span<std::uint8_t> out) noexcept {
    if (out.size() < kHeaderSize) {
        return 0;
    }
    write_header(Header{request.session, request.sequence_number, request.requested_count},
                 out.data());
    return kHeaderSize;
}

namespace {

std::size_t write_bare(const Session& session, std::uint64_t next_sequence, std::uint16_t count,
                       std::span<std::uint8_t> out) noexcept {
    if (out.size() < kHeaderSize) {
        return 0;
    }
    write_header(Header{session, next_sequence, count}, out.data());
    return kHeaderSize;
}

}  // namespace

std::size_t write_heartbeat(const Session& session, std::uint64_t next_sequence,
                            std::span<std::uint8_t> out) noexcept {
    return write_bare(session, next_sequence, kHeartbeatCount, out);
}

std::size_t write_end_of_session(const Session& session, std::uint64_t next_sequence,
                                 std::span<std::uint8_t> out) noexcept {
    return write_bare(session, next_sequence, kEndOfSessionCount, out);
}

PacketBuilder::PacketBuilder(std::span<std::uint8_t> buffer, std::size_t payload_limit) noexcept
    : buffer_(buffer), limit_(std::min(payload_limit, buffer.size())) {
    assert(limit_ >= kHeaderSize);
}

void PacketBuilder::start(const Session& session, std::uint64_t first_sequence) noexcept {
    write_header(Header{session, first_sequence, 0}, buffer_.data());
    size_ = kHeaderSize;
    count_ = 0;
    first_sequence_ = first_sequence;
}

bool PacketBuilder::add(std::span<const std::uint8_t> message) noexcept {
    if (!fits(message.size())) {
        return false;
    }
    core::store_be16(buffer_.data() + size_, static_cast<std::uint16_t>(message.size()));
    if (!message.empty()) {
        std::memcpy(buffer_.data() + size_ + 2, message.data(), message.size());
    }
    size_ += 2 + message.size();
    ++count_;
    return true;
}

std::span<const std::uint8_t> PacketBuilder::finish() noexcept {
    core::store_be16(buffer_.data() + 18, count_);
    return {buffer_.data(), size_};
}

}  // namespace tb::proto::mold
