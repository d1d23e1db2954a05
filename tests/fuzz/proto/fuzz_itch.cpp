// Fuzz target: the ITCH 5.0 decoder, and the ITCH file reader over the same bytes.
// Invariant: whatever decodes re-encodes to exactly the input bytes.

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_check.hpp"
#include "proto/itch.hpp"
#include "proto/itch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tb::proto;
    int delivered = 0;
    const Status status = itch::decode(data, size, [&](const auto& message) {
        ++delivered;
        std::array<std::uint8_t, itch::kMaxMessageSize> again{};
        const std::size_t n = itch::encode(message, again);
        FUZZ_CHECK(n == size);
        FUZZ_CHECK(std::memcmp(again.data(), data, size) == 0);
    });
    FUZZ_CHECK((status == Status::kOk) == (delivered == 1));
    FUZZ_CHECK(status != Status::kOk || itch::message_size(static_cast<char>(data[0])) == size);

    itch::FileReader reader;
    if (reader.open_memory(std::span<const std::uint8_t>(data, size)) == Status::kOk) {
        std::span<const std::uint8_t> message;
        while (reader.next(message) == Status::kOk) {
            FUZZ_CHECK(!message.empty() && message.size() <= size);
            (void)itch::decode(message, [](const auto&) {});
        }
    }
    return 0;
}
