#pragma once

// Canonical serialization of engine events and inputs, and the output digest.
//
// Canonical form of one event: source byte ('I' ITCH, 'O' OUCH), message type byte, then every
// field in visit_fields() order: integers big-endian at their own width, alpha fields as their
// bytes, one-byte codes and flags as one byte. The same events give the same bytes on every
// machine; replaying a journal must reproduce them exactly (tests compare them byte for byte).
//
// The digest is a 64-bit hash over the canonical bytes of every event, in order, readable at
// any time. It detects any single changed, missing or extra event with certainty (each step is
// a bijection of the running state) and anything else with probability 1 - 2^-64; it is not a
// cryptographic hash.

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <variant>

#include "core/endian.hpp"
#include "core/random.hpp"
#include "exchange_sim/engine/events.hpp"

namespace tb::exchange {

// Longest canonical event (OuchReplaced is 83 bytes); asserted by the serializer.
inline constexpr std::size_t kMaxCanonicalSize = 128;

namespace detail {

template <class T>
struct IsAlpha : std::false_type {};
template <std::size_t N>
struct IsAlpha<Alpha<N>> : std::true_type {};

// Writes one field at p and advances p.
template <class T>
inline void put_field(std::byte*& p, const T& value) noexcept {
    if constexpr (IsAlpha<T>::value) {
        std::memcpy(p, value.chars.data(), value.chars.size());
        p += value.chars.size();
    } else if constexpr (std::is_same_v<T, bool>) {
        *p++ = static_cast<std::byte>(value ? 1 : 0);
    } else if constexpr (std::is_enum_v<T> || sizeof(T) == 1) {
        static_assert(sizeof(T) == 1);
        *p++ = static_cast<std::byte>(value);
    } else if constexpr (sizeof(T) == 2) {
        core::store_be16(p, static_cast<std::uint16_t>(value));
        p += 2;
    } else if constexpr (sizeof(T) == 4) {
        core::store_be32(p, static_cast<std::uint32_t>(value));
        p += 4;
    } else {
        static_assert(sizeof(T) == 8);
        core::store_be64(p, static_cast<std::uint64_t>(value));
        p += 8;
    }
}

}  // namespace detail

// Writes the canonical bytes of an event to out (at least kMaxCanonicalSize bytes) and returns
// their number.
template <class E>
[[nodiscard]] inline std::size_t serialize_event(const E& event, std::byte* out) noexcept {
    std::byte* p = out;
    *p++ = static_cast<std::byte>(E::kSource);
    *p++ = static_cast<std::byte>(E::kType);
    event.visit_fields([&p](const char*, const auto& value) { detail::put_field(p, value); });
    const auto size = static_cast<std::size_t>(p - out);
    assert(size <= kMaxCanonicalSize);
    return size;
}

[[nodiscard]] inline std::size_t serialize_event(const Event& event, std::byte* out) noexcept {
    return std::visit([out](const auto& e) { return serialize_event(e, out); }, event);
}

// The running 64-bit output digest.
class Digest {
public:
    // Adds the canonical bytes of one event.
    void add_bytes(const std::byte* data, std::size_t size) noexcept {
        // Words are read big-endian from bytes so the digest does not depend on the machine; the
        // last partial word is zero-padded and the size is mixed in, so padding cannot collide.
        std::size_t i = 0;
        for (; i + 8 <= size; i += 8) {
            step(core::load_be64(data + i));
        }
        if (i < size) {
            std::byte tail[8] = {};
            std::memcpy(tail, data + i, size - i);
            step(core::load_be64(tail));
        }
        step(size);
        ++events_;
    }

    template <class E>
    void add(const E& event) noexcept {
        std::byte buffer[kMaxCanonicalSize];
        add_bytes(buffer, serialize_event(event, buffer));
    }

    // The digest of everything added so far; adding more changes it, reading does not.
    [[nodiscard]] std::uint64_t value() const noexcept { return core::mix64(state_ ^ events_); }
    [[nodiscard]] std::uint64_t events() const noexcept { return events_; }

private:
    void step(std::uint64_t word) noexcept {
        // A bijection of the state for each word (xor, odd multiply, rotate), so one changed word
        // always changes the result.
        state_ = std::rotl((state_ ^ word) * 0x9E37'79B9'7F4A'7C15ULL, 29);
    }

    std::uint64_t state_ = 0x6469'6765'7374'0001ULL;
    std::uint64_t events_ = 0;
};

// A sink that only digests.
class DigestSink {
public:
    template <class E>
    void on(const E& event) noexcept {
        digest_.add(event);
    }
    [[nodiscard]] const Digest& digest() const noexcept { return digest_; }

private:
    Digest digest_;
};

// A sink that appends the canonical bytes of every event to a caller-provided buffer and digests
// them; bytes that do not fit are counted in overflow_bytes() (the digest still covers them).
class CanonicalSink {
public:
    explicit CanonicalSink(std::span<std::byte> buffer) noexcept : buffer_(buffer) {}

    template <class E>
    void on(const E& event) noexcept {
        std::byte bytes[kMaxCanonicalSize];
        const std::size_t size = serialize_event(event, bytes);
        digest_.add_bytes(bytes, size);
        if (used_ + size <= buffer_.size()) {
            std::memcpy(buffer_.data() + used_, bytes, size);
            used_ += size;
        } else {
            overflow_bytes_ += size;
        }
    }

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return buffer_.first(used_); }
    [[nodiscard]] const Digest& digest() const noexcept { return digest_; }
    [[nodiscard]] std::uint64_t overflow_bytes() const noexcept { return overflow_bytes_; }

private:
    std::span<std::byte> buffer_;
    std::size_t used_ = 0;
    std::uint64_t overflow_bytes_ = 0;
    Digest digest_;
};

static_assert(EventSink<DigestSink>);
static_assert(EventSink<CanonicalSink>);

}  // namespace tb::exchange
