// Fuzz target: MoldUDP64 downstream packets (and the ITCH messages in them) and retransmission
// requests. Invariant: a valid packet rebuilds byte for byte with the packet builder.

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tb::proto;
    const std::span<const std::uint8_t> packet(data, size);
    mold::Header header;
    static std::vector<std::uint8_t> buffer(70'000);
    mold::PacketBuilder builder(buffer, buffer.size());
    std::uint64_t expected_sequence = 0;
    bool started = false;
    const Status status = mold::for_each_message(
        packet, header, [&](std::uint64_t sequence, std::span<const std::uint8_t> message) {
            if (!started) {
                builder.start(header.session, header.sequence_number);
                expected_sequence = header.sequence_number;
                started = true;
            }
            FUZZ_CHECK(sequence == expected_sequence++);
            FUZZ_CHECK(builder.add(message));
            (void)itch::decode(message, [](const auto&) {});
        });
    if (status == Status::kOk && header.kind() == mold::PacketKind::kData) {
        const auto rebuilt = builder.finish();
        FUZZ_CHECK(rebuilt.size() == size);
        FUZZ_CHECK(std::memcmp(rebuilt.data(), data, size) == 0);
    }
    mold::RetransmissionRequest request;
    if (mold::parse_request(packet, request) == Status::kOk) {
        std::uint8_t again[mold::kHeaderSize];
        FUZZ_CHECK(mold::write_request(request, again) == mold::kHeaderSize);
        FUZZ_CHECK(std::memcmp(again, data, mold::kHeaderSize) == 0);
    }
    return 0;
}
