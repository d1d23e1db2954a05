#pragma once

// The stack's timers: one deadline per timer id (a TCP connection, an ARP entry, IGMP), kept in
// an indexed binary min-heap sized at start-up. Setting, moving and cancelling a deadline are
// O(log n) and never allocate. Equal deadlines pop in id order, so runs are deterministic.

#include <cstdint>
#include <limits>
#include <vector>

namespace tb::net {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

class TimerHeap {
public:
    explicit TimerHeap(std::uint32_t capacity);

    // Sets the deadline of `id` (kNever cancels it).
    void set(std::uint32_t id, std::int64_t deadline_ns) noexcept;
    void cancel(std::uint32_t id) noexcept { set(id, kNever); }

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    // The earliest deadline, kNever when no timer is set.
    [[nodiscard]] std::int64_t next_ns() const noexcept {
        return size_ == 0 ? kNever : deadline_[heap_[0]];
    }
    // The id with the earliest deadline (the heap must not be empty).
    [[nodiscard]] std::uint32_t top() const noexcept { return heap_[0]; }
    [[nodiscard]] std::int64_t deadline(std::uint32_t id) const noexcept { return deadline_[id]; }
    [[nodiscard]] std::uint32_t capacity() const noexcept {
        return static_cast<std::uint32_t>(position_.size());
    }

private:
    static constexpr std::uint32_t kNotQueued = 0xFFFFFFFF;

    [[nodiscard]] bool before(std::uint32_t a, std::uint32_t b) const noexcept {
        return deadline_[a] < deadline_[b] || (deadline_[a] == deadline_[b] && a < b);
    }
    void place(std::uint32_t index, std::uint32_t id) noexcept {
        heap_[index] = id;
        position_[id] = index;
    }
    void sift_up(std::uint32_t index) noexcept;
    void sift_down(std::uint32_t index) noexcept;
    void remove(std::uint32_t id) noexcept;

    std::vector<std::uint32_t> heap_;
    std::vector<std::uint32_t> position_;
    std::vector<std::int64_t> deadline_;
    std::uint32_t size_ = 0;
};

}  // namespace tb::net
