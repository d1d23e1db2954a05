#pragma once

// Building blocks shared by the fixed-layout message codecs (ITCH 5.0, OUCH 4.2, MoldUDP64,
// SoupBinTCP): space-padded alpha fields, and a compile-time field list per message that drives
// decoding, encoding and printing from one description.
//
// A message type M is a plain struct with
//     static constexpr char kType;               // the message type byte on the wire
//     static constexpr std::string_view kName;   // the specification's name for the message
//     static constexpr auto fields() noexcept;   // std::tuple of Field<...>, in wire order
// and the wire layout is the type byte followed by the fields, big-endian, back to back. The
// offsets are computed at compile time, so decode_fields() compiles to fixed-offset loads and
// byte swaps (the SBE flyweight idea, STYLE.md "The hot path"), and wire_size<M>() can be
// checked against the size the specification gives with a static_assert.

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/endian.hpp"
#include "proto/status.hpp"

namespace tb::proto {

// A fixed-width ASCII field as it is on the wire (no terminator). ITCH, OUCH, MoldUDP64 and
// SoupBinTCP alpha fields are left-justified and padded on the right with spaces; a few fields
// (the SoupBinTCP session in Login Accepted) are right-justified instead.
template <std::size_t N>
struct Alpha {
    std::array<char, N> bytes{};

    // Left-justified, padded on the right with spaces; text longer than N is cut.
    [[nodiscard]] static constexpr Alpha left(std::string_view text) noexcept {
        Alpha a;
        a.bytes.fill(' ');
        const std::size_t n = std::min(text.size(), N);
        for (std::size_t i = 0; i < n; ++i) {
            a.bytes[i] = text[i];
        }
        return a;
    }

    // Right-justified, padded on the left with spaces; text longer than N keeps its first N.
    [[nodiscard]] static constexpr Alpha right(std::string_view text) noexcept {
        Alpha a;
        a.bytes.fill(' ');
        const std::size_t n = std::min(text.size(), N);
        for (std::size_t i = 0; i < n; ++i) {
            a.bytes[N - n + i] = text[i];
        }
        return a;
    }

    // All N bytes, padding included.
    [[nodiscard]] constexpr std::string_view raw() const noexcept { return {bytes.data(), N}; }

    // The text without the space padding on either side.
    [[nodiscard]] constexpr std::string_view trimmed() const noexcept {
        std::size_t begin = 0;
        std::size_t end = N;
        while (begin < end && bytes[begin] == ' ') {
            ++begin;
        }
        while (end > begin && bytes[end - 1] == ' ') {
            --end;
        }
        return {bytes.data() + begin, end - begin};
    }

    constexpr bool operator==(const Alpha&) const noexcept = default;
};

// How a field is encoded, and how a printer shows it.
enum class FieldKind : std::uint8_t {
    kUnsigned,   // big-endian unsigned integer of 1, 2, 4 or 8 bytes
    kTimestamp,  // nanoseconds since midnight, big-endian, 6 bytes (ITCH) or 8 bytes (OUCH)
    kPrice4,     // Price(4): unsigned 4 bytes, 4 implied decimal places
    kPrice8,     // Price(8): unsigned 8 bytes, 8 implied decimal places
    kAlpha,      // Alpha<N>, space padded
    kCode,       // one ASCII byte, stored as char or as a char-based enum
};

// One field of a message layout: its name (snake_case, the specification's name), the member it
// lives in, how it is encoded and how many bytes it takes on the wire.
template <FieldKind K, std::size_t W, class M, class T>
struct Field {
    static constexpr FieldKind kind = K;
    static constexpr std::size_t width = W;
    using Message = M;
    using Value = T;

    std::string_view name;
    T M::*member;
};

template <class M, class T>
[[nodiscard]] constexpr auto unsigned_field(std::string_view name, T M::*member) noexcept {
    static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);
    return Field<FieldKind::kUnsigned, sizeof(T), M, T>{name, member};
}

template <std::size_t W, class M>
[[nodiscard]] constexpr auto timestamp_field(std::string_view name,
                                             std::uint64_t M::*member) noexcept {
    static_assert(W == 6 || W == 8);
    return Field<FieldKind::kTimestamp, W, M, std::uint64_t>{name, member};
}

template <class M>
[[nodiscard]] constexpr auto price4_field(std::string_view name,
                                          std::uint32_t M::*member) noexcept {
    return Field<FieldKind::kPrice4, 4, M, std::uint32_t>{name, member};
}

template <class M>
[[nodiscard]] constexpr auto price8_field(std::string_view name,
                                          std::uint64_t M::*member) noexcept {
    return Field<FieldKind::kPrice8, 8, M, std::uint64_t>{name, member};
}

template <class M, std::size_t N>
[[nodiscard]] constexpr auto alpha_field(std::string_view name, Alpha<N> M::*member) noexcept {
    return Field<FieldKind::kAlpha, N, M, Alpha<N>>{name, member};
}

template <class M, class T>
[[nodiscard]] constexpr auto code_field(std::string_view name, T M::*member) noexcept {
    if constexpr (std::is_enum_v<T>) {
        static_assert(std::is_same_v<std::underlying_type_t<T>, char>);
    } else {
        static_assert(std::is_same_v<T, char>);
    }
    return Field<FieldKind::kCode, 1, M, T>{name, member};
}

namespace detail {

template <class M>
using FieldTuple = decltype(M::fields());

template <class M>
inline constexpr std::size_t kFieldCount = std::tuple_size_v<FieldTuple<M>>;

template <class M, std::size_t I>
using FieldAt = std::remove_cvref_t<std::tuple_element_t<I, FieldTuple<M>>>;

// Offset of field I: the type byte, then the widths of the fields before it.
template <class M, std::size_t I>
[[nodiscard]] consteval std::size_t field_offset() noexcept {
    if constexpr (I == 0) {
        return 1;
    } else {
        return field_offset<M, I - 1>() + FieldAt<M, I - 1>::width;
    }
}

[[nodiscard]] inline std::uint64_t load_be48(const std::uint8_t* p) noexcept {
    return (static_cast<std::uint64_t>(core::load_be16(p)) << 32) | core::load_be32(p + 2);
}

inline void store_be48(std::uint8_t* p, std::uint64_t value) noexcept {
    core::store_be16(p, static_cast<std::uint16_t>(value >> 32));
    core::store_be32(p + 2, static_cast<std::uint32_t>(value));
}

template <class F>
inline void load_field(const std::uint8_t* p, typename F::Value& out) noexcept {
    using T = typename F::Value;
    if constexpr (F::kind == FieldKind::kAlpha) {
        std::memcpy(out.bytes.data(), p, F::width);
    } else if constexpr (F::kind == FieldKind::kCode) {
        out = static_cast<T>(static_cast<char>(p[0]));
    } else if constexpr (F::width == 1) {
        out = p[0];
    } else if constexpr (F::width == 2) {
        out = core::load_be16(p);
    } else if constexpr (F::width == 4) {
        out = core::load_be32(p);
    } else if constexpr (F::width == 6) {
        out = load_be48(p);
    } else {
        static_assert(F::width == 8);
        out = core::load_be64(p);
    }
}

template <class F>
inline void store_field(std::uint8_t* p, const typename F::Value& value) noexcept {
    if constexpr (F::kind == FieldKind::kAlpha) {
        std::memcpy(p, value.bytes.data(), F::width);
    } else if constexpr (F::kind == FieldKind::kCode) {
        p[0] = static_cast<std::uint8_t>(static_cast<char>(value));
    } else if constexpr (F::width == 1) {
        p[0] = value;
    } else if constexpr (F::width == 2) {
        core::store_be16(p, value);
    } else if constexpr (F::width == 4) {
        core::store_be32(p, value);
    } else if constexpr (F::width == 6) {
        // A 6-byte field keeps the low 48 bits; callers keep timestamps below 2^48.
        store_be48(p, value);
    } else {
        static_assert(F::width == 8);
        core::store_be64(p, value);
    }
}

}  // namespace detail

// Bytes the message takes on the wire, type byte included.
template <class M>
[[nodiscard]] consteval std::size_t wire_size() noexcept {
    constexpr std::size_t n = detail::kFieldCount<M>;
    return detail::field_offset<M, n - 1>() + detail::FieldAt<M, n - 1>::width;
}

// Fills `message` from `wire`, which must hold wire_size<M>() bytes starting with the type byte
// (the caller has checked the length and the type). No checks, no branches: the hot path.
template <class M>
inline void decode_fields(const std::uint8_t* wire, M& message) noexcept {
    constexpr auto fields = M::fields();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (detail::load_field<detail::FieldAt<M, I>>(wire + detail::field_offset<M, I>(),
                                                   message.*(std::get<I>(fields).member)),
         ...);
    }
    (std::make_index_sequence<detail::kFieldCount<M>>{});
}

// Writes the type byte and every field of `message` to `wire`, which must have room for
// wire_size<M>() bytes.
template <class M>
inline void encode_fields(const M& message, std::uint8_t* wire) noexcept {
    constexpr auto fields = M::fields();
    wire[0] = static_cast<std::uint8_t>(M::kType);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (detail::store_field<detail::FieldAt<M, I>>(wire + detail::field_offset<M, I>(),
                                                    message.*(std::get<I>(fields).member)),
         ...);
    }
    (std::make_index_sequence<detail::kFieldCount<M>>{});
}

// Decodes a message of type M from the start of `wire`. kTruncated if it is shorter than
// wire_size<M>(), kBadLength if it is longer, kUnknownType if the type byte is not M::kType.
template <class M>
[[nodiscard]] inline Status decode_exact(const std::uint8_t* wire, std::size_t size,
                                         M& message) noexcept {
    if (size < wire_size<M>()) {
        return Status::kTruncated;
    }
    if (size > wire_size<M>()) {
        return Status::kBadLength;
    }
    if (static_cast<char>(wire[0]) != M::kType) {
        return Status::kUnknownType;
    }
    decode_fields(wire, message);
    return Status::kOk;
}

// Encodes `message` into `out` (capacity `capacity` bytes); returns the bytes written, or 0 when
// the message does not fit.
template <class M>
[[nodiscard]] inline std::size_t encode(const M& message, std::uint8_t* out,
                                        std::size_t capacity) noexcept {
    if (capacity < wire_size<M>()) {
        return 0;
    }
    encode_fields(message, out);
    return wire_size<M>();
}

// A field's value as a printer sees it.
struct FieldValue {
    FieldKind kind = FieldKind::kUnsigned;
    std::size_t width = 0;
    std::uint64_t number = 0;  // kUnsigned, kTimestamp, kPrice4, kPrice8
    std::string_view text;     // kAlpha (raw, padding included) and kCode (one character)
};

// Calls visitor(name, FieldValue) for every field of `message`, in wire order.
template <class M, class Visitor>
void visit_fields(const M& message, Visitor&& visitor) {
    constexpr auto fields = M::fields();
    std::apply(
        [&](const auto&... field) {
            (
                [&](const auto& f) {
                    using F = std::remove_cvref_t<decltype(f)>;
                    const auto& value = message.*(f.member);
                    FieldValue v;
                    v.kind = F::kind;
                    v.width = F::width;
                    if constexpr (F::kind == FieldKind::kAlpha) {
                        v.text = value.raw();
                    } else if constexpr (F::kind == FieldKind::kCode) {
                        v.text = std::string_view(reinterpret_cast<const char*>(&value), 1);
                    } else {
                        v.number = value;
                    }
                    visitor(f.name, v);
                }(field),
                ...);
        },
        fields);
}

}  // namespace tb::proto
