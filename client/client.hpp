#pragma once

// Client<Transport, Strategy>: the trading client on a network transport from net/: the
// user-space stack over a DPDK port (net::Stack) or kernel sockets (net::KernelTransport), the
// same logic over both (DESIGN.md, "Modes"). It owns the sockets and the order-entry stream and
// feeds TradingClient (client/trading_client.hpp); the owner's loop calls poll(now) with the
// clock read once per pass.
//
// Sockets: one datagram socket per feed port (one socket joins both groups when feeds A and B
// share a port, as by default); the line of a datagram is told by its destination group, else
// by its socket. Retransmission requests go from their own socket (request_port) to the
// retransmission server, and its answers come back there. The order-entry stream connects to
// the exchange's order-entry port; the session reconnects through it.
//
// Start-up (start()) throws tb::core::StartupError when a socket cannot be opened or a group
// joined; after that nothing throws or allocates.

#include <cstdint>
#include <limits>
#include <span>

#include "client/trading_client.hpp"
#include "core/error.hpp"
#include "net/transport.hpp"

namespace tb::client {

// DESIGN.md, "Wire identities". Addresses in host order.
struct NetConfig {
    net::Endpoint exchange{0x0A00'0001, 15000};        // order entry, 10.0.0.1:15000
    net::Endpoint feed_a{0xE936'0C6F, 26477};          // 233.54.12.111:26477
    net::Endpoint feed_b{0xE936'0C70, 26477};          // 233.54.12.112:26477
    net::Endpoint retransmission{0x0A00'0001, 26478};  // MoldUDP64 request server
    std::uint16_t request_port = 26479;                // our port for requests and their answers
    bool feed_b_enabled = true;
};

struct NetCounters {
    std::uint64_t datagrams = 0;
    std::uint64_t unattributed = 0;  // feed datagrams whose line could not be told (kernel)
    std::uint64_t stream_opens = 0;
    std::uint64_t stream_closes = 0;
    std::uint64_t request_send_failures = 0;

    template <class F>
    void visit(F&& f) const {
        f("datagrams", datagrams);
        f("unattributed", unattributed);
        f("stream_opens", stream_opens);
        f("stream_closes", stream_closes);
        f("request_send_failures", request_send_failures);
    }
};

template <net::Transport T, Strategy S>
class Client {
public:
    using Core = TradingClient<S, Client>;

    // Sizes everything (throws tb::core::ConfigError). Transport and strategy must outlive it.
    Client(const ClientConfig& config, const NetConfig& net, T& transport, S& strategy)
        : net_(net), transport_(transport), core_(config, strategy, *this) {}

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Opens the feed and request sockets, joins the groups and connects the session.
    void start(std::int64_t now_ns) {
        now_ns_ = now_ns;
        const net::DatagramEvents events = net::DatagramEvents::bind(*this);
        socket_a_ = transport_.open_datagram(net_.feed_a.port, events);
        if (!socket_a_.valid()) {
            throw core::StartupError("cannot open the UDP port " +
                                     std::to_string(net_.feed_a.port) +
                                     " of feed A (in use, or no free socket)");
        }
        socket_b_ = socket_a_;
        if (net_.feed_b_enabled && net_.feed_b.port != net_.feed_a.port) {
            socket_b_ = transport_.open_datagram(net_.feed_b.port, events);
            if (!socket_b_.valid()) {
                throw core::StartupError("cannot open the UDP port " +
                                         std::to_string(net_.feed_b.port) + " of feed B");
            }
        }
        if (!transport_.join(socket_a_, net_.feed_a.ip) ||
            (net_.feed_b_enabled && !transport_.join(socket_b_, net_.feed_b.ip))) {
            throw core::StartupError(
                "cannot join the feed multicast groups (check the interface and the group "
                "addresses)");
        }
        request_socket_ = transport_.open_datagram(net_.request_port, events);
        if (!request_socket_.valid()) {
            throw core::StartupError("cannot open the UDP port " +
                                     std::to_string(net_.request_port) +
                                     " for retransmission requests (in use? see --request-port)");
        }
        core_.start(now_ns);
    }

    // One loop pass: the transport (receive, timers, transmit), then the client's timers.
    unsigned poll(std::int64_t now_ns) noexcept {
        now_ns_ = now_ns;
        unsigned work = transport_.poll(now_ns);
        work += core_.poll(now_ns);
        return work;
    }
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept {
        return std::min(transport_.next_timer_ns(), core_.next_timer_ns());
    }
    void stop(std::int64_t now_ns) noexcept {
        now_ns_ = now_ns;
        core_.stop(now_ns);
    }

    [[nodiscard]] Core& core() noexcept { return core_; }
    [[nodiscard]] const Core& core() const noexcept { return core_; }
    [[nodiscard]] const NetCounters& net_counters() const noexcept { return counters_; }

    // ---- TradingClient's Io ----
    bool stream_connect() noexcept {
        stream_ = transport_.connect(net_.exchange, net::StreamEvents::bind(*this));
        if (stream_.valid()) {
            ++counters_.stream_opens;
        }
        return stream_.valid();
    }
    std::size_t stream_send(std::span<const std::uint8_t> bytes) noexcept {
        return stream_.valid() ? transport_.send(stream_, bytes) : 0;
    }
    void stream_abort() noexcept {
        if (stream_.valid()) {
            transport_.abort(stream_);
            stream_ = net::StreamId{};
        }
    }
    void stream_close() noexcept {
        if (stream_.valid()) {
            transport_.close(stream_);
        }
    }
    bool request_send(std::span<const std::uint8_t> bytes) noexcept {
        if (!transport_.send_to(request_socket_, net_.retransmission, bytes)) {
            ++counters_.request_send_failures;
            return false;
        }
        return true;
    }

    // ---- transport events ----
    void on_connected(net::StreamId stream) noexcept {
        if (stream == stream_) {
            core_.on_stream_connected(now_ns_);
        }
    }
    void on_data(net::StreamId stream, std::span<const std::uint8_t> data) noexcept {
        if (stream == stream_) {
            core_.on_stream_data(data, now_ns_);
        }
    }
    void on_peer_closed(net::StreamId stream) noexcept {
        if (stream == stream_) {
            // SoupBinTCP has nothing more to say after the server's FIN: finish our side.
            transport_.close(stream);
            stream_ = net::StreamId{};
            ++counters_.stream_closes;
            core_.on_stream_closed(now_ns_);
        }
    }
    void on_closed(net::StreamId stream, net::CloseReason) noexcept {
        if (stream == stream_) {
            stream_ = net::StreamId{};
            ++counters_.stream_closes;
            core_.on_stream_closed(now_ns_);
        }
    }
    void on_datagram(net::DatagramId socket, const net::Datagram& datagram) noexcept {
        ++counters_.datagrams;
        FeedLine line;
        if (socket == request_socket_) {
            line = FeedLine::kRetransmission;
        } else if (datagram.destination_ip == net_.feed_a.ip) {
            line = FeedLine::kA;
        } else if (datagram.destination_ip == net_.feed_b.ip) {
            line = FeedLine::kB;
        } else if (socket_a_ != socket_b_) {
            line = socket == socket_b_ ? FeedLine::kB : FeedLine::kA;
        } else {
            ++counters_.unattributed;
            line = FeedLine::kA;
        }
        core_.on_feed(line, datagram.payload, now_ns_);
    }

private:
    NetConfig net_;
    T& transport_;
    Core core_;
    net::DatagramId socket_a_;
    net::DatagramId socket_b_;
    net::DatagramId request_socket_;
    net::StreamId stream_;
    std::int64_t now_ns_ = 0;
    NetCounters counters_;
};

}  // namespace tb::client
