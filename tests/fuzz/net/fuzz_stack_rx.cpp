// Fuzz target: the stack's receive path (Ethernet, ARP, IPv4, ICMP, IGMP, UDP, TCP) with a live
// TCP connection, a listener, a bound UDP socket and a joined group, kept across inputs like a
// long-running process.
//
// Input: byte 0 picks a template frame (or raw bytes), byte 1 says whether checksums are repaired
// after mutation (so the layers behind the checksums are reached), and the rest are (offset,
// xor) pairs applied to the template, or the raw frame itself. Each input also advances the
// virtual time, so the timers run. The check: nothing crashes (ASan/UBSan), no mbuf leaks, and the
// stack keeps working (the connection is re-established whenever an input tore it down).

#include <rte_mbuf.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "core/counters.hpp"
#include "core/eal.hpp"
#include "core/endian.hpp"
#include "net/stack.hpp"
#include "proto/checksum.hpp"
#include "proto/frame.hpp"

namespace {

using namespace tb;

constexpr proto::MacAddress kStackMac = {0x02, 0, 0, 0, 0, 0x02};
constexpr proto::MacAddress kPeerMac = {0x02, 0, 0, 0, 0, 0x01};
constexpr std::uint32_t kStackIp = 0x0A000002;
constexpr std::uint32_t kPeerIp = 0x0A000001;
constexpr std::uint32_t kGroup = 0xE9360C6F;
constexpr std::uint16_t kListenPort = 15000;
constexpr std::uint16_t kPeerPort = 40000;
constexpr std::uint16_t kUdpPort = 26477;

struct Port {
    rte_mempool* pool = nullptr;
    std::deque<rte_mbuf*> rx;
    std::vector<std::vector<std::uint8_t>> tx;
    std::uint16_t rx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        std::uint16_t i = 0;
        while (i < n && !rx.empty()) {
            frames[i++] = rx.front();
            rx.pop_front();
        }
        return i;
    }
    std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        for (std::uint16_t i = 0; i < n; ++i) {
            const auto* p = rte_pktmbuf_mtod(frames[i], const std::uint8_t*);
            if (tx.size() < 64) {
                tx.emplace_back(p, p + rte_pktmbuf_data_len(frames[i]));
            }
            rte_pktmbuf_free(frames[i]);
        }
        return n;
    }
    rte_mbuf* alloc() noexcept { return rte_pktmbuf_alloc(pool); }
};

struct Handler {
    net::Stack* stack = nullptr;
    net::StreamId stream;
    std::uint64_t bytes = 0;
    void on_connected(net::StreamId id) noexcept { stream = id; }
    void on_data(net::StreamId id, std::span<const std::uint8_t> data) noexcept {
        bytes += data.size();
        if (bytes % 3 == 0) {
            (void)stack->send(id, data);  // echo now and then: the send path under fuzz too
        }
    }
    void on_peer_closed(net::StreamId id) noexcept { stack->close(id); }
    void on_closed(net::StreamId, net::CloseReason) noexcept { stream = {}; }
    void on_datagram(net::DatagramId socket, const net::Datagram& d) noexcept {
        (void)stack->send_to(socket, d.source,
                             d.payload.first(std::min<std::size_t>(d.payload.size(), 16)));
    }
};

struct Environment {
    std::unique_ptr<core::Eal> eal;
    rte_mempool* pool = nullptr;
    Port port;
    std::unique_ptr<net::Stack> stack;
    Handler handler;
    std::int64_t now = 1'000'000'000;
    std::uint32_t peer_seq = 5000;  // next sequence number the fake peer sends
    std::uint32_t stack_seq = 0;    // what the peer acknowledges

    Environment() {
        eal = std::make_unique<core::Eal>(core::EalOptions{.args = {}, .program = "fuzz_net"});
        pool = rte_pktmbuf_pool_create("fuzznet", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       SOCKET_ID_ANY);
        if (pool == nullptr) {
            std::abort();
        }
        port.pool = pool;
        net::StackConfig config;
        config.mac = kStackMac;
        config.ip = kStackIp;
        config.tcp.max_connections = 8;
        config.tcp.send_buffer_bytes = 8192;
        config.tcp.receive_buffer_bytes = 8192;
        config.tcp.max_out_of_order_ranges = 4;
        config.tcp.keepalive = true;
        config.arp.cache_size = 4;
        stack = std::make_unique<net::Stack>(config, port, now);
        handler.stack = stack.get();
        (void)stack->listen(kListenPort, net::StreamEvents::bind(handler));
        const net::DatagramId socket =
            stack->open_datagram(kUdpPort, net::DatagramEvents::bind(handler));
        (void)stack->join(socket, kGroup);
        (void)stack->add_static_arp(kPeerIp, kPeerMac);
    }

    // TB_FUZZ_NET_STATS=1: print the stack's counters at exit, to see which paths inputs reach.
    ~Environment() {
        if (std::getenv("TB_FUZZ_NET_STATS") != nullptr) {
            std::printf("%s\n", core::format_counters(stack->counters()).c_str());
        }
    }

    void inject(std::span<const std::uint8_t> frame) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool);
        if (m == nullptr) {
            return;
        }
        const std::size_t size = std::min<std::size_t>(frame.size(), 2000);
        char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(size));
        if (p == nullptr) {
            rte_pktmbuf_free(m);
            return;
        }
        if (size > 0) {  // an empty frame is an input too (a runt), but memcpy wants a pointer
            std::memcpy(p, frame.data(), size);
        }
        port.rx.push_back(m);
    }

    void poll() {
        do {
            (void)stack->poll(now);
        } while (!port.rx.empty());
        // Learn the stack's sequence number from what it sent on our connection.
        for (const auto& bytes : port.tx) {
            proto::ParsedFrame parsed;
            if (proto::parse_frame(bytes, parsed) == proto::Status::kOk &&
                parsed.layer4 == proto::Layer4::kTcp &&
                parsed.tcp.header.destination_port == kPeerPort) {
                const auto& h = parsed.tcp.header;
                stack_seq = h.sequence_number +
                            static_cast<std::uint32_t>(parsed.tcp.payload.size()) +
                            ((h.flags & (proto::kTcpSyn | proto::kTcpFin)) != 0 ? 1U : 0U);
                if ((h.flags & proto::kTcpAck) != 0 && (h.flags & proto::kTcpRst) == 0) {
                    peer_seq = h.acknowledgment_number;  // stay in step after a mutated segment
                }
            }
        }
        port.tx.clear();
    }

    std::vector<std::uint8_t> tcp(std::uint8_t flags, std::span<const std::uint8_t> payload,
                                  std::uint16_t destination_port = kListenPort,
                                  bool syn_options = false) {
        proto::FrameSpec spec;
        spec.source = {kPeerMac, kPeerIp, kPeerPort};
        spec.destination = {kStackMac, kStackIp, destination_port};
        proto::TcpHeader h;
        h.sequence_number = peer_seq;
        h.acknowledgment_number = (flags & proto::kTcpAck) != 0 ? stack_seq : 0;
        h.flags = flags;
        h.window = 4096;
        proto::TcpOptions options;
        if (syn_options) {
            options.has_mss = true;
            options.mss = 1000;
            options.has_window_scale = true;
            options.window_scale = 2;
        }
        std::vector<std::uint8_t> out(1600);
        out.resize(proto::build_tcp_frame(spec, h, options, payload, out));
        return out;
    }

    // A connection from the peer to our listener, when there is none.
    void ensure_connection() {
        if (handler.stream.valid() &&
            stack->state(handler.stream) == net::StreamState::kEstablished) {
            return;
        }
        if (handler.stream.valid()) {
            stack->abort(handler.stream);
            handler.stream = {};
        }
        // A clean slate for the four-tuple: reset whatever is left of an old incarnation.
        inject(tcp(proto::kTcpRst, {}));
        poll();
        peer_seq += 100000;
        inject(tcp(proto::kTcpSyn, {}, kListenPort, true));
        poll();  // the SYN-ACK sets stack_seq and peer_seq
        inject(tcp(proto::kTcpAck, {}));
        poll();
    }
};

Environment& environment() {
    static Environment env;
    return env;
}

// Recomputes the IPv4 header checksum and the layer-4 checksum of a frame, where it can.
void repair_checksums(std::vector<std::uint8_t>& f) {
    if (f.size() < 34 || core::load_be16(f.data() + 12) != proto::kEtherTypeIpv4) {
        return;
    }
    const std::size_t ihl = (f[14] & 0x0F) * 4U;
    if (ihl < 20 || 14 + ihl > f.size()) {
        return;
    }
    core::store_be16(f.data() + 24, 0);
    core::store_be16(f.data() + 24, proto::internet_checksum(std::span(f).subspan(14, ihl)));
    const std::size_t total = core::load_be16(f.data() + 16);
    if (total < ihl || 14 + total > f.size()) {
        return;
    }
    const std::span<std::uint8_t> l4 = std::span(f).subspan(14 + ihl, total - ihl);
    const std::uint8_t protocol = f[23];
    const std::uint32_t source = core::load_be32(f.data() + 26);
    const std::uint32_t destination = core::load_be32(f.data() + 30);
    std::size_t at = 0;
    std::uint64_t sum = 0;
    if (protocol == proto::kIpProtocolTcp && l4.size() >= 20) {
        at = 16;
        sum = proto::pseudo_header_sum(source, destination, protocol,
                                       static_cast<std::uint16_t>(l4.size()));
    } else if (protocol == proto::kIpProtocolUdp && l4.size() >= 8) {
        at = 6;
        sum = proto::pseudo_header_sum(source, destination, protocol,
                                       static_cast<std::uint16_t>(l4.size()));
    } else if ((protocol == proto::kIpProtocolIcmp || protocol == net::kIpProtocolIgmp) &&
               l4.size() >= 4) {
        at = 2;
    } else {
        return;
    }
    core::store_be16(l4.data() + at, 0);
    core::store_be16(l4.data() + at, proto::checksum_finish(proto::checksum_add(sum, l4)));
}

std::vector<std::uint8_t> ip_frame(std::uint8_t protocol, std::span<const std::uint8_t> l4,
                                   std::uint32_t destination, proto::MacAddress mac) {
    std::vector<std::uint8_t> out(34 + l4.size());
    proto::EthernetHeader eth;
    eth.destination = mac;
    eth.source = kPeerMac;
    eth.ether_type = proto::kEtherTypeIpv4;
    (void)proto::write_ethernet(eth, out);
    proto::Ipv4Header ip;
    ip.protocol = protocol;
    ip.source = kPeerIp;
    ip.destination = destination;
    (void)proto::write_ipv4(ip, l4.size(), std::span(out).subspan(14));
    std::memcpy(out.data() + 34, l4.data(), l4.size());
    return out;
}

std::vector<std::uint8_t> template_frame(Environment& env, std::uint8_t kind,
                                         std::span<const std::uint8_t> payload) {
    switch (kind % 9) {
        case 0: {  // ARP request for us
            std::vector<std::uint8_t> out(60, 0);
            proto::EthernetHeader eth;
            eth.destination = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
            eth.source = kPeerMac;
            eth.ether_type = proto::kEtherTypeArp;
            (void)proto::write_ethernet(eth, out);
            proto::ArpPacket arp;
            arp.sender_mac = kPeerMac;
            arp.sender_ip = kPeerIp + (kind >> 4);
            arp.target_ip = kStackIp;
            (void)proto::write_arp(arp, std::span(out).subspan(14));
            return out;
        }
        case 1: {  // ICMP echo request
            std::vector<std::uint8_t> l4(8 + payload.size());
            proto::IcmpEcho echo;
            echo.identifier = 1;
            echo.data = payload;
            (void)proto::write_icmp_echo(echo, l4);
            return ip_frame(proto::kIpProtocolIcmp, l4, kStackIp, kStackMac);
        }
        case 2:
        case 3: {  // UDP unicast or to the group
            proto::FrameSpec spec;
            spec.source = {kPeerMac, kPeerIp, 1234};
            const bool group = kind % 9 == 3;
            spec.destination = {group ? net::multicast_mac(kGroup) : kStackMac,
                                group ? kGroup : kStackIp, kUdpPort};
            std::vector<std::uint8_t> out(1600);
            out.resize(proto::build_udp_frame(spec, payload, out));
            return out;
        }
        case 4: {  // IGMP query
            std::vector<std::uint8_t> l4(8);
            net::IgmpMessage m;
            m.type = net::kIgmpMembershipQuery;
            m.max_response_time = 10;
            (void)net::write_igmp(m, l4);
            return ip_frame(net::kIpProtocolIgmp, l4, net::kAllHostsGroup,
                            net::multicast_mac(net::kAllHostsGroup));
        }
        case 5:
        case 6: {  // data on the live connection, in order or a little ahead
            env.ensure_connection();
            const std::uint32_t saved = env.peer_seq;
            if (kind % 9 == 6) {
                env.peer_seq += 1 + (kind >> 4) * 100;
            }
            auto out = env.tcp(proto::kTcpAck | proto::kTcpPsh,
                               payload.first(std::min<std::size_t>(payload.size(), 1000)));
            env.peer_seq = kind % 9 == 6
                               ? saved
                               : env.peer_seq + static_cast<std::uint32_t>(
                                                    std::min<std::size_t>(payload.size(), 1000));
            return out;
        }
        case 7:  // FIN, RST or SYN on the connection
            env.ensure_connection();
            return env.tcp((kind >> 4) % 3 == 0
                               ? proto::kTcpFin | proto::kTcpAck
                               : ((kind >> 4) % 3 == 1 ? proto::kTcpRst : proto::kTcpSyn),
                           {});
        default:  // a segment to a closed port
            return env.tcp(proto::kTcpAck,
                           payload.first(std::min<std::size_t>(payload.size(), 100)), 15999);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Environment& env = environment();
    env.now += 3'000'000;  // timers get their turn as inputs go by
    if (size < 2) {
        env.poll();
        return 0;
    }
    const std::span<const std::uint8_t> rest(data + 2, size - 2);
    std::vector<std::uint8_t> frame;
    if (data[0] == 0xFF) {
        frame.assign(rest.begin(), rest.end());  // raw bytes
    } else {
        frame = template_frame(env, data[0], rest);
        for (std::size_t i = 0; i + 1 < rest.size() && i < 16; i += 2) {
            if (!frame.empty()) {
                frame[rest[i] % frame.size()] ^= rest[i + 1];
            }
        }
        if (rest.size() > 32 && rest[32] < 32 && frame.size() > rest[32]) {
            frame.resize(frame.size() - rest[32]);  // truncations too
        }
        if ((data[1] & 1) != 0) {
            repair_checksums(frame);
        }
    }
    env.inject(frame);
    env.poll();
    // Mbufs held: the link's cache and queue, ARP's pending frames; nothing grows without bound.
    if (rte_mempool_in_use_count(env.pool) > 512) {
        std::fprintf(stderr, "fuzz_net_rx: %u mbufs in use: a leak\n",
                     rte_mempool_in_use_count(env.pool));
        std::abort();
    }
    return 0;
}
