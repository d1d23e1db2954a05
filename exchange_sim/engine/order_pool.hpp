#pragma once

// The order record and the preallocated pool that holds every live order.
//
// Orders are addressed by 32-bit indices into one array sized at start-up (EngineConfig::
// max_orders), never by pointers, so the queue links are half the size and a free list costs
// nothing to keep. allocate() and release() are O(1) and never allocate memory.

#include <cassert>
#include <cstdint>
#include <cstring>
#include <vector>

#include "exchange_sim/engine/config.hpp"
#include "exchange_sim/engine/large_array.hpp"
#include "exchange_sim/engine/types.hpp"
#include "proto/ouch_codes.hpp"

namespace tb::exchange {

namespace ouch = tb::proto::ouch;

using OrderIndex = std::uint32_t;
inline constexpr OrderIndex kNoOrder = 0xFFFF'FFFF;

// OUCH 4.2 time in force, kept in one byte: the engine accepts only these three values.
enum class TimeInForceCode : std::uint8_t {
    kImmediateOrCancel = 0,
    kMarketHours = 1,
    kSystemHours = 2,
};

[[nodiscard]] constexpr TimeInForceCode time_in_force_code(std::uint32_t value) noexcept {
    return value == ouch::kTimeInForceImmediateOrCancel ? TimeInForceCode::kImmediateOrCancel
           : value == ouch::kTimeInForceMarketHours     ? TimeInForceCode::kMarketHours
                                                        : TimeInForceCode::kSystemHours;
}

// One order, in exactly one cache line.
struct alignas(64) Order {
    // Hot: read on every match step and queue operation.
    OrderIndex next = kNoOrder;  // FIFO links within the price level
    OrderIndex prev = kNoOrder;
    Shares open = 0;          // shares still live on the book
    std::uint32_t level = 0;  // price level index within its side
    std::uint32_t firm = 0;   // firm_key() of the firm, compared for anti-internalization
    Price price = 0;
    OrderRef order_ref = 0;
    std::uint32_t token_slot = 0;  // its entry in the token table
    ParticipantId participant = 0;
    std::uint16_t symbol = 0;
    BookSide side = BookSide::kBuy;
    AiqMethod aiq = AiqMethod::kNone;
    bool displayed = false;
    TimeInForceCode tif = TimeInForceCode::kMarketHours;
    // Echoed in OUCH messages.
    ouch::Side ouch_side = ouch::Side::kBuy;
    ouch::Display display = ouch::Display::kAnonymous;
    ouch::Capacity capacity = ouch::Capacity::kAgency;
    ouch::IntermarketSweep intermarket_sweep = ouch::IntermarketSweep::kNotEligible;
    ouch::CrossType cross_type = ouch::CrossType::kNoCross;
    ouch::CustomerType customer_type = ouch::CustomerType::kPortDefault;
    Token token;

    [[nodiscard]] bool ioc() const noexcept { return tif == TimeInForceCode::kImmediateOrCancel; }
    [[nodiscard]] std::uint32_t time_in_force() const noexcept {
        switch (tif) {
            case TimeInForceCode::kImmediateOrCancel:
                return ouch::kTimeInForceImmediateOrCancel;
            case TimeInForceCode::kMarketHours:
                return ouch::kTimeInForceMarketHours;
            case TimeInForceCode::kSystemHours:
                break;
        }
        return ouch::kTimeInForceSystemHours;
    }
    // The firm field: firm_key() is its four bytes, so it is stored once.
    [[nodiscard]] Firm firm_id() const noexcept {
        Firm id;
        std::memcpy(id.chars.data(), &firm, sizeof firm);
        return id;
    }
};

static_assert(sizeof(Order) == 64, "an order is one cache line");

class OrderPool {
public:
    explicit OrderPool(std::uint32_t capacity) : orders_(capacity), free_(capacity) {
        // Hand out low indices first, so a small book stays in few cache lines.
        for (std::uint32_t i = 0; i < capacity; ++i) {
            free_[i] = capacity - 1 - i;
        }
    }

    // An unused order with default fields, or kNoOrder when the pool is exhausted.
    [[nodiscard]] OrderIndex allocate() noexcept {
        if (free_count_ == 0) {
            return kNoOrder;
        }
        const OrderIndex index = free_[--free_count_];
        orders_[index] = Order{};
        return index;
    }

    void release(OrderIndex index) noexcept {
        assert(index < orders_.size());
        assert(free_count_ < free_.size());
        free_[free_count_++] = index;
    }

    [[nodiscard]] Order& operator[](OrderIndex index) noexcept {
        assert(index < orders_.size());
        return orders_[index];
    }
    [[nodiscard]] const Order& operator[](OrderIndex index) const noexcept {
        assert(index < orders_.size());
        return orders_[index];
    }

    [[nodiscard]] std::uint32_t capacity() const noexcept {
        return static_cast<std::uint32_t>(orders_.size());
    }
    [[nodiscard]] std::uint32_t in_use() const noexcept { return capacity() - free_count_; }

private:
    LargeArray<Order> orders_;  // huge pages where available (large_array.hpp)
    std::vector<OrderIndex> free_;
    std::uint32_t free_count_ = static_cast<std::uint32_t>(free_.size());
};

}  // namespace tb::exchange
