#pragma once

// Order tokens the exchange's own participants (background flow, ITCH replay) write and read
// back: fixed-width base-36 fields packed into the 14-character OUCH token (OUCH 4.2 section
// 1.2: alphanumeric, day-unique per account). Reading a token back gives the numbers it was
// built from, so an event addressed to one of these participants finds its order in O(1).
// Also: a fixed-capacity hash map from 64-bit keys to 32-bit values with deletion, for the
// replay's order reference numbers.

#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

#include "core/random.hpp"
#include "exchange_sim/engine/types.hpp"

namespace tb::exchange {

inline constexpr char kBase36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Writes `value` as `width` base-36 digits at chars[at]; the value must fit (asserted).
inline void put_base36(Token& token, std::size_t at, std::size_t width,
                       std::uint64_t value) noexcept {
    for (std::size_t i = 0; i < width; ++i) {
        token.chars[at + width - 1 - i] = kBase36[value % 36];
        value /= 36;
    }
    assert(value == 0);
}

// Reads `width` base-36 digits at chars[at]; false if any is not a base-36 digit.
[[nodiscard]] inline bool get_base36(const Token& token, std::size_t at, std::size_t width,
                                     std::uint64_t& value) noexcept {
    value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = token.chars[at + i];
        std::uint64_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint64_t>(c - '0');
        } else if (c >= 'A' && c <= 'Z') {
            digit = static_cast<std::uint64_t>(c - 'A' + 10);
        } else {
            return false;
        }
        value = value * 36 + digit;
    }
    return true;
}

// Open addressing with linear probing and backward-shift deletion (no tombstones), sized once.
class U64Map {
public:
    static constexpr std::uint32_t kMissing = 0xFFFF'FFFF;

    explicit U64Map(std::size_t max_entries)
        : keys_(std::bit_ceil(max_entries * 2 + 2)),
          values_(keys_.size(), kMissing),
          mask_(keys_.size() - 1),
          max_entries_(max_entries) {}

    // False when full or the key is present.
    [[nodiscard]] bool insert(std::uint64_t key, std::uint32_t value) noexcept {
        assert(value != kMissing);
        if (size_ >= max_entries_) {
            return false;
        }
        std::size_t i = slot(key);
        while (values_[i] != kMissing) {
            if (keys_[i] == key) {
                return false;
            }
            i = (i + 1) & mask_;
        }
        keys_[i] = key;
        values_[i] = value;
        ++size_;
        return true;
    }

    [[nodiscard]] std::uint32_t find(std::uint64_t key) const noexcept {
        std::size_t i = slot(key);
        while (values_[i] != kMissing) {
            if (keys_[i] == key) {
                return values_[i];
            }
            i = (i + 1) & mask_;
        }
        return kMissing;
    }

    void erase(std::uint64_t key) noexcept {
        std::size_t i = slot(key);
        while (values_[i] != kMissing && keys_[i] != key) {
            i = (i + 1) & mask_;
        }
        if (values_[i] == kMissing) {
            return;
        }
        --size_;
        // Backward shift: move later members of the probe run into the hole when their home
        // slot does not lie cyclically in (hole, j].
        std::size_t hole = i;
        std::size_t j = i;
        for (;;) {
            j = (j + 1) & mask_;
            if (values_[j] == kMissing) {
                break;
            }
            const std::size_t home = slot(keys_[j]);
            const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                keys_[hole] = keys_[j];
                values_[hole] = values_[j];
                hole = j;
            }
        }
        values_[hole] = kMissing;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    [[nodiscard]] std::size_t slot(std::uint64_t key) const noexcept {
        return core::mix64(key) & mask_;
    }

    std::vector<std::uint64_t> keys_;
    std::vector<std::uint32_t> values_;
    std::size_t mask_;
    std::size_t max_entries_;
    std::size_t size_ = 0;
};

}  // namespace tb::exchange
