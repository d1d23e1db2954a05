#pragma once

// FlatMap: an open-addressing hash table from a small key to a 32-bit value, sized once.
//
// Linear probing over a power-of-two array, with backward-shift deletion: an erase moves later
// entries of the probe run back instead of leaving a tombstone, so a table that sees millions
// of inserts and erases in a day (ITCH order references) never slows down and never needs a
// rebuild. The array holds at least twice the entries the table may contain (load factor at
// most one half), so probe runs stay short.
//
// Keys come with a traits type:
//     static std::uint64_t hash(const Key&) noexcept;   // well mixed
//     static bool is_empty(const Key&) noexcept;        // the reserved "no key" value
//     static Key empty() noexcept;
// The reserved key cannot be inserted (insert() refuses it).
//
// Memory: allocated in the constructor; nothing afterwards. Thread rules: one owner.

#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/random.hpp"
#include "proto/wire.hpp"

namespace tb::client {

template <class Key, class Traits>
class FlatMap {
public:
    static constexpr std::uint32_t kMissing = 0xFFFF'FFFF;

    // Room for `max_entries` entries (at least 1).
    explicit FlatMap(std::size_t max_entries)
        : max_entries_(max_entries == 0 ? 1 : max_entries),
          mask_(std::bit_ceil(2 * max_entries_) - 1),
          entries_(mask_ + 1, Entry{Traits::empty(), kMissing}) {}

    // The value stored for `key`, or kMissing.
    [[nodiscard]] std::uint32_t find(const Key& key) const noexcept {
        for (std::size_t i = Traits::hash(key) & mask_;; i = (i + 1) & mask_) {
            const Entry& e = entries_[i];
            if (e.key == key) {
                return e.value;
            }
            if (Traits::is_empty(e.key)) {
                return kMissing;
            }
        }
    }

    // Adds key -> value. False (nothing changed) if the key is present, reserved, or the table
    // holds max_entries() entries already.
    [[nodiscard]] bool insert(const Key& key, std::uint32_t value) noexcept {
        if (Traits::is_empty(key) || size_ >= max_entries_) {
            return false;
        }
        for (std::size_t i = Traits::hash(key) & mask_;; i = (i + 1) & mask_) {
            Entry& e = entries_[i];
            if (Traits::is_empty(e.key)) {
                e.key = key;
                e.value = value;
                ++size_;
                return true;
            }
            if (e.key == key) {
                return false;
            }
        }
    }

    // Starts loading the slot where a lookup of `key` begins (the caller knows the key ahead
    // of time: the next message of a packet).
    void prefetch(const Key& key) const noexcept {
        __builtin_prefetch(&entries_[Traits::hash(key) & mask_]);
    }

    // Changes the value of a present key; false if absent.
    bool assign(const Key& key, std::uint32_t value) noexcept {
        for (std::size_t i = Traits::hash(key) & mask_;; i = (i + 1) & mask_) {
            Entry& e = entries_[i];
            if (e.key == key) {
                e.value = value;
                return true;
            }
            if (Traits::is_empty(e.key)) {
                return false;
            }
        }
    }

    // Removes `key`; false if it was absent.
    bool erase(const Key& key) noexcept {
        std::size_t i = Traits::hash(key) & mask_;
        for (;; i = (i + 1) & mask_) {
            if (Traits::is_empty(entries_[i].key)) {
                return false;
            }
            if (entries_[i].key == key) {
                break;
            }
        }
        // Backward shift: pull each later entry of the run into the hole when its home slot
        // does not lie cyclically in (hole, its position].
        std::size_t hole = i;
        for (std::size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
            Entry& e = entries_[j];
            if (Traits::is_empty(e.key)) {
                break;
            }
            const std::size_t home = Traits::hash(e.key) & mask_;
            const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                entries_[hole] = e;
                hole = j;
            }
        }
        entries_[hole] = Entry{Traits::empty(), kMissing};
        --size_;
        return true;
    }

    void clear() noexcept {
        for (Entry& e : entries_) {
            e = Entry{Traits::empty(), kMissing};
        }
        size_ = 0;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t max_entries() const noexcept { return max_entries_; }
    [[nodiscard]] std::size_t slots() const noexcept { return entries_.size(); }

    // Calls f(key, value) for every entry (order unspecified: control side and tests only).
    template <class F>
    void for_each(F&& f) const {
        for (const Entry& e : entries_) {
            if (!Traits::is_empty(e.key)) {
                f(e.key, e.value);
            }
        }
    }

private:
    struct Entry {
        Key key;
        std::uint32_t value;
    };

    std::size_t max_entries_;
    std::size_t mask_;
    std::vector<Entry> entries_;
    std::size_t size_ = 0;
};

// 64-bit keys with 0 reserved (ITCH order reference numbers, packed level and symbol keys).
struct U64KeyTraits {
    [[nodiscard]] static std::uint64_t hash(std::uint64_t key) noexcept { return core::mix64(key); }
    [[nodiscard]] static bool is_empty(std::uint64_t key) noexcept { return key == 0; }
    [[nodiscard]] static std::uint64_t empty() noexcept { return 0; }
};

using U64Map = FlatMap<std::uint64_t, U64KeyTraits>;

// ITCH order reference numbers: Nasdaq numbers orders in sequence through the day, so keys that
// are close in value are close in the table (their low bits, folded with the high ones). Adds
// then land in neighbouring slots, and the live orders, which are mostly recent, share cache
// lines; a run of references that differ only in high bits still spreads through the fold.
struct OrderRefTraits {
    [[nodiscard]] static std::uint64_t hash(std::uint64_t key) noexcept {
        return key ^ (key >> 24) ^ (key >> 48);
    }
    [[nodiscard]] static bool is_empty(std::uint64_t key) noexcept { return key == 0; }
    [[nodiscard]] static std::uint64_t empty() noexcept { return 0; }
};

using OrderRefMap = FlatMap<std::uint64_t, OrderRefTraits>;

// OUCH order tokens (14 bytes) with the all-zero token reserved: real tokens are printable text.
struct TokenKeyTraits {
    using Token = proto::Alpha<14>;
    [[nodiscard]] static std::uint64_t hash(const Token& token) noexcept {
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        std::memcpy(&a, token.bytes.data(), 8);
        std::memcpy(&b, token.bytes.data() + 6, 8);
        return core::mix64(a ^ core::mix64(b));
    }
    [[nodiscard]] static bool is_empty(const Token& token) noexcept { return token == empty(); }
    [[nodiscard]] static Token empty() noexcept { return Token{}; }
};

using TokenMap = FlatMap<proto::Alpha<14>, TokenKeyTraits>;

}  // namespace tb::client
