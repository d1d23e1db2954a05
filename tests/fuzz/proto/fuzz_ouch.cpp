// Fuzz target: OUCH 4.2 inbound and outbound decoders. Invariant: whatever decodes re-encodes
// to exactly the input bytes.

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_check.hpp"
#include "proto/ouch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tb::proto;
    const std::span<const std::uint8_t> message(data, size);
    auto check = [&](const auto& decoded) {
        std::array<std::uint8_t, 100> again{};
        const std::size_t n = ouch::encode(decoded, again);
        FUZZ_CHECK(n == size);
        FUZZ_CHECK(std::memcmp(again.data(), data, size) == 0);
    };
    const Status in = ouch::decode_inbound(message, check);
    const Status out = ouch::decode_outbound(message, check);
    FUZZ_CHECK(in != Status::kOk ||
               ouch::message_size(ouch::Direction::kInbound, static_cast<char>(data[0])) == size);
    FUZZ_CHECK(out != Status::kOk ||
               ouch::message_size(ouch::Direction::kOutbound, static_cast<char>(data[0])) == size);
    return 0;
}
