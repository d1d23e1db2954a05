#pragma once

// How the stack reaches its frames: any port with DPDK's burst calls and an mbuf allocator
// (core::EthPort, a test port, nic_emu's ports, sim mode's ring ends).
//
// The port is bound once at start-up into a FrameIo function table (STYLE.md: "a function table
// filled at init"); the stack makes one call through it per receive burst, one per transmit
// burst and one per refill of its small mbuf cache, never one per packet.
//
// Ownership is DPDK's: rx_burst hands over the mbufs it returns; tx_burst takes the first n it
// returns and the rest are still the caller's.

#include <rte_mbuf.h>

#include <concepts>
#include <cstdint>

namespace tb::net {

template <class P>
concept FramePort = requires(P& port, rte_mbuf** frames, std::uint16_t nb_frames) {
    { port.rx_burst(frames, nb_frames) }
    noexcept->std::same_as<std::uint16_t>;
    { port.tx_burst(frames, nb_frames) }
    noexcept->std::same_as<std::uint16_t>;
    { port.alloc() }
    noexcept->std::same_as<rte_mbuf*>;
};

struct FrameIo {
    void* port = nullptr;
    std::uint16_t (*rx_burst)(void* port, rte_mbuf** frames,
                              std::uint16_t nb_frames) noexcept = nullptr;
    std::uint16_t (*tx_burst)(void* port, rte_mbuf** frames,
                              std::uint16_t nb_frames) noexcept = nullptr;
    // Allocates up to `count` mbufs into frames[]; returns how many it got.
    unsigned (*alloc)(void* port, rte_mbuf** frames, unsigned count) noexcept = nullptr;

    // The table for `port`, which must outlive the stack using it.
    template <FramePort P>
    [[nodiscard]] static FrameIo of(P& port) noexcept {
        FrameIo io;
        io.port = &port;
        io.rx_burst = [](void* p, rte_mbuf** frames, std::uint16_t n) noexcept {
            return static_cast<P*>(p)->rx_burst(frames, n);
        };
        io.tx_burst = [](void* p, rte_mbuf** frames, std::uint16_t n) noexcept {
            return static_cast<P*>(p)->tx_burst(frames, n);
        };
        io.alloc = [](void* p, rte_mbuf** frames, unsigned count) noexcept {
            auto& port_ref = *static_cast<P*>(p);
            if constexpr (requires(P & q) {
                              { q.alloc_bulk(frames, count) }
                              noexcept->std::same_as<bool>;
                          }) {
                if (port_ref.alloc_bulk(frames, count)) {
                    return count;
                }
            }
            unsigned got = 0;
            while (got < count) {
                rte_mbuf* frame = port_ref.alloc();
                if (frame == nullptr) {
                    break;
                }
                frames[got++] = frame;
            }
            return got;
        };
        return io;
    }
};

}  // namespace tb::net
