#pragma once

// A port double for emulator tests in virtual time: the test plays the device behind the port
// (send() puts a frame where the emulator's rx_burst finds it; delivered frames are collected
// from what tx_burst took), and a small world loop that moves a VirtualClock from event to
// event the way sim mode does. Fixed-capacity rings: nothing allocates while frames flow.

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace tb::nic::test {

// An mbuf pool that frees itself.
class Pool {
public:
    explicit Pool(unsigned count = 8191) {
        static std::atomic<unsigned> next{0};
        const std::string name = "nictest" + std::to_string(next++);
        // No per-core cache for small pools (DPDK wants it below count / 1.5).
        const unsigned cache = count >= 1024 ? 64 : 0;
        pool_ = rte_pktmbuf_pool_create(name.c_str(), count, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                        SOCKET_ID_ANY);
        if (pool_ == nullptr) {
            throw std::runtime_error("cannot create mbuf pool " + name);
        }
    }
    ~Pool() { rte_mempool_free(pool_); }
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    [[nodiscard]] rte_mempool* get() const noexcept { return pool_; }
    [[nodiscard]] unsigned available() const noexcept { return rte_mempool_avail_count(pool_); }

private:
    rte_mempool* pool_ = nullptr;
};

// A fixed ring of mbuf pointers (capacity rounded up to a power of two).
class MbufRing {
public:
    explicit MbufRing(std::size_t capacity) : slots_(std::bit_ceil(capacity)) {
        mask_ = slots_.size() - 1;
    }
    [[nodiscard]] bool push(rte_mbuf* frame) noexcept {
        if (size_ == slots_.size()) {
            return false;
        }
        slots_[(head_ + size_) & mask_] = frame;
        ++size_;
        return true;
    }
    [[nodiscard]] rte_mbuf* pop() noexcept {
        if (size_ == 0) {
            return nullptr;
        }
        rte_mbuf* frame = slots_[head_];
        head_ = (head_ + 1) & mask_;
        --size_;
        return frame;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    std::vector<rte_mbuf*> slots_;
    std::size_t mask_ = 0;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

class SimPort {
public:
    explicit SimPort(rte_mempool* pool, std::size_t capacity = 16384)
        : pool_(pool), inbox_(capacity), outbox_(capacity) {}
    ~SimPort() {
        while (rte_mbuf* m = inbox_.pop()) {
            rte_pktmbuf_free(m);
        }
        while (rte_mbuf* m = outbox_.pop()) {
            rte_pktmbuf_free(m);
        }
    }
    SimPort(const SimPort&) = delete;
    SimPort& operator=(const SimPort&) = delete;

    // The device sends a frame (the emulator's next rx_burst returns it).
    void send(std::span<const std::uint8_t> bytes) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        if (m == nullptr) {
            throw std::runtime_error("test pool empty");
        }
        char* data = rte_pktmbuf_append(m, static_cast<std::uint16_t>(bytes.size()));
        std::memcpy(data, bytes.data(), bytes.size());
        if (!inbox_.push(m)) {
            rte_pktmbuf_free(m);
            throw std::runtime_error("test port inbox full");
        }
    }
    // How many more frames tx_burst takes (the rest it refuses); unlimited by default.
    void accept(std::size_t frames) noexcept { accept_ = frames; }

    // Frames delivered to the device since the last call, copied out; the mbufs are freed.
    std::vector<Bytes> take() {
        std::vector<Bytes> frames;
        while (rte_mbuf* m = outbox_.pop()) {
            frames.emplace_back(rte_pktmbuf_mtod(m, const std::uint8_t*),
                                rte_pktmbuf_mtod(m, const std::uint8_t*) + m->data_len);
            rte_pktmbuf_free(m);
        }
        return frames;
    }
    // Frees delivered frames without copying them (for long runs that only count).
    std::size_t discard() noexcept {
        std::size_t count = 0;
        while (rte_mbuf* m = outbox_.pop()) {
            rte_pktmbuf_free(m);
            ++count;
        }
        return count;
    }

    // The emulator's side.
    [[nodiscard]] std::uint16_t rx_burst(rte_mbuf** frames, std::uint16_t count) noexcept {
        std::uint16_t n = 0;
        while (n < count) {
            rte_mbuf* m = inbox_.pop();
            if (m == nullptr) {
                break;
            }
            frames[n++] = m;
        }
        return n;
    }
    [[nodiscard]] std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t count) noexcept {
        std::uint16_t n = 0;
        while (n < count && accept_ > 0 && outbox_.push(frames[n])) {
            ++n;
            --accept_;
        }
        return n;
    }
    [[nodiscard]] rte_mbuf* alloc() noexcept { return rte_pktmbuf_alloc(pool_); }

private:
    rte_mempool* pool_;
    MbufRing inbox_;
    MbufRing outbox_;
    std::size_t accept_ = SIZE_MAX;
};

// Sim mode's loop for one emulator: poll until idle, then jump to the next event. After the
// emulator settles at each time, `observe(now)` runs (collect deliveries there, stamped now).
template <class Emulator>
class World {
public:
    World(core::VirtualClock& clock, Emulator& emulator) : clock_(clock), emulator_(emulator) {}

    // Runs every event due up to and including t, leaving the clock at t.
    template <class Observe>
    void run_until(std::int64_t t, Observe&& observe) {
        settle(observe);
        for (;;) {
            const std::int64_t next = emulator_.next_event_ns();
            if (next > t) {
                break;
            }
            if (next <= clock_.now_ns()) {
                throw std::logic_error("the emulator has an event due now but does nothing");
            }
            clock_.set(next);
            settle(observe);
        }
        if (t > clock_.now_ns()) {
            clock_.set(t);
            settle(observe);
        }
    }
    void run_until(std::int64_t t) {
        run_until(t, [](std::int64_t) {});
    }

private:
    template <class Observe>
    void settle(Observe& observe) {
        while (emulator_.poll() > 0) {
        }
        observe(clock_.now_ns());
    }

    core::VirtualClock& clock_;
    Emulator& emulator_;
};

}  // namespace tb::nic::test
