#include "exchange_sim/engine/journal.hpp"

#include <cstring>
#include <type_traits>

#include "core/endian.hpp"
#include "exchange_sim/engine/digest.hpp"

namespace tb::exchange {

namespace {

constexpr char kMagic[8] = {'T', 'B', 'J', 'R', 'N', 'L', '0', '1'};

template <class T>
constexpr std::size_t field_size() noexcept {
    if constexpr (detail::IsAlpha<T>::value) {
        return std::tuple_size_v<decltype(T::chars)>;
    } else {
        return sizeof(T);
    }
}

template <class T>
std::size_t record_size() noexcept {
    std::size_t size = 1;  // type byte
    T{}.visit_fields([&size](const char*, const auto& value) {
        size += field_size<std::remove_cvref_t<decltype(value)>>();
    });
    return size;
}

// Reads one field from p and advances p; false for a value out of range.
template <class T>
bool get_field(const std::byte*& p, T& value) noexcept {
    if constexpr (detail::IsAlpha<T>::value) {
        std::memcpy(value.chars.data(), p, value.chars.size());
        p += value.chars.size();
    } else if constexpr (std::is_same_v<T, bool>) {
        const auto byte = static_cast<std::uint8_t>(*p++);
        if (byte > 1) {
            return false;
        }
        value = byte == 1;
    } else if constexpr (std::is_enum_v<T> || sizeof(T) == 1) {
        value = static_cast<T>(static_cast<char>(*p++));
    } else if constexpr (sizeof(T) == 2) {
        value = static_cast<T>(core::load_be16(p));
        p += 2;
    } else if constexpr (sizeof(T) == 4) {
        value = static_cast<T>(core::load_be32(p));
        p += 4;
    } else {
        static_assert(sizeof(T) == 8);
        value = static_cast<T>(core::load_be64(p));
        p += 8;
    }
    return true;
}

}  // namespace

JournalWriter::JournalWriter(std::span<std::byte> buffer, std::uint64_t config_fingerprint) noexcept
    : buffer_(buffer), fingerprint_(config_fingerprint) {
    assert(buffer.size() >= kJournalHeaderSize);
    std::memcpy(buffer_.data(), kMagic, sizeof kMagic);
    core::store_be64(buffer_.data() + 8, config_fingerprint);
    used_ = kJournalHeaderSize;
}

template <class T>
bool JournalWriter::write(char type, const T& input) noexcept {
    // A record is at most 64 bytes; it is built on the stack and copied only if it fits whole.
    std::byte record[64];
    std::byte* p = record;
    *p++ = static_cast<std::byte>(type);
    input.visit_fields([&p](const char*, const auto& value) { detail::put_field(p, value); });
    const auto size = static_cast<std::size_t>(p - record);
    assert(size <= sizeof record);
    if (used_ + size > buffer_.size()) {
        ++dropped_;
        return false;
    }
    std::memcpy(buffer_.data() + used_, record, size);
    used_ += size;
    ++records_;
    return true;
}

bool JournalWriter::append(const EnterOrder& input) noexcept {
    return write('O', input);
}
bool JournalWriter::append(const ReplaceOrder& input) noexcept {
    return write('U', input);
}
bool JournalWriter::append(const CancelOrder& input) noexcept {
    return write('X', input);
}
bool JournalWriter::append(const TradingAction& input) noexcept {
    return write('H', input);
}

const char* to_string(JournalStatus status) noexcept {
    switch (status) {
        case JournalStatus::kOk:
            return "ok";
        case JournalStatus::kEnd:
            return "end of journal";
        case JournalStatus::kBadHeader:
            return "not a journal (bad header)";
        case JournalStatus::kConfigMismatch:
            return "journal written under another engine configuration";
        case JournalStatus::kTruncated:
            return "journal record truncated";
        case JournalStatus::kBadRecord:
            return "bad journal record";
    }
    return "unknown journal status";
}

JournalStatus JournalReader::open(std::uint64_t config_fingerprint) noexcept {
    if (bytes_.size() < kJournalHeaderSize ||
        std::memcmp(bytes_.data(), kMagic, sizeof kMagic) != 0) {
        return JournalStatus::kBadHeader;
    }
    if (core::load_be64(bytes_.data() + 8) != config_fingerprint) {
        return JournalStatus::kConfigMismatch;
    }
    offset_ = kJournalHeaderSize;
    return JournalStatus::kOk;
}

template <class T>
JournalStatus JournalReader::read(T& input) noexcept {
    static const std::size_t size = record_size<T>();
    if (bytes_.size() - offset_ < size) {
        return JournalStatus::kTruncated;
    }
    const std::byte* p = bytes_.data() + offset_ + 1;
    bool valid = true;
    // visit_fields() hands out const references; `value` itself is not const, so writing its
    // fields through them is well defined and keeps each field list in one place.
    T value{};
    value.visit_fields([&p, &valid](const char*, const auto& field) {
        using Field = std::remove_cvref_t<decltype(field)>;
        valid = get_field(p, const_cast<Field&>(field)) && valid;
    });
    if (!valid) {
        return JournalStatus::kBadRecord;
    }
    input = value;
    offset_ += size;
    return JournalStatus::kOk;
}

JournalStatus JournalReader::next(Input& input) noexcept {
    if (offset_ == 0) {
        return JournalStatus::kBadHeader;  // open() was not called or failed
    }
    if (offset_ == bytes_.size()) {
        return JournalStatus::kEnd;
    }
    switch (static_cast<char>(bytes_[offset_])) {
        case 'O': {
            EnterOrder enter;
            const JournalStatus status = read(enter);
            if (status == JournalStatus::kOk) {
                input = enter;
            }
            return status;
        }
        case 'U': {
            ReplaceOrder replace;
            const JournalStatus status = read(replace);
            if (status == JournalStatus::kOk) {
                input = replace;
            }
            return status;
        }
        case 'X': {
            CancelOrder cancel;
            const JournalStatus status = read(cancel);
            if (status == JournalStatus::kOk) {
                input = cancel;
            }
            return status;
        }
        case 'H': {
            TradingAction action;
            const JournalStatus status = read(action);
            if (status == JournalStatus::kOk) {
                input = action;
            }
            return status;
        }
        default:
            return JournalStatus::kBadRecord;
    }
}

}  // namespace tb::exchange
