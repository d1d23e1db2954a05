#pragma once

// Two stacks on the two ends of one net_ring wire, in one thread on a virtual clock, with a small
// impairing shim on each sending side: seeded loss, duplication and reordering (core/random.hpp),
// so every run of a seed is the same run. The real link emulator is nic_emu/; this stays a test
// helper.

#include <rte_mbuf.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "core/random.hpp"
#include "net/stack.hpp"

namespace tb::net::test {

struct Impairment {
    double loss = 0.0;
    double duplicate = 0.0;
    double reorder = 0.0;  // the frame is held back and sent after the next one
};

// A FramePort over an EthPort whose tx_burst impairs what it sends. It takes every frame it is
// offered (dropping what the ring refuses, as a full link would).
class ImpairedPort {
public:
    ImpairedPort(core::EthPort& port, Impairment impairment, std::uint64_t seed)
        : port_(port),
          rng_(seed),
          loss_(impairment.loss),
          duplicate_(impairment.duplicate),
          reorder_(impairment.reorder) {}
    ~ImpairedPort() {
        if (held_ != nullptr) {
            rte_pktmbuf_free(held_);
        }
    }
    ImpairedPort(const ImpairedPort&) = delete;
    ImpairedPort& operator=(const ImpairedPort&) = delete;

    std::uint16_t rx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        return port_.rx_burst(frames, n);
    }
    rte_mbuf* alloc() noexcept { return port_.alloc(); }

    std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        std::uint16_t offered = 0;
        while (offered < n) {
            std::array<rte_mbuf*, 96> out{};
            std::size_t count = 0;
            for (; offered < n && count + 3 <= out.size(); ++offered) {
                rte_mbuf* frame = frames[offered];
                const std::uint64_t index = frames_++;
                if (index == drop_index_) {
                    ++lost_;
                    rte_pktmbuf_free(frame);
                    continue;
                }
                if (drop_first_ > 0) {
                    --drop_first_;
                    ++lost_;
                    rte_pktmbuf_free(frame);
                    continue;
                }
                if (loss_(rng_)) {
                    ++lost_;
                    rte_pktmbuf_free(frame);
                    continue;
                }
                if (duplicate_(rng_)) {
                    rte_mbuf* copy = rte_pktmbuf_copy(frame, port_.pool(), 0, UINT32_MAX);
                    if (copy != nullptr) {
                        out[count++] = copy;
                        ++duplicated_;
                    }
                }
                if (held_ == nullptr && reorder_(rng_)) {
                    held_ = frame;
                    ++reordered_;
                    continue;
                }
                out[count++] = frame;
                if (held_ != nullptr) {
                    out[count++] = held_;
                    held_ = nullptr;
                }
            }
            send(out.data(), count);
        }
        return n;
    }

    // Sends a held-back frame (the wire goes idle).
    bool flush() noexcept {
        if (held_ == nullptr) {
            return false;
        }
        rte_mbuf* frame = held_;
        held_ = nullptr;
        send(&frame, 1);
        return true;
    }

    void drop_next(unsigned count) noexcept { drop_first_ = count; }
    // Drops the frame with this index (0: the first frame this port ever sent).
    void drop_index(std::uint64_t index) noexcept { drop_index_ = index; }
    [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
    [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
    [[nodiscard]] std::uint64_t duplicated() const noexcept { return duplicated_; }
    [[nodiscard]] std::uint64_t reordered() const noexcept { return reordered_; }

private:
    void send(rte_mbuf** frames, std::size_t count) noexcept {
        const auto n = static_cast<std::uint16_t>(count);
        const std::uint16_t taken = port_.tx_burst(frames, n);
        for (std::uint16_t i = taken; i < n; ++i) {
            rte_pktmbuf_free(frames[i]);
            ++lost_;
        }
    }

    core::EthPort& port_;
    core::Rng rng_;
    core::Bernoulli loss_;
    core::Bernoulli duplicate_;
    core::Bernoulli reorder_;
    rte_mbuf* held_ = nullptr;
    unsigned drop_first_ = 0;
    std::uint64_t drop_index_ = UINT64_MAX;
    std::uint64_t frames_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t duplicated_ = 0;
    std::uint64_t reordered_ = 0;
};

inline constexpr proto::MacAddress kMacA = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0A};
inline constexpr proto::MacAddress kMacB = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0B};
inline constexpr std::uint32_t kIpA = 0x0A000001;  // 10.0.0.1 (emulated wire only)
inline constexpr std::uint32_t kIpB = 0x0A000002;  // 10.0.0.2

inline StackConfig wire_config(const proto::MacAddress& mac, std::uint32_t ip) {
    StackConfig config;
    config.mac = mac;
    config.ip = ip;
    config.tcp.max_connections = 64;
    config.tcp.rto_min_ns = 2'000'000;
    config.tcp.rto_initial_ns = 50'000'000;
    config.arp.retry_interval_ns = 20'000'000;
    config.arp.max_requests = 10;
    return config;
}

// The wire, its shims and both stacks.
class ImpairedWire {
public:
    static constexpr std::int64_t kPassNs = 1000;  // virtual time per busy loop pass

    ImpairedWire(Impairment impairment, std::uint64_t seed,
                 const StackConfig& config_a = wire_config(kMacA, kIpA),
                 const StackConfig& config_b = wire_config(kMacB, kIpB))
        : name_(unique_name()),
          port_a_(port_config(name_)),
          port_b_(port_config(name_)),
          shim_a_(port_a_, impairment, core::Rng(seed).fork("a").seed()),
          shim_b_(port_b_, impairment, core::Rng(seed).fork("b").seed()),
          a_(config_a, shim_a_, clock_.now_ns()),
          b_(config_b, shim_b_, clock_.now_ns()) {}

    Stack& a() { return a_; }
    Stack& b() { return b_; }
    ImpairedPort& shim_a() { return shim_a_; }
    ImpairedPort& shim_b() { return shim_b_; }
    core::VirtualClock& clock() { return clock_; }

    // One pass: both stacks poll; when neither did anything, the clock jumps to the next timer
    // (after letting held-back frames go). Returns false when nothing will ever happen again.
    bool step() {
        const std::int64_t now = clock_.now_ns();
        const unsigned work = a_.poll(now) + b_.poll(now);
        if (work > 0) {
            clock_.advance(kPassNs);
            return true;
        }
        if (shim_a_.flush() || shim_b_.flush()) {
            clock_.advance(kPassNs);
            return true;
        }
        const std::int64_t next = std::min(a_.next_timer_ns(), b_.next_timer_ns());
        if (next == kNever) {
            return false;
        }
        clock_.set(std::max(next, now + kPassNs));
        return true;
    }

    // Steps until done() or `max_passes` passes; true when done() was reached. With
    // app_driven, an idle wire still advances the clock by a pass (the application has work the
    // stacks cannot see); otherwise an idle wire ends the run.
    bool run_until(const std::function<bool()>& done, std::uint64_t max_passes = 50'000'000,
                   bool app_driven = false) {
        for (std::uint64_t pass = 0; pass < max_passes; ++pass) {
            if (done()) {
                return true;
            }
            if (!step()) {
                if (!app_driven) {
                    return done();
                }
                clock_.advance(kPassNs);
            }
        }
        return done();
    }

private:
    static std::string unique_name() {
        static std::atomic<unsigned> next{0};
        return "net-impaired-" + std::to_string(next++);
    }
    static core::EthPortConfig port_config(const std::string& name) {
        core::EthPortConfig config;
        config.spec = "ring:" + name;
        config.pool_size = 16383;
        return config;
    }

    std::string name_;
    core::VirtualClock clock_{1'000'000'000};
    core::EthPort port_a_;
    core::EthPort port_b_;
    ImpairedPort shim_a_;
    ImpairedPort shim_b_;
    Stack a_;
    Stack b_;
};

}  // namespace tb::net::test
