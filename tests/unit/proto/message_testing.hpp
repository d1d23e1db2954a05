#pragma once

// Helpers for the message codec tests: fill any message struct with seeded random field values
// (within what each field's width can carry), and run a callable for every type of a list.

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/random.hpp"
#include "proto/wire.hpp"

namespace tb::proto::test_support {

template <class M>
M random_message(core::Rng& rng) {
    M message;
    constexpr auto fields = M::fields();
    std::apply(
        [&](const auto&... field) {
            (
                [&](const auto& f) {
                    using F = std::remove_cvref_t<decltype(f)>;
                    auto& value = message.*(f.member);
                    if constexpr (F::kind == FieldKind::kAlpha) {
                        for (char& c : value.bytes) {
                            c = static_cast<char>(' ' + rng.below(95));  // printable ASCII
                        }
                    } else if constexpr (F::kind == FieldKind::kCode) {
                        value =
                            static_cast<typename F::Value>(static_cast<char>('!' + rng.below(94)));
                    } else if constexpr (F::width == 6) {
                        value = rng.next() & ((std::uint64_t{1} << 48) - 1);
                    } else {
                        value = static_cast<typename F::Value>(rng.next());
                    }
                }(field),
                ...);
        },
        fields);
    return message;
}

// Calls f(std::type_identity<M>{}) for every M of the tuple type `List`.
template <class List, class F>
void for_each_type(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::type_identity<std::tuple_element_t<I, List>>{}), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<List>>{});
}

}  // namespace tb::proto::test_support
