#pragma once

// The user-space host stack: ARP, IPv4, ICMP echo, IGMPv2, UDP and TCP over one port.
//
// Driving it: poll(now_ns) sends the ACKs still owed from the previous pass, takes at most one
// receive burst (config.rx_burst frames), runs the timers that are due and hands every queued
// frame to the port; it returns the work done (frames received, timers run, frames sent), so an
// idle loop can spin or back off.
//
// ACKs: data received in a pass is acknowledged by the next segment the connection sends, which
// is the application's reply when it sends one before the next poll (request/response traffic
// then needs no pure ACK at all), or a pure ACK at the start of the next poll. There is no
// delayed-ACK timer unless configured (TcpConfig::delayed_ack); out-of-order and gap-filling
// segments are acknowledged at once (RFC 5681 section 4.2). The clock is the caller's: pass
// TscClock or VirtualClock time, read once per loop pass. next_timer_ns() says when a poll is next
// needed with nothing received, so a virtual clock can jump there when every component is idle. The
// stack reads no clock and runs no thread; with the same inputs at the same times it sends the same
// frames (sim mode).
//
// Application calls made outside poll() (send, close, send_to ...) take effect at once: their
// frames go to the port before the call returns, stamped with the time of the last poll (or
// start_ns). Calls made from callbacks inside poll() are sent at the end of that poll.
//
// Memory: every table, buffer and queue is sized from StackConfig in the constructor; nothing is
// allocated afterwards. Frames come from the port's pool.
//
// Thread rules: one thread owns the stack and its port.

#include <rte_mbuf.h>

#include <cstdint>
#include <span>
#include <vector>

#include "net/arp.hpp"
#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/frame_io.hpp"
#include "net/igmp.hpp"
#include "net/ipv4.hpp"
#include "net/link.hpp"
#include "net/tcp.hpp"
#include "net/timer_heap.hpp"
#include "net/transport.hpp"
#include "net/udp.hpp"

namespace tb::net {

class Stack {
public:
    // Throws core::ConfigError when the configuration cannot work (validate()). `start_ns` is the
    // clock's time now. The port must outlive the stack.
    Stack(const StackConfig& config, FrameIo io, std::int64_t start_ns);
    template <FramePort P>
    Stack(const StackConfig& config, P& port, std::int64_t start_ns)
        : Stack(config, FrameIo::of(port), start_ns) {}
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    [[nodiscard]] unsigned poll(std::int64_t now_ns) noexcept;
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept;

    // Streams (TCP); see net/transport.hpp for the contract.
    [[nodiscard]] StreamId connect(Endpoint remote, const StreamEvents& events) noexcept;
    // The same from a chosen local port (simultaneous open, tests).
    [[nodiscard]] StreamId connect_from(std::uint16_t local_port, Endpoint remote,
                                        const StreamEvents& events) noexcept;
    [[nodiscard]] bool listen(std::uint16_t port, const StreamEvents& events) noexcept {
        return tcp_.listen(port, events);
    }
    bool unlisten(std::uint16_t port) noexcept { return tcp_.unlisten(port); }
    bool set_events(StreamId stream, const StreamEvents& events) noexcept {
        return tcp_.set_events(stream, events);
    }
    [[nodiscard]] std::size_t send(StreamId stream, std::span<const std::uint8_t> data) noexcept;
    [[nodiscard]] std::size_t receive(StreamId stream, std::span<std::uint8_t> out) noexcept;
    [[nodiscard]] std::span<const std::uint8_t> peek(StreamId stream) noexcept {
        return tcp_.peek(stream);
    }
    std::size_t consume(StreamId stream, std::size_t count) noexcept;
    [[nodiscard]] std::size_t readable(StreamId stream) const noexcept {
        return tcp_.readable(stream);
    }
    [[nodiscard]] std::size_t send_space(StreamId stream) const noexcept {
        return tcp_.send_space(stream);
    }
    void close(StreamId stream) noexcept;
    void abort(StreamId stream) noexcept;
    [[nodiscard]] StreamState state(StreamId stream) const noexcept { return tcp_.state(stream); }
    [[nodiscard]] Endpoint remote(StreamId stream) const noexcept { return tcp_.remote(stream); }

    // Datagrams (UDP).
    [[nodiscard]] DatagramId open_datagram(std::uint16_t port,
                                           const DatagramEvents& events) noexcept {
        return udp_.open(port, events);
    }
    void close_datagram(DatagramId socket) noexcept;
    [[nodiscard]] bool join(DatagramId socket, std::uint32_t group) noexcept;
    [[nodiscard]] bool leave(DatagramId socket, std::uint32_t group) noexcept;
    [[nodiscard]] bool send_to(DatagramId socket, Endpoint destination,
                               std::span<const std::uint8_t> payload) noexcept;
    [[nodiscard]] std::size_t max_datagram_payload() const noexcept { return udp_.max_payload(); }

    // ARP: a permanent entry (sim mode and tests); the MAC in use for an address, if any.
    bool add_static_arp(std::uint32_t ip, const proto::MacAddress& mac) noexcept {
        return arp_.add_static(ip, mac);
    }
    [[nodiscard]] const proto::MacAddress* arp_lookup(std::uint32_t ip) const noexcept {
        return arp_.lookup(ip, now_ns_);
    }

    // Introspection.
    [[nodiscard]] const StackCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const StackConfig& config() const noexcept { return config_; }
    [[nodiscard]] bool tcp_info(StreamId stream, TcpInfo& out) const noexcept {
        return tcp_.info(stream, out);
    }
    [[nodiscard]] TcpState tcp_state_of(Endpoint remote, std::uint16_t local_port) const noexcept {
        return tcp_.state_of(remote, local_port);
    }
    [[nodiscard]] std::uint32_t tcp_connections_in_use() const noexcept {
        return tcp_.connections_in_use();
    }
    [[nodiscard]] std::size_t tx_queued() const noexcept { return link_.queued(); }
    [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }

private:
    void input(rte_mbuf* frame) noexcept;
    void ipv4_input(std::span<const std::uint8_t> packet) noexcept;
    void icmp_input(const proto::Ipv4Header& ip, std::span<const std::uint8_t> message) noexcept;
    void igmp_input(std::span<const std::uint8_t> message) noexcept;
    void run_timer(std::uint32_t id) noexcept;
    void after_call() noexcept {
        if (!in_poll_) {
            (void)link_.flush();
        }
    }

    StackConfig config_;
    StackCounters counters_;
    std::uint32_t arp_timer_base_;
    std::uint32_t igmp_timer_id_;
    TimerHeap timers_;
    Link link_;
    Arp arp_;
    Ipv4 ip_;
    Igmp igmp_;
    Udp udp_;
    Tcp tcp_;
    std::vector<rte_mbuf*> rx_;
    std::int64_t now_ns_;
    bool in_poll_ = false;
    bool started_ = false;
};

static_assert(Transport<Stack>);

}  // namespace tb::net
