#pragma once

// The stream and datagram interfaces of net/transport.hpp over kernel sockets (Boost.Asio), so a
// component takes this or net::Stack as its transport at start-up: the kernel baseline of the
// same client logic (DESIGN.md, "Modes": kernel).
//
// Sockets are non-blocking and polled: poll() accepts pending connections, writes what waits in
// each stream's send buffer, reads what the kernel has (into on_data, or into the stream's
// receive ring), and reads datagrams, each bounded per pass. Only connect() runs through Asio's
// reactor (async_connect, completed by poll()). TCP_NODELAY is set unless configured otherwise.
// Datagrams are read with recvmsg and IP_PKTINFO, so Datagram::destination_ip is the address each
// was sent to (ours, or the group), as with the user-space stack.
// Like the user-space stack, the transport keeps its own send and receive buffers per stream, so
// send() never blocks and returns what it took.
//
// Memory: tables and buffers are sized at construction; opening a socket allocates (the kernel
// and Asio do), data transfer does not.
//
// Thread rules: one thread owns the transport.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "net/transport.hpp"

namespace tb::net {

struct KernelTransportConfig {
    std::uint32_t bind_ip = 0x7F000001;  // listeners bind here (host order)
    std::uint32_t datagram_bind_ip = 0;  // datagram sockets; 0 = any (needed for groups)
    std::uint32_t multicast_interface_ip = 0x7F000001;  // joins and multicast sends use it
    std::uint8_t multicast_ttl = 1;
    bool multicast_loop = true;  // deliver our own multicast to local members
    std::uint32_t max_streams = 64;
    std::uint32_t max_listeners = 8;
    std::uint32_t max_datagram_sockets = 16;
    std::uint32_t send_buffer_bytes = 128 * 1024;     // per stream, ours (the kernel has its own)
    std::uint32_t receive_buffer_bytes = 128 * 1024;  // per stream, ring mode
    bool nodelay = true;
    std::uint32_t accepts_per_poll = 8;
    std::uint32_t datagrams_per_poll = 32;  // per socket
};

class KernelTransport {
public:
    explicit KernelTransport(const KernelTransportConfig& config = {});
    ~KernelTransport();
    KernelTransport(const KernelTransport&) = delete;
    KernelTransport& operator=(const KernelTransport&) = delete;

    [[nodiscard]] unsigned poll(std::int64_t now_ns) noexcept;
    // The kernel keeps its own timers; a poll is needed only while something is under way here.
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept;

    [[nodiscard]] StreamId connect(Endpoint remote, const StreamEvents& events) noexcept;
    [[nodiscard]] bool listen(std::uint16_t port, const StreamEvents& events) noexcept;
    bool unlisten(std::uint16_t port) noexcept;
    bool set_events(StreamId stream, const StreamEvents& events) noexcept;
    [[nodiscard]] std::size_t send(StreamId stream, std::span<const std::uint8_t> data) noexcept;
    [[nodiscard]] std::size_t receive(StreamId stream, std::span<std::uint8_t> out) noexcept;
    [[nodiscard]] std::span<const std::uint8_t> peek(StreamId stream) noexcept;
    std::size_t consume(StreamId stream, std::size_t count) noexcept;
    [[nodiscard]] std::size_t readable(StreamId stream) const noexcept;
    [[nodiscard]] std::size_t send_space(StreamId stream) const noexcept;
    void close(StreamId stream) noexcept;
    void abort(StreamId stream) noexcept;
    [[nodiscard]] StreamState state(StreamId stream) const noexcept;
    [[nodiscard]] Endpoint remote(StreamId stream) const noexcept;

    [[nodiscard]] DatagramId open_datagram(std::uint16_t port,
                                           const DatagramEvents& events) noexcept;
    void close_datagram(DatagramId socket) noexcept;
    [[nodiscard]] bool join(DatagramId socket, std::uint32_t group) noexcept;
    [[nodiscard]] bool leave(DatagramId socket, std::uint32_t group) noexcept;
    [[nodiscard]] bool send_to(DatagramId socket, Endpoint destination,
                               std::span<const std::uint8_t> payload) noexcept;

private:
    // A byte FIFO of fixed capacity.
    struct Ring {
        std::vector<std::uint8_t> bytes;
        std::size_t head = 0;
        std::size_t size = 0;
        [[nodiscard]] std::size_t free() const noexcept { return bytes.size() - size; }
        [[nodiscard]] std::span<const std::uint8_t> front() const noexcept;  // contiguous part
        [[nodiscard]] std::span<std::uint8_t> back_space() noexcept;         // contiguous free part
        std::size_t push(std::span<const std::uint8_t> data) noexcept;
        void pop(std::size_t count) noexcept;
        void commit(std::size_t count) noexcept { size += count; }
        std::size_t pop_into(std::span<std::uint8_t> out) noexcept;
    };

    struct Stream {
        std::optional<boost::asio::ip::tcp::socket> socket;
        StreamState state = StreamState::kClosed;
        bool app_open = false;
        bool close_requested = false;
        bool write_shut = false;
        bool peer_closed = false;
        std::uint32_t generation = 0;
        Endpoint remote_endpoint;
        StreamEvents events;
        Ring send;
        Ring receive;
    };

    struct Listener {
        std::optional<boost::asio::ip::tcp::acceptor> acceptor;
        std::uint16_t port = 0;
        StreamEvents events;
    };

    struct DatagramSocket {
        std::optional<boost::asio::ip::udp::socket> socket;
        DatagramEvents events;
    };

    [[nodiscard]] Stream* get(StreamId stream) noexcept;
    [[nodiscard]] const Stream* get(StreamId stream) const noexcept;
    [[nodiscard]] Stream* allocate() noexcept;
    [[nodiscard]] StreamId id_of(const Stream& s) const noexcept;
    void configure(Stream& s) noexcept;
    void end(Stream& s, CloseReason reason) noexcept;
    void release(Stream& s) noexcept;
    unsigned service(Stream& s) noexcept;
    unsigned flush_send(Stream& s) noexcept;
    unsigned accept_from(Listener& listener) noexcept;
    unsigned receive_datagrams(std::uint32_t index) noexcept;

    KernelTransportConfig config_;
    boost::asio::io_context io_;
    std::vector<Stream> streams_;
    std::vector<Listener> listeners_;
    std::vector<DatagramSocket> datagrams_;
    std::vector<std::uint8_t> scratch_;
    std::uint32_t connecting_ = 0;
    std::int64_t now_ns_ = 0;
};

static_assert(Transport<KernelTransport>);

}  // namespace tb::net
