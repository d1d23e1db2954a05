#include "proto/ouch.hpp"

#include <array>

namespace tb::proto::ouch {

namespace {

struct TypeInfo {
    std::uint8_t size = 0;
    std::string_view name;
};

using TypeTable = std::array<TypeInfo, 256>;

template <class Messages>
constexpr TypeTable make_type_table() noexcept {
    TypeTable table{};
    std::apply(
        [&table](auto... message) {
            ((table[static_cast<unsigned char>(decltype(message)::kType)] =
                  TypeInfo{static_cast<std::uint8_t>(wire_size<decltype(message)>()),
                           decltype(message)::kName}),
             ...);
        },
        Messages{});
    return table;
}

constexpr TypeTable kInbound = make_type_table<InboundMessages>();
constexpr TypeTable kOutbound = make_type_table<OutboundMessages>();

const TypeInfo& info(Direction direction, char type) noexcept {
    const TypeTable& table = direction == Direction::kInbound ? kInbound : kOutbound;
    return table[static_cast<unsigned char>(type)];
}

}  // namespace

std::size_t message_size(Direction direction, char type) noexcept {
    return info(direction, type).size;
}

std::string_view message_name(Direction direction, char type) noexcept {
    return info(direction, type).name;
}

}  // namespace tb::proto::ouch
