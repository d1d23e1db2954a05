#pragma once

// The application side of a transport: stream (TCP) and datagram (UDP) interfaces that both the
// user-space stack (net/stack.hpp) and the kernel-socket transport (net/kernel_transport.hpp)
// offer, so that a component written against the concepts below is given either one at start-up
// as a template parameter.
//
// Streams
//   connect() or listen() with a StreamEvents table; on_connected fires when a stream is open
//   (for an accepted stream: when its handshake completed, with the listener's events). Received
//   bytes arrive one of two ways, chosen per stream by whether events.on_data is set:
//     callback: on_data sees the bytes in place (zero-copy where the transport can) and must take
//               them all before it returns; the receive window stays fully open;
//     ring:     bytes wait in the stream's receive buffer for receive() or peek()/consume(); the
//               advertised window is the free space, so a slow reader slows the sender.
//   send() copies into the stream's send buffer and returns how many bytes it took (it never
//   blocks). close() sends FIN after the data already taken; abort() resets the stream at once.
//   on_peer_closed fires when the peer finished sending; on_closed fires exactly once when the
//   stream ends for any reason other than abort(), after which its StreamId is stale. Callbacks
//   may call any transport function, including on the stream they are called for.
// Datagrams
//   open_datagram() binds a local port; join()/leave() a multicast group on it; send_to() sends
//   one datagram; on_datagram sees each received payload in place for the duration of the call.
//
// Thread rules: a transport is used by one thread; every callback runs inside poll() or inside
// the transport call that caused it, on that thread.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tb::net {

// An IPv4 address and port, both in host order.
struct Endpoint {
    std::uint32_t ip = 0;
    std::uint16_t port = 0;
    bool operator==(const Endpoint&) const noexcept = default;
};

inline constexpr std::uint32_t kInvalidSlot = 0xFFFFFFFF;

// A stream handle: a table slot and the generation the slot had when the stream was made, so a
// handle kept past the end of its stream is recognised as stale.
struct StreamId {
    std::uint32_t slot = kInvalidSlot;
    std::uint32_t generation = 0;
    [[nodiscard]] bool valid() const noexcept { return slot != kInvalidSlot; }
    bool operator==(const StreamId&) const noexcept = default;
};

struct DatagramId {
    std::uint32_t slot = kInvalidSlot;
    [[nodiscard]] bool valid() const noexcept { return slot != kInvalidSlot; }
    bool operator==(const DatagramId&) const noexcept = default;
};

enum class StreamState : std::uint8_t {
    kClosed,       // no such stream (never opened, ended, or a stale handle)
    kConnecting,   // handshake in progress
    kEstablished,  // both directions open
    kPeerClosed,   // the peer sent FIN; we may still send (TCP CLOSE-WAIT)
    kClosing,      // we called close(); waiting for our FIN to be acknowledged and the peer's FIN
};

enum class CloseReason : std::uint8_t {
    kNormal,   // both sides closed
    kReset,    // the peer reset the stream
    kTimeout,  // retransmissions or keepalive probes went unanswered
    kRefused,  // connect(): the peer answered with a reset (nobody listens)
};

[[nodiscard]] constexpr std::string_view to_string(StreamState state) noexcept {
    switch (state) {
        case StreamState::kClosed:
            return "closed";
        case StreamState::kConnecting:
            return "connecting";
        case StreamState::kEstablished:
            return "established";
        case StreamState::kPeerClosed:
            return "peer closed";
        case StreamState::kClosing:
            return "closing";
    }
    return "unknown";
}

[[nodiscard]] constexpr std::string_view to_string(CloseReason reason) noexcept {
    switch (reason) {
        case CloseReason::kNormal:
            return "normal";
        case CloseReason::kReset:
            return "reset";
        case CloseReason::kTimeout:
            return "timeout";
        case CloseReason::kRefused:
            return "refused";
    }
    return "unknown";
}

// Stream callbacks: a function table filled once (STYLE.md: a backend chosen at init), called
// directly on the data path. Unset entries are not called; on_data unset selects ring mode.
struct StreamEvents {
    void* context = nullptr;
    void (*on_connected)(void* context, StreamId stream) noexcept = nullptr;
    void (*on_data)(void* context, StreamId stream,
                    std::span<const std::uint8_t> data) noexcept = nullptr;
    void (*on_peer_closed)(void* context, StreamId stream) noexcept = nullptr;
    void (*on_closed)(void* context, StreamId stream, CloseReason reason) noexcept = nullptr;

    // The table for a handler object with any of the member functions on_connected(StreamId),
    // on_data(StreamId, std::span<const std::uint8_t>), on_peer_closed(StreamId) and
    // on_closed(StreamId, CloseReason), all noexcept. The handler must outlive its streams.
    template <class H>
    [[nodiscard]] static StreamEvents bind(H& handler) noexcept {
        StreamEvents events;
        events.context = &handler;
        if constexpr (requires(H & h, StreamId s) { h.on_connected(s); }) {
            events.on_connected = [](void* c, StreamId s) noexcept {
                static_cast<H*>(c)->on_connected(s);
            };
        }
        if constexpr (requires(H & h, StreamId s, std::span<const std::uint8_t> d) {
                          h.on_data(s, d);
                      }) {
            events.on_data = [](void* c, StreamId s, std::span<const std::uint8_t> d) noexcept {
                static_cast<H*>(c)->on_data(s, d);
            };
        }
        if constexpr (requires(H & h, StreamId s) { h.on_peer_closed(s); }) {
            events.on_peer_closed = [](void* c, StreamId s) noexcept {
                static_cast<H*>(c)->on_peer_closed(s);
            };
        }
        if constexpr (requires(H & h, StreamId s, CloseReason r) { h.on_closed(s, r); }) {
            events.on_closed = [](void* c, StreamId s, CloseReason r) noexcept {
                static_cast<H*>(c)->on_closed(s, r);
            };
        }
        return events;
    }
};

// One received datagram; payload points into the receive buffer (valid during the callback).
struct Datagram {
    Endpoint source;
    std::uint32_t destination_ip = 0;  // ours, a multicast group, or a broadcast address
    std::span<const std::uint8_t> payload;
};

struct DatagramEvents {
    void* context = nullptr;
    void (*on_datagram)(void* context, DatagramId socket,
                        const Datagram& datagram) noexcept = nullptr;

    // The table for a handler with on_datagram(DatagramId, const Datagram&) noexcept.
    template <class H>
    [[nodiscard]] static DatagramEvents bind(H& handler) noexcept {
        DatagramEvents events;
        events.context = &handler;
        events.on_datagram = [](void* c, DatagramId s, const Datagram& d) noexcept {
            static_cast<H*>(c)->on_datagram(s, d);
        };
        return events;
    }
};

// What every transport offers. poll(now_ns) does the pending work (bounded) and returns how much
// it did; next_timer_ns() says when the transport next needs a poll with nothing received
// (INT64_MAX: never), so that a virtual clock can jump there when everything is idle.
template <class T>
concept Pollable = requires(T& t, const T& ct, std::int64_t now_ns) {
    { t.poll(now_ns) }
    noexcept->std::same_as<unsigned>;
    { ct.next_timer_ns() }
    noexcept->std::same_as<std::int64_t>;
};

template <class T>
concept StreamTransport = Pollable<T> &&
    requires(T& t, const T& ct, Endpoint remote, std::uint16_t port, const StreamEvents& events,
             StreamId stream, std::span<const std::uint8_t> bytes, std::span<std::uint8_t> out,
             std::size_t count) {
    { t.connect(remote, events) }
    noexcept->std::same_as<StreamId>;
    { t.listen(port, events) }
    noexcept->std::same_as<bool>;
    { t.unlisten(port) }
    noexcept->std::same_as<bool>;
    { t.set_events(stream, events) }
    noexcept->std::same_as<bool>;
    { t.send(stream, bytes) }
    noexcept->std::same_as<std::size_t>;
    { t.receive(stream, out) }
    noexcept->std::same_as<std::size_t>;
    { t.peek(stream) }
    noexcept->std::same_as<std::span<const std::uint8_t>>;
    { t.consume(stream, count) }
    noexcept->std::same_as<std::size_t>;
    { ct.readable(stream) }
    noexcept->std::same_as<std::size_t>;
    { ct.send_space(stream) }
    noexcept->std::same_as<std::size_t>;
    { t.close(stream) }
    noexcept;
    { t.abort(stream) }
    noexcept;
    { ct.state(stream) }
    noexcept->std::same_as<StreamState>;
    { ct.remote(stream) }
    noexcept->std::same_as<Endpoint>;
};

template <class T>
concept DatagramTransport = Pollable<T> &&
    requires(T& t, std::uint16_t port, const DatagramEvents& events, DatagramId socket,
             std::uint32_t group, Endpoint destination, std::span<const std::uint8_t> bytes) {
    { t.open_datagram(port, events) }
    noexcept->std::same_as<DatagramId>;
    { t.close_datagram(socket) }
    noexcept;
    { t.join(socket, group) }
    noexcept->std::same_as<bool>;
    { t.leave(socket, group) }
    noexcept->std::same_as<bool>;
    { t.send_to(socket, destination, bytes) }
    noexcept->std::same_as<bool>;
};

template <class T>
concept Transport = StreamTransport<T> && DatagramTransport<T>;

}  // namespace tb::net
