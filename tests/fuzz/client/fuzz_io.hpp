#pragma once

// A connection for the client fuzz targets: takes everything, keeps nothing.

#include <cstdint>
#include <span>

namespace tb::client::fuzzing {

struct NullIo {
    bool connected = false;
    bool stream_connect() noexcept { return true; }
    std::size_t stream_send(std::span<const std::uint8_t> bytes) noexcept { return bytes.size(); }
    void stream_abort() noexcept {}
    void stream_close() noexcept {}
    bool request_send(std::span<const std::uint8_t>) noexcept { return true; }
};

// Reads the fuzz input front to back; past the end it yields zeros.
struct Reader {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t at = 0;
    [[nodiscard]] bool done() const noexcept { return at >= size; }
    std::uint8_t byte() noexcept { return at < size ? data[at++] : 0; }
    std::span<const std::uint8_t> take(std::size_t n) noexcept {
        const std::size_t k = n < size - at ? n : size - at;
        const std::span<const std::uint8_t> out(data + at, k);
        at += k;
        return out;
    }
};

}  // namespace tb::client::fuzzing
