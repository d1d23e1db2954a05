#include "net/link.hpp"

#include <cstring>

#include "core/endian.hpp"

namespace tb::net {

Link::Link(FrameIo io, const StackConfig& config, StackCounters& counters)
    : io_(io),
      mac_(config.mac),
      vlan_(config.vlan),
      vlan_tci_(config.vlan_tci),
      header_size_(proto::kEthernetHeaderSize + (config.vlan ? proto::kVlanTagSize : 0)),
      counters_(counters),
      queue_(config.tx_queue_frames, nullptr) {}

Link::~Link() {
    for (std::size_t i = 0; i < queued_; ++i) {
        rte_pktmbuf_free(queue_[i]);
    }
    for (unsigned i = 0; i < spare_count_; ++i) {
        rte_pktmbuf_free(spare_[i]);
    }
}

rte_mbuf* Link::alloc() noexcept {
    if (spare_count_ == 0) {
        // One call through the port's table per kSpareFrames frames, not one per frame.
        spare_count_ = io_.alloc(io_.port, spare_.data(), kSpareFrames);
        if (spare_count_ == 0) {
            ++counters_.tx_no_mbuf;
            return nullptr;
        }
    }
    return spare_[--spare_count_];
}

std::uint8_t* Link::append(rte_mbuf* frame, std::size_t size) noexcept {
    if (size > UINT16_MAX) {
        return nullptr;
    }
    return reinterpret_cast<std::uint8_t*>(
        rte_pktmbuf_append(frame, static_cast<std::uint16_t>(size)));
}

void Link::write_header(rte_mbuf* frame, const proto::MacAddress& destination,
                        std::uint16_t ether_type) const noexcept {
    proto::EthernetHeader header;
    header.destination = destination;
    header.source = mac_;
    header.has_vlan = vlan_;
    header.vlan_tci = vlan_tci_;
    header.ether_type = ether_type;
    const std::size_t written = proto::write_ethernet(
        header, std::span(rte_pktmbuf_mtod(frame, std::uint8_t*), rte_pktmbuf_data_len(frame)));
    (void)written;
}

void Link::send(rte_mbuf* frame) noexcept {
    const std::uint32_t size = rte_pktmbuf_pkt_len(frame);
    if (size < proto::kMinFrameSize) {
        char* pad =
            rte_pktmbuf_append(frame, static_cast<std::uint16_t>(proto::kMinFrameSize - size));
        if (pad != nullptr) {
            std::memset(pad, 0, proto::kMinFrameSize - size);
        }
    }
    if (queued_ == queue_.size()) {
        (void)flush();
        if (queued_ == queue_.size()) {
            rte_pktmbuf_free(frame);
            ++counters_.tx_dropped;
            return;
        }
    }
    queue_[queued_++] = frame;
}

unsigned Link::flush() noexcept {
    unsigned taken = 0;
    while (queued_ > taken) {
        const std::size_t left = queued_ - taken;
        const auto offer = static_cast<std::uint16_t>(left > UINT16_MAX ? UINT16_MAX : left);
        const std::uint16_t nb_tx = io_.tx_burst(io_.port, queue_.data() + taken, offer);
        taken += nb_tx;
        if (nb_tx < offer) {
            break;  // the port is full: the rest stays queued, still ours (DPDK's rule)
        }
    }
    if (taken > 0 && taken < queued_) {
        std::memmove(queue_.data(), queue_.data() + taken, (queued_ - taken) * sizeof(rte_mbuf*));
    }
    queued_ -= taken;
    counters_.tx_frames += taken;
    return taken;
}

}  // namespace tb::net
