#include "proto/itch.hpp"

#include <array>

namespace tb::proto::itch {

namespace {

struct TypeInfo {
    std::uint8_t size = 0;
    std::string_view name;
};

// One entry per possible type byte, built at compile time from the message list.
constexpr std::array<TypeInfo, 256> make_type_table() noexcept {
    std::array<TypeInfo, 256> table{};
    std::apply(
        [&table](auto... message) {
            ((table[static_cast<unsigned char>(decltype(message)::kType)] =
                  TypeInfo{static_cast<std::uint8_t>(wire_size<decltype(message)>()),
                           decltype(message)::kName}),
             ...);
        },
        AllMessages{});
    return table;
}

constexpr std::array<TypeInfo, 256> kTypes = make_type_table();

}  // namespace

std::size_t message_size(char type) noexcept {
    return kTypes[static_cast<unsigned char>(type)].size;
}

std::string_view message_name(char type) noexcept {
    return kTypes[static_cast<unsigned char>(type)].name;
}

}  // namespace tb::proto::itch
