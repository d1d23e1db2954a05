#pragma once

// The Ethernet side of the stack: frames in and out through the bound port, our MAC and VLAN
// tag, a small mbuf cache and the transmit queue.
//
// Frames to send are queued and handed to the port by flush() (the stack flushes at the end of a
// poll pass, and at the end of an application call made outside poll). What the port refuses
// stays queued for the next flush; a frame that finds the queue full after a flush is dropped
// and counted. Ownership of every frame given to send() passes to the link.

#include <rte_mbuf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/frame_io.hpp"
#include "proto/ethernet.hpp"

namespace tb::net {

class Link {
public:
    Link(FrameIo io, const StackConfig& config, StackCounters& counters);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // An empty frame, or nullptr (counted) when the pool is empty.
    [[nodiscard]] rte_mbuf* alloc() noexcept;

    // Ethernet header size of the frames we send (14, or 18 with a VLAN tag).
    [[nodiscard]] std::size_t header_size() const noexcept { return header_size_; }
    [[nodiscard]] const proto::MacAddress& mac() const noexcept { return mac_; }
    [[nodiscard]] bool vlan() const noexcept { return vlan_; }
    [[nodiscard]] std::uint16_t vlan_id() const noexcept { return vlan_tci_ & 0x0FFF; }

    // Grows an empty frame to `size` bytes; the bytes, or nullptr when it does not fit.
    [[nodiscard]] static std::uint8_t* append(rte_mbuf* frame, std::size_t size) noexcept;
    // Writes our Ethernet header at the start of `frame` (which holds at least header_size()).
    void write_header(rte_mbuf* frame, const proto::MacAddress& destination,
                      std::uint16_t ether_type) const noexcept;

    // Queues a complete frame (padded to the 60-byte minimum here); takes ownership.
    void send(rte_mbuf* frame) noexcept;
    // Hands queued frames to the port; returns how many it took.
    unsigned flush() noexcept;
    [[nodiscard]] std::size_t queued() const noexcept { return queued_; }

    [[nodiscard]] std::uint16_t receive(rte_mbuf** frames, std::uint16_t nb_frames) noexcept {
        return io_.rx_burst(io_.port, frames, nb_frames);
    }

private:
    static constexpr unsigned kSpareFrames = 32;

    FrameIo io_;
    proto::MacAddress mac_;
    bool vlan_;
    std::uint16_t vlan_tci_;
    std::size_t header_size_;
    StackCounters& counters_;
    std::vector<rte_mbuf*> queue_;
    std::size_t queued_ = 0;
    std::array<rte_mbuf*, kSpareFrames> spare_{};
    unsigned spare_count_ = 0;
};

}  // namespace tb::net
