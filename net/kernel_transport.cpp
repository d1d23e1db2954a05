#include "net/kernel_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/socket_base.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/timer_heap.hpp"

namespace tb::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

constexpr std::size_t kScratchBytes = 65536;
constexpr unsigned kReadsPerPoll = 4;  // per stream, so one busy stream cannot starve the others

bool would_block(const boost::system::error_code& ec) noexcept {
    return ec == asio::error::would_block || ec == asio::error::try_again;
}

asio::ip::address_v4 address(std::uint32_t host_order) noexcept {
    return asio::ip::address_v4(host_order);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Ring

std::span<const std::uint8_t> KernelTransport::Ring::front() const noexcept {
    return {bytes.data() + head, std::min(size, bytes.size() - head)};
}

std::span<std::uint8_t> KernelTransport::Ring::back_space() noexcept {
    const std::size_t tail = (head + size) % bytes.size();
    const std::size_t contiguous =
        tail >= head && size != bytes.size() ? bytes.size() - tail : free();
    return {bytes.data() + tail, std::min(contiguous, free())};
}

std::size_t KernelTransport::Ring::push(std::span<const std::uint8_t> data) noexcept {
    const std::size_t n = std::min(data.size(), free());
    std::size_t done = 0;
    while (done < n) {
        const std::span<std::uint8_t> space = back_space();
        const std::size_t chunk = std::min(space.size(), n - done);
        std::memcpy(space.data(), data.data() + done, chunk);
        size += chunk;
        done += chunk;
    }
    return n;
}

void KernelTransport::Ring::pop(std::size_t count) noexcept {
    count = std::min(count, size);
    head = (head + count) % bytes.size();
    size -= count;
    if (size == 0) {
        head = 0;
    }
}

std::size_t KernelTransport::Ring::pop_into(std::span<std::uint8_t> out) noexcept {
    std::size_t done = 0;
    while (done < out.size() && size > 0) {
        const std::span<const std::uint8_t> part = front();
        const std::size_t chunk = std::min(part.size(), out.size() - done);
        std::memcpy(out.data() + done, part.data(), chunk);
        pop(chunk);
        done += chunk;
    }
    return done;
}

// ---------------------------------------------------------------------------------------------
// Transport

KernelTransport::KernelTransport(const KernelTransportConfig& config)
    : config_(config),
      streams_(config.max_streams),
      listeners_(config.max_listeners),
      datagrams_(config.max_datagram_sockets),
      scratch_(kScratchBytes) {
    for (Stream& s : streams_) {
        s.send.bytes.resize(config.send_buffer_bytes);
        s.receive.bytes.resize(config.receive_buffer_bytes);
    }
}

KernelTransport::~KernelTransport() = default;

KernelTransport::Stream* KernelTransport::get(StreamId stream) noexcept {
    if (stream.slot >= streams_.size()) {
        return nullptr;
    }
    Stream& s = streams_[stream.slot];
    return s.app_open && s.generation == stream.generation ? &s : nullptr;
}

const KernelTransport::Stream* KernelTransport::get(StreamId stream) const noexcept {
    return const_cast<KernelTransport*>(this)->get(stream);
}

KernelTransport::Stream* KernelTransport::allocate() noexcept {
    for (Stream& s : streams_) {
        if (s.state == StreamState::kClosed && !s.socket) {
            ++s.generation;
            s.app_open = false;
            s.close_requested = false;
            s.write_shut = false;
            s.peer_closed = false;
            s.send.head = s.send.size = 0;
            s.receive.head = s.receive.size = 0;
            return &s;
        }
    }
    return nullptr;
}

StreamId KernelTransport::id_of(const Stream& s) const noexcept {
    return StreamId{static_cast<std::uint32_t>(&s - streams_.data()), s.generation};
}

void KernelTransport::configure(Stream& s) noexcept {
    boost::system::error_code ec;
    s.socket->non_blocking(true, ec);
    s.socket->set_option(tcp::no_delay(config_.nodelay), ec);
}

void KernelTransport::release(Stream& s) noexcept {
    if (s.socket) {
        boost::system::error_code ec;
        s.socket->close(ec);
        s.socket.reset();
    }
    if (s.state == StreamState::kConnecting && connecting_ > 0) {
        --connecting_;
    }
    s.state = StreamState::kClosed;
    s.app_open = false;
}

void KernelTransport::end(Stream& s, CloseReason reason) noexcept {
    const bool notify = s.app_open;
    const StreamId id = id_of(s);
    const StreamEvents events = s.events;
    release(s);
    if (notify && events.on_closed != nullptr) {
        events.on_closed(events.context, id, reason);
    }
}

StreamId KernelTransport::connect(Endpoint remote, const StreamEvents& events) noexcept {
    Stream* slot = allocate();
    if (slot == nullptr || remote.ip == 0 || remote.port == 0) {
        return {};
    }
    Stream& s = *slot;
    boost::system::error_code ec;
    s.socket.emplace(io_);
    s.socket->open(tcp::v4(), ec);
    if (ec) {
        s.socket.reset();
        return {};
    }
    configure(s);
    s.events = events;
    s.remote_endpoint = remote;
    s.state = StreamState::kConnecting;
    s.app_open = true;
    ++connecting_;
    const StreamId id = id_of(s);
    s.socket->async_connect(tcp::endpoint(address(remote.ip), remote.port),
                            [this, id](const boost::system::error_code& error) {
                                Stream* c = get(id);
                                if (c == nullptr || c->state != StreamState::kConnecting) {
                                    return;
                                }
                                --connecting_;
                                if (error) {
                                    c->state = StreamState::kClosed;
                                    end(*c, error == asio::error::connection_refused
                                                ? CloseReason::kRefused
                                                : CloseReason::kTimeout);
                                    return;
                                }
                                c->state = StreamState::kEstablished;
                                configure(*c);
                                if (c->events.on_connected != nullptr) {
                                    c->events.on_connected(c->events.context, id);
                                }
                            });
    return id;
}

bool KernelTransport::listen(std::uint16_t port, const StreamEvents& events) noexcept {
    if (port == 0) {
        return false;
    }
    for (const Listener& l : listeners_) {
        if (l.acceptor && l.port == port) {
            return false;
        }
    }
    for (Listener& l : listeners_) {
        if (l.acceptor) {
            continue;
        }
        boost::system::error_code ec;
        l.acceptor.emplace(io_);
        l.acceptor->open(tcp::v4(), ec);
        if (!ec) {
            l.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            l.acceptor->bind(tcp::endpoint(address(config_.bind_ip), port), ec);
        }
        if (!ec) {
            l.acceptor->listen(asio::socket_base::max_listen_connections, ec);
        }
        if (!ec) {
            l.acceptor->non_blocking(true, ec);
        }
        if (ec) {
            l.acceptor.reset();
            return false;
        }
        l.port = port;
        l.events = events;
        return true;
    }
    return false;
}

bool KernelTransport::unlisten(std::uint16_t port) noexcept {
    for (Listener& l : listeners_) {
        if (l.acceptor && l.port == port) {
            boost::system::error_code ec;
            l.acceptor->close(ec);
            l.acceptor.reset();
            l.port = 0;
            return true;
        }
    }
    return false;
}

bool KernelTransport::set_events(StreamId stream, const StreamEvents& events) noexcept {
    Stream* s = get(stream);
    if (s == nullptr) {
        return false;
    }
    s->events = events;
    return true;
}

std::size_t KernelTransport::send(StreamId stream, std::span<const std::uint8_t> data) noexcept {
    Stream* s = get(stream);
    if (s == nullptr || s->close_requested ||
        (s->state != StreamState::kEstablished && s->state != StreamState::kPeerClosed &&
         s->state != StreamState::kConnecting)) {
        return 0;
    }
    const std::size_t n = s->send.push(data);
    if (s->state != StreamState::kConnecting) {
        (void)flush_send(*s);
    }
    return n;
}

std::size_t KernelTransport::receive(StreamId stream, std::span<std::uint8_t> out) noexcept {
    Stream* s = get(stream);
    return s == nullptr ? 0 : s->receive.pop_into(out);
}

std::span<const std::uint8_t> KernelTransport::peek(StreamId stream) noexcept {
    Stream* s = get(stream);
    return s == nullptr ? std::span<const std::uint8_t>{} : s->receive.front();
}

std::size_t KernelTransport::consume(StreamId stream, std::size_t count) noexcept {
    Stream* s = get(stream);
    if (s == nullptr) {
        return 0;
    }
    count = std::min(count, s->receive.size);
    s->receive.pop(count);
    return count;
}

std::size_t KernelTransport::readable(StreamId stream) const noexcept {
    const Stream* s = get(stream);
    return s == nullptr ? 0 : s->receive.size;
}

std::size_t KernelTransport::send_space(StreamId stream) const noexcept {
    const Stream* s = get(stream);
    return s == nullptr || s->close_requested ? 0 : s->send.free();
}

void KernelTransport::close(StreamId stream) noexcept {
    Stream* s = get(stream);
    if (s == nullptr || s->close_requested) {
        return;
    }
    if (s->state == StreamState::kConnecting) {
        s->app_open = false;
        release(*s);
        return;
    }
    s->close_requested = true;
    s->state = StreamState::kClosing;
    (void)flush_send(*s);
}

void KernelTransport::abort(StreamId stream) noexcept {
    Stream* s = get(stream);
    if (s == nullptr) {
        return;
    }
    boost::system::error_code ec;
    // Linger 0: close() sends RST (RFC 9293 section 3.10.5 ABORT).
    s->socket->set_option(asio::socket_base::linger(true, 0), ec);
    s->app_open = false;
    release(*s);
}

StreamState KernelTransport::state(StreamId stream) const noexcept {
    const Stream* s = get(stream);
    return s == nullptr ? StreamState::kClosed : s->state;
}

Endpoint KernelTransport::remote(StreamId stream) const noexcept {
    const Stream* s = get(stream);
    return s == nullptr ? Endpoint{} : s->remote_endpoint;
}

unsigned KernelTransport::flush_send(Stream& s) noexcept {
    unsigned work = 0;
    while (s.send.size > 0) {
        boost::system::error_code ec;
        const std::span<const std::uint8_t> part = s.send.front();
        const std::size_t n = s.socket->write_some(asio::buffer(part.data(), part.size()), ec);
        if (ec) {
            if (!would_block(ec)) {
                s.send.pop(s.send.size);  // the read side reports the failure
            }
            break;
        }
        s.send.pop(n);
        ++work;
    }
    if (s.close_requested && !s.write_shut && s.send.size == 0) {
        boost::system::error_code ec;
        s.socket->shutdown(tcp::socket::shutdown_send, ec);  // FIN after the data
        s.write_shut = true;
        ++work;
    }
    return work;
}

unsigned KernelTransport::service(Stream& s) noexcept {
    unsigned work = flush_send(s);
    const StreamId id = id_of(s);
    for (unsigned reads = 0; reads < kReadsPerPoll && !s.peer_closed; ++reads) {
        boost::system::error_code ec;
        const bool callback = s.events.on_data != nullptr;
        std::span<std::uint8_t> into =
            callback ? std::span<std::uint8_t>(scratch_) : s.receive.back_space();
        if (into.empty()) {
            break;  // ring full: the kernel's window closes, as ours would
        }
        const std::size_t n = s.socket->read_some(asio::buffer(into.data(), into.size()), ec);
        if (ec == asio::error::eof) {
            s.peer_closed = true;
            if (!s.close_requested) {
                s.state = StreamState::kPeerClosed;
            }
            if (s.app_open && s.events.on_peer_closed != nullptr) {
                s.events.on_peer_closed(s.events.context, id);
                if (get(id) == nullptr) {
                    return work + 1;
                }
            }
            ++work;
            break;
        }
        if (ec) {
            if (!would_block(ec)) {
                end(s, CloseReason::kReset);
                return work + 1;
            }
            break;
        }
        ++work;
        if (callback) {
            s.events.on_data(s.events.context, id, std::span<const std::uint8_t>(into.data(), n));
            if (get(id) == nullptr) {
                return work;
            }
        } else {
            s.receive.commit(n);
        }
    }
    if (s.peer_closed && s.write_shut) {
        end(s, CloseReason::kNormal);
        ++work;
    }
    return work;
}

unsigned KernelTransport::accept_from(Listener& listener) noexcept {
    unsigned work = 0;
    for (std::uint32_t i = 0; i < config_.accepts_per_poll; ++i) {
        Stream* slot = allocate();
        if (slot == nullptr) {
            break;  // the kernel keeps them in its backlog until a slot frees up
        }
        Stream& s = *slot;
        s.socket.emplace(io_);
        tcp::endpoint peer;
        boost::system::error_code ec;
        listener.acceptor->accept(*s.socket, peer, ec);
        if (ec) {
            s.socket.reset();
            break;
        }
        configure(s);
        s.events = listener.events;
        s.remote_endpoint = Endpoint{peer.address().to_v4().to_uint(), peer.port()};
        s.state = StreamState::kEstablished;
        s.app_open = true;
        ++work;
        if (s.events.on_connected != nullptr) {
            s.events.on_connected(s.events.context, id_of(s));
        }
    }
    return work;
}

unsigned KernelTransport::receive_datagrams(std::uint32_t index) noexcept {
    unsigned work = 0;
    for (std::uint32_t i = 0; i < config_.datagrams_per_poll; ++i) {
        DatagramSocket& d = datagrams_[index];
        if (!d.socket) {
            break;
        }
        // recvmsg rather than Asio's receive_from: the IP_PKTINFO control message says which
        // address the datagram was sent to (ours, or which group: feeds A and B share a port).
        sockaddr_in from{};
        alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(in_pktinfo))];
        iovec vector{scratch_.data(), scratch_.size()};
        msghdr message{};
        message.msg_name = &from;
        message.msg_namelen = sizeof from;
        message.msg_iov = &vector;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(d.socket->native_handle(), &message, MSG_DONTWAIT);
        if (n < 0) {
            break;  // nothing more now (EAGAIN), or an error the next datagram will not have
        }
        ++work;
        std::uint32_t destination = config_.datagram_bind_ip;
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                in_pktinfo info{};
                std::memcpy(&info, CMSG_DATA(c), sizeof info);
                destination = ntohl(info.ipi_addr.s_addr);
            }
        }
        if (d.events.on_datagram != nullptr) {
            const Datagram datagram{
                Endpoint{ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)}, destination,
                std::span<const std::uint8_t>(scratch_.data(), static_cast<std::size_t>(n))};
            d.events.on_datagram(d.events.context, DatagramId{index}, datagram);
        }
    }
    return work;
}

unsigned KernelTransport::poll(std::int64_t now_ns) noexcept {
    now_ns_ = now_ns;
    unsigned work = 0;
    if (connecting_ > 0) {
        boost::system::error_code ec;
        work += static_cast<unsigned>(io_.poll(ec));
        io_.restart();
    }
    for (Listener& l : listeners_) {
        if (l.acceptor) {
            work += accept_from(l);
        }
    }
    for (Stream& s : streams_) {
        if (s.socket && s.state != StreamState::kConnecting && s.state != StreamState::kClosed) {
            work += service(s);
        }
    }
    for (std::uint32_t i = 0; i < datagrams_.size(); ++i) {
        if (datagrams_[i].socket) {
            work += receive_datagrams(i);
        }
    }
    return work;
}

std::int64_t KernelTransport::next_timer_ns() const noexcept {
    if (connecting_ > 0) {
        return now_ns_;
    }
    for (const Stream& s : streams_) {
        if (s.socket && (s.send.size > 0 || (s.close_requested && !s.write_shut))) {
            return now_ns_;
        }
    }
    return kNever;
}

DatagramId KernelTransport::open_datagram(std::uint16_t port,
                                          const DatagramEvents& events) noexcept {
    for (std::uint32_t i = 0; i < datagrams_.size(); ++i) {
        DatagramSocket& d = datagrams_[i];
        if (d.socket) {
            continue;
        }
        boost::system::error_code ec;
        d.socket.emplace(io_);
        d.socket->open(udp::v4(), ec);
        if (!ec) {
            d.socket->set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            d.socket->bind(udp::endpoint(address(config_.datagram_bind_ip), port), ec);
        }
        if (!ec) {
            d.socket->non_blocking(true, ec);
        }
        if (!ec) {
            d.socket->set_option(
                asio::ip::multicast::outbound_interface(address(config_.multicast_interface_ip)),
                ec);
        }
        if (!ec) {
            d.socket->set_option(asio::ip::multicast::hops(config_.multicast_ttl), ec);
        }
        if (!ec) {
            d.socket->set_option(asio::ip::multicast::enable_loopback(config_.multicast_loop), ec);
        }
        if (!ec) {
            // Each datagram's destination address, for Datagram::destination_ip.
            const int on = 1;
            if (::setsockopt(d.socket->native_handle(), IPPROTO_IP, IP_PKTINFO, &on, sizeof on) !=
                0) {
                ec = boost::system::error_code(errno, boost::system::system_category());
            }
        }
        if (ec) {
            d.socket.reset();
            return {};
        }
        d.events = events;
        return DatagramId{i};
    }
    return {};
}

void KernelTransport::close_datagram(DatagramId socket) noexcept {
    if (socket.slot < datagrams_.size() && datagrams_[socket.slot].socket) {
        boost::system::error_code ec;
        datagrams_[socket.slot].socket->close(ec);
        datagrams_[socket.slot].socket.reset();
    }
}

bool KernelTransport::join(DatagramId socket, std::uint32_t group) noexcept {
    if (socket.slot >= datagrams_.size() || !datagrams_[socket.slot].socket) {
        return false;
    }
    boost::system::error_code ec;
    datagrams_[socket.slot].socket->set_option(
        asio::ip::multicast::join_group(address(group), address(config_.multicast_interface_ip)),
        ec);
    return !ec;
}

bool KernelTransport::leave(DatagramId socket, std::uint32_t group) noexcept {
    if (socket.slot >= datagrams_.size() || !datagrams_[socket.slot].socket) {
        return false;
    }
    boost::system::error_code ec;
    datagrams_[socket.slot].socket->set_option(
        asio::ip::multicast::leave_group(address(group), address(config_.multicast_interface_ip)),
        ec);
    return !ec;
}

bool KernelTransport::send_to(DatagramId socket, Endpoint destination,
                              std::span<const std::uint8_t> payload) noexcept {
    if (socket.slot >= datagrams_.size() || !datagrams_[socket.slot].socket) {
        return false;
    }
    boost::system::error_code ec;
    const std::size_t n = datagrams_[socket.slot].socket->send_to(
        asio::buffer(payload.data(), payload.size()),
        udp::endpoint(address(destination.ip), destination.port), 0, ec);
    return !ec && n == payload.size();
}

}  // namespace tb::net
