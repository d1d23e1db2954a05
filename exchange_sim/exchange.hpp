#pragma once

// The exchange core: the matching engine, the order-entry gateway, the market-data publisher,
// background flow, ITCH replay and the scenario's timeline, driven in one thread by poll(), with
// no transport of its own. Phase 2 plugs in transports (the exchange's TCP/UDP stack over DPDK,
// or Boost.Asio on loopback) through the ExchangeTransport concept below; sim mode drives the
// same object from a VirtualClock.
//
// Driving it (one thread; every call takes the clock's now, in ns, and never reads a clock):
//     Exchange<MyTransport> exchange(scenario, transport);
//     exchange.start(clock.now_ns());             // start of day on the feed and every stream
//     for (;;) {
//         // transport receive path, any order:
//         //   id = exchange.tcp_accepted(now);  exchange.tcp_received(id, bytes, now);
//         //   exchange.tcp_closed(id, now);     exchange.udp_received(from, bytes, now);
//         const std::size_t work = exchange.poll(now);  // timeline, flow, timers, all output
//         if (exchange.finished()) break;
//         // virtual clock: when work == 0, advance to exchange.next_event_ns()
//     }
//     std::cout << exchange.report_text();
//
// Transport (compile-time; no virtual call per message):
//     std::size_t tcp_send(ConnectionId, std::span<const std::uint8_t>) noexcept;
//         bytes of an order-entry connection's stream; returns how many it took (the rest is
//         offered again next pass, in order).
//     void tcp_close(ConnectionId) noexcept;      // close after the bytes already taken
//     void feed_send(FeedLine, std::span<const std::uint8_t>, const FeedPacketInfo&) noexcept;
//         one MoldUDP64 packet for multicast feed A or B (called for A, then B, same bytes);
//         info.trigger marks a packet carrying a tick-to-trade trigger message.
//     void unicast_send(const UdpEndpoint&, std::span<const std::uint8_t>) noexcept;
//         a retransmission answer to the requester.
//     void apply_link(const LinkSetting&) noexcept;  // a timeline link impairment (nic_emu)
// Spans are valid during the call only.
//
// Output digest: every outbound wire message, in the order the exchange produced it: each ITCH
// message with its MoldUDP64 sequence number ('I', sequence, bytes), and each OUCH message with
// the participant of its SoupBinTCP stream and its sequence number there ('O', participant,
// sequence, bytes). Packing, heartbeats and session packets are left out, so the digest depends
// only on the scenario, the seed and the clients' inputs (and the times they arrive at), not on
// how messages were packed or when packets left.
//
// Time: ITCH and OUCH timestamps are nanoseconds since midnight of the session date: the
// scenario's start time at start(), advancing with the clock handed to poll(). The exchange
// reads no clock of its own, so the owner decides what time is: a TscClock in real time, a
// VirtualClock in sim mode (advance to next_event_ns() when a pass did no work), and for
// lockstep a clock the owner holds still while it waits for the client's reaction (timeline,
// flow and timers then wait with it).
//
// Receive-path duties of the transport: tcp_accepted() for each accepted order-entry
// connection (close it at once if it returns kNoConnection), tcp_received() with the bytes in
// stream order, tcp_closed() when the peer closes or resets; udp_received() for datagrams to
// the retransmission port only (MoldUDP64 Request Packets), with the sender as UdpEndpoint.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "exchange_sim/engine/digest.hpp"
#include "exchange_sim/engine/engine.hpp"
#include "exchange_sim/feed/itch_codec.hpp"
#include "exchange_sim/feed/publisher.hpp"
#include "exchange_sim/flow/background.hpp"
#include "exchange_sim/flow/itch_replay.hpp"
#include "exchange_sim/gateway/gateway.hpp"
#include "exchange_sim/gateway/ouch_codec.hpp"
#include "exchange_sim/scenario/scenario.hpp"

namespace tb::exchange {

enum class FeedLine : std::uint8_t { kA = 0, kB = 1 };

template <class T>
concept ExchangeTransport = requires(T& t, ConnectionId id, std::span<const std::uint8_t> bytes,
                                     FeedLine line, const FeedPacketInfo& info,
                                     const UdpEndpoint& to, const LinkSetting& link) {
    { t.tcp_send(id, bytes) }
    noexcept->std::same_as<std::size_t>;
    { t.tcp_close(id) }
    noexcept;
    { t.feed_send(line, bytes, info) }
    noexcept;
    { t.unicast_send(to, bytes) }
    noexcept;
    { t.apply_link(link) }
    noexcept;
};

struct ExchangeCounters {
    std::uint64_t passes = 0;
    std::uint64_t engine_inputs = 0;
    std::uint64_t timeline_events = 0;
    std::uint64_t triggers = 0;
    std::uint64_t gateway_rejects = 0;
    std::uint64_t cancel_on_disconnect = 0;  // cancels sent for lost sessions
    std::uint64_t itch_out = 0;
    std::uint64_t ouch_out = 0;       // messages into user streams
    std::uint64_t ouch_internal = 0;  // events for the exchange's own participants
    std::uint64_t feed_a_packets = 0;
    std::uint64_t feed_b_packets = 0;
    std::uint64_t feed_a_bytes = 0;
    std::uint64_t feed_b_bytes = 0;
    std::uint64_t unicast_packets = 0;
    std::uint64_t tcp_bytes_out = 0;
    std::uint64_t tcp_backpressure = 0;  // passes where a connection's bytes were not all taken

    template <class F>
    void visit(F&& f) const {
        f("passes", passes);
        f("engine_inputs", engine_inputs);
        f("timeline_events", timeline_events);
        f("triggers", triggers);
        f("gateway_rejects", gateway_rejects);
        f("cancel_on_disconnect", cancel_on_disconnect);
        f("itch_out", itch_out);
        f("ouch_out", ouch_out);
        f("ouch_internal", ouch_internal);
        f("feed_a_packets", feed_a_packets);
        f("feed_b_packets", feed_b_packets);
        f("feed_a_bytes", feed_a_bytes);
        f("feed_b_bytes", feed_b_bytes);
        f("unicast_packets", unicast_packets);
        f("tcp_bytes_out", tcp_bytes_out);
        f("tcp_backpressure", tcp_backpressure);
    }
};

// Adds one outbound wire message to the digest (see the header comment for the layout).
inline void digest_itch(Digest& digest, std::uint64_t sequence,
                        std::span<const std::uint8_t> message) noexcept {
    std::byte bytes[kMaxCanonicalSize];
    bytes[0] = std::byte{'I'};
    core::store_be64(bytes + 1, sequence);
    const std::size_t n = std::min(message.size(), sizeof bytes - 9);
    std::memcpy(bytes + 9, message.data(), n);
    digest.add_bytes(bytes, 9 + n);
}

inline void digest_ouch(Digest& digest, ParticipantId participant, std::uint64_t sequence,
                        std::span<const std::uint8_t> message) noexcept {
    std::byte bytes[kMaxCanonicalSize];
    bytes[0] = std::byte{'O'};
    core::store_be16(bytes + 1, participant);
    core::store_be64(bytes + 3, sequence);
    const std::size_t n = std::min(message.size(), sizeof bytes - 11);
    std::memcpy(bytes + 11, message.data(), n);
    digest.add_bytes(bytes, 11 + n);
}

// Everything the end-of-run report shows, gathered by Exchange::report().
struct ExchangeReport {
    struct Session {
        std::string username;
        ParticipantId participant = 0;
        std::uint64_t stream_messages = 0;
        SessionCounters counters;
    };
    std::string scenario;
    std::uint64_t seed = 0;
    std::uint64_t digest = 0;
    std::uint64_t digest_messages = 0;
    ExchangeCounters exchange;
    EngineCounters engine;
    GatewayCounters gateway;
    FeedCounters feed;
    std::vector<Session> sessions;
    std::optional<FlowCounters> background;
    std::optional<ReplayCounters> replay;
};

// The report as text (one "section: name=value ..." line each) and as one JSON object.
[[nodiscard]] std::string format_report(const ExchangeReport& report);
[[nodiscard]] std::string report_json(const ExchangeReport& report);

template <ExchangeTransport Transport>
class Exchange {
private:
    // ---- the engine's sink: ITCH to the feed, OUCH to the right stream or component ----
    struct EngineSink {
        Exchange& x;
        template <class E>
        void on(const E& event) noexcept {
            if constexpr (E::kSource == EventSource::kItch) {
                x.publish_itch(to_wire(event));
            } else {
                x.route_ouch(event);
            }
        }
    };

    struct FeedOutAdapter {
        Exchange& x;
        void feed_packet(std::span<const std::uint8_t> packet,
                         const FeedPacketInfo& info) noexcept {
            x.counters_.feed_a_packets += 1;
            x.counters_.feed_a_bytes += packet.size();
            x.transport_.feed_send(FeedLine::kA, packet, info);
            x.counters_.feed_b_packets += 1;
            x.counters_.feed_b_bytes += packet.size();
            x.transport_.feed_send(FeedLine::kB, packet, info);
        }
        void retransmission_packet(const UdpEndpoint& to,
                                   std::span<const std::uint8_t> packet) noexcept {
            ++x.counters_.unicast_packets;
            x.transport_.unicast_send(to, packet);
        }
    };

    struct GatewayHandler {
        Exchange& x;
        void submit(const Input& input) noexcept { x.process(input); }
        void reject(const OuchRejected& rejected) noexcept {
            ++x.counters_.gateway_rejects;
            x.route_ouch(rejected);
        }
        void session_lost(ParticipantId participant) noexcept { x.cancel_all(participant); }
    };

public:
    // Builds every component from the scenario (throws tb::core::ConfigError or StartupError);
    // everything is allocated here (the scenario is copied). The transport must outlive the
    // exchange.
    Exchange(const Scenario& scenario, Transport& transport)
        : scenario_(scenario),
          transport_(transport),
          sink_{*this},
          feed_out_{*this},
          handler_{*this},
          feed_(scenario.feed, feed_out_),
          gateway_(scenario.gateway),
          engine_(engine_config(scenario), sink_),
          inputs_per_pass_(scenario.inputs_per_pass) {
        if (scenario.background) {
            flow_.emplace(*scenario.background, core::Rng(scenario.seed));
        }
        if (scenario.replay) {
            replay_.emplace(*scenario.replay);
        }
        triggers_.reserve(scenario.timeline.size());
    }

    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // Start of day: ITCH System Event O, Stock Directory and Stock Trading Action for every
    // symbol, System Events S and Q (ITCH 5.0 sections 4.1, 4.2.1, 4.2.2, as Nasdaq opens a
    // day); OUCH System Event S (Start of Day, OUCH 4.2 section 3.1: "always the first message")
    // in every account's stream; then the initial book, background flow and replay begin.
    void start(std::int64_t now_ns) noexcept;

    // One pass: due timeline events, background flow and replay (each at most inputs_per_pass
    // inputs; flow and replay inputs due before a timeline event run before it), session
    // timers, then every output: each connection's stream to the transport, the open feed
    // packet (so no message waits), feed heartbeats. Returns the work done.
    std::size_t poll(std::int64_t now_ns) noexcept;

    // Earliest clock time at which poll() has work that does not come from outside (the next
    // timeline event, flow arrival, replay message, session timer, feed heartbeat or the end of
    // the session); a virtual clock advances to it when a pass did nothing.
    [[nodiscard]] std::int64_t next_event_ns() const noexcept;

    // End of day (the timeline's end_session, the scenario's duration, or the owner): stops the
    // flow and replay, ITCH System Events M, E and C, OUCH System Event E (End of Day) in every
    // stream, MoldUDP64 End of Session, SoupBinTCP End of Session on every connection.
    void end_session(std::int64_t now_ns) noexcept;

    // The session has ended and every connection is closed.
    [[nodiscard]] bool finished() const noexcept {
        if (!gateway_.session_ended()) {
            return false;
        }
        for (ConnectionId id = 0; id < gateway_.connection_capacity(); ++id) {
            if (gateway_.state(id) != ConnectionState::kFree) {
                return false;
            }
        }
        return true;
    }

    // ---- transport receive path ----
    [[nodiscard]] ConnectionId tcp_accepted(std::int64_t now_ns) noexcept {
        set_now(now_ns);
        return gateway_.open(now_);
    }
    void tcp_received(ConnectionId id, std::span<const std::uint8_t> bytes,
                      std::int64_t now_ns) noexcept {
        set_now(now_ns);
        gateway_.receive(id, bytes, now_, handler_);
    }
    void tcp_closed(ConnectionId id, std::int64_t now_ns) noexcept {
        set_now(now_ns);
        gateway_.peer_closed(id, now_, handler_);
    }
    // A datagram to the retransmission port (MoldUDP64 Request Packet).
    void udp_received(const UdpEndpoint& from, std::span<const std::uint8_t> bytes,
                      std::int64_t now_ns) noexcept {
        set_now(now_ns);
        feed_.retransmit(bytes, from, now_ns);
    }

    // ---- inspection and report ----
    [[nodiscard]] const Digest& digest() const noexcept { return digest_; }
    [[nodiscard]] const ExchangeCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const OrderEntryGateway& gateway() const noexcept { return gateway_; }
    [[nodiscard]] const FeedPublisher<FeedOutAdapter>& feed() const noexcept { return feed_; }
    [[nodiscard]] const auto& engine() const noexcept { return engine_; }
    [[nodiscard]] const std::optional<BackgroundFlow>& background() const noexcept { return flow_; }
    [[nodiscard]] const std::optional<ItchReplay>& replay() const noexcept { return replay_; }
    [[nodiscard]] const Scenario& scenario() const noexcept { return scenario_; }
    // Feed sequence numbers of the first ITCH message each trigger order caused (0: none).
    [[nodiscard]] const std::vector<std::uint64_t>& trigger_sequences() const noexcept {
        return triggers_;
    }
    [[nodiscard]] std::int64_t day_ns() const noexcept { return now_.day_ns; }
    // Clock time of the next timeline event (INT64_MAX: none left, or the session ended), for
    // lockstep: the owner runs each step at exactly its scheduled time.
    [[nodiscard]] std::int64_t next_timeline_ns() const noexcept {
        if (!started_ || gateway_.session_ended() || next_timeline_ >= scenario_.timeline.size()) {
            return std::numeric_limits<std::int64_t>::max();
        }
        return start_clock_ns_ + scenario_.timeline[next_timeline_].at_ns;
    }
    [[nodiscard]] bool started() const noexcept { return started_; }

    [[nodiscard]] ExchangeReport report() const;
    [[nodiscard]] std::string report_text() const { return format_report(report()); }

private:
    void set_now(std::int64_t now_ns) noexcept {
        now_.clock_ns = now_ns;
        now_.day_ns = scenario_.start_of_day_ns + (started_ ? now_ns - start_clock_ns_ : 0);
    }

    void process(const Input& input) noexcept {
        ++counters_.engine_inputs;
        engine_.process(input);
    }

    template <class M>
    void publish_itch(const M& message) noexcept {
        const std::uint64_t sequence = feed_.add(message);
        if (sequence == 0) {
            return;
        }
        ++counters_.itch_out;
        digest_itch(digest_, sequence, feed_.message(sequence));
        if (trigger_pending_) {
            trigger_pending_ = false;
            feed_.mark_trigger();
            if (!triggers_.empty()) {
                triggers_.back() = sequence;
            }
        }
    }

    template <class E>
    void route_ouch(const E& event) noexcept {
        const ParticipantId participant = event.participant;
        if (gateway_.has_account(participant)) {
            std::uint8_t bytes[96];
            const std::uint64_t sequence = gateway_.publish(participant, to_wire(event), bytes);
            if (sequence != 0) {
                ++counters_.ouch_out;
                digest_ouch(digest_, participant, sequence,
                            std::span<const std::uint8_t>(
                                bytes, proto::wire_size<decltype(to_wire(event))>()));
            }
            if constexpr (std::is_same_v<E, OuchAccepted>) {
                track(participant, event.token);
            } else if constexpr (std::is_same_v<E, OuchReplaced>) {
                track(participant, event.replacement_token);
            }
            return;
        }
        ++counters_.ouch_internal;
        if (flow_ && flow_->owns(participant)) {
            flow_->on(event);
        } else if (replay_ && replay_->owns(participant)) {
            replay_->on(event);
        }
    }

    void track(ParticipantId participant, const Token& token) noexcept {
        gateway_.track(participant, token, [&](const Token& t) noexcept {
            return engine_.find_order(participant, t) != nullptr;
        });
    }

    // Cancel on disconnect: every live order the account still has.
    void cancel_all(ParticipantId participant) noexcept {
        const std::vector<Token>& tokens = gateway_.tracked(participant);
        for (const Token& token : tokens) {
            if (engine_.find_order(participant, token) == nullptr) {
                continue;
            }
            CancelOrder in;
            in.timestamp_ns = now_.day_ns;
            in.participant = participant;
            in.token = token;
            in.shares = 0;
            ++counters_.cancel_on_disconnect;
            process(Input{in});
        }
        gateway_.clear_tracked(participant);
    }

    void enter_scripted(const ScriptedOrder& order, bool trigger) noexcept {
        EnterOrder in;
        in.timestamp_ns = now_.day_ns;
        in.participant = order.participant;
        in.token = order.token;
        in.side = order.side;
        in.shares = order.shares;
        in.stock = order.stock;
        in.price = order.price;
        in.time_in_force = order.time_in_force;
        in.display = order.display;
        if (trigger) {
            ++counters_.triggers;
            triggers_.push_back(0);
            trigger_pending_ = true;
        }
        process(Input{in});
        trigger_pending_ = false;
    }

    void run_timeline_event(const TimelineEvent& e) noexcept;

    const Scenario scenario_;
    Transport& transport_;
    EngineSink sink_;
    FeedOutAdapter feed_out_;
    GatewayHandler handler_;
    FeedPublisher<FeedOutAdapter> feed_;
    OrderEntryGateway gateway_;
    Engine<EngineSink> engine_;
    std::optional<BackgroundFlow> flow_;
    std::optional<ItchReplay> replay_;
    std::size_t inputs_per_pass_;
    std::size_t next_timeline_ = 0;
    Instant now_;
    std::int64_t start_clock_ns_ = 0;
    bool started_ = false;
    bool trigger_pending_ = false;
    Digest digest_;
    std::vector<std::uint64_t> triggers_;
    ExchangeCounters counters_;
};

// ---- out-of-line members ----

template <ExchangeTransport Transport>
void Exchange<Transport>::start(std::int64_t now_ns) noexcept {
    assert(!started_);
    start_clock_ns_ = now_ns;
    started_ = true;
    set_now(now_ns);
    const auto ts = static_cast<std::uint64_t>(now_.day_ns);
    auto system_event = [&](itch::EventCode code) {
        itch::SystemEvent m;
        m.timestamp_ns = ts;
        m.event_code = code;
        publish_itch(m);
    };
    system_event(itch::EventCode::kStartOfMessages);
    for (std::size_t i = 0; i < engine_.symbol_count(); ++i) {
        const SymbolBook& book = engine_.book(i);
        itch::StockDirectory d;
        d.stock_locate = book.locate;
        d.timestamp_ns = ts;
        d.stock = to_wire(book.stock);
        d.market_category = 'Q';             // Nasdaq Global Select Market
        d.financial_status_indicator = 'N';  // normal
        d.round_lot_size = 100;
        d.round_lots_only = 'N';
        d.issue_classification = 'C';  // common stock
        d.issue_sub_type = proto::Alpha<2>::left("Z");
        d.authenticity = 'P';  // live/production
        d.short_sale_threshold_indicator = 'N';
        d.ipo_flag = 'N';
        d.luld_reference_price_tier = '1';
        d.etp_flag = 'N';
        d.etp_leverage_factor = 0;
        d.inverse_indicator = 'N';
        publish_itch(d);
    }
    system_event(itch::EventCode::kStartOfSystemHours);
    // ITCH 5.0 section 4.2.2: a Stock Trading Action spin before the market opens.
    for (std::size_t i = 0; i < engine_.symbol_count(); ++i) {
        const SymbolBook& book = engine_.book(i);
        itch::StockTradingAction a;
        a.stock_locate = book.locate;
        a.timestamp_ns = ts;
        a.stock = to_wire(book.stock);
        a.trading_state = book.halted ? itch::TradingState::kHalted : itch::TradingState::kTrading;
        a.reason = proto::Alpha<4>::left("");
        publish_itch(a);
    }
    system_event(itch::EventCode::kStartOfMarketHours);
    for (std::size_t i = 0; i < gateway_.account_count(); ++i) {
        wire_ouch::SystemEventMessage m;
        m.timestamp_ns = ts;
        m.event_code = wire_ouch::SystemEvent::kStartOfDay;
        std::uint8_t bytes[16];
        const ParticipantId participant = gateway_.participant(i);
        const std::uint64_t sequence = gateway_.publish(participant, m, bytes);
        if (sequence != 0) {
            ++counters_.ouch_out;
            digest_ouch(digest_, participant, sequence,
                        std::span<const std::uint8_t>(bytes, proto::wire_size<decltype(m)>()));
        }
    }
    for (const ScriptedOrder& order : scenario_.initial_book) {
        enter_scripted(order, false);
    }
    if (flow_) {
        flow_->start(now_ns);
    }
    if (replay_) {
        replay_->start(now_ns);
    }
    feed_.poll(now_ns);
    feed_.flush(now_ns);
}

template <ExchangeTransport Transport>
void Exchange<Transport>::run_timeline_event(const TimelineEvent& e) noexcept {
    ++counters_.timeline_events;
    switch (e.kind) {
        case TimelineKind::kOrder:
            enter_scripted(e.order, e.trigger);
            return;
        case TimelineKind::kCancel: {
            CancelOrder in;
            in.timestamp_ns = now_.day_ns;
            in.participant = e.order.participant;
            in.token = e.order.token;
            in.shares = e.order.shares;
            process(Input{in});
            return;
        }
        case TimelineKind::kHalt:
        case TimelineKind::kResume: {
            TradingAction in;
            in.timestamp_ns = now_.day_ns;
            in.stock = e.stock;
            in.halted = e.kind == TimelineKind::kHalt;
            in.reason = e.reason;
            process(Input{in});
            return;
        }
        case TimelineKind::kLink:
            transport_.apply_link(e.link);
            return;
        case TimelineKind::kDisconnect:
            gateway_.disconnect(e.user, now_, handler_);
            return;
        case TimelineKind::kEndOfSession:
            end_session(now_.clock_ns);
            return;
    }
}

template <ExchangeTransport Transport>
std::size_t Exchange<Transport>::poll(std::int64_t now_ns) noexcept {
    set_now(now_ns);
    if (!started_) {
        return 0;
    }
    ++counters_.passes;
    std::size_t work = 0;
    const bool open = !gateway_.session_ended();
    if (open) {
        // Events in time order: the flow's and the replay's inputs due before a timeline event
        // go first, so a pass that comes late (real time) runs them in the same order as a
        // virtual clock that visits every event's time would.
        const auto due_before = [this](std::int64_t t) {
            return (flow_ && flow_->next_event_ns() < t) ||
                   (replay_ && replay_->next_event_ns() < t);
        };
        const std::int64_t step_ns = next_timeline_ns();
        if (step_ns <= now_ns && due_before(step_ns)) {
            const Instant before{step_ns - 1, now_.day_ns - (now_ns - (step_ns - 1))};
            if (flow_) {
                work += flow_->poll(before, inputs_per_pass_,
                                    [this](const Input& in) noexcept { process(in); });
            }
            if (replay_) {
                work += replay_->poll(before, inputs_per_pass_,
                                      [this](const Input& in) noexcept { process(in); });
            }
        }
        std::size_t budget = inputs_per_pass_;
        while (budget > 0 && next_timeline_ < scenario_.timeline.size() &&
               start_clock_ns_ + scenario_.timeline[next_timeline_].at_ns <= now_ns &&
               !due_before(start_clock_ns_ + scenario_.timeline[next_timeline_].at_ns) &&
               !gateway_.session_ended()) {
            run_timeline_event(scenario_.timeline[next_timeline_++]);
            --budget;
            ++work;
        }
        if (scenario_.duration_ns && now_ns - start_clock_ns_ >= *scenario_.duration_ns &&
            !gateway_.session_ended()) {
            end_session(now_ns);
            ++work;
        }
    }
    if (!gateway_.session_ended()) {
        if (flow_) {
            work += flow_->poll(now_, inputs_per_pass_,
                                [this](const Input& in) noexcept { process(in); });
        }
        if (replay_) {
            work += replay_->poll(now_, inputs_per_pass_,
                                  [this](const Input& in) noexcept { process(in); });
        }
    }
    work += gateway_.poll_timers(now_, handler_);
    for (ConnectionId id = 0; id < gateway_.connection_capacity(); ++id) {
        if (gateway_.state(id) == ConnectionState::kFree) {
            continue;
        }
        work += gateway_.pump(id, now_ns);
        const std::span<const std::uint8_t> pending = gateway_.tx_pending(id);
        if (!pending.empty()) {
            const std::size_t taken = transport_.tcp_send(id, pending);
            gateway_.tx_consumed(id, taken);
            counters_.tcp_bytes_out += taken;
            if (taken < pending.size()) {
                ++counters_.tcp_backpressure;
            }
            work += taken > 0 ? 1 : 0;
        }
        if (gateway_.should_close(id, now_)) {
            transport_.tcp_close(id);
            gateway_.release(id);
            ++work;
        }
    }
    work += feed_.flush(now_ns) ? 1 : 0;
    work += feed_.poll(now_ns);
    return work;
}

template <ExchangeTransport Transport>
std::int64_t Exchange<Transport>::next_event_ns() const noexcept {
    std::int64_t next = std::numeric_limits<std::int64_t>::max();
    if (!started_) {
        return next;
    }
    if (!gateway_.session_ended()) {
        if (next_timeline_ < scenario_.timeline.size()) {
            next = std::min(next, start_clock_ns_ + scenario_.timeline[next_timeline_].at_ns);
        }
        if (scenario_.duration_ns) {
            next = std::min(next, start_clock_ns_ + *scenario_.duration_ns);
        }
        if (flow_) {
            next = std::min(next, flow_->next_event_ns());
        }
        if (replay_) {
            next = std::min(next, replay_->next_event_ns());
        }
    }
    next = std::min(next, gateway_.next_timer_ns());
    next = std::min(next, feed_.next_heartbeat_ns());
    // Work already due never lies in the past: the caller polls at least at its current time.
    return std::max(next, now_.clock_ns);
}

template <ExchangeTransport Transport>
void Exchange<Transport>::end_session(std::int64_t now_ns) noexcept {
    set_now(now_ns);
    if (!started_ || gateway_.session_ended()) {
        return;
    }
    if (flow_) {
        flow_->stop();
    }
    if (replay_) {
        replay_->stop();
    }
    const auto ts = static_cast<std::uint64_t>(now_.day_ns);
    for (const itch::EventCode code :
         {itch::EventCode::kEndOfMarketHours, itch::EventCode::kEndOfSystemHours,
          itch::EventCode::kEndOfMessages}) {
        itch::SystemEvent m;
        m.timestamp_ns = ts;
        m.event_code = code;
        publish_itch(m);
    }
    for (std::size_t i = 0; i < gateway_.account_count(); ++i) {
        wire_ouch::SystemEventMessage m;
        m.timestamp_ns = ts;
        m.event_code = wire_ouch::SystemEvent::kEndOfDay;
        std::uint8_t bytes[16];
        const ParticipantId participant = gateway_.participant(i);
        const std::uint64_t sequence = gateway_.publish(participant, m, bytes);
        if (sequence != 0) {
            ++counters_.ouch_out;
            digest_ouch(digest_, participant, sequence,
                        std::span<const std::uint8_t>(bytes, proto::wire_size<decltype(m)>()));
        }
    }
    feed_.end_session(now_ns);
    gateway_.end_session(now_);
}

template <ExchangeTransport Transport>
ExchangeReport Exchange<Transport>::report() const {
    ExchangeReport r;
    r.scenario = scenario_.name;
    r.seed = scenario_.seed;
    r.digest = digest_.value();
    r.digest_messages = digest_.events();
    r.exchange = counters_;
    r.engine = engine_.counters();
    r.gateway = gateway_.counters();
    r.feed = feed_.counters();
    for (std::size_t i = 0; i < gateway_.account_count(); ++i) {
        r.sessions.push_back({gateway_.username(i), gateway_.participant(i),
                              gateway_.store(i).count(), gateway_.session_counters(i)});
    }
    if (flow_) {
        r.background = flow_->counters();
    }
    if (replay_) {
        r.replay = replay_->counters();
    }
    return r;
}

}  // namespace tb::exchange
