#pragma once

// Helpers for the net/ unit tests: a mempool, a port the test scripts (frames in, frames out),
// and a harness that runs a Stack on it with a virtual time, playing the peer with frames built
// by proto/.

#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/stack.hpp"
#include "proto/frame.hpp"

namespace tb::net::test {

inline constexpr proto::MacAddress kStackMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
inline constexpr proto::MacAddress kPeerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr std::uint32_t kStackIp = 0x0A000002;  // 10.0.0.2 (emulated wire only)
inline constexpr std::uint32_t kPeerIp = 0x0A000001;   // 10.0.0.1
inline constexpr proto::MacAddress kBroadcastMac = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

class Mempool {
public:
    explicit Mempool(unsigned size = 8191) {
        static std::atomic<unsigned> next{0};
        const std::string name = "tbnet" + std::to_string(next++);
        pool_ = rte_pktmbuf_pool_create(name.c_str(), size, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                        SOCKET_ID_ANY);
        if (pool_ == nullptr) {
            throw std::runtime_error("cannot create a mempool for the test");
        }
    }
    ~Mempool() { rte_mempool_free(pool_); }
    Mempool(const Mempool&) = delete;
    Mempool& operator=(const Mempool&) = delete;
    [[nodiscard]] rte_mempool* get() const noexcept { return pool_; }
    [[nodiscard]] unsigned in_use() const noexcept { return rte_mempool_in_use_count(pool_); }

private:
    rte_mempool* pool_ = nullptr;
};

// A FramePort the test drives: frames pushed into `rx` are received by the stack, frames the
// stack sends land in `tx` (as bytes; the mbufs are freed). tx_capacity limits how many a
// tx_burst call takes, to test refusals.
struct TestPort {
    rte_mempool* pool = nullptr;
    std::deque<rte_mbuf*> rx;
    std::vector<std::vector<std::uint8_t>> tx;
    std::uint16_t tx_capacity = UINT16_MAX;
    bool alloc_fails = false;

    explicit TestPort(rte_mempool* p) : pool(p) {}
    ~TestPort() {
        for (rte_mbuf* m : rx) {
            rte_pktmbuf_free(m);
        }
    }
    std::uint16_t rx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        std::uint16_t i = 0;
        while (i < n && !rx.empty()) {
            frames[i++] = rx.front();
            rx.pop_front();
        }
        return i;
    }
    std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t n) noexcept {
        const std::uint16_t take = std::min(n, tx_capacity);
        for (std::uint16_t i = 0; i < take; ++i) {
            const auto* p = rte_pktmbuf_mtod(frames[i], const std::uint8_t*);
            tx.emplace_back(p, p + rte_pktmbuf_data_len(frames[i]));
            rte_pktmbuf_free(frames[i]);
        }
        return take;
    }
    rte_mbuf* alloc() noexcept { return alloc_fails ? nullptr : rte_pktmbuf_alloc(pool); }
};
static_assert(FramePort<TestPort>);

inline rte_mbuf* make_mbuf(rte_mempool* pool, std::span<const std::uint8_t> bytes) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) {
        throw std::runtime_error("mempool empty");
    }
    char* p = rte_pktmbuf_append(m, static_cast<std::uint16_t>(bytes.size()));
    std::memcpy(p, bytes.data(), bytes.size());
    return m;
}

inline StackConfig default_config() {
    StackConfig config;
    config.mac = kStackMac;
    config.ip = kStackIp;
    config.arp.gratuitous_at_start = false;
    config.tcp.max_connections = 8;
    config.tcp.send_buffer_bytes = 16384;
    config.tcp.receive_buffer_bytes = 16384;
    config.tcp.rto_min_ns = 10'000'000;
    config.tcp.rto_initial_ns = 100'000'000;
    return config;
}

// Parsed copy of a frame: ParsedFrame's spans point into `bytes`.
struct Sent {
    std::vector<std::uint8_t> bytes;
    proto::ParsedFrame parsed;
    proto::Status status = proto::Status::kOk;
};

class Harness {
public:
    explicit Harness(const StackConfig& config = default_config(), bool learn_peer = true)
        : port_(pool_.get()), stack_(config, port_, now_) {
        if (learn_peer) {
            EXPECT_TRUE(stack_.add_static_arp(kPeerIp, kPeerMac));
        }
        (void)stack_.poll(now_);  // the stack's first pass (announcement, if configured)
    }

    Stack& stack() { return stack_; }
    TestPort& port() { return port_; }
    Mempool& pool() { return pool_; }
    std::int64_t now() const { return now_; }

    void inject(std::span<const std::uint8_t> frame) {
        port_.rx.push_back(make_mbuf(pool_.get(), frame));
    }
    // Polls like a busy loop would until nothing is left to do now (frames to receive, ACKs
    // owed); timers in the future do not run.
    unsigned poll() {
        unsigned work = 0;
        int passes = 0;
        do {
            work += stack_.poll(now_);
        } while ((!port_.rx.empty() || stack_.next_timer_ns() <= now_) && ++passes < 1000);
        return work;
    }
    void advance(std::int64_t ns) {
        now_ += ns;
        (void)poll();
    }
    // Jumps to the stack's next timer and runs it; false when no timer is set. Loops over it
    // end: past kMaxTimerRuns runs (a timer that never settles) it fails the test and says false.
    bool run_next_timer() {
        if (++timer_runs_ > kMaxTimerRuns) {
            ADD_FAILURE() << "more than " << kMaxTimerRuns << " timer runs: a timer never settles";
            return false;
        }
        const std::int64_t next = stack_.next_timer_ns();
        if (next == kNever) {
            return false;
        }
        now_ = std::max(now_, next);
        (void)poll();
        return true;
    }
    std::vector<Sent> take() {
        std::vector<Sent> out;
        for (auto& bytes : port_.tx) {
            Sent s;
            s.bytes = std::move(bytes);
            out.push_back(std::move(s));
        }
        port_.tx.clear();
        for (Sent& s : out) {
            proto::ParseOptions options;
            s.status = proto::parse_frame(s.bytes, s.parsed, options);
        }
        return out;
    }

private:
    static constexpr int kMaxTimerRuns = 10'000;

    Mempool pool_;
    TestPort port_;
    int timer_runs_ = 0;
    std::int64_t now_ = 1'000'000'000;
    Stack stack_;
};

// Frames of the peer host (kPeerMac / kPeerIp) towards the stack.
inline std::vector<std::uint8_t> udp_frame(std::uint16_t source_port,
                                           std::uint16_t destination_port,
                                           std::span<const std::uint8_t> payload,
                                           std::uint32_t destination_ip = kStackIp,
                                           proto::MacAddress destination_mac = kStackMac) {
    proto::FrameSpec spec;
    spec.source = {kPeerMac, kPeerIp, source_port};
    spec.destination = {destination_mac, destination_ip, destination_port};
    std::vector<std::uint8_t> out(1600);
    out.resize(proto::build_udp_frame(spec, payload, out));
    return out;
}

inline std::vector<std::uint8_t> arp_frame(const proto::ArpPacket& arp,
                                           proto::MacAddress destination = kBroadcastMac,
                                           proto::MacAddress source = kPeerMac) {
    std::vector<std::uint8_t> out(proto::kMinFrameSize, 0);
    proto::EthernetHeader eth;
    eth.destination = destination;
    eth.source = source;
    eth.ether_type = proto::kEtherTypeArp;
    const std::size_t n = proto::write_ethernet(eth, out);
    (void)proto::write_arp(arp, std::span(out).subspan(n));
    return out;
}

// A frame with a custom IPv4 payload (protocol, bytes); the IPv4 header comes from write_ipv4.
inline std::vector<std::uint8_t> ipv4_frame(std::uint8_t protocol, std::span<const std::uint8_t> l4,
                                            std::uint32_t destination_ip = kStackIp,
                                            std::uint32_t source_ip = kPeerIp,
                                            proto::MacAddress destination_mac = kStackMac) {
    std::vector<std::uint8_t> out(14 + 20 + l4.size());
    proto::EthernetHeader eth;
    eth.destination = destination_mac;
    eth.source = kPeerMac;
    eth.ether_type = proto::kEtherTypeIpv4;
    (void)proto::write_ethernet(eth, out);
    proto::Ipv4Header ip;
    ip.protocol = protocol;
    ip.source = source_ip;
    ip.destination = destination_ip;
    (void)proto::write_ipv4(ip, l4.size(), std::span(out).subspan(14));
    std::memcpy(out.data() + 34, l4.data(), l4.size());
    if (out.size() < proto::kMinFrameSize) {
        out.resize(proto::kMinFrameSize, 0);
    }
    return out;
}

// The peer side of one TCP connection, building segments with proto::build_tcp_frame.
struct TcpPeer {
    std::uint16_t port = 40000;
    std::uint16_t stack_port = 15000;
    std::uint32_t seq = 1000;  // next sequence number we send
    std::uint32_t ack = 0;     // next sequence number we expect from the stack
    std::uint16_t window = 65535;

    std::vector<std::uint8_t> segment(std::uint8_t flags,
                                      std::span<const std::uint8_t> payload = {},
                                      const proto::TcpOptions& options = {}) const {
        return segment_at(seq, flags, payload, options);
    }
    std::vector<std::uint8_t> segment_at(std::uint32_t at, std::uint8_t flags,
                                         std::span<const std::uint8_t> payload = {},
                                         const proto::TcpOptions& options = {},
                                         std::optional<std::uint32_t> ack_override = {}) const {
        proto::FrameSpec spec;
        spec.source = {kPeerMac, kPeerIp, port};
        spec.destination = {kStackMac, kStackIp, stack_port};
        proto::TcpHeader h;
        h.sequence_number = at;
        h.acknowledgment_number =
            ack_override ? *ack_override : ((flags & proto::kTcpAck) ? ack : 0);
        h.flags = flags;
        h.window = window;
        std::vector<std::uint8_t> out(1600);
        out.resize(proto::build_tcp_frame(spec, h, options, payload, out));
        return out;
    }
    static proto::TcpOptions syn_options(std::uint16_t mss = 1460,
                                         std::optional<std::uint8_t> wscale = {}) {
        proto::TcpOptions o;
        o.has_mss = true;
        o.mss = mss;
        if (wscale) {
            o.has_window_scale = true;
            o.window_scale = *wscale;
        }
        return o;
    }
};

// The only TCP segment among `sent` (asserting there is exactly one).
inline const proto::TcpParse& only_tcp(const std::vector<Sent>& sent) {
    EXPECT_EQ(sent.size(), 1U);
    for (const Sent& s : sent) {
        EXPECT_EQ(s.status, proto::Status::kOk);
        EXPECT_EQ(s.parsed.layer4, proto::Layer4::kTcp);
    }
    static proto::TcpParse empty;
    return sent.empty() ? empty : sent.front().parsed.tcp;
}

inline std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

// Records stream events.
struct Recorder {
    std::vector<StreamId> connected;
    std::vector<std::uint8_t> data;
    std::vector<const std::uint8_t*> data_pointers;
    int peer_closed = 0;
    std::vector<CloseReason> closed;

    void on_connected(StreamId s) noexcept { connected.push_back(s); }
    void on_data(StreamId, std::span<const std::uint8_t> d) noexcept {
        data.insert(data.end(), d.begin(), d.end());
        data_pointers.push_back(d.data());
    }
    void on_peer_closed(StreamId) noexcept { ++peer_closed; }
    void on_closed(StreamId, CloseReason r) noexcept { closed.push_back(r); }
};

// Ring-mode recorder: no on_data.
struct RingRecorder {
    std::vector<StreamId> connected;
    int peer_closed = 0;
    std::vector<CloseReason> closed;
    void on_connected(StreamId s) noexcept { connected.push_back(s); }
    void on_peer_closed(StreamId) noexcept { ++peer_closed; }
    void on_closed(StreamId, CloseReason r) noexcept { closed.push_back(r); }
};

}  // namespace tb::net::test
