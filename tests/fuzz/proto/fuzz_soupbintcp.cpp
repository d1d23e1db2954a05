// Fuzz target: the SoupBinTCP stream framer and packet decoders. The first input byte sets the
// maximum packet length, the second the size of the pieces the rest is fed in. Invariant: the
// framer delivers the same packets however the stream is split.

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace {

using namespace tb::proto;

void inspect(std::span<const std::uint8_t> bytes) {
    soup::Packet packet;
    if (soup::parse_packet(bytes, packet) != Status::kOk) {
        return;
    }
    switch (packet.type) {
        case soup::PacketType::kLoginRequest: {
            soup::LoginRequest request;
            if (soup::decode_login_request(packet.payload, request) == Status::kOk) {
                std::uint8_t again[64];
                FUZZ_CHECK(soup::write_login_request(request, again) == bytes.size());
            }
            break;
        }
        case soup::PacketType::kLoginAccepted: {
            soup::LoginAccepted accepted;
            (void)soup::decode_login_accepted(packet.payload, accepted);
            break;
        }
        case soup::PacketType::kLoginRejected: {
            soup::RejectReason reason;
            FUZZ_CHECK(soup::decode_login_rejected(packet.payload, reason) == Status::kOk);
            break;
        }
        case soup::PacketType::kUnsequencedData:
            (void)ouch::decode_inbound(packet.payload, [](const auto&) {});
            break;
        case soup::PacketType::kSequencedData:
            (void)ouch::decode_outbound(packet.payload, [](const auto&) {});
            break;
        default:
            break;
    }
}

std::vector<std::vector<std::uint8_t>> run(std::span<const std::uint8_t> stream,
                                           std::size_t max_length, std::size_t piece,
                                           Status& status) {
    soup::Framer framer(max_length);
    std::vector<std::vector<std::uint8_t>> packets;
    status = Status::kOk;
    for (std::size_t at = 0; at < stream.size() && status == Status::kOk; at += piece) {
        const std::size_t n = std::min(piece, stream.size() - at);
        status = framer.feed(stream.subspan(at, n), [&](std::span<const std::uint8_t> p) {
            FUZZ_CHECK(p.size() >= 3 && p.size() <= max_length + 2);
            packets.emplace_back(p.begin(), p.end());
            inspect(p);
        });
    }
    return packets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::size_t max_length = 1 + data[0] * 4u;
    const std::size_t piece = 1 + data[1] % 64u;
    const std::span<const std::uint8_t> stream(data + 2, size - 2);
    Status whole_status;
    Status split_status;
    const auto whole = run(stream, max_length, stream.size() + 1, whole_status);
    const auto split = run(stream, max_length, piece, split_status);
    FUZZ_CHECK(whole == split);
    FUZZ_CHECK(whole_status == split_status || stream.empty());
    return 0;
}
