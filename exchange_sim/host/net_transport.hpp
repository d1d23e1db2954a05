#pragma once

// The exchange's transport over a real network transport: net::Stack (the user-space stack over
// a DPDK port, memif and sim modes) or net::KernelTransport (kernel sockets on loopback, kernel
// mode). NetTransport<T> satisfies ExchangeTransport (exchange_sim/exchange.hpp) and turns the
// transport's events into the exchange's receive path:
//
//   order entry   TCP listener on the order-entry port; each accepted stream is one gateway
//                 connection (tcp_accepted, tcp_received in callback mode, tcp_closed); a
//                 stream the gateway refuses is reset at once
//   feed A, B     one MoldUDP64 packet per datagram to the feed's multicast group and port,
//                 sent from the feed transport's socket (feed A and feed B may be the same
//                 transport, or each its own: separate ports give each line its own link)
//   retransmission  a UDP socket on the retransmission port of the order-entry transport:
//                 requests go to udp_received, answers go back by unicast from the same socket
//
// Driving it (one thread, the exchange's):
//     NetTransport<net::Stack> transport(config, stack, feed_a_stack, feed_b_stack);
//     Exchange<NetTransport<net::Stack>> exchange(scenario, transport);
//     transport.attach(exchange);                    // the receive path; before any poll
//     loop: transport.set_now(exchange_now);         // the exchange's clock for the events
//           stack.poll(now) ...;                     // events call into the exchange
//           exchange.poll(exchange_now);             // output calls tcp_send, feed_send ...
//
// Link settings of the timeline (apply_link) and the packets that carry tick-to-trade triggers
// go to hooks the owner sets (set_link_control, set_trigger_hook): the host forwards them to its
// emulated network; without hooks they are counted and otherwise ignored (kernel mode has no
// emulated wire).
//
// No allocation after construction, no exception and no virtual call on the data path: the
// exchange is reached through a function table filled once by attach().

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "exchange_sim/exchange.hpp"
#include "exchange_sim/host/lockstep.hpp"
#include "net/transport.hpp"

namespace tb::exchange {

struct NetTransportConfig {
    std::uint32_t exchange_ip = 0x0A00'0001;  // our address (host order), for reports
    std::uint16_t order_entry_port = 15000;
    Ipv4Endpoint feed_a{0xE936'0C6F, 26477};
    Ipv4Endpoint feed_b{0xE936'0C70, 26477};
    std::uint16_t retransmission_port = 26478;
    // Local port the feed packets are sent from; 0 uses the feed's destination port (the
    // user-space stack needs a bound port; a kernel socket may also use an ephemeral one, see
    // feed_ephemeral_port).
    std::uint16_t feed_source_port = 0;
    bool feed_ephemeral_port = false;  // kernel sockets: bind the feed socket to port 0
    // Streams of the order-entry transport are found by slot: its stream table size.
    std::uint32_t max_streams = 64;
};

// The network identities of a scenario (DESIGN.md, "Wire identities", overridden by the file).
[[nodiscard]] inline NetTransportConfig net_transport_config(const Scenario& scenario) {
    NetTransportConfig c;
    c.exchange_ip = scenario.network.exchange_ip;
    c.order_entry_port = scenario.network.order_entry_port;
    c.feed_a = scenario.network.feed_a;
    c.feed_b = scenario.network.feed_b;
    c.retransmission_port = scenario.network.retransmission_port;
    return c;
}

struct NetTransportCounters {
    std::uint64_t tcp_accepted = 0;
    std::uint64_t tcp_refused = 0;  // the gateway had no slot: reset at once
    std::uint64_t tcp_segments_in = 0;
    std::uint64_t tcp_bytes_in = 0;
    std::uint64_t tcp_peer_closed = 0;  // FIN or reset from the client
    std::uint64_t tcp_closed = 0;       // closed by the exchange
    std::uint64_t tcp_reset = 0;        // of those, reset (a forced disconnect)
    std::uint64_t tcp_stale_events = 0;
    std::uint64_t datagrams_in = 0;
    std::uint64_t feed_a_sent = 0;
    std::uint64_t feed_b_sent = 0;
    std::uint64_t feed_send_failed = 0;  // the transport refused a feed datagram
    std::uint64_t unicast_sent = 0;
    std::uint64_t unicast_send_failed = 0;
    std::uint64_t trigger_packets = 0;
    std::uint64_t link_settings = 0;          // timeline link settings forwarded
    std::uint64_t link_settings_ignored = 0;  // no emulated wire to apply them to

    template <class F>
    void visit(F&& f) const {
        f("tcp_accepted", tcp_accepted);
        f("tcp_refused", tcp_refused);
        f("tcp_segments_in", tcp_segments_in);
        f("tcp_bytes_in", tcp_bytes_in);
        f("tcp_peer_closed", tcp_peer_closed);
        f("tcp_closed", tcp_closed);
        f("tcp_reset", tcp_reset);
        f("tcp_stale_events", tcp_stale_events);
        f("datagrams_in", datagrams_in);
        f("feed_a_sent", feed_a_sent);
        f("feed_b_sent", feed_b_sent);
        f("feed_send_failed", feed_send_failed);
        f("unicast_sent", unicast_sent);
        f("unicast_send_failed", unicast_send_failed);
        f("trigger_packets", trigger_packets);
        f("link_settings", link_settings);
        f("link_settings_ignored", link_settings_ignored);
    }
};

// Where apply_link() goes: filled once by the owner.
struct LinkControl {
    void* context = nullptr;
    void (*apply)(void* context, const LinkSetting& link) noexcept = nullptr;
};

// Told about every feed packet that carries a tick-to-trade trigger, before it is sent.
struct TriggerHook {
    void* context = nullptr;
    void (*on_trigger)(void* context, const FeedPacketInfo& info) noexcept = nullptr;
};

template <class T>
requires net::Transport<T>
class NetTransport {
public:
    // Opens the listener and the sockets; throws core::StartupError naming what could not be
    // opened (a port in use) and what to do. The transports must outlive this object.
    NetTransport(const NetTransportConfig& config, T& order_entry, T& feed_a, T& feed_b)
        : config_(config),
          order_entry_(order_entry),
          feed_a_(feed_a),
          feed_b_(feed_b),
          stream_of_connection_(),
          connection_of_slot_(config.max_streams, kNoConnection) {
        const net::DatagramEvents datagram_events = net::DatagramEvents::bind(*this);
        retransmission_ = order_entry_.open_datagram(config_.retransmission_port, datagram_events);
        if (!retransmission_.valid()) {
            throw core::StartupError("cannot open the MoldUDP64 retransmission port UDP " +
                                     std::to_string(config_.retransmission_port) +
                                     ": it is in use (another exchange running?); stop it or "
                                     "set market_data.retransmission_port in the scenario");
        }
        const std::uint16_t source_a =
            config_.feed_ephemeral_port
                ? 0
                : (config_.feed_source_port != 0 ? config_.feed_source_port : config_.feed_a.port);
        const std::uint16_t source_b =
            config_.feed_ephemeral_port
                ? 0
                : (config_.feed_source_port != 0 ? config_.feed_source_port : config_.feed_b.port);
        feed_a_socket_ = open_feed(feed_a_, source_a, "A");
        if (&feed_b_ == &feed_a_ && source_a == source_b) {
            feed_b_socket_ = feed_a_socket_;
        } else {
            feed_b_socket_ = open_feed(feed_b_, source_b, "B");
        }
        if (!order_entry_.listen(config_.order_entry_port, net::StreamEvents::bind(*this))) {
            throw core::StartupError("cannot listen on the order-entry port TCP " +
                                     std::to_string(config_.order_entry_port) +
                                     ": it is in use (another exchange running?); stop it or "
                                     "set order_entry.port in the scenario");
        }
    }

    NetTransport(const NetTransport&) = delete;
    NetTransport& operator=(const NetTransport&) = delete;

    // Connects the receive path to the exchange; call once, before the first poll of a
    // transport. The exchange must outlive this object's use.
    template <class X>
    void attach(X& exchange) {
        receiver_.context = &exchange;
        receiver_.accepted = [](void* x, std::int64_t now) noexcept {
            return static_cast<X*>(x)->tcp_accepted(now);
        };
        receiver_.received = [](void* x, ConnectionId id, std::span<const std::uint8_t> bytes,
                                std::int64_t now) noexcept {
            static_cast<X*>(x)->tcp_received(id, bytes, now);
        };
        receiver_.closed = [](void* x, ConnectionId id, std::int64_t now) noexcept {
            static_cast<X*>(x)->tcp_closed(id, now);
        };
        receiver_.datagram = [](void* x, const UdpEndpoint& from,
                                std::span<const std::uint8_t> bytes, std::int64_t now) noexcept {
            static_cast<X*>(x)->udp_received(from, bytes, now);
        };
        receiver_.close_reason = [](void* x, ConnectionId id) noexcept {
            return static_cast<X*>(x)->gateway().close_reason(id);
        };
        stream_of_connection_.assign(exchange.gateway().connection_capacity(), net::StreamId{});
    }

    void set_link_control(const LinkControl& control) noexcept { link_control_ = control; }
    void set_trigger_hook(const TriggerHook& hook) noexcept { trigger_hook_ = hook; }

    // The exchange's clock for the events the next transport polls deliver.
    void set_now(std::int64_t exchange_now_ns) noexcept { now_ns_ = exchange_now_ns; }

    // ---- ExchangeTransport ----
    [[nodiscard]] std::size_t tcp_send(ConnectionId id,
                                       std::span<const std::uint8_t> bytes) noexcept {
        if (id >= stream_of_connection_.size() || !stream_of_connection_[id].valid()) {
            return bytes.size();  // the stream is gone: nobody will read these bytes
        }
        return order_entry_.send(stream_of_connection_[id], bytes);
    }

    void tcp_close(ConnectionId id) noexcept {
        if (id >= stream_of_connection_.size() || !stream_of_connection_[id].valid()) {
            return;
        }
        const net::StreamId stream = stream_of_connection_[id];
        forget(id);
        ++counters_.tcp_closed;
        // The gateway closes after a logout, a rejected login, a protocol error, a timeout, a
        // forced disconnect or the end of the session. A forced disconnect ("as a network
        // failure would") resets the stream; everything else ends with FIN after the bytes
        // already taken.
        if (receiver_.close_reason(receiver_.context, id) == CloseReason::kForced) {
            ++counters_.tcp_reset;
            order_entry_.abort(stream);
        } else {
            order_entry_.close(stream);
        }
    }

    void feed_send(FeedLine line, std::span<const std::uint8_t> bytes,
                   const FeedPacketInfo& info) noexcept {
        if (line == FeedLine::kA && info.trigger) {
            ++counters_.trigger_packets;
            if (trigger_hook_.on_trigger != nullptr) {
                trigger_hook_.on_trigger(trigger_hook_.context, info);
            }
        }
        const bool a = line == FeedLine::kA;
        T& transport = a ? feed_a_ : feed_b_;
        const net::Endpoint group = a ? net::Endpoint{config_.feed_a.ip, config_.feed_a.port}
                                      : net::Endpoint{config_.feed_b.ip, config_.feed_b.port};
        if (transport.send_to(a ? feed_a_socket_ : feed_b_socket_, group, bytes)) {
            ++(a ? counters_.feed_a_sent : counters_.feed_b_sent);
        } else {
            ++counters_.feed_send_failed;
        }
    }

    void unicast_send(const UdpEndpoint& to, std::span<const std::uint8_t> bytes) noexcept {
        if (order_entry_.send_to(retransmission_, net::Endpoint{to.ip, to.port}, bytes)) {
            ++counters_.unicast_sent;
        } else {
            ++counters_.unicast_send_failed;
        }
    }

    void apply_link(const LinkSetting& link) noexcept {
        if (link_control_.apply == nullptr) {
            ++counters_.link_settings_ignored;
            return;
        }
        ++counters_.link_settings;
        link_control_.apply(link_control_.context, link);
    }

    // ---- transport events (net::StreamEvents, net::DatagramEvents) ----
    void on_connected(net::StreamId stream) noexcept {
        if (receiver_.accepted == nullptr || stream.slot >= connection_of_slot_.size()) {
            ++counters_.tcp_refused;
            order_entry_.abort(stream);
            return;
        }
        const ConnectionId id = receiver_.accepted(receiver_.context, now_ns_);
        if (id == kNoConnection || id >= stream_of_connection_.size()) {
            ++counters_.tcp_refused;
            order_entry_.abort(stream);
            return;
        }
        ++counters_.tcp_accepted;
        stream_of_connection_[id] = stream;
        connection_of_slot_[stream.slot] = id;
    }

    void on_data(net::StreamId stream, std::span<const std::uint8_t> data) noexcept {
        const ConnectionId id = connection_of(stream);
        if (id == kNoConnection) {
            ++counters_.tcp_stale_events;
            return;
        }
        ++counters_.tcp_segments_in;
        counters_.tcp_bytes_in += data.size();
        receiver_.received(receiver_.context, id, data, now_ns_);
    }

    // SoupBinTCP has no half-closed session: a client that finished sending has left.
    void on_peer_closed(net::StreamId stream) noexcept { peer_gone(stream, true); }
    void on_closed(net::StreamId stream, net::CloseReason) noexcept { peer_gone(stream, false); }

    void on_datagram(net::DatagramId, const net::Datagram& datagram) noexcept {
        if (receiver_.datagram == nullptr) {
            return;
        }
        ++counters_.datagrams_in;
        receiver_.datagram(receiver_.context, UdpEndpoint{datagram.source.ip, datagram.source.port},
                           datagram.payload, now_ns_);
    }

    // ---- inspection ----
    [[nodiscard]] const NetTransportCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const NetTransportConfig& config() const noexcept { return config_; }
    // The stream of a connection (invalid when it has none).
    [[nodiscard]] net::StreamId stream(ConnectionId id) const noexcept {
        return id < stream_of_connection_.size() ? stream_of_connection_[id] : net::StreamId{};
    }

private:
    struct Receiver {
        void* context = nullptr;
        ConnectionId (*accepted)(void*, std::int64_t) noexcept = nullptr;
        void (*received)(void*, ConnectionId, std::span<const std::uint8_t>,
                         std::int64_t) noexcept = nullptr;
        void (*closed)(void*, ConnectionId, std::int64_t) noexcept = nullptr;
        void (*datagram)(void*, const UdpEndpoint&, std::span<const std::uint8_t>,
                         std::int64_t) noexcept = nullptr;
        CloseReason (*close_reason)(void*, ConnectionId) noexcept = nullptr;
    };

    net::DatagramId open_feed(T& transport, std::uint16_t port, const char* name) {
        // The feed sockets only send: no events.
        const net::DatagramId id = transport.open_datagram(port, net::DatagramEvents{});
        if (!id.valid()) {
            throw core::StartupError(std::string("cannot open the socket of feed ") + name +
                                     " on UDP " + std::to_string(port) +
                                     ": it is in use; stop what uses it or change the feed's "
                                     "port in the scenario (market_data)");
        }
        return id;
    }

    [[nodiscard]] ConnectionId connection_of(net::StreamId stream) const noexcept {
        if (stream.slot >= connection_of_slot_.size()) {
            return kNoConnection;
        }
        const ConnectionId id = connection_of_slot_[stream.slot];
        if (id == kNoConnection || !(stream_of_connection_[id] == stream)) {
            return kNoConnection;
        }
        return id;
    }

    void forget(ConnectionId id) noexcept {
        const net::StreamId stream = stream_of_connection_[id];
        if (stream.slot < connection_of_slot_.size()) {
            connection_of_slot_[stream.slot] = kNoConnection;
        }
        stream_of_connection_[id] = net::StreamId{};
    }

    void peer_gone(net::StreamId stream, bool close_ours) noexcept {
        const ConnectionId id = connection_of(stream);
        if (id == kNoConnection) {
            return;  // already closed by the exchange, or never accepted
        }
        ++counters_.tcp_peer_closed;
        forget(id);
        if (close_ours) {
            order_entry_.close(stream);
        }
        receiver_.closed(receiver_.context, id, now_ns_);
    }

    NetTransportConfig config_;
    T& order_entry_;
    T& feed_a_;
    T& feed_b_;
    net::DatagramId retransmission_;
    net::DatagramId feed_a_socket_;
    net::DatagramId feed_b_socket_;
    Receiver receiver_;
    LinkControl link_control_;
    TriggerHook trigger_hook_;
    std::vector<net::StreamId> stream_of_connection_;  // by ConnectionId
    std::vector<ConnectionId> connection_of_slot_;     // by StreamId::slot
    std::int64_t now_ns_ = 0;
    NetTransportCounters counters_;
};

// What lockstep watches (lockstep.hpp), from an exchange and its transport's counters.
template <class X>
[[nodiscard]] LockstepObservation lockstep_observation(const X& exchange,
                                                       const NetTransportCounters& t) noexcept {
    LockstepObservation o;
    o.steps = exchange.counters().timeline_events;
    o.triggers = exchange.counters().triggers;
    const OrderEntryGateway& gateway = exchange.gateway();
    for (std::size_t i = 0; i < gateway.account_count(); ++i) {
        const SessionCounters& s = gateway.session_counters(i);
        o.reactions += s.enter_orders + s.replace_orders + s.cancel_orders;
    }
    o.activity = t.tcp_bytes_in + t.datagrams_in + t.tcp_accepted + t.tcp_peer_closed;
    o.session_ended = gateway.session_ended();
    return o;
}

}  // namespace tb::exchange
