#pragma once

// One side of one symbol's book: every price level of the symbol's price band, directly indexed
// by (price - lowest price) / tick, each an intrusive FIFO queue of orders, plus a three-level
// occupancy bitmap (64 x 64 x 64 levels) that finds the best non-empty level in three bit scans.
//
// Orders outside the band are rejected before they reach the book, so every valid price has a
// slot: finding, adding to and removing from any level is O(1), the best bid/offer is cached,
// and the next best level after the best empties is found in O(1) with no search through empty
// levels. Memory: 24 bytes per level, sized once at start-up.

#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

#include "exchange_sim/engine/order_pool.hpp"

namespace tb::exchange {

struct Level {
    OrderIndex head = kNoOrder;
    OrderIndex tail = kNoOrder;
    std::uint32_t count = 0;
    std::uint64_t shares = 0;  // sum of open shares of the level's orders
};

inline constexpr std::uint32_t kNoLevel = 0xFFFF'FFFF;

class PriceLevels {
public:
    // `ascending`: true for the sell side (best = lowest index), false for the buy side.
    PriceLevels(std::uint32_t level_count, bool ascending)
        : levels_(level_count),
          bits0_((level_count + 63) / 64),
          bits1_((bits0_.size() + 63) / 64),
          ascending_(ascending) {
        assert(level_count > 0 && level_count <= 64u * 64u * 64u);
    }

    [[nodiscard]] std::uint32_t level_count() const noexcept {
        return static_cast<std::uint32_t>(levels_.size());
    }
    [[nodiscard]] bool empty() const noexcept { return best_ == kNoLevel; }
    // Index of the best non-empty level, kNoLevel when the side is empty.
    [[nodiscard]] std::uint32_t best() const noexcept { return best_; }
    [[nodiscard]] const Level& level(std::uint32_t index) const noexcept {
        assert(index < levels_.size());
        return levels_[index];
    }
    [[nodiscard]] Level& level(std::uint32_t index) noexcept {
        assert(index < levels_.size());
        return levels_[index];
    }

    // Appends an order (its level and open shares set) at the back of its level.
    void push_back(OrderPool& pool, OrderIndex index) noexcept {
        Order& order = pool[index];
        Level& level = levels_[order.level];
        order.next = kNoOrder;
        order.prev = level.tail;
        if (level.tail == kNoOrder) {
            level.head = index;
            mark(order.level);
        } else {
            pool[level.tail].next = index;
        }
        level.tail = index;
        ++level.count;
        level.shares += order.open;
    }

    // Unlinks an order from its level; its open shares leave the level total.
    void remove(OrderPool& pool, OrderIndex index) noexcept {
        Order& order = pool[index];
        Level& level = levels_[order.level];
        if (order.prev == kNoOrder) {
            level.head = order.next;
        } else {
            pool[order.prev].next = order.next;
        }
        if (order.next == kNoOrder) {
            level.tail = order.prev;
        } else {
            pool[order.next].prev = order.prev;
        }
        order.next = kNoOrder;
        order.prev = kNoOrder;
        --level.count;
        level.shares -= order.open;
        if (level.count == 0) {
            assert(level.shares == 0);
            unmark(order.level);
        }
    }

    // Takes shares off an order in place (execution, cancel down): it keeps its position.
    void reduce(OrderPool& pool, OrderIndex index, Shares shares) noexcept {
        Order& order = pool[index];
        assert(shares <= order.open);
        order.open -= shares;
        levels_[order.level].shares -= shares;
    }

    // The next non-empty level after `index` in priority order (away from the best), or
    // kNoLevel: at most three bit scans.
    [[nodiscard]] std::uint32_t next_after(std::uint32_t index) const noexcept {
        const std::uint32_t w0 = index / 64;
        const std::uint32_t w1 = w0 / 64;
        if (ascending_) {
            const std::uint64_t m0 = bits0_[w0] & above(index % 64);
            if (m0 != 0) {
                return w0 * 64 + lowest_bit(m0);
            }
            const std::uint64_t m1 = bits1_[w1] & above(w0 % 64);
            if (m1 != 0) {
                const std::uint32_t n0 = w1 * 64 + lowest_bit(m1);
                return n0 * 64 + lowest_bit(bits0_[n0]);
            }
            const std::uint64_t m2 = bits2_ & above(w1);
            if (m2 == 0) {
                return kNoLevel;
            }
            const std::uint32_t n1 = lowest_bit(m2);
            const std::uint32_t n0 = n1 * 64 + lowest_bit(bits1_[n1]);
            return n0 * 64 + lowest_bit(bits0_[n0]);
        }
        const std::uint64_t m0 = bits0_[w0] & below(index % 64);
        if (m0 != 0) {
            return w0 * 64 + highest_bit(m0);
        }
        const std::uint64_t m1 = bits1_[w1] & below(w0 % 64);
        if (m1 != 0) {
            const std::uint32_t n0 = w1 * 64 + highest_bit(m1);
            return n0 * 64 + highest_bit(bits0_[n0]);
        }
        const std::uint64_t m2 = bits2_ & below(w1);
        if (m2 == 0) {
            return kNoLevel;
        }
        const std::uint32_t n1 = highest_bit(m2);
        const std::uint32_t n0 = n1 * 64 + highest_bit(bits1_[n1]);
        return n0 * 64 + highest_bit(bits0_[n0]);
    }

    // Whether level `index` has an order (the bitmap's view, for the invariant checker).
    [[nodiscard]] bool marked(std::uint32_t index) const noexcept {
        return (bits0_[index / 64] >> (index % 64)) & 1U;
    }
    // Index of the best non-empty level found by a full bitmap scan (invariant checker).
    [[nodiscard]] std::uint32_t scan_best() const noexcept { return find_best(); }

private:
    void mark(std::uint32_t index) noexcept {
        const std::uint32_t word0 = index / 64;
        if (bits0_[word0] == 0) {
            const std::uint32_t word1 = word0 / 64;
            if (bits1_[word1] == 0) {
                bits2_ |= std::uint64_t{1} << word1;
            }
            bits1_[word1] |= std::uint64_t{1} << (word0 % 64);
        }
        bits0_[word0] |= std::uint64_t{1} << (index % 64);
        if (best_ == kNoLevel || (ascending_ ? index < best_ : index > best_)) {
            best_ = index;
        }
    }

    void unmark(std::uint32_t index) noexcept {
        const std::uint32_t word0 = index / 64;
        bits0_[word0] &= ~(std::uint64_t{1} << (index % 64));
        if (bits0_[word0] == 0) {
            const std::uint32_t word1 = word0 / 64;
            bits1_[word1] &= ~(std::uint64_t{1} << (word0 % 64));
            if (bits1_[word1] == 0) {
                bits2_ &= ~(std::uint64_t{1} << word1);
            }
        }
        if (index == best_) {
            best_ = find_best();
        }
    }

    [[nodiscard]] std::uint32_t find_best() const noexcept {
        if (bits2_ == 0) {
            return kNoLevel;
        }
        if (ascending_) {
            const std::uint32_t w1 = lowest_bit(bits2_);
            const std::uint32_t w0 = w1 * 64 + lowest_bit(bits1_[w1]);
            return w0 * 64 + lowest_bit(bits0_[w0]);
        }
        const std::uint32_t w1 = highest_bit(bits2_);
        const std::uint32_t w0 = w1 * 64 + highest_bit(bits1_[w1]);
        return w0 * 64 + highest_bit(bits0_[w0]);
    }

    static std::uint32_t lowest_bit(std::uint64_t word) noexcept {
        return static_cast<std::uint32_t>(std::countr_zero(word));
    }
    static std::uint32_t highest_bit(std::uint64_t word) noexcept {
        return static_cast<std::uint32_t>(63 - std::countl_zero(word));
    }
    // Masks of the bits strictly above / below bit b.
    static std::uint64_t above(std::uint32_t b) noexcept {
        return b == 63 ? 0 : ~std::uint64_t{0} << (b + 1);
    }
    static std::uint64_t below(std::uint32_t b) noexcept { return (std::uint64_t{1} << b) - 1; }

    std::vector<Level> levels_;
    std::vector<std::uint64_t> bits0_;  // bit i: level i is non-empty
    std::vector<std::uint64_t> bits1_;  // bit j: bits0_[j] != 0
    std::uint64_t bits2_ = 0;           // bit k: bits1_[k] != 0
    std::uint32_t best_ = kNoLevel;
    bool ascending_;
};

}  // namespace tb::exchange
