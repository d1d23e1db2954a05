#include "exchange_sim/engine/events.hpp"

#include <string>
#include <type_traits>

namespace tb::exchange {

namespace {

template <class T>
struct IsAlphaField : std::false_type {};
template <std::size_t N>
struct IsAlphaField<Alpha<N>> : std::true_type {};

template <class T>
void append_value(std::string& out, const T& value) {
    if constexpr (IsAlphaField<T>::value) {
        out += '"';
        out.append(value.chars.data(), value.chars.size());
        out += '"';
    } else if constexpr (std::is_same_v<T, bool>) {
        out += value ? "true" : "false";
    } else if constexpr (std::is_enum_v<T> || std::is_same_v<T, char>) {
        out += '\'';
        out += static_cast<char>(value);
        out += '\'';
    } else {
        out += std::to_string(value);
    }
}

template <class E>
const char* event_name() {
    if constexpr (std::is_same_v<E, ItchAddOrder>) {
        return "ItchAddOrder";
    } else if constexpr (std::is_same_v<E, ItchAddOrderMpid>) {
        return "ItchAddOrderMpid";
    } else if constexpr (std::is_same_v<E, ItchOrderExecuted>) {
        return "ItchOrderExecuted";
    } else if constexpr (std::is_same_v<E, ItchOrderCancel>) {
        return "ItchOrderCancel";
    } else if constexpr (std::is_same_v<E, ItchOrderDelete>) {
        return "ItchOrderDelete";
    } else if constexpr (std::is_same_v<E, ItchOrderReplace>) {
        return "ItchOrderReplace";
    } else if constexpr (std::is_same_v<E, ItchTrade>) {
        return "ItchTrade";
    } else if constexpr (std::is_same_v<E, ItchTradingAction>) {
        return "ItchTradingAction";
    } else if constexpr (std::is_same_v<E, OuchAccepted>) {
        return "OuchAccepted";
    } else if constexpr (std::is_same_v<E, OuchReplaced>) {
        return "OuchReplaced";
    } else if constexpr (std::is_same_v<E, OuchCanceled>) {
        return "OuchCanceled";
    } else if constexpr (std::is_same_v<E, OuchAiqCanceled>) {
        return "OuchAiqCanceled";
    } else if constexpr (std::is_same_v<E, OuchExecuted>) {
        return "OuchExecuted";
    } else {
        static_assert(std::is_same_v<E, OuchRejected>);
        return "OuchRejected";
    }
}

}  // namespace

std::string to_string(const Event& event) {
    return std::visit(
        [](const auto& e) {
            using E = std::remove_cvref_t<decltype(e)>;
            std::string out = event_name<E>();
            out += '{';
            bool first = true;
            e.visit_fields([&out, &first](const char* name, const auto& value) {
                if (!first) {
                    out += ' ';
                }
                first = false;
                out += name;
                out += '=';
                append_value(out, value);
            });
            out += '}';
            return out;
        },
        event);
}

}  // namespace tb::exchange
