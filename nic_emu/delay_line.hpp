#pragma once

// The queue that holds delayed frames until they are due: a FIFO ring of (item, due time),
// preallocated at construction and never grown.
//
// Why a FIFO and not a timer wheel: the link model never lets a frame leave before the frame
// before it (link_model.hpp, rules 6 and 7), so the due times of one link's frames are
// non-decreasing, and so are those of the frames it holds back for reordering. Each link
// direction therefore keeps two of these lines (in order, and held back), each sorted by
// construction: insertion and removal are O(1), times are exact to the nanosecond, and the
// earliest due frame of the whole emulator is the minimum of the lines' heads. push() enforces
// the order: a due time below the last one is raised to it (only a line without a link model,
// fed in real time by several ports, ever needs that).
//
// Thread rules: one owner; nothing here allocates after construction.

#include <cassert>
#include <cstdint>
#include <vector>

namespace tb::nic {

template <class T>
class DelayLine {
public:
    struct Entry {
        T* item;
        std::int64_t due_ns;
    };

    // Room for `capacity` entries (rounded up to a power of two; 0 makes a line that holds
    // nothing).
    explicit DelayLine(std::uint32_t capacity = 0) : entries_(round_up(capacity)) {
        mask_ = entries_.empty() ? 0 : static_cast<std::uint32_t>(entries_.size() - 1);
    }

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
    [[nodiscard]] std::uint32_t capacity() const noexcept {
        return static_cast<std::uint32_t>(entries_.size());
    }
    [[nodiscard]] bool full() const noexcept { return size_ == entries_.size(); }

    // Appends an item due at due_ns (raised to the last due time if below it). False, and
    // nothing stored, when the line is full.
    [[nodiscard]] bool push(T* item, std::int64_t due_ns) noexcept {
        if (full()) {
            return false;
        }
        if (due_ns < last_due_ns_) {
            due_ns = last_due_ns_;
        }
        entries_[(head_ + size_) & mask_] = Entry{item, due_ns};
        ++size_;
        last_due_ns_ = due_ns;
        return true;
    }

    // The i-th entry from the head (i < size()).
    [[nodiscard]] const Entry& at(std::uint32_t i) const noexcept {
        assert(i < size_);
        return entries_[(head_ + i) & mask_];
    }
    [[nodiscard]] const Entry& front() const noexcept { return at(0); }
    // Due time of the head, or INT64_MAX when empty.
    [[nodiscard]] std::int64_t next_due_ns() const noexcept {
        return size_ == 0 ? INT64_MAX : entries_[head_].due_ns;
    }

    void pop() noexcept {
        assert(size_ > 0);
        head_ = (head_ + 1) & mask_;
        --size_;
    }
    // Removes the first n entries (n <= size()).
    void pop(std::uint32_t n) noexcept {
        assert(n <= size_);
        head_ = (head_ + n) & mask_;
        size_ -= n;
    }

private:
    static std::size_t round_up(std::uint32_t n) {
        if (n == 0) {
            return 0;
        }
        std::size_t p = 1;
        while (p < n) {
            p <<= 1;
        }
        return p;
    }

    std::vector<Entry> entries_;
    std::uint32_t mask_ = 0;
    std::uint32_t head_ = 0;
    std::uint32_t size_ = 0;
    std::int64_t last_due_ns_ = INT64_MIN;
};

}  // namespace tb::nic
