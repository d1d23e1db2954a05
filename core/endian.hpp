#pragma once

// Big-endian (network order) loads and stores through memcpy and a byte swap, never by casting
// a struct over a buffer (STYLE.md, "The hot path"). The caller checks bounds first.

#include <bit>
#include <cstdint>
#include <cstring>

namespace tb::core {

static_assert(std::endian::native == std::endian::little ||
              std::endian::native == std::endian::big);

template <class T>
[[nodiscard]] constexpr T to_big_endian(T value) noexcept {
    if constexpr (std::endian::native == std::endian::big || sizeof(T) == 1) {
        return value;
    } else if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(value)));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(value)));
    } else {
        static_assert(sizeof(T) == 8);
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(value)));
    }
}

[[nodiscard]] inline std::uint16_t load_be16(const void* p) noexcept {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return to_big_endian(v);
}
[[nodiscard]] inline std::uint32_t load_be32(const void* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return to_big_endian(v);
}
[[nodiscard]] inline std::uint64_t load_be64(const void* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return to_big_endian(v);
}
inline void store_be16(void* p, std::uint16_t v) noexcept {
    v = to_big_endian(v);
    std::memcpy(p, &v, sizeof v);
}
inline void store_be32(void* p, std::uint32_t v) noexcept {
    v = to_big_endian(v);
    std::memcpy(p, &v, sizeof v);
}
inline void store_be64(void* p, std::uint64_t v) noexcept {
    v = to_big_endian(v);
    std::memcpy(p, &v, sizeof v);
}

}  // namespace tb::core
