#include "net/timer_heap.hpp"

#include <cassert>

namespace tb::net {

TimerHeap::TimerHeap(std::uint32_t capacity)
    : heap_(capacity, 0), position_(capacity, kNotQueued), deadline_(capacity, kNever) {}

void TimerHeap::set(std::uint32_t id, std::int64_t deadline_ns) noexcept {
    assert(id < position_.size());
    if (deadline_ns == kNever) {
        remove(id);
        deadline_[id] = kNever;
        return;
    }
    const std::int64_t old = deadline_[id];
    deadline_[id] = deadline_ns;
    if (position_[id] == kNotQueued) {
        place(size_, id);
        ++size_;
        sift_up(size_ - 1);
    } else if (deadline_ns < old) {
        sift_up(position_[id]);
    } else if (deadline_ns > old) {
        sift_down(position_[id]);
    }
}

void TimerHeap::remove(std::uint32_t id) noexcept {
    const std::uint32_t index = position_[id];
    if (index == kNotQueued) {
        return;
    }
    position_[id] = kNotQueued;
    --size_;
    if (index == size_) {
        return;
    }
    place(index, heap_[size_]);
    sift_down(index);
    sift_up(index);
}

void TimerHeap::sift_up(std::uint32_t index) noexcept {
    const std::uint32_t id = heap_[index];
    while (index > 0) {
        const std::uint32_t parent = (index - 1) / 2;
        if (!before(id, heap_[parent])) {
            break;
        }
        place(index, heap_[parent]);
        index = parent;
    }
    place(index, id);
}

void TimerHeap::sift_down(std::uint32_t index) noexcept {
    const std::uint32_t id = heap_[index];
    for (;;) {
        std::uint32_t child = 2 * index + 1;
        if (child >= size_) {
            break;
        }
        if (child + 1 < size_ && before(heap_[child + 1], heap_[child])) {
            ++child;
        }
        if (!before(heap_[child], id)) {
            break;
        }
        place(index, heap_[child]);
        index = child;
    }
    place(index, id);
}

}  // namespace tb::net
