#pragma once

// Every order token seen today, per OUCH account, mapped to its live order (or marked dead).
//
// OUCH 4.2 tokens are day-unique per account (section 2.1), so a token is never forgotten during
// the day: the table only grows, which lets it use linear probing without tombstones. The key is
// the participant id (2 bytes) and the 14-byte token: exactly 16 bytes, compared as two words.
// The slot array is sized once at start-up to a power of two at least twice the day's token
// capacity (load factor <= 0.5), in huge pages where the kernel offers them (large_array.hpp).

#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>

#include "exchange_sim/engine/large_array.hpp"
#include "exchange_sim/engine/order_pool.hpp"
#include "exchange_sim/engine/types.hpp"

namespace tb::exchange {

inline constexpr OrderIndex kDeadToken = 0xFFFF'FFFE;  // used today, order no longer live

class TokenTable {
public:
    static constexpr std::uint32_t kNotFound = 0xFFFF'FFFF;

    explicit TokenTable(std::uint32_t max_tokens)
        : slots_(std::bit_ceil(std::uint64_t{max_tokens} * 2)),
          mask_(slots_.size() - 1),
          shift_(64 - std::countr_zero(slots_.size())),
          max_tokens_(max_tokens) {}

    struct Key {
        std::uint64_t high = 0;  // participant and the token's first 6 bytes
        std::uint64_t low = 0;   // the token's last 8 bytes
    };

    [[nodiscard]] static Key make_key(ParticipantId participant, const Token& token) noexcept {
        // high: the participant in the low 16 bits, the token's first 6 bytes above it; low: the
        // token's last 8 bytes. Only equality and the hash depend on the layout.
        std::uint64_t first = 0;
        std::memcpy(&first, token.chars.data(), 6);
        Key key;
        key.high = participant | (first << 16);
        std::memcpy(&key.low, token.chars.data() + 6, 8);
        return key;
    }

    // The slot holding `key`, or kNotFound.
    [[nodiscard]] std::uint32_t find(const Key& key) const noexcept {
        std::size_t i = hash(key) & mask_;
        while (true) {
            const Slot& slot = slots_[i];
            if (slot.value == kEmpty) {
                return kNotFound;
            }
            if (slot.key_high == key.high && slot.key_low == key.low) {
                return static_cast<std::uint32_t>(i);
            }
            i = (i + 1) & mask_;
        }
    }

    // Result of insert(): the new slot, or why there is none.
    struct Inserted {
        std::uint32_t slot = kNotFound;
        bool duplicate = false;  // the token was already used today
        bool full = false;       // the day's token capacity is used up
    };

    // Where `key` is: its slot (found), or the empty slot where it would be added. One probe
    // serves both the duplicate check and the insert that follows (claim()), provided nothing
    // is added to the table in between.
    struct Probe {
        std::uint32_t slot = 0;
        bool found = false;
    };
    [[nodiscard]] Probe probe(const Key& key) const noexcept {
        std::size_t i = hash(key) & mask_;
        while (true) {
            const Slot& slot = slots_[i];
            if (slot.value == kEmpty) {
                return {static_cast<std::uint32_t>(i), false};
            }
            if (slot.key_high == key.high && slot.key_low == key.low) {
                return {static_cast<std::uint32_t>(i), true};
            }
            i = (i + 1) & mask_;
        }
    }

    // Adds `key` at the empty slot a probe() of it returned.
    [[nodiscard]] Inserted claim(const Probe& probe, const Key& key, OrderIndex value) noexcept {
        assert(value != kEmpty);
        if (probe.found) {
            return {probe.slot, true, false};
        }
        assert(slots_[probe.slot].value == kEmpty);
        if (size_ == max_tokens_) {
            return {kNotFound, false, true};
        }
        Slot& slot = slots_[probe.slot];
        slot.key_high = key.high;
        slot.key_low = key.low;
        slot.value = value;
        ++size_;
        return {probe.slot, false, false};
    }

    // Adds `key` with `value` unless it is already present.
    [[nodiscard]] Inserted insert(const Key& key, OrderIndex value) noexcept {
        return claim(probe(key), key, value);
    }

    [[nodiscard]] OrderIndex value(std::uint32_t slot) const noexcept {
        assert(slot < slots_.size());
        return slots_[slot].value;
    }
    void set_value(std::uint32_t slot, OrderIndex value) noexcept {
        assert(slot < slots_.size() && slots_[slot].value != kEmpty && value != kEmpty);
        slots_[slot].value = value;
    }

    // Hints the CPU to fetch the slot where `key` starts its probe.
    void prefetch(const Key& key) const noexcept { __builtin_prefetch(&slots_[hash(key) & mask_]); }

    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
    [[nodiscard]] std::uint32_t capacity() const noexcept { return max_tokens_; }

private:
    static constexpr OrderIndex kEmpty = 0xFFFF'FFFF;

    struct Slot {
        std::uint64_t key_high = 0;
        std::uint64_t key_low = 0;
        OrderIndex value = kEmpty;
    };

    // Multiply-shift hashing: the top bits of an odd-constant product (Knuth's multiplicative
    // method) mix every key bit into the slot index at the cost of two multiplications.
    [[nodiscard]] std::size_t hash(const Key& key) const noexcept {
        const std::uint64_t mixed = (key.low * 0x9E37'79B9'7F4A'7C15ULL) ^ key.high;
        return static_cast<std::size_t>((mixed * 0xBF58'476D'1CE4'E5B9ULL) >> shift_);
    }

    LargeArray<Slot> slots_;
    std::size_t mask_;
    int shift_;  // 64 - log2(slot count)
    std::uint32_t max_tokens_;
    std::uint32_t size_ = 0;
};

}  // namespace tb::exchange
