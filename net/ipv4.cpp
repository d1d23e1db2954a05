#include "net/ipv4.hpp"

#include <cassert>
#include <span>

namespace tb::net {

Ipv4::Ipv4(const StackConfig& config, Link& link, Arp& arp, StackCounters& counters) noexcept
    : config_(config), link_(link), arp_(arp), counters_(counters) {}

std::uint8_t* Ipv4::begin(rte_mbuf* frame, std::size_t l4_size) noexcept {
    if (l4_size > max_payload()) {
        return nullptr;
    }
    std::uint8_t* bytes =
        Link::append(frame, link_.header_size() + proto::kIpv4MinHeaderSize + l4_size);
    if (bytes == nullptr) {
        return nullptr;
    }
    return bytes + link_.header_size() + proto::kIpv4MinHeaderSize;
}

void Ipv4::send(rte_mbuf* frame, std::uint32_t destination, std::uint8_t protocol,
                std::size_t l4_size, std::int64_t now_ns, std::uint8_t ttl) noexcept {
    const bool multicast = is_multicast(destination);
    proto::Ipv4Header header;
    // RFC 6864 section 4.1: the identification of an atomic datagram (DF set, no fragments) has
    // no meaning; a counter is what most hosts send.
    header.identification = identification_++;
    header.flags_fragment = proto::kIpv4DontFragment;
    header.ttl = ttl != 0 ? ttl : (multicast ? config_.multicast_ttl : config_.ttl);
    header.protocol = protocol;
    header.source = config_.ip;
    header.destination = destination;
    std::uint8_t* l3 = rte_pktmbuf_mtod(frame, std::uint8_t*) + link_.header_size();
    const std::size_t written =
        proto::write_ipv4(header, l4_size, std::span(l3, proto::kIpv4MinHeaderSize));
    assert(written == proto::kIpv4MinHeaderSize);
    (void)written;

    if (multicast) {
        link_.write_header(frame, multicast_mac(destination), proto::kEtherTypeIpv4);
        link_.send(frame);
        return;
    }
    if (is_broadcast(destination)) {
        link_.write_header(frame, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, proto::kEtherTypeIpv4);
        link_.send(frame);
        return;
    }
    std::uint32_t next_hop = destination;
    if (!on_link(destination)) {
        if (config_.gateway == 0) {
            rte_pktmbuf_free(frame);
            ++counters_.arp_no_route;
            return;
        }
        next_hop = config_.gateway;
    }
    arp_.send_to(frame, next_hop, now_ns);
}

}  // namespace tb::net
