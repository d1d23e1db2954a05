#pragma once

// What the emulator needs from a port, and mbuf helpers.
//
// Any type with core::EthPort's burst interface plugs in: EthPort itself (memif, ring, tap, a
// real NIC) or a test double. The type is a template parameter, so there is no virtual call per
// frame. Ownership follows DPDK: rx_burst hands over the frames it returns; tx_burst takes the
// first n it returns and leaves the rest with the caller.

#include <rte_mbuf.h>

#include <concepts>
#include <cstdint>
#include <cstring>
#include <span>

namespace tb::nic {

template <class P>
concept FramePort = requires(P& port, rte_mbuf** frames, std::uint16_t count) {
    { port.rx_burst(frames, count) }
    noexcept->std::same_as<std::uint16_t>;
    { port.tx_burst(frames, count) }
    noexcept->std::same_as<std::uint16_t>;
    { port.alloc() }
    noexcept->std::same_as<rte_mbuf*>;
};

// The bytes of a frame's first segment (all of it for the single-segment frames memif and ring
// ports deliver).
[[nodiscard]] inline std::span<std::uint8_t> first_segment(rte_mbuf* frame) noexcept {
    return {rte_pktmbuf_mtod(frame, std::uint8_t*), frame->data_len};
}

// A copy of `frame` in one mbuf from `port`'s pool; nullptr when the pool is empty or the frame
// does not fit one of its mbufs.
template <FramePort P>
[[nodiscard]] rte_mbuf* copy_frame(P& port, rte_mbuf* frame) noexcept {
    rte_mbuf* copy = port.alloc();
    if (copy == nullptr) {
        return nullptr;
    }
    const std::uint32_t length = frame->pkt_len;
    char* data = rte_pktmbuf_append(copy, static_cast<std::uint16_t>(length));
    if (length > UINT16_MAX || data == nullptr) {
        rte_pktmbuf_free(copy);
        return nullptr;
    }
    const void* bytes = rte_pktmbuf_read(frame, 0, length, data);
    if (bytes != data) {
        std::memcpy(data, bytes, length);
    }
    return copy;
}

}  // namespace tb::nic
