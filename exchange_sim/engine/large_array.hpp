#pragma once

// A fixed-size array for large start-up allocations that are probed at random (the token
// table): an anonymous mapping advised to use transparent huge pages (MADV_HUGEPAGE), so that a
// random probe costs a cache miss but rarely also a TLB miss, with every page touched at
// construction so no page fault lands on the order path. Where the kernel offers no huge pages
// the advice is ignored and ordinary pages are used.

#include <sys/mman.h>

#include <cassert>
#include <cstddef>
#include <new>
#include <type_traits>

namespace tb::exchange {

template <class T>
class LargeArray {
    static_assert(std::is_trivially_destructible_v<T>);

public:
    explicit LargeArray(std::size_t size) : size_(size), bytes_(round_up(size * sizeof(T))) {
        void* memory =
            mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) {
            throw std::bad_alloc();
        }
#ifdef MADV_HUGEPAGE
        (void)madvise(memory, bytes_, MADV_HUGEPAGE);
#endif
        data_ = static_cast<T*>(memory);
        for (std::size_t i = 0; i < size_; ++i) {
            new (data_ + i) T();
        }
    }

    ~LargeArray() {
        munmap(data_, bytes_);
    }

    LargeArray(const LargeArray&) = delete;
    LargeArray& operator=(const LargeArray&) = delete;

    [[nodiscard]] T& operator[](std::size_t i) noexcept {
        assert(i < size_);
        return data_[i];
    }
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept {
        assert(i < size_);
        return data_[i];
    }
    [[nodiscard]] std::size_t size() const noexcept {
        return size_;
    }

private:
    static constexpr std::size_t kHugePage = std::size_t{2} << 20;

    static std::size_t round_up(std::size_t bytes) noexcept {
        return (bytes + kHugePage - 1) / kHugePage * kHugePage;
    }

    std::size_t size_;
    std::size_t bytes_;
    T* data_ = nullptr;
};

}  // namespace tb::exchange
