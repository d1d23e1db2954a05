#pragma once

// TCP (RFC 9293) for the stack: a fixed table of connections with their buffers, sized at
// start-up.
//
// Connections
//   Found by a hash of (remote address, remote port, local port) in an open-addressing table;
//   listeners by a direct port map. A SYN to a listener takes a free connection (SYN-RECEIVED);
//   the application hears of it when the handshake completes (on_connected with the listener's
//   events). Segments to a port nobody listens on are answered with RST (section 3.10.7.1).
//   TIME-WAIT connections hold their slot; a new connection that finds the table full takes the
//   slot of the TIME-WAIT connection nearest its end.
// Sending
//   send() copies into the connection's send ring, indexed by sequence number, which keeps data
//   until it is acknowledged. Segments are built straight from the ring into a fresh mbuf, within
//   min(peer window, congestion window); no Nagle delay unless configured (section 3.7.4); the
//   sender side of silly window avoidance (section 3.8.6.2.1) holds a short segment only while
//   earlier data is in flight. A zero window is probed with one byte of new data on the persist
//   timer, backing off (section 3.8.6.1). Window scale (RFC 7323) and MSS are negotiated on SYN.
// Retransmission
//   One timer per connection after RFC 6298 (SRTT/RTTVAR, Karn's rule, exponential backoff,
//   configurable minimum); on expiry the first unacknowledged segment is sent again and sending
//   goes back to it. Three duplicate ACKs trigger fast retransmit, with RFC 5681 congestion
//   control and RFC 6582 NewReno recovery (can be turned off).
// Receiving
//   In-order data goes to on_data straight from the mbuf (callback mode) or into the receive
//   ring (ring mode). Out-of-order data inside the window is kept in the ring at its sequence
//   offset, as at most max_out_of_order_ranges disjoint ranges, and delivered once the gap
//   fills. In-order data is acknowledged by the connection's next segment: the application's
//   reply, or a pure ACK at the start of the next poll (one per connection, however many
//   segments came); out-of-order and gap-filling segments at once (RFC 5681 section 4.2); with
//   delayed ACK configured, every second segment or after delayed_ack_ns. The right edge of the
//   advertised window never moves back, and moves forward in steps of at least min(buffer / 2, MSS)
//   (section 3.8.6.2.2).
// Robustness
//   The acceptability test of section 3.10.7.4, RFC 5961 challenge ACKs for in-window RST and
//   for SYN on a synchronized connection, simultaneous open and close, FIN out of order, FIN-WAIT-2
//   and TIME-WAIT timers, optional keepalive (section 3.8.4).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "net/config.hpp"
#include "net/counters.hpp"
#include "net/ipv4.hpp"
#include "net/timer_heap.hpp"
#include "net/transport.hpp"
#include "proto/ipv4.hpp"
#include "proto/tcp.hpp"

namespace tb::net {

enum class TcpState : std::uint8_t {
    kClosed,
    kListen,
    kSynSent,
    kSynReceived,
    kEstablished,
    kFinWait1,
    kFinWait2,
    kCloseWait,
    kClosing,
    kLastAck,
    kTimeWait,
};

[[nodiscard]] std::string_view to_string(TcpState state) noexcept;

// A snapshot of one connection, for tests and reports.
struct TcpInfo {
    TcpState state = TcpState::kClosed;
    Endpoint local;
    Endpoint remote;
    std::uint32_t iss = 0;
    std::uint32_t irs = 0;
    std::uint32_t snd_una = 0;
    std::uint32_t snd_nxt = 0;
    std::uint32_t snd_wnd = 0;  // bytes, scaled
    std::uint32_t rcv_nxt = 0;
    std::uint32_t rcv_wnd = 0;  // free receive space, bytes
    std::uint32_t cwnd = 0;
    std::uint32_t ssthresh = 0;
    std::uint16_t mss = 0;  // send MSS
    std::uint8_t snd_wscale = 0;
    std::uint8_t rcv_wscale = 0;
    std::int64_t srtt_ns = 0;
    std::int64_t rttvar_ns = 0;
    std::int64_t rto_ns = 0;
    std::uint32_t retransmissions = 0;
    std::uint32_t out_of_order_ranges = 0;
    std::size_t unsent = 0;
    std::size_t unacknowledged = 0;
};

class Tcp {
public:
    Tcp(const StackConfig& config, Ipv4& ip, TimerHeap& timers, std::uint32_t timer_base,
        StackCounters& counters);
    Tcp(const Tcp&) = delete;
    Tcp& operator=(const Tcp&) = delete;

    // Active open to `remote` from `local_port` (0: an ephemeral port). Invalid id when the
    // table is full, the address is not a unicast host or the four-tuple is in use.
    [[nodiscard]] StreamId connect(Endpoint remote, const StreamEvents& events,
                                   std::uint16_t local_port, std::int64_t now_ns) noexcept;
    [[nodiscard]] bool listen(std::uint16_t port, const StreamEvents& events) noexcept;
    bool unlisten(std::uint16_t port) noexcept;
    bool set_events(StreamId stream, const StreamEvents& events) noexcept;

    [[nodiscard]] std::size_t send(StreamId stream, std::span<const std::uint8_t> data,
                                   std::int64_t now_ns) noexcept;
    [[nodiscard]] std::size_t receive(StreamId stream, std::span<std::uint8_t> out,
                                      std::int64_t now_ns) noexcept;
    // Ring mode: the readable bytes up to the ring's wrap point, without copying.
    [[nodiscard]] std::span<const std::uint8_t> peek(StreamId stream) const noexcept;
    std::size_t consume(StreamId stream, std::size_t count, std::int64_t now_ns) noexcept;
    [[nodiscard]] std::size_t readable(StreamId stream) const noexcept;
    [[nodiscard]] std::size_t send_space(StreamId stream) const noexcept;
    void close(StreamId stream, std::int64_t now_ns) noexcept;
    void abort(StreamId stream, std::int64_t now_ns) noexcept;
    [[nodiscard]] StreamState state(StreamId stream) const noexcept;
    [[nodiscard]] Endpoint remote(StreamId stream) const noexcept;
    [[nodiscard]] bool info(StreamId stream, TcpInfo& out) const noexcept;
    // Connections in any state other than CLOSED (TIME-WAIT included).
    [[nodiscard]] std::uint32_t connections_in_use() const noexcept;
    // The state of the connection on this four-tuple (CLOSED when there is none); for tests.
    [[nodiscard]] TcpState state_of(Endpoint remote, std::uint16_t local_port) const noexcept;

    [[nodiscard]] std::uint32_t timer_count() const noexcept {
        return static_cast<std::uint32_t>(tcbs_.size());
    }

    // A received segment (the IPv4 payload) addressed to our unicast address.
    void input(const proto::Ipv4Header& ip, std::span<const std::uint8_t> segment,
               std::int64_t now_ns) noexcept;
    void on_timer(std::uint32_t timer_id, std::int64_t now_ns) noexcept;
    // Sends the ACKs still owed (no segment carried them since they were queued); returns how
    // many it sent.
    unsigned flush_acks(std::int64_t now_ns) noexcept;
    [[nodiscard]] bool acks_owed() const noexcept { return ack_count_ > 0; }

private:
    struct Range {
        std::uint32_t begin = 0;
        std::uint32_t end = 0;
    };

    // Transmission control block (RFC 9293 section 3.3.1); names follow the RFC.
    struct Tcb {
        TcpState state = TcpState::kClosed;
        bool app_open = false;  // the application holds a live StreamId
        bool passive = false;
        bool fin_queued = false;  // close(): FIN follows the queued data
        bool peer_fin = false;    // the peer's FIN was consumed
        bool fin_out_of_order = false;
        bool ack_pending = false;
        bool ack_listed = false;
        bool wscale_ok = false;
        bool persist = false;  // the retransmission timer runs as the persist timer
        bool rtt_timing = false;
        bool in_recovery = false;
        std::uint8_t snd_wscale = 0;
        std::uint8_t rcv_wscale = 0;
        std::uint16_t mss = 536;
        std::uint16_t local_port = 0;
        std::uint16_t remote_port = 0;
        std::uint16_t last_window = 0;  // raw window field of the last acceptable ACK
        std::uint32_t generation = 0;
        std::uint32_t remote_ip = 0;
        StreamEvents events;
        // Send sequence space.
        std::uint32_t iss = 0;
        std::uint32_t snd_una = 0;
        std::uint32_t snd_nxt = 0;
        std::uint32_t snd_max = 0;  // highest sequence sent (snd_nxt goes back on timeout)
        std::uint32_t snd_wnd = 0;
        std::uint32_t max_snd_wnd = 0;
        std::uint32_t snd_wl1 = 0;
        std::uint32_t snd_wl2 = 0;
        std::uint32_t send_head = 0;  // first byte in the send ring (unacknowledged)
        std::uint32_t send_end = 0;   // one past the last byte queued; the FIN's sequence
        // Receive sequence space.
        std::uint32_t irs = 0;
        std::uint32_t rcv_nxt = 0;
        std::uint32_t rcv_read = 0;  // first byte the application has not taken
        std::uint32_t rcv_adv = 0;   // right edge of the last advertised window
        std::uint32_t fin_seq = 0;   // of a FIN received out of order
        std::uint32_t range_count = 0;
        // Congestion control (RFC 5681, RFC 6582).
        std::uint32_t cwnd = 0;
        std::uint32_t ssthresh = 0;
        std::uint32_t recover = 0;
        std::uint32_t dupacks = 0;
        // Round-trip time (RFC 6298).
        std::uint32_t rtt_seq = 0;
        std::int64_t rtt_start_ns = 0;
        std::int64_t srtt_ns = 0;
        std::int64_t rttvar_ns = 0;
        std::int64_t rto_ns = 0;
        std::uint32_t retries = 0;
        std::uint32_t keepalive_sent = 0;
        std::uint32_t unacked_segments = 0;
        std::uint32_t retransmissions = 0;
        std::int64_t last_receive_ns = 0;
        // Timers; the connection's heap entry holds the earliest.
        std::int64_t rto_deadline_ns = kNever;
        std::int64_t ack_deadline_ns = kNever;
        std::int64_t keepalive_deadline_ns = kNever;
        std::uint8_t* send_buffer = nullptr;
        std::uint8_t* receive_buffer = nullptr;
    };

    struct Listener {
        std::uint16_t port = 0;
        StreamEvents events;
    };

    // Table plumbing.
    [[nodiscard]] Tcb* get(StreamId stream) noexcept;
    [[nodiscard]] const Tcb* get(StreamId stream) const noexcept;
    [[nodiscard]] std::uint32_t index_of(const Tcb& c) const noexcept {
        return static_cast<std::uint32_t>(&c - tcbs_.data());
    }
    [[nodiscard]] StreamId id_of(const Tcb& c) const noexcept {
        return StreamId{index_of(c), c.generation};
    }
    [[nodiscard]] Tcb* allocate() noexcept;
    void release(Tcb& c) noexcept;
    [[nodiscard]] std::uint64_t flow_hash(std::uint32_t remote_ip, std::uint16_t remote_port,
                                          std::uint16_t local_port) const noexcept;
    [[nodiscard]] int lookup(std::uint32_t remote_ip, std::uint16_t remote_port,
                             std::uint16_t local_port) const noexcept;
    void flow_insert(const Tcb& c) noexcept;
    void flow_erase(const Tcb& c) noexcept;
    [[nodiscard]] std::uint16_t pick_local_port(std::uint32_t remote_ip,
                                                std::uint16_t remote_port) noexcept;
    [[nodiscard]] std::uint32_t initial_sequence(std::uint32_t remote_ip, std::uint16_t remote_port,
                                                 std::uint16_t local_port,
                                                 std::int64_t now_ns) const noexcept;
    void init_tcb(Tcb& c, std::uint32_t remote_ip, std::uint16_t remote_port,
                  std::uint16_t local_port, std::int64_t now_ns) noexcept;
    void apply_syn_options(Tcb& c, const proto::TcpOptions& options) noexcept;

    // Buffers.
    [[nodiscard]] std::uint32_t send_index(const Tcb& c, std::uint32_t seq) const noexcept {
        return (seq - (c.iss + 1)) & send_mask_;
    }
    [[nodiscard]] std::uint32_t receive_index(const Tcb& c, std::uint32_t seq) const noexcept {
        return (seq - (c.irs + 1)) & receive_mask_;
    }
    [[nodiscard]] std::uint32_t data_end(const Tcb& c) const noexcept {
        return c.peer_fin ? c.rcv_nxt - 1 : c.rcv_nxt;
    }
    [[nodiscard]] std::uint32_t receive_space(const Tcb& c) const noexcept {
        return receive_capacity_ - (data_end(c) - c.rcv_read);
    }
    [[nodiscard]] Range* ranges(const Tcb& c) noexcept {
        return ranges_.data() + static_cast<std::size_t>(index_of(c)) * max_ranges_;
    }
    [[nodiscard]] bool insert_range(Tcb& c, std::uint32_t begin, std::uint32_t end) noexcept;

    // Output.
    [[nodiscard]] std::uint16_t window_field(Tcb& c, bool syn) noexcept;
    bool emit(Tcb& c, std::uint32_t seq, std::uint8_t flags, std::uint32_t length,
              std::int64_t now_ns) noexcept;
    void send_reset(std::uint32_t remote_ip, std::uint16_t local_port, std::uint16_t remote_port,
                    std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                    std::int64_t now_ns) noexcept;
    void output(Tcb& c, std::int64_t now_ns) noexcept;
    bool retransmit_first(Tcb& c, std::uint32_t max_length, std::int64_t now_ns) noexcept;
    void send_ack_now(Tcb& c, std::int64_t now_ns) noexcept;
    void queue_ack(Tcb& c) noexcept;
    void maybe_window_update(Tcb& c, std::int64_t now_ns) noexcept;

    // Input.
    void closed_input(const proto::Ipv4Header& ip, const proto::TcpParse& segment,
                      std::int64_t now_ns) noexcept;
    void listen_input(const Listener& listener, const proto::Ipv4Header& ip,
                      const proto::TcpParse& segment, std::int64_t now_ns) noexcept;
    void syn_sent_input(Tcb& c, const proto::TcpParse& segment, std::int64_t now_ns) noexcept;
    void synchronized_input(Tcb& c, const proto::TcpParse& segment, std::int64_t now_ns) noexcept;
    void new_ack(Tcb& c, std::uint32_t ack, std::int64_t now_ns) noexcept;
    void duplicate_ack(Tcb& c, std::int64_t now_ns) noexcept;
    void rtt_sample(Tcb& c, std::int64_t rtt_ns) noexcept;
    // Returns false when the connection ended during delivery.
    [[nodiscard]] bool receive_data(Tcb& c, std::uint32_t seq,
                                    std::span<const std::uint8_t> payload,
                                    std::int64_t now_ns) noexcept;
    [[nodiscard]] bool deliver(Tcb& c, std::uint32_t from, std::uint32_t to,
                               std::span<const std::uint8_t> in_place) noexcept;
    [[nodiscard]] bool process_fin(Tcb& c, std::int64_t now_ns) noexcept;
    void enter_time_wait(Tcb& c, std::int64_t now_ns) noexcept;
    void establish(Tcb& c, std::int64_t now_ns) noexcept;
    // Ends the connection for the application (on_closed once) without freeing it.
    void notify_closed(Tcb& c, CloseReason reason) noexcept;
    // Ends and frees it.
    void finish(Tcb& c, CloseReason reason) noexcept;
    [[nodiscard]] bool alive(const Tcb& c, std::uint32_t generation) const noexcept {
        return c.state != TcpState::kClosed && c.generation == generation;
    }

    // Timers.
    void rearm(Tcb& c) noexcept;
    void retransmission_timeout(Tcb& c, std::int64_t now_ns) noexcept;
    void persist_timeout(Tcb& c, std::int64_t now_ns) noexcept;
    void keepalive_timeout(Tcb& c, std::int64_t now_ns) noexcept;

    const TcpConfig& tcp_;
    Ipv4& ip_;
    TimerHeap& timers_;
    std::uint32_t timer_base_;
    StackCounters& counters_;
    std::uint16_t our_mss_;
    std::uint8_t our_wscale_;
    std::uint32_t send_capacity_;
    std::uint32_t send_mask_;
    std::uint32_t receive_capacity_;
    std::uint32_t receive_mask_;
    std::uint32_t max_ranges_;
    std::vector<Tcb> tcbs_;
    std::vector<std::uint32_t> free_;
    std::vector<std::uint32_t> flows_;  // open addressing: connection index or kEmptyFlow
    std::uint64_t flow_mask_;
    std::vector<Listener> listeners_;
    std::vector<std::uint16_t> listener_by_port_;  // port -> listener index + 1
    std::vector<std::uint8_t> buffers_;
    std::vector<Range> ranges_;
    std::vector<std::uint32_t> ack_list_;
    std::uint32_t ack_count_ = 0;
    std::vector<std::uint8_t> scratch_;  // a segment whose bytes wrap around the send ring
    std::uint16_t next_ephemeral_;
};

}  // namespace tb::net
