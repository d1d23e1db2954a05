#include "net/tcp.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/random.hpp"
#include "net/seq.hpp"

namespace tb::net {
namespace {

using proto::kTcpAck;
using proto::kTcpFin;
using proto::kTcpPsh;
using proto::kTcpRst;
using proto::kTcpSyn;

constexpr std::uint32_t kEmptyFlow = 0xFFFFFFFF;
constexpr std::uint16_t kEphemeralFirst = 49152;  // RFC 6335 section 6
constexpr std::uint32_t kEphemeralCount = 65536 - kEphemeralFirst;
constexpr std::uint16_t kDefaultMss = 536;          // RFC 9293 section 3.7.1
constexpr std::uint16_t kMinimumMss = 64;           // a smaller announced MSS is taken as this
constexpr std::uint8_t kMaxWindowScale = 14;        // RFC 7323 section 2.3
constexpr std::int64_t kClockGranularityNs = 1000;  // G in RFC 6298 section 2

std::uint32_t round_up_pow2(std::uint32_t n) {
    std::uint32_t p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

void copy_into_ring(std::uint8_t* ring, std::uint32_t mask, std::uint32_t index,
                    std::span<const std::uint8_t> data) noexcept {
    const std::size_t capacity = std::size_t{mask} + 1;
    const std::size_t first = std::min<std::size_t>(data.size(), capacity - index);
    std::memcpy(ring + index, data.data(), first);
    if (first < data.size()) {
        std::memcpy(ring, data.data() + first, data.size() - first);
    }
}

void copy_from_ring(const std::uint8_t* ring, std::uint32_t mask, std::uint32_t index,
                    std::uint8_t* out, std::size_t length) noexcept {
    const std::size_t capacity = std::size_t{mask} + 1;
    const std::size_t first = std::min<std::size_t>(length, capacity - index);
    std::memcpy(out, ring + index, first);
    if (first < length) {
        std::memcpy(out + first, ring, length - first);
    }
}

bool synchronized_for_send(TcpState state) noexcept {
    return state == TcpState::kEstablished || state == TcpState::kCloseWait ||
           state == TcpState::kFinWait1 || state == TcpState::kClosing ||
           state == TcpState::kLastAck;
}

bool accepts_data(TcpState state) noexcept {
    return state == TcpState::kEstablished || state == TcpState::kFinWait1 ||
           state == TcpState::kFinWait2;
}

}  // namespace

std::string_view to_string(TcpState state) noexcept {
    switch (state) {
        case TcpState::kClosed:
            return "CLOSED";
        case TcpState::kListen:
            return "LISTEN";
        case TcpState::kSynSent:
            return "SYN-SENT";
        case TcpState::kSynReceived:
            return "SYN-RECEIVED";
        case TcpState::kEstablished:
            return "ESTABLISHED";
        case TcpState::kFinWait1:
            return "FIN-WAIT-1";
        case TcpState::kFinWait2:
            return "FIN-WAIT-2";
        case TcpState::kCloseWait:
            return "CLOSE-WAIT";
        case TcpState::kClosing:
            return "CLOSING";
        case TcpState::kLastAck:
            return "LAST-ACK";
        case TcpState::kTimeWait:
            return "TIME-WAIT";
    }
    return "?";
}

Tcp::Tcp(const StackConfig& config, Ipv4& ip, TimerHeap& timers, std::uint32_t timer_base,
         StackCounters& counters)
    : tcp_(config.tcp),
      ip_(ip),
      timers_(timers),
      timer_base_(timer_base),
      counters_(counters),
      our_mss_(config.tcp.mss != 0 ? config.tcp.mss : static_cast<std::uint16_t>(config.mtu - 40)),
      our_wscale_(0),
      send_capacity_(round_up_pow2(config.tcp.send_buffer_bytes)),
      send_mask_(send_capacity_ - 1),
      receive_capacity_(round_up_pow2(config.tcp.receive_buffer_bytes)),
      receive_mask_(receive_capacity_ - 1),
      max_ranges_(config.tcp.max_out_of_order_ranges),
      tcbs_(config.tcp.max_connections),
      listeners_(config.tcp.max_listeners),
      listener_by_port_(65536, 0),
      ranges_(static_cast<std::size_t>(config.tcp.max_connections) *
              config.tcp.max_out_of_order_ranges),
      ack_list_(config.tcp.max_connections, 0),
      scratch_(our_mss_),
      next_ephemeral_(static_cast<std::uint16_t>(kEphemeralFirst +
                                                 core::mix64(config.tcp.seed) % kEphemeralCount)) {
    // RFC 7323 section 2.3: the smallest shift that lets the window field cover the buffer.
    while (our_wscale_ < kMaxWindowScale && (receive_capacity_ >> our_wscale_) > 65535) {
        ++our_wscale_;
    }
    const std::size_t per_connection = std::size_t{send_capacity_} + receive_capacity_;
    buffers_.resize(per_connection * tcbs_.size());
    free_.reserve(tcbs_.size());
    for (std::size_t i = tcbs_.size(); i-- > 0;) {
        free_.push_back(static_cast<std::uint32_t>(i));
        tcbs_[i].send_buffer = buffers_.data() + i * per_connection;
        tcbs_[i].receive_buffer = tcbs_[i].send_buffer + send_capacity_;
    }
    const std::uint32_t flow_slots =
        round_up_pow2(std::max<std::uint32_t>(16, 2 * config.tcp.max_connections));
    flows_.assign(flow_slots, kEmptyFlow);
    flow_mask_ = flow_slots - 1;
}

// ---------------------------------------------------------------------------------------------
// Table plumbing

Tcp::Tcb* Tcp::get(StreamId stream) noexcept {
    if (stream.slot >= tcbs_.size()) {
        return nullptr;
    }
    Tcb& c = tcbs_[stream.slot];
    return c.app_open && c.generation == stream.generation ? &c : nullptr;
}

const Tcp::Tcb* Tcp::get(StreamId stream) const noexcept {
    return const_cast<Tcp*>(this)->get(stream);
}

Tcp::Tcb* Tcp::allocate() noexcept {
    if (free_.empty()) {
        // A full table gives up the TIME-WAIT connection nearest its end, as Linux does beyond
        // tcp_max_tw_buckets: its peer has acknowledged everything, and a new connection is
        // worth more than the protection from old duplicates. The scan runs only when full.
        Tcb* oldest = nullptr;
        for (Tcb& c : tcbs_) {
            if (c.state == TcpState::kTimeWait &&
                (oldest == nullptr || c.rto_deadline_ns < oldest->rto_deadline_ns)) {
                oldest = &c;
            }
        }
        if (oldest == nullptr) {
            return nullptr;
        }
        ++counters_.tcp_time_wait_reclaimed;
        release(*oldest);
    }
    Tcb& c = tcbs_[free_.back()];
    free_.pop_back();
    return &c;
}

void Tcp::release(Tcb& c) noexcept {
    if (c.state == TcpState::kClosed) {
        return;
    }
    flow_erase(c);
    timers_.cancel(timer_base_ + index_of(c));
    c.state = TcpState::kClosed;
    c.app_open = false;
    c.ack_pending = false;
    c.range_count = 0;
    free_.push_back(index_of(c));
}

std::uint64_t Tcp::flow_hash(std::uint32_t remote_ip, std::uint16_t remote_port,
                             std::uint16_t local_port) const noexcept {
    const std::uint64_t key =
        std::uint64_t{remote_ip} << 32 | std::uint64_t{remote_port} << 16 | local_port;
    return core::mix64(key ^ tcp_.seed) & flow_mask_;
}

int Tcp::lookup(std::uint32_t remote_ip, std::uint16_t remote_port,
                std::uint16_t local_port) const noexcept {
    for (std::uint64_t at = flow_hash(remote_ip, remote_port, local_port);;
         at = (at + 1) & flow_mask_) {
        const std::uint32_t index = flows_[at];
        if (index == kEmptyFlow) {
            return -1;
        }
        const Tcb& c = tcbs_[index];
        if (c.remote_ip == remote_ip && c.remote_port == remote_port &&
            c.local_port == local_port) {
            return static_cast<int>(index);
        }
    }
}

void Tcp::flow_insert(const Tcb& c) noexcept {
    std::uint64_t at = flow_hash(c.remote_ip, c.remote_port, c.local_port);
    while (flows_[at] != kEmptyFlow) {
        at = (at + 1) & flow_mask_;
    }
    flows_[at] = index_of(c);
}

void Tcp::flow_erase(const Tcb& c) noexcept {
    const std::uint32_t index = index_of(c);
    std::uint64_t hole = flow_hash(c.remote_ip, c.remote_port, c.local_port);
    while (flows_[hole] != index) {
        assert(flows_[hole] != kEmptyFlow);
        hole = (hole + 1) & flow_mask_;
    }
    // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
    std::uint64_t next = hole;
    for (;;) {
        next = (next + 1) & flow_mask_;
        const std::uint32_t moved = flows_[next];
        if (moved == kEmptyFlow) {
            break;
        }
        const Tcb& m = tcbs_[moved];
        const std::uint64_t home = flow_hash(m.remote_ip, m.remote_port, m.local_port);
        // Move `moved` into the hole unless its home lies cyclically in (hole, next].
        const bool stays =
            hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (!stays) {
            flows_[hole] = moved;
            hole = next;
        }
    }
    flows_[hole] = kEmptyFlow;
}

std::uint16_t Tcp::pick_local_port(std::uint32_t remote_ip, std::uint16_t remote_port) noexcept {
    for (std::uint32_t tries = 0; tries < kEphemeralCount; ++tries) {
        const std::uint16_t port = next_ephemeral_;
        next_ephemeral_ = next_ephemeral_ == 65535
                              ? kEphemeralFirst
                              : static_cast<std::uint16_t>(next_ephemeral_ + 1);
        if (listener_by_port_[port] == 0 && lookup(remote_ip, remote_port, port) < 0) {
            return port;
        }
    }
    return 0;
}

std::uint32_t Tcp::initial_sequence(std::uint32_t remote_ip, std::uint16_t remote_port,
                                    std::uint16_t local_port, std::int64_t now_ns) const noexcept {
    // RFC 6528: ISN = M + F(4-tuple, secret), M a 4-microsecond clock.
    const std::uint64_t key =
        std::uint64_t{remote_ip} << 32 | std::uint64_t{remote_port} << 16 | local_port;
    return static_cast<std::uint32_t>(core::mix64(key ^ core::mix64(tcp_.seed))) +
           static_cast<std::uint32_t>(now_ns / 4000);
}

void Tcp::init_tcb(Tcb& c, std::uint32_t remote_ip, std::uint16_t remote_port,
                   std::uint16_t local_port, std::int64_t now_ns) noexcept {
    const bool listed = c.ack_listed;  // an entry in ack_list_ from before stays valid
    std::uint8_t* send_buffer = c.send_buffer;
    std::uint8_t* receive_buffer = c.receive_buffer;
    const std::uint32_t generation = c.generation + 1;
    c = Tcb{};
    c.ack_listed = listed;
    c.send_buffer = send_buffer;
    c.receive_buffer = receive_buffer;
    c.generation = generation;
    c.remote_ip = remote_ip;
    c.remote_port = remote_port;
    c.local_port = local_port;
    c.iss = initial_sequence(remote_ip, remote_port, local_port, now_ns);
    c.snd_una = c.iss;
    c.snd_nxt = c.iss + 1;
    c.snd_max = c.iss + 1;
    c.send_head = c.iss + 1;
    c.send_end = c.iss + 1;
    c.recover = c.iss;
    c.mss = std::min(kDefaultMss, our_mss_);
    c.rcv_wscale = our_wscale_;
    c.rto_ns = tcp_.rto_initial_ns;
    c.ssthresh = 0x7FFFFFFF;
    c.last_receive_ns = now_ns;
}

void Tcp::apply_syn_options(Tcb& c, const proto::TcpOptions& options) noexcept {
    const std::uint16_t peer_mss = options.has_mss ? options.mss : kDefaultMss;
    c.mss = std::min(our_mss_, std::max(peer_mss, kMinimumMss));
    if (options.has_window_scale) {
        c.wscale_ok = true;
        c.snd_wscale = std::min(options.window_scale, kMaxWindowScale);
        c.rcv_wscale = our_wscale_;
    } else {
        // RFC 7323 section 2.2: scaling only when both sides offered it.
        c.wscale_ok = false;
        c.snd_wscale = 0;
        c.rcv_wscale = 0;
    }
    c.cwnd = tcp_.initial_window_segments * std::uint32_t{c.mss};
}

// ---------------------------------------------------------------------------------------------
// Application calls

StreamId Tcp::connect(Endpoint remote, const StreamEvents& events, std::uint16_t local_port,
                      std::int64_t now_ns) noexcept {
    if (remote.ip == 0 || remote.port == 0 || is_multicast(remote.ip) ||
        ip_.is_broadcast(remote.ip) || remote.ip == ip_.address()) {
        return {};
    }
    if (local_port == 0) {
        local_port = pick_local_port(remote.ip, remote.port);
        if (local_port == 0) {
            return {};
        }
    } else if (lookup(remote.ip, remote.port, local_port) >= 0) {
        return {};
    }
    Tcb* slot = allocate();
    if (slot == nullptr) {
        return {};
    }
    Tcb& c = *slot;
    init_tcb(c, remote.ip, remote.port, local_port, now_ns);
    c.state = TcpState::kSynSent;
    c.app_open = true;
    c.events = events;
    c.mss = our_mss_;  // until the peer's SYN says otherwise
    flow_insert(c);
    c.rtt_timing = true;
    c.rtt_seq = c.iss + 1;
    c.rtt_start_ns = now_ns;
    (void)emit(c, c.iss, kTcpSyn, 0, now_ns);
    c.rto_deadline_ns = now_ns + c.rto_ns;
    rearm(c);
    return id_of(c);
}

bool Tcp::listen(std::uint16_t port, const StreamEvents& events) noexcept {
    if (port == 0 || listener_by_port_[port] != 0) {
        return false;
    }
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        if (listeners_[i].port == 0) {
            listeners_[i] = Listener{port, events};
            listener_by_port_[port] = static_cast<std::uint16_t>(i + 1);
            return true;
        }
    }
    return false;
}

bool Tcp::unlisten(std::uint16_t port) noexcept {
    const std::uint16_t index = listener_by_port_[port];
    if (port == 0 || index == 0) {
        return false;
    }
    listeners_[index - 1U] = Listener{};
    listener_by_port_[port] = 0;
    return true;
}

bool Tcp::set_events(StreamId stream, const StreamEvents& events) noexcept {
    Tcb* c = get(stream);
    if (c == nullptr) {
        return false;
    }
    c->events = events;
    return true;
}

std::size_t Tcp::send(StreamId stream, std::span<const std::uint8_t> data,
                      std::int64_t now_ns) noexcept {
    Tcb* c = get(stream);
    if (c == nullptr || c->fin_queued ||
        (c->state != TcpState::kEstablished && c->state != TcpState::kCloseWait &&
         c->state != TcpState::kSynSent && c->state != TcpState::kSynReceived)) {
        return 0;
    }
    const std::uint32_t queued = c->send_end - c->send_head;
    const std::size_t n = std::min<std::size_t>(data.size(), send_capacity_ - queued);
    if (n == 0) {
        return 0;
    }
    copy_into_ring(c->send_buffer, send_mask_, send_index(*c, c->send_end), data.first(n));
    c->send_end += static_cast<std::uint32_t>(n);
    output(*c, now_ns);
    return n;
}

std::size_t Tcp::readable(StreamId stream) const noexcept {
    const Tcb* c = get(stream);
    return c == nullptr ? 0 : data_end(*c) - c->rcv_read;
}

std::size_t Tcp::send_space(StreamId stream) const noexcept {
    const Tcb* c = get(stream);
    if (c == nullptr || c->fin_queued) {
        return 0;
    }
    return send_capacity_ - (c->send_end - c->send_head);
}

std::size_t Tcp::receive(StreamId stream, std::span<std::uint8_t> out,
                         std::int64_t now_ns) noexcept {
    Tcb* c = get(stream);
    if (c == nullptr) {
        return 0;
    }
    const std::size_t n = std::min<std::size_t>(out.size(), data_end(*c) - c->rcv_read);
    if (n == 0) {
        return 0;
    }
    copy_from_ring(c->receive_buffer, receive_mask_, receive_index(*c, c->rcv_read), out.data(), n);
    c->rcv_read += static_cast<std::uint32_t>(n);
    maybe_window_update(*c, now_ns);
    return n;
}

std::span<const std::uint8_t> Tcp::peek(StreamId stream) const noexcept {
    const Tcb* c = get(stream);
    if (c == nullptr) {
        return {};
    }
    const std::uint32_t index = receive_index(*c, c->rcv_read);
    const std::uint32_t available = data_end(*c) - c->rcv_read;
    return {c->receive_buffer + index, std::min(available, receive_capacity_ - index)};
}

std::size_t Tcp::consume(StreamId stream, std::size_t count, std::int64_t now_ns) noexcept {
    Tcb* c = get(stream);
    if (c == nullptr) {
        return 0;
    }
    const std::size_t n = std::min<std::size_t>(count, data_end(*c) - c->rcv_read);
    c->rcv_read += static_cast<std::uint32_t>(n);
    if (n > 0) {
        maybe_window_update(*c, now_ns);
    }
    return n;
}

void Tcp::close(StreamId stream, std::int64_t now_ns) noexcept {
    Tcb* c = get(stream);
    if (c == nullptr || c->fin_queued) {
        return;
    }
    switch (c->state) {
        case TcpState::kSynSent:
            // RFC 9293 section 3.10.4: delete the TCB; nothing was sent that needs closing.
            c->app_open = false;
            release(*c);
            return;
        case TcpState::kSynReceived:
            // Queued until the handshake completes, which then goes to FIN-WAIT-1.
            c->fin_queued = true;
            return;
        case TcpState::kEstablished:
            c->fin_queued = true;
            c->state = TcpState::kFinWait1;
            break;
        case TcpState::kCloseWait:
            c->fin_queued = true;
            c->state = TcpState::kLastAck;
            break;
        default:
            return;
    }
    output(*c, now_ns);
}

void Tcp::abort(StreamId stream, std::int64_t now_ns) noexcept {
    Tcb* c = get(stream);
    if (c == nullptr) {
        return;
    }
    // RFC 9293 section 3.10.5: <SEQ=SND.NXT><CTL=RST> unless the peer knows nothing of us yet.
    if (c->state != TcpState::kSynSent) {
        send_reset(c->remote_ip, c->local_port, c->remote_port, c->snd_nxt, 0, kTcpRst, now_ns);
    }
    c->app_open = false;
    release(*c);
}

StreamState Tcp::state(StreamId stream) const noexcept {
    const Tcb* c = get(stream);
    if (c == nullptr) {
        return StreamState::kClosed;
    }
    switch (c->state) {
        case TcpState::kSynSent:
        case TcpState::kSynReceived:
            return StreamState::kConnecting;
        case TcpState::kEstablished:
            return StreamState::kEstablished;
        case TcpState::kCloseWait:
            return StreamState::kPeerClosed;
        case TcpState::kFinWait1:
        case TcpState::kFinWait2:
        case TcpState::kClosing:
        case TcpState::kLastAck:
            return StreamState::kClosing;
        default:
            return StreamState::kClosed;
    }
}

Endpoint Tcp::remote(StreamId stream) const noexcept {
    const Tcb* c = get(stream);
    return c == nullptr ? Endpoint{} : Endpoint{c->remote_ip, c->remote_port};
}

bool Tcp::info(StreamId stream, TcpInfo& out) const noexcept {
    if (stream.slot >= tcbs_.size()) {
        return false;
    }
    const Tcb& c = tcbs_[stream.slot];
    if (c.generation != stream.generation || c.state == TcpState::kClosed) {
        return false;
    }
    out.state = c.state;
    out.local = Endpoint{ip_.address(), c.local_port};
    out.remote = Endpoint{c.remote_ip, c.remote_port};
    out.iss = c.iss;
    out.irs = c.irs;
    out.snd_una = c.snd_una;
    out.snd_nxt = c.snd_nxt;
    out.snd_wnd = c.snd_wnd;
    out.rcv_nxt = c.rcv_nxt;
    out.rcv_wnd = receive_space(c);
    out.cwnd = c.cwnd;
    out.ssthresh = c.ssthresh;
    out.mss = c.mss;
    out.snd_wscale = c.snd_wscale;
    out.rcv_wscale = c.rcv_wscale;
    out.srtt_ns = c.srtt_ns;
    out.rttvar_ns = c.rttvar_ns;
    out.rto_ns = c.rto_ns;
    out.retransmissions = c.retransmissions;
    out.out_of_order_ranges = c.range_count;
    out.unsent = seq_lt(c.snd_nxt, c.send_end) ? c.send_end - c.snd_nxt : 0;
    out.unacknowledged = c.send_end - c.send_head;
    return true;
}

std::uint32_t Tcp::connections_in_use() const noexcept {
    return static_cast<std::uint32_t>(tcbs_.size() - free_.size());
}

TcpState Tcp::state_of(Endpoint remote, std::uint16_t local_port) const noexcept {
    const int index = lookup(remote.ip, remote.port, local_port);
    return index < 0 ? TcpState::kClosed : tcbs_[static_cast<std::uint32_t>(index)].state;
}

// ---------------------------------------------------------------------------------------------
// Output

std::uint16_t Tcp::window_field(Tcb& c, bool syn) noexcept {
    std::uint32_t space = receive_space(c);
    const std::uint32_t open = seq_gt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
    // Receiver silly window avoidance (RFC 9293 section 3.8.6.2.2): the right edge moves only
    // by at least min(buffer / 2, MSS); and it never moves back (section 3.8.6).
    const std::uint32_t step = std::min<std::uint32_t>(receive_capacity_ / 2, our_mss_);
    if (space < open || (space - open < step && space != receive_capacity_)) {
        space = open;
    }
    // RFC 7323 section 2.2: the window in a SYN is never scaled.
    const std::uint8_t shift = syn ? 0 : c.rcv_wscale;
    const std::uint32_t field = std::min<std::uint32_t>(space >> shift, 65535);
    const std::uint32_t edge = c.rcv_nxt + (field << shift);
    if (seq_gt(edge, c.rcv_adv)) {
        c.rcv_adv = edge;
    }
    return static_cast<std::uint16_t>(field);
}

bool Tcp::emit(Tcb& c, std::uint32_t seq, std::uint8_t flags, std::uint32_t length,
               std::int64_t now_ns) noexcept {
    rte_mbuf* frame = ip_.alloc();
    if (frame == nullptr) {
        return false;
    }
    proto::TcpOptions options;
    if ((flags & kTcpSyn) != 0) {
        options.has_mss = true;
        options.mss = our_mss_;
        // A SYN offers window scaling; a SYN-ACK answers an offer (RFC 7323 section 1.3).
        if ((flags & kTcpAck) == 0 || c.wscale_ok) {
            options.has_window_scale = true;
            options.window_scale = our_wscale_;
        }
    }
    const std::size_t l4_size =
        proto::kTcpMinHeaderSize + proto::tcp_options_size(options) + length;
    std::uint8_t* l4 = ip_.begin(frame, l4_size);
    if (l4 == nullptr) {
        rte_pktmbuf_free(frame);
        return false;
    }
    std::span<const std::uint8_t> payload;
    if (length > 0) {
        const std::uint32_t index = send_index(c, seq);
        if (index + length <= send_capacity_) {
            payload = std::span<const std::uint8_t>(c.send_buffer + index, length);
        } else {
            copy_from_ring(c.send_buffer, send_mask_, index, scratch_.data(), length);
            payload = std::span<const std::uint8_t>(scratch_.data(), length);
        }
    }
    proto::TcpHeader header;
    header.source_port = c.local_port;
    header.destination_port = c.remote_port;
    header.sequence_number = seq;
    header.acknowledgment_number = (flags & kTcpAck) != 0 ? c.rcv_nxt : 0;
    header.flags = flags;
    header.window = (flags & kTcpRst) != 0 ? 0 : window_field(c, (flags & kTcpSyn) != 0);
    const std::size_t written = proto::write_tcp(header, options, ip_.address(), c.remote_ip,
                                                 payload, std::span(l4, l4_size));
    assert(written == l4_size);
    (void)written;
    ip_.send(frame, c.remote_ip, proto::kIpProtocolTcp, l4_size, now_ns);
    ++counters_.tcp_segments_sent;
    if ((flags & kTcpAck) != 0) {
        c.ack_pending = false;
        c.unacked_segments = 0;
        c.ack_deadline_ns = kNever;
    }
    return true;
}

void Tcp::send_reset(std::uint32_t remote_ip, std::uint16_t local_port, std::uint16_t remote_port,
                     std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                     std::int64_t now_ns) noexcept {
    rte_mbuf* frame = ip_.alloc();
    if (frame == nullptr) {
        return;
    }
    std::uint8_t* l4 = ip_.begin(frame, proto::kTcpMinHeaderSize);
    if (l4 == nullptr) {
        rte_pktmbuf_free(frame);
        return;
    }
    proto::TcpHeader header;
    header.source_port = local_port;
    header.destination_port = remote_port;
    header.sequence_number = seq;
    header.acknowledgment_number = ack;
    header.flags = flags;
    const std::size_t written =
        proto::write_tcp(header, proto::TcpOptions{}, ip_.address(), remote_ip, {},
                         std::span(l4, proto::kTcpMinHeaderSize));
    assert(written == proto::kTcpMinHeaderSize);
    (void)written;
    ip_.send(frame, remote_ip, proto::kIpProtocolTcp, proto::kTcpMinHeaderSize, now_ns);
    ++counters_.tcp_segments_sent;
    ++counters_.tcp_resets_sent;
}

void Tcp::send_ack_now(Tcb& c, std::int64_t now_ns) noexcept {
    (void)emit(c, c.snd_nxt, kTcpAck, 0, now_ns);
}

void Tcp::queue_ack(Tcb& c) noexcept {
    c.ack_pending = true;
    if (!c.ack_listed) {
        c.ack_listed = true;
        ack_list_[ack_count_++] = index_of(c);
    }
}

unsigned Tcp::flush_acks(std::int64_t now_ns) noexcept {
    unsigned sent = 0;
    for (std::uint32_t i = 0; i < ack_count_; ++i) {
        Tcb& c = tcbs_[ack_list_[i]];
        c.ack_listed = false;
        if (c.state != TcpState::kClosed && c.ack_pending) {
            send_ack_now(c, now_ns);
            ++sent;
        }
    }
    ack_count_ = 0;
    return sent;
}

void Tcp::maybe_window_update(Tcb& c, std::int64_t now_ns) noexcept {
    if (c.state == TcpState::kClosed || c.state == TcpState::kSynSent || c.peer_fin) {
        return;
    }
    const std::uint32_t open = seq_gt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
    const std::uint32_t space = receive_space(c);
    const std::uint32_t step = std::min<std::uint32_t>(receive_capacity_ / 2, our_mss_);
    // RFC 9293 section 3.8.6.2.2: announce the opening once it is worth a segment.
    if (space > open && (space - open >= step || space == receive_capacity_)) {
        send_ack_now(c, now_ns);
    }
}

void Tcp::output(Tcb& c, std::int64_t now_ns) noexcept {
    if (!synchronized_for_send(c.state)) {
        rearm(c);
        return;
    }
    for (;;) {
        const std::uint32_t in_flight = c.snd_nxt - c.snd_una;
        std::uint32_t window = c.snd_wnd;
        if (tcp_.congestion_control) {
            window = std::min(window, c.cwnd);
        }
        const std::uint32_t unsent = seq_lt(c.snd_nxt, c.send_end) ? c.send_end - c.snd_nxt : 0;
        const std::uint32_t usable = window > in_flight ? window - in_flight : 0;
        const std::uint32_t length = std::min({unsent, std::uint32_t{c.mss}, usable});
        // The FIN goes with the last byte, or alone once the data is out (and the peer's window
        // is open: a FIN takes a sequence number).
        const bool fin = c.fin_queued && seq_leq(c.snd_nxt, c.send_end) &&
                         c.snd_nxt + length == c.send_end && (length > 0 || c.snd_wnd > in_flight);
        if (length == 0 && !fin) {
            break;
        }
        if (length < unsent && length < c.mss && in_flight > 0) {
            break;  // sender silly window avoidance (RFC 9293 section 3.8.6.2.1)
        }
        if (tcp_.nagle && length < c.mss && in_flight > 0 && !fin) {
            break;  // Nagle (RFC 9293 section 3.7.4)
        }
        std::uint8_t flags = kTcpAck;
        if (length > 0 && c.snd_nxt + length == c.send_end) {
            flags |= kTcpPsh;
        }
        if (fin) {
            flags |= kTcpFin;
        }
        if (!emit(c, c.snd_nxt, flags, length, now_ns)) {
            // No frame: the retransmission timer tries again.
            if (c.rto_deadline_ns == kNever) {
                c.rto_deadline_ns = now_ns + c.rto_ns;
            }
            break;
        }
        const std::uint32_t end = c.snd_nxt + length + (fin ? 1 : 0);
        if (seq_geq(c.snd_nxt, c.snd_max)) {
            if (!c.rtt_timing) {
                c.rtt_timing = true;
                c.rtt_seq = end;
                c.rtt_start_ns = now_ns;
            }
        } else {
            ++counters_.tcp_retransmissions;
            ++c.retransmissions;
        }
        c.snd_nxt = end;
        if (seq_gt(end, c.snd_max)) {
            c.snd_max = end;
        }
        // RFC 6298 section 5.1: the timer runs while data is outstanding.
        if (c.rto_deadline_ns == kNever || c.persist) {
            c.persist = false;
            c.rto_deadline_ns = now_ns + c.rto_ns;
        }
    }
    // RFC 9293 section 3.8.6.1: a zero window with data waiting and nothing in flight is probed.
    const bool waiting =
        seq_lt(c.snd_nxt, c.send_end) || (c.fin_queued && seq_leq(c.snd_nxt, c.send_end));
    if (waiting && c.snd_max == c.snd_una && c.rto_deadline_ns == kNever) {
        c.persist = true;
        c.rto_deadline_ns = now_ns + c.rto_ns;
    }
    rearm(c);
}

bool Tcp::retransmit_first(Tcb& c, std::uint32_t max_length, std::int64_t now_ns) noexcept {
    const std::uint32_t seq = c.snd_una;
    const std::uint32_t data_left = seq_lt(seq, c.send_end) ? c.send_end - seq : 0;
    const std::uint32_t length = std::min({data_left, std::uint32_t{c.mss}, max_length});
    const bool fin = c.fin_queued && seq_gt(c.snd_max, c.send_end) && seq + length == c.send_end;
    if (length == 0 && !fin) {
        return false;
    }
    std::uint8_t flags = kTcpAck;
    if (length > 0 && seq + length == c.send_end) {
        flags |= kTcpPsh;
    }
    if (fin) {
        flags |= kTcpFin;
    }
    if (!emit(c, seq, flags, length, now_ns)) {
        return false;
    }
    ++counters_.tcp_retransmissions;
    ++c.retransmissions;
    c.rtt_timing = false;  // Karn's rule (RFC 6298 section 3)
    const std::uint32_t end = seq + length + (fin ? 1 : 0);
    if (seq_lt(c.snd_nxt, end)) {
        c.snd_nxt = end;
    }
    if (seq_gt(end, c.snd_max)) {
        c.snd_max = end;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Input

void Tcp::input(const proto::Ipv4Header& ip, std::span<const std::uint8_t> bytes,
                std::int64_t now_ns) noexcept {
    proto::TcpParse segment;
    if (proto::parse_tcp(bytes, ip.source, ip.destination, segment) != proto::Status::kOk ||
        segment.header.source_port == 0 || segment.header.destination_port == 0) {
        ++counters_.tcp_malformed;
        return;
    }
    if (!segment.checksum_ok) {
        ++counters_.tcp_bad_checksum;
        return;
    }
    ++counters_.tcp_segments_received;
    const proto::TcpHeader& h = segment.header;
    const int index = lookup(ip.source, h.source_port, h.destination_port);
    if (index < 0) {
        const std::uint16_t listener = listener_by_port_[h.destination_port];
        if (listener != 0) {
            listen_input(listeners_[listener - 1U], ip, segment, now_ns);
        } else {
            closed_input(ip, segment, now_ns);
        }
        return;
    }
    Tcb& c = tcbs_[static_cast<std::uint32_t>(index)];
    if (c.state == TcpState::kTimeWait && (h.flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn &&
        seq_gt(h.sequence_number, c.rcv_nxt) && listener_by_port_[h.destination_port] != 0) {
        // A new incarnation of the connection may end TIME-WAIT early when its SYN is beyond
        // the old sequence space (RFC 9293 section 3.10.7.4 note, RFC 6191).
        release(c);
        listen_input(listeners_[listener_by_port_[h.destination_port] - 1U], ip, segment, now_ns);
        return;
    }
    c.last_receive_ns = now_ns;
    c.keepalive_sent = 0;
    if (c.state == TcpState::kSynSent) {
        syn_sent_input(c, segment, now_ns);
    } else {
        synchronized_input(c, segment, now_ns);
    }
}

void Tcp::closed_input(const proto::Ipv4Header& ip, const proto::TcpParse& segment,
                       std::int64_t now_ns) noexcept {
    // RFC 9293 section 3.10.7.1.
    const proto::TcpHeader& h = segment.header;
    if ((h.flags & kTcpRst) != 0) {
        return;
    }
    if ((h.flags & kTcpAck) != 0) {
        send_reset(ip.source, h.destination_port, h.source_port, h.acknowledgment_number, 0,
                   kTcpRst, now_ns);
    } else {
        const auto length = static_cast<std::uint32_t>(segment.payload.size()) +
                            ((h.flags & kTcpSyn) != 0 ? 1U : 0U) +
                            ((h.flags & kTcpFin) != 0 ? 1U : 0U);
        send_reset(ip.source, h.destination_port, h.source_port, 0, h.sequence_number + length,
                   kTcpRst | kTcpAck, now_ns);
    }
}

void Tcp::listen_input(const Listener& listener, const proto::Ipv4Header& ip,
                       const proto::TcpParse& segment, std::int64_t now_ns) noexcept {
    // RFC 9293 section 3.10.7.2.
    const proto::TcpHeader& h = segment.header;
    if ((h.flags & kTcpRst) != 0) {
        return;
    }
    if ((h.flags & kTcpAck) != 0) {
        send_reset(ip.source, h.destination_port, h.source_port, h.acknowledgment_number, 0,
                   kTcpRst, now_ns);
        return;
    }
    if ((h.flags & kTcpSyn) == 0) {
        return;
    }
    if (is_multicast(ip.destination) || ip_.is_broadcast(ip.destination)) {
        return;
    }
    Tcb* slot = allocate();
    if (slot == nullptr) {
        ++counters_.tcp_syn_dropped;
        return;
    }
    Tcb& c = *slot;
    init_tcb(c, ip.source, h.source_port, h.destination_port, now_ns);
    c.state = TcpState::kSynReceived;
    c.passive = true;
    c.events = listener.events;
    c.irs = h.sequence_number;
    c.rcv_nxt = c.irs + 1;
    c.rcv_read = c.rcv_nxt;
    c.rcv_adv = c.rcv_nxt;
    apply_syn_options(c, segment.options);
    c.snd_wnd = h.window;  // never scaled in a SYN
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = h.sequence_number;
    c.snd_wl2 = c.iss;
    c.last_window = h.window;
    flow_insert(c);
    c.rtt_timing = true;
    c.rtt_seq = c.iss + 1;
    c.rtt_start_ns = now_ns;
    (void)emit(c, c.iss, kTcpSyn | kTcpAck, 0, now_ns);
    c.rto_deadline_ns = now_ns + c.rto_ns;
    rearm(c);
}

void Tcp::syn_sent_input(Tcb& c, const proto::TcpParse& segment, std::int64_t now_ns) noexcept {
    // RFC 9293 section 3.10.7.3.
    const proto::TcpHeader& h = segment.header;
    const bool has_ack = (h.flags & kTcpAck) != 0;
    if (has_ack &&
        (seq_leq(h.acknowledgment_number, c.iss) || seq_gt(h.acknowledgment_number, c.snd_max))) {
        if ((h.flags & kTcpRst) == 0) {
            send_reset(c.remote_ip, c.local_port, c.remote_port, h.acknowledgment_number, 0,
                       kTcpRst, now_ns);
        }
        return;
    }
    if ((h.flags & kTcpRst) != 0) {
        if (has_ack) {
            ++counters_.tcp_resets_received;
            finish(c, CloseReason::kRefused);
        }
        return;
    }
    if ((h.flags & kTcpSyn) == 0) {
        return;
    }
    c.irs = h.sequence_number;
    c.rcv_nxt = c.irs + 1;
    c.rcv_read = c.rcv_nxt;
    c.rcv_adv = c.rcv_nxt;
    apply_syn_options(c, segment.options);
    c.snd_wnd = h.window;
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = h.sequence_number;
    c.last_window = h.window;
    if (has_ack) {
        c.snd_una = h.acknowledgment_number;
        c.snd_wl2 = h.acknowledgment_number;
        if (c.rtt_timing && seq_geq(c.snd_una, c.rtt_seq)) {
            rtt_sample(c, now_ns - c.rtt_start_ns);
            c.rtt_timing = false;
        }
        queue_ack(c);  // the third segment of the handshake
        establish(c, now_ns);
        return;
    }
    // Simultaneous open (RFC 9293 section 3.5, figure 7).
    c.state = TcpState::kSynReceived;
    c.snd_wl2 = c.iss;
    (void)emit(c, c.iss, kTcpSyn | kTcpAck, 0, now_ns);
    c.rto_deadline_ns = now_ns + c.rto_ns;
    rearm(c);
}

void Tcp::establish(Tcb& c, std::int64_t now_ns) noexcept {
    const bool was_passive = c.state == TcpState::kSynReceived && c.passive;
    c.state = c.fin_queued ? TcpState::kFinWait1 : TcpState::kEstablished;
    c.retries = 0;
    c.rto_deadline_ns = kNever;
    c.rto_ns = c.srtt_ns != 0 ? c.rto_ns : tcp_.rto_initial_ns;
    if (tcp_.keepalive) {
        c.keepalive_deadline_ns = now_ns + tcp_.keepalive_idle_ns;
    }
    ++counters_.tcp_connections_opened;
    const std::uint32_t generation = c.generation;
    if (was_passive) {
        c.app_open = true;
    }
    if (c.app_open && c.events.on_connected != nullptr) {
        c.events.on_connected(c.events.context, id_of(c));
        if (!alive(c, generation)) {
            return;
        }
    }
    output(c, now_ns);
}

void Tcp::synchronized_input(Tcb& c, const proto::TcpParse& segment, std::int64_t now_ns) noexcept {
    // RFC 9293 section 3.10.7.4, "Otherwise".
    const proto::TcpHeader& h = segment.header;
    const std::uint32_t seq = h.sequence_number;
    const auto payload_length = static_cast<std::uint32_t>(segment.payload.size());
    const bool syn = (h.flags & kTcpSyn) != 0;
    const bool fin = (h.flags & kTcpFin) != 0;
    const std::uint32_t length = payload_length + (syn ? 1U : 0U) + (fin ? 1U : 0U);
    const std::uint32_t generation = c.generation;

    // Our SYN-ACK was lost and the peer sent its SYN again: answer it again.
    if (c.state == TcpState::kSynReceived && syn && (h.flags & kTcpAck) == 0 && seq == c.irs) {
        (void)emit(c, c.iss, kTcpSyn | kTcpAck, 0, now_ns);
        return;
    }

    // First: the acceptability test.
    const std::uint32_t window = receive_space(c);
    bool acceptable;
    if (length == 0) {
        acceptable = window == 0 ? seq == c.rcv_nxt : seq_in(seq, c.rcv_nxt, c.rcv_nxt + window);
    } else if (window == 0) {
        // Zero window: the ACK, RST and the position still count; the data is trimmed below.
        acceptable = seq == c.rcv_nxt;
    } else {
        acceptable = seq_in(seq, c.rcv_nxt, c.rcv_nxt + window) ||
                     seq_in(seq + length - 1, c.rcv_nxt, c.rcv_nxt + window);
    }
    if (!acceptable) {
        if ((h.flags & kTcpRst) == 0) {
            ++counters_.tcp_unacceptable;
            send_ack_now(c, now_ns);
            if (c.state == TcpState::kTimeWait && fin) {
                // The peer did not get our ACK of its FIN: TIME-WAIT starts over (section
                // 3.10.7.4, eighth step).
                c.rto_deadline_ns = now_ns + tcp_.time_wait_ns;
                rearm(c);
            }
        }
        return;
    }

    // Second: RST (RFC 5961 section 3.2: only an exact match resets; in window earns a
    // challenge ACK).
    if ((h.flags & kTcpRst) != 0) {
        if (seq != c.rcv_nxt) {
            ++counters_.tcp_challenge_acks;
            send_ack_now(c, now_ns);
            return;
        }
        ++counters_.tcp_resets_received;
        if (c.state == TcpState::kSynReceived && c.passive) {
            release(c);  // back to LISTEN: the listener never saw this connection
            return;
        }
        ++counters_.tcp_connections_reset;
        finish(c, c.state == TcpState::kSynReceived ? CloseReason::kRefused : CloseReason::kReset);
        return;
    }

    // Fourth: SYN on a synchronized connection (RFC 5961 section 4.2).
    if (syn) {
        ++counters_.tcp_challenge_acks;
        send_ack_now(c, now_ns);
        return;
    }

    // Fifth: ACK.
    if ((h.flags & kTcpAck) == 0) {
        return;
    }
    const std::uint32_t ack = h.acknowledgment_number;
    if (c.state == TcpState::kSynReceived) {
        if (!(seq_gt(ack, c.snd_una) && seq_leq(ack, c.snd_max))) {
            send_reset(c.remote_ip, c.local_port, c.remote_port, ack, 0, kTcpRst, now_ns);
            return;
        }
        c.snd_una = ack;
        c.snd_wnd = std::uint32_t{h.window} << c.snd_wscale;
        c.max_snd_wnd = std::max(c.max_snd_wnd, c.snd_wnd);
        c.snd_wl1 = seq;
        c.snd_wl2 = ack;
        c.last_window = h.window;
        if (c.rtt_timing && seq_geq(ack, c.rtt_seq)) {
            rtt_sample(c, now_ns - c.rtt_start_ns);
            c.rtt_timing = false;
        }
        establish(c, now_ns);
        if (!alive(c, generation)) {
            return;
        }
    } else {
        if (seq_gt(ack, c.snd_max)) {
            // Acknowledges something not yet sent.
            send_ack_now(c, now_ns);
            return;
        }
        if (seq_gt(ack, c.snd_una)) {
            new_ack(c, ack, now_ns);
        } else if (ack == c.snd_una && payload_length == 0 && !fin && h.window == c.last_window &&
                   c.snd_max != c.snd_una && c.snd_wnd != 0) {
            // A duplicate ACK as RFC 5681 section 2 defines it.
            duplicate_ack(c, now_ns);
        }
        // Window update (section 3.10.7.4): from the newest segment only.
        if (seq_leq(c.snd_una, ack) &&
            (seq_lt(c.snd_wl1, seq) || (c.snd_wl1 == seq && seq_leq(c.snd_wl2, ack)))) {
            c.snd_wnd = std::uint32_t{h.window} << c.snd_wscale;
            c.max_snd_wnd = std::max(c.max_snd_wnd, c.snd_wnd);
            c.snd_wl1 = seq;
            c.snd_wl2 = ack;
            if (c.snd_wnd == 0) {
                c.retries = 0;  // the peer answers: a zero window is not a dead peer
            }
        }
        c.last_window = h.window;
        const bool fin_acked =
            c.fin_queued && seq_gt(c.snd_max, c.send_end) && c.snd_una == c.send_end + 1;
        switch (c.state) {
            case TcpState::kFinWait1:
                if (fin_acked) {
                    c.state = TcpState::kFinWait2;
                    c.rto_deadline_ns = now_ns + tcp_.fin_wait_2_timeout_ns;
                }
                break;
            case TcpState::kClosing:
                if (fin_acked) {
                    enter_time_wait(c, now_ns);
                    return;
                }
                break;
            case TcpState::kLastAck:
                if (fin_acked) {
                    finish(c, CloseReason::kNormal);
                    return;
                }
                break;
            case TcpState::kTimeWait:
                return;
            default:
                break;
        }
    }

    // Seventh: segment text.
    if (payload_length > 0) {
        if (accepts_data(c.state)) {
            if (!receive_data(c, seq, segment.payload, now_ns)) {
                return;
            }
        } else {
            queue_ack(c);
        }
    }

    // Eighth: FIN, in order now or earlier out of order.
    if (fin && !c.peer_fin) {
        const std::uint32_t fin_seq = seq + payload_length;
        if (seq_gt(fin_seq, c.rcv_nxt)) {
            if (seq_lt(fin_seq, c.rcv_nxt + std::max<std::uint32_t>(receive_space(c), 1))) {
                c.fin_out_of_order = true;
                c.fin_seq = fin_seq;
            }
        } else if (fin_seq == c.rcv_nxt) {
            c.fin_out_of_order = true;
            c.fin_seq = fin_seq;
        }
    }
    if (c.fin_out_of_order && !c.peer_fin && c.fin_seq == c.rcv_nxt) {
        if (!process_fin(c, now_ns)) {
            return;
        }
    }
    output(c, now_ns);
}

void Tcp::new_ack(Tcb& c, std::uint32_t ack, std::int64_t now_ns) noexcept {
    const std::uint32_t acked = ack - c.snd_una;
    if (c.rtt_timing && seq_geq(ack, c.rtt_seq)) {
        rtt_sample(c, now_ns - c.rtt_start_ns);
        c.rtt_timing = false;
    }
    c.snd_una = ack;
    if (seq_lt(c.snd_nxt, ack)) {
        c.snd_nxt = ack;  // acknowledged beyond where a timeout sent us back to
    }
    const std::uint32_t head = seq_min(ack, c.send_end);
    if (seq_gt(head, c.send_head)) {
        c.send_head = head;  // acknowledged data leaves the send ring
    }
    c.retries = 0;
    c.persist = false;
    if (tcp_.congestion_control) {
        if (c.in_recovery) {
            if (seq_geq(ack, c.recover)) {
                // RFC 6582 section 3.2 step 3, full acknowledgment: deflate.
                c.cwnd = std::min(c.ssthresh, (c.snd_max - c.snd_una) + c.mss);
                c.in_recovery = false;
            } else {
                // Partial acknowledgment: the next hole is lost too.
                (void)retransmit_first(c, UINT32_MAX, now_ns);
                c.cwnd = (c.cwnd > acked ? c.cwnd - acked : 0) + (acked >= c.mss ? c.mss : 0);
            }
        } else if (c.cwnd < c.ssthresh) {
            c.cwnd += std::min<std::uint32_t>(acked, c.mss);  // RFC 5681 (2)
        } else {
            c.cwnd += std::max<std::uint32_t>(1, std::uint32_t{c.mss} * c.mss / c.cwnd);  // (3)
        }
    }
    c.dupacks = 0;
    // RFC 6298 sections 5.2 and 5.3.
    c.rto_deadline_ns = c.snd_una == c.snd_max ? kNever : now_ns + c.rto_ns;
}

void Tcp::duplicate_ack(Tcb& c, std::int64_t now_ns) noexcept {
    ++c.dupacks;
    if (!tcp_.congestion_control) {
        if (c.dupacks == 3) {
            ++counters_.tcp_fast_retransmits;
            (void)retransmit_first(c, UINT32_MAX, now_ns);
        }
        return;
    }
    if (c.dupacks == 3 && !c.in_recovery && seq_geq(c.snd_una, c.recover)) {
        // RFC 5681 section 3.2 steps 2 to 4, RFC 6582 section 3.2 step 2.
        const std::uint32_t flight = c.snd_max - c.snd_una;
        c.ssthresh = std::max<std::uint32_t>(flight / 2, 2U * c.mss);
        c.recover = c.snd_max;
        c.in_recovery = true;
        ++counters_.tcp_fast_retransmits;
        (void)retransmit_first(c, UINT32_MAX, now_ns);
        c.cwnd = c.ssthresh + 3U * c.mss;
        c.rto_deadline_ns = now_ns + c.rto_ns;
    } else if (c.in_recovery && c.dupacks > 3) {
        c.cwnd += c.mss;  // step 5: each further duplicate means a segment left the network
    }
}

void Tcp::rtt_sample(Tcb& c, std::int64_t rtt_ns) noexcept {
    // RFC 6298 sections 2.2 and 2.3.
    rtt_ns = std::max<std::int64_t>(rtt_ns, 1);
    if (c.srtt_ns == 0) {
        c.srtt_ns = rtt_ns;
        c.rttvar_ns = rtt_ns / 2;
    } else {
        const std::int64_t delta = c.srtt_ns > rtt_ns ? c.srtt_ns - rtt_ns : rtt_ns - c.srtt_ns;
        c.rttvar_ns = (3 * c.rttvar_ns + delta) / 4;
        c.srtt_ns = (7 * c.srtt_ns + rtt_ns) / 8;
    }
    c.rto_ns = std::clamp(c.srtt_ns + std::max(kClockGranularityNs, 4 * c.rttvar_ns),
                          tcp_.rto_min_ns, tcp_.rto_max_ns);
}

bool Tcp::insert_range(Tcb& c, std::uint32_t begin, std::uint32_t end) noexcept {
    Range* r = ranges(c);
    Range merged{begin, end};
    Range out[64];
    std::uint32_t n = 0;
    bool placed = false;
    for (std::uint32_t i = 0; i < c.range_count; ++i) {
        if (seq_lt(r[i].end, merged.begin)) {
            out[n++] = r[i];  // entirely before
        } else if (seq_gt(r[i].begin, merged.end)) {
            if (!placed) {
                out[n++] = merged;
                placed = true;
            }
            out[n++] = r[i];  // entirely after
        } else {
            merged.begin = seq_min(merged.begin, r[i].begin);  // overlapping or adjacent
            merged.end = seq_max(merged.end, r[i].end);
        }
        if (n > max_ranges_) {
            return false;
        }
    }
    if (!placed) {
        out[n++] = merged;
    }
    if (n > max_ranges_) {
        return false;
    }
    std::copy(out, out + n, r);
    c.range_count = n;
    return true;
}

bool Tcp::deliver(Tcb& c, std::uint32_t from, std::uint32_t to,
                  std::span<const std::uint8_t> in_place) noexcept {
    if (c.events.on_data == nullptr || !c.app_open || from == to) {
        return true;
    }
    const std::uint32_t generation = c.generation;
    const StreamId id = id_of(c);
    if (!in_place.empty()) {
        c.events.on_data(c.events.context, id, in_place);
        return alive(c, generation);
    }
    // From the ring, in at most two pieces.
    const std::uint32_t index = receive_index(c, from);
    const std::uint32_t length = to - from;
    const std::uint32_t first = std::min(length, receive_capacity_ - index);
    c.events.on_data(c.events.context, id,
                     std::span<const std::uint8_t>(c.receive_buffer + index, first));
    if (!alive(c, generation)) {
        return false;
    }
    if (first < length) {
        c.events.on_data(c.events.context, id,
                         std::span<const std::uint8_t>(c.receive_buffer, length - first));
        return alive(c, generation);
    }
    return true;
}

bool Tcp::receive_data(Tcb& c, std::uint32_t seq, std::span<const std::uint8_t> payload,
                       std::int64_t now_ns) noexcept {
    // Trim what we already have at the front and what the window does not cover at the end.
    if (seq_lt(seq, c.rcv_nxt)) {
        const std::uint32_t skip = c.rcv_nxt - seq;
        if (skip >= payload.size()) {
            queue_ack(c);
            return true;
        }
        payload = payload.subspan(skip);
        seq = c.rcv_nxt;
    }
    const std::uint32_t space = receive_space(c);
    const std::uint32_t offset = seq - c.rcv_nxt;
    if (offset >= space) {
        send_ack_now(c, now_ns);  // beyond the window: tell the peer where we are
        return true;
    }
    if (payload.size() > space - offset) {
        payload = payload.first(space - offset);
    }
    const auto length = static_cast<std::uint32_t>(payload.size());
    const bool callback = c.events.on_data != nullptr;

    if (offset > 0) {
        // Out of order: keep it in the ring at its place and say at once what we miss
        // (RFC 5681 section 4.2: a duplicate ACK for every out-of-order segment).
        if (!insert_range(c, seq, seq + length)) {
            ++counters_.tcp_out_of_order_dropped;
        } else {
            copy_into_ring(c.receive_buffer, receive_mask_, receive_index(c, seq), payload);
            ++counters_.tcp_out_of_order;
        }
        send_ack_now(c, now_ns);
        return true;
    }

    const bool had_ranges = c.range_count > 0;
    const std::uint32_t generation = c.generation;
    const std::uint32_t from = c.rcv_nxt;
    c.rcv_nxt += length;
    if (callback) {
        c.rcv_read = c.rcv_nxt;
        if (!deliver(c, from, c.rcv_nxt, payload)) {
            return false;
        }
    } else {
        copy_into_ring(c.receive_buffer, receive_mask_, receive_index(c, from), payload);
    }
    // Out-of-order ranges the new data reaches are now in order.
    Range* r = ranges(c);
    while (c.range_count > 0 && seq_leq(r[0].begin, c.rcv_nxt)) {
        const Range first = r[0];
        std::copy(r + 1, r + c.range_count, r);
        --c.range_count;
        if (seq_gt(first.end, c.rcv_nxt)) {
            const std::uint32_t start = c.rcv_nxt;
            c.rcv_nxt = first.end;
            if (callback) {
                c.rcv_read = c.rcv_nxt;
                if (!deliver(c, start, first.end, {})) {
                    return false;
                }
            }
        }
    }
    if (!alive(c, generation)) {
        return false;
    }
    if (had_ranges) {
        send_ack_now(c, now_ns);  // a gap filled: ACK at once (RFC 5681 section 4.2)
    } else if (tcp_.delayed_ack) {
        // RFC 9293 section 3.8.6.3: an ACK for at least every second full segment, and none
        // later than the delay.
        c.ack_pending = true;
        if (++c.unacked_segments >= 2) {
            queue_ack(c);
        } else if (c.ack_deadline_ns == kNever) {
            c.ack_deadline_ns = now_ns + tcp_.delayed_ack_ns;
            rearm(c);
        }
    } else {
        queue_ack(c);
    }
    return true;
}

bool Tcp::process_fin(Tcb& c, std::int64_t now_ns) noexcept {
    c.rcv_nxt += 1;
    c.peer_fin = true;
    c.fin_out_of_order = false;
    // In CLOSE-WAIT the application's reply or FIN can carry the ACK; once we have closed
    // ourselves nothing will, and an application that stops polling after on_closed must not
    // leave the peer in LAST-ACK: acknowledge at once.
    if (c.state == TcpState::kSynReceived || c.state == TcpState::kEstablished) {
        queue_ack(c);
    } else {
        send_ack_now(c, now_ns);
    }
    const std::uint32_t generation = c.generation;
    if (c.app_open && c.events.on_peer_closed != nullptr) {
        c.events.on_peer_closed(c.events.context, id_of(c));
        if (!alive(c, generation)) {
            return false;
        }
    }
    const bool fin_acked =
        c.fin_queued && seq_gt(c.snd_max, c.send_end) && c.snd_una == c.send_end + 1;
    switch (c.state) {
        case TcpState::kSynReceived:
        case TcpState::kEstablished:
            c.state = TcpState::kCloseWait;
            break;
        case TcpState::kFinWait1:
            if (fin_acked) {
                enter_time_wait(c, now_ns);
            } else {
                c.state = TcpState::kClosing;  // simultaneous close
            }
            break;
        case TcpState::kFinWait2:
            enter_time_wait(c, now_ns);
            break;
        default:
            break;
    }
    return alive(c, generation);
}

void Tcp::enter_time_wait(Tcb& c, std::int64_t now_ns) noexcept {
    c.state = TcpState::kTimeWait;
    c.persist = false;
    c.rto_deadline_ns = now_ns + tcp_.time_wait_ns;
    c.keepalive_deadline_ns = kNever;
    rearm(c);
    notify_closed(c, CloseReason::kNormal);
}

void Tcp::notify_closed(Tcb& c, CloseReason reason) noexcept {
    if (!c.app_open) {
        return;
    }
    c.app_open = false;
    if (c.events.on_closed != nullptr) {
        c.events.on_closed(c.events.context, StreamId{index_of(c), c.generation}, reason);
    }
}

void Tcp::finish(Tcb& c, CloseReason reason) noexcept {
    const std::uint32_t generation = c.generation;
    notify_closed(c, reason);
    if (c.generation == generation) {
        release(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Timers

void Tcp::rearm(Tcb& c) noexcept {
    const std::uint32_t id = timer_base_ + index_of(c);
    if (c.state == TcpState::kClosed) {
        timers_.cancel(id);
        return;
    }
    timers_.set(id, std::min({c.rto_deadline_ns, c.ack_deadline_ns, c.keepalive_deadline_ns}));
}

void Tcp::on_timer(std::uint32_t timer_id, std::int64_t now_ns) noexcept {
    Tcb& c = tcbs_[timer_id - timer_base_];
    if (c.state == TcpState::kClosed) {
        timers_.cancel(timer_id);
        return;
    }
    const std::uint32_t generation = c.generation;
    if (c.ack_deadline_ns <= now_ns) {
        c.ack_deadline_ns = kNever;
        if (c.ack_pending) {
            send_ack_now(c, now_ns);
        }
    }
    if (c.keepalive_deadline_ns <= now_ns) {
        keepalive_timeout(c, now_ns);
        if (!alive(c, generation)) {
            return;
        }
    }
    if (c.rto_deadline_ns <= now_ns) {
        c.rto_deadline_ns = kNever;
        switch (c.state) {
            case TcpState::kTimeWait:
                release(c);
                return;
            case TcpState::kFinWait2:
                ++counters_.tcp_connections_timed_out;
                finish(c, CloseReason::kTimeout);
                return;
            case TcpState::kSynSent:
            case TcpState::kSynReceived:
                if (++c.retries > tcp_.max_syn_retransmissions) {
                    ++counters_.tcp_connections_timed_out;
                    if (c.passive) {
                        release(c);
                    } else {
                        finish(c, CloseReason::kTimeout);
                    }
                    return;
                }
                ++counters_.tcp_timeouts;
                ++counters_.tcp_retransmissions;
                c.rtt_timing = false;
                c.rto_ns = std::min(c.rto_ns * 2, tcp_.rto_max_ns);
                (void)emit(c, c.iss, c.state == TcpState::kSynSent ? kTcpSyn : kTcpSyn | kTcpAck, 0,
                           now_ns);
                c.rto_deadline_ns = now_ns + c.rto_ns;
                break;
            default:
                if (c.persist) {
                    persist_timeout(c, now_ns);
                } else {
                    retransmission_timeout(c, now_ns);
                }
                if (!alive(c, generation)) {
                    return;
                }
                break;
        }
    }
    rearm(c);
}

void Tcp::retransmission_timeout(Tcb& c, std::int64_t now_ns) noexcept {
    // RFC 6298 section 5.4 to 5.7.
    if (c.snd_una == c.snd_max) {
        output(c, now_ns);  // nothing outstanding: an earlier send found no free frame
        return;
    }
    ++counters_.tcp_timeouts;
    if (++c.retries > tcp_.max_retransmissions) {
        ++counters_.tcp_connections_timed_out;
        finish(c, CloseReason::kTimeout);
        return;
    }
    if (tcp_.congestion_control) {
        // RFC 5681 (4) and the loss window; RFC 6582 section 4 "recover" after a timeout.
        const std::uint32_t flight = c.snd_max - c.snd_una;
        c.ssthresh = std::max<std::uint32_t>(flight / 2, 2U * c.mss);
        c.cwnd = c.mss;
        c.in_recovery = false;
        c.recover = c.snd_max;
    }
    c.dupacks = 0;
    c.rto_ns = std::min(c.rto_ns * 2, tcp_.rto_max_ns);
    c.snd_nxt = c.snd_una;  // go back: what follows is sent again as the window allows
    (void)retransmit_first(c, c.snd_wnd == 0 ? 1 : UINT32_MAX, now_ns);
    c.rto_deadline_ns = now_ns + c.rto_ns;
    output(c, now_ns);
}

void Tcp::persist_timeout(Tcb& c, std::int64_t now_ns) noexcept {
    c.persist = false;
    if (c.snd_wnd != 0) {
        output(c, now_ns);
        return;
    }
    // One byte of new data beyond the closed window (RFC 9293 section 3.8.6.1); from here on
    // it is outstanding and the retransmission timer, backing off, repeats it.
    ++counters_.tcp_window_probes;
    const bool data = seq_lt(c.snd_nxt, c.send_end);
    const bool fin = !data && c.fin_queued && c.snd_nxt == c.send_end;
    if (!data && !fin) {
        return;
    }
    std::uint8_t flags = kTcpAck;
    if (fin) {
        flags |= kTcpFin;
    } else if (c.snd_nxt + 1 == c.send_end) {
        flags |= kTcpPsh;
    }
    c.rto_ns = std::min(c.rto_ns * 2, tcp_.rto_max_ns);
    if (emit(c, c.snd_nxt, flags, data ? 1 : 0, now_ns)) {
        c.snd_nxt += 1;
        if (seq_gt(c.snd_nxt, c.snd_max)) {
            c.snd_max = c.snd_nxt;
        }
    }
    c.rtt_timing = false;
    c.rto_deadline_ns = now_ns + c.rto_ns;
}

void Tcp::keepalive_timeout(Tcb& c, std::int64_t now_ns) noexcept {
    c.keepalive_deadline_ns = kNever;
    if (!tcp_.keepalive || (c.state != TcpState::kEstablished && c.state != TcpState::kCloseWait)) {
        return;
    }
    const std::int64_t idle_until = c.last_receive_ns + tcp_.keepalive_idle_ns;
    if (c.keepalive_sent == 0 && idle_until > now_ns) {
        c.keepalive_deadline_ns = idle_until;  // traffic came since the timer was set
        return;
    }
    if (c.keepalive_sent >= tcp_.keepalive_probes) {
        ++counters_.tcp_connections_timed_out;
        finish(c, CloseReason::kTimeout);
        return;
    }
    // RFC 9293 section 3.8.4: a segment with SEG.SEQ = SND.NXT - 1 makes the peer answer.
    ++c.keepalive_sent;
    ++counters_.tcp_keepalive_probes;
    (void)emit(c, c.snd_una - 1, kTcpAck, 0, now_ns);
    c.keepalive_deadline_ns = now_ns + tcp_.keepalive_interval_ns;
}

}  // namespace tb::net
