#pragma once

// The exchange as a host on an emulated network: everything `tickbench-exchange` runs in memif
// mode, and what sim mode instantiates in one process with a client on the other side.
//
//   client port(s) <-> nic_emu Emulator (embedded) <-> exchange ports <-> net::Stack(s) <->
//   Exchange
//
//   emulator ports   0 "exchange"  the order-entry stack (TCP, retransmission UDP, ARP for the
//                                  exchange's address)
//                    1 "feed_a"    the feed A stack (send only)
//                    2 "feed_b"    the feed B stack (send only)
//                    3.. "client<N>" the client ports the caller gives (ring or memif)
//   The exchange's ports are in-process net_ring wires the host opens. Feed A and B leave by
//   their own ports, so a scenario can impair one line and not the other (`links: feed_b:`);
//   both are sent from the exchange's address, each from its own MAC. The switch delivers both
//   groups to every client port (static groups; IGMP snooping adds nothing then) and learns
//   MACs. Link settings of the scenario (`links`) are the emulator's; the timeline's `link`
//   events are applied while running (wire_port.hpp). Wire identities come from the scenario
//   (DESIGN.md defaults: 10.0.0.1, TCP 15000, 233.54.12.111/112:26477, UDP 26478).
//
// One thread drives everything through poll(), with the clock the host was given:
//  - real time (core::TscClock), memif mode: call poll() in a busy loop;
//  - virtual time (core::VirtualClock), sim mode: poll every part of the world (the host, the
//    client's stack and logic) until none does any work, then move the clock to the earliest
//    next event of all of them (host.next_event_ns(), the client's); sim_step() below does this.
//    Same scenario, seed and client: the same frames at the same times, the same digest and a
//    byte-identical capture.
// The exchange's own clock is the host's clock minus the time spent holding in lockstep
// (lockstep.hpp); without lockstep they are equal.
//
// Sim mode in one process, with a client stack on a net_ring wire:
//
//     core::VirtualClock clock(1'000'000'000);
//     exchange::HostConfig config;                                 // defaults
//     core::EthPort nic_end(exchange::host_port_config("ring:sim0", config));    // the host's
//     core::EthPort client_end(exchange::host_port_config("ring:sim0", config)); // the client's
//     std::vector<core::EthPort*> clients = {&nic_end};
//     exchange::Host<core::VirtualClock> host(scenario, config, clients, clock);
//     net::Stack client_stack(client_stack_config, client_end, clock.now_ns());
//     host.start();                                               // start of day now
//     auto others = [&] { return client_stack.poll(clock.now_ns()) + my_client.poll(); };
//     auto others_next = [&] { return std::min(client_stack.next_timer_ns(), my_client.next()); };
//     while (!host.finished() &&
//            exchange::sim_step(host, clock, others, others_next, end_ns)) {
//         // between steps: everything due up to now has happened; check, script, send ...
//     }
//     host.finish();                                              // closes the capture
//     host.exchange().digest().value();  host.report_text();
//
// The client reaches the exchange at scenario.network.exchange_ip (client stacks use
// scenario.network.client_ip, or any other address of the subnet), joins the feed groups, and
// needs nothing else: ARP resolves the exchange's MAC.
//
// Destroy the host before the client ports it was given (it frees frames it holds into their
// pools). Construction throws core::ConfigError (a link setting nic_emu refuses, too many client
// ports) or core::StartupError (a port or socket cannot be opened). Nothing is allocated by
// poll(). Thread rules: one thread, the one that calls poll().

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/eth_port.hpp"
#include "exchange_sim/exchange.hpp"
#include "exchange_sim/host/lockstep.hpp"
#include "exchange_sim/host/net_transport.hpp"
#include "exchange_sim/host/wire_port.hpp"
#include "exchange_sim/host/wire_tap.hpp"
#include "net/stack.hpp"
#include "nic_emu/emulator.hpp"

namespace tb::exchange {

struct HostConfig {
    LockstepConfig lockstep;
    std::string capture_path;  // pcapng of every port of the emulated network; empty: none
    // Wall-clock time (ns since 1970) of the clock's time 0, for capture timestamps. Unset: the
    // session's date and start time at start(), so sim-mode captures show the scenario's day.
    std::optional<std::int64_t> capture_epoch_ns;
    std::uint16_t ring_size = 1024;          // rings of the exchange's internal wires
    std::uint32_t line_capacity = 1024;      // frames per delay line of the emulator
    std::uint32_t stage_capacity = 1024;     // frames per delay line of a timeline link stage
    std::int64_t tx_timeout_ns = 1'000'000;  // the emulator drops what a port refuses this long
    std::uint32_t max_connections = 64;      // the order-entry stack's TCP table
    std::uint32_t tcp_buffer_bytes = 256 * 1024;  // per connection, each direction
};

// The EthPort configuration for a client port given to a Host (its pool sized for the frames
// the emulator can hold), for any spec: "ring:NAME", "memif:server:PATH", ...
[[nodiscard]] core::EthPortConfig host_port_config(const std::string& spec,
                                                   const HostConfig& config);

// Names of the emulated network's ports: "exchange", "feed_a", "feed_b", "client0", ...
inline constexpr std::uint32_t kExchangePortIndex = 0;
inline constexpr std::uint32_t kFeedAPortIndex = 1;
inline constexpr std::uint32_t kFeedBPortIndex = 2;
inline constexpr std::uint32_t kFirstClientPortIndex = 3;

// Wall-clock ns since 1970 of `start_of_day_ns` on a YYYY-MM-DD date (UTC).
[[nodiscard]] std::int64_t session_epoch_ns(const std::string& date, std::int64_t start_of_day_ns);

template <core::Clock C>
class Host {
public:
    using Transport = NetTransport<net::Stack>;
    using ExchangeType = Exchange<Transport>;
    using Port = WirePort<C>;
    using Network = nic::Emulator<Port, C>;

    // `client_ports` are the caller's (opened with host_port_config), one per client, and must
    // outlive the host; `clock` too.
    Host(const Scenario& scenario, const HostConfig& config,
         std::span<core::EthPort* const> client_ports, const C& clock);
    ~Host();
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    // Start of day at the clock's time now (the exchange's time 0 of the timeline).
    void start() noexcept;

    // One pass: the emulated network, the stacks (their events reach the exchange), the
    // exchange (timeline, flow, timers and all output). Returns the work done (0: idle).
    std::size_t poll() noexcept {
        const std::int64_t world = clock_->now_ns();
        std::size_t work = network_->poll();
        const std::int64_t x = exchange_clock_.pass_time(
            world, exchange_clock_.enabled() ? exchange_->next_timeline_ns() : INT64_MAX);
        transport_->set_now(x);
        work += exchange_stack_->poll(world);
        work += feed_a_stack_->poll(world);
        work += feed_b_stack_->poll(world);
        work += exchange_->poll(x);
        if (exchange_clock_.enabled()) {
            exchange_clock_.observe(world, x,
                                    lockstep_observation(*exchange_, transport_->counters()));
        }
        return work;
    }

    // Earliest clock time at which poll() has work of its own (INT64_MAX: none).
    [[nodiscard]] std::int64_t next_event_ns() const noexcept;

    // The session has ended and the exchange closed every connection. The last frames may
    // still be on their way: poll on until drained() (real time) or until nothing is
    // scheduled (sim mode).
    [[nodiscard]] bool finished() const noexcept { return exchange_->finished(); }
    // Nothing waits in the emulator's delay lines, the timeline stages or the stacks'
    // transmit queues.
    [[nodiscard]] bool drained() const noexcept;

    // Ends the day now (the exchange's end_session at its current time).
    void end_session() noexcept { exchange_->end_session(exchange_clock_.now(clock_->now_ns())); }

    // Frees held frames and closes the capture (throws core::StartupError if the capture could
    // not be written). Call once the run is over, before reading the capture.
    void finish();

    // ---- inspection ----
    [[nodiscard]] ExchangeType& exchange() noexcept { return *exchange_; }
    [[nodiscard]] const ExchangeType& exchange() const noexcept { return *exchange_; }
    [[nodiscard]] const Transport& transport() const noexcept { return *transport_; }
    [[nodiscard]] const Network& network() const noexcept { return *network_; }
    [[nodiscard]] const nic::EmulatorConfig& network_config() const noexcept {
        return network_config_;
    }
    [[nodiscard]] const net::Stack& exchange_stack() const noexcept { return *exchange_stack_; }
    [[nodiscard]] const net::Stack& feed_stack(FeedLine line) const noexcept {
        return line == FeedLine::kA ? *feed_a_stack_ : *feed_b_stack_;
    }
    [[nodiscard]] std::size_t client_count() const noexcept { return taps_.size(); }
    [[nodiscard]] const WireTap& tap(std::size_t client) const noexcept { return *taps_[client]; }
    [[nodiscard]] const Port& wire_port(std::size_t index) const noexcept {
        return *wire_ports_[index];
    }
    [[nodiscard]] const ExchangeClock& exchange_clock() const noexcept { return exchange_clock_; }
    [[nodiscard]] std::int64_t exchange_now() const noexcept {
        return exchange_clock_.now(clock_->now_ns());
    }
    // Tick-to-trade of every client together.
    [[nodiscard]] core::Histogram tick_to_trade() const;
    [[nodiscard]] core::Histogram order_round_trip() const;

    // The end-of-run report: the exchange's (format_report), then the transport, the stacks,
    // the emulated network, each client's tap and lockstep; as text and as one JSON object.
    [[nodiscard]] std::string report_text() const;
    [[nodiscard]] std::string report_json() const;

private:
    // A prebuilt timeline link setting: where it goes and its models, built at start-up so that
    // applying it allocates nothing.
    struct TimelineLink {
        int line = 0;
        int column = 0;
        std::vector<std::uint32_t> ports;  // emulator port indices
        bool in = true;
        bool out = true;
        std::vector<std::unique_ptr<nic::LinkModel>> in_models;   // one per port, or empty
        std::vector<std::unique_ptr<nic::LinkModel>> out_models;  // (no impairment)
    };

    static void apply_link_thunk(void* host, const LinkSetting& link) noexcept {
        static_cast<Host*>(host)->apply_link(link);
    }
    static void trigger_thunk(void* host, const FeedPacketInfo&) noexcept {
        Host& h = *static_cast<Host*>(host);
        // The exchange records the trigger's sequence number before it flushes the packet.
        const std::vector<std::uint64_t>& sequences = h.exchange_->trigger_sequences();
        if (sequences.empty() || sequences.back() == 0) {
            return;
        }
        for (const std::unique_ptr<WireTap>& tap : h.taps_) {
            tap->add_trigger(sequences.back());
        }
    }
    void apply_link(const LinkSetting& link) noexcept;
    [[nodiscard]] std::vector<std::uint32_t> link_ports(const LinkSetting& link) const;

    Scenario scenario_;
    HostConfig config_;
    const C* clock_;
    std::string wire_name_;
    // The exchange's three wires: the stack's end, the emulator's end.
    std::unique_ptr<core::EthPort> exchange_end_;
    std::unique_ptr<core::EthPort> exchange_nic_end_;
    std::unique_ptr<core::EthPort> feed_a_end_;
    std::unique_ptr<core::EthPort> feed_a_nic_end_;
    std::unique_ptr<core::EthPort> feed_b_end_;
    std::unique_ptr<core::EthPort> feed_b_nic_end_;
    std::unique_ptr<SendOnlyPort> feed_a_port_;
    std::unique_ptr<SendOnlyPort> feed_b_port_;
    std::vector<std::unique_ptr<WireTap>> taps_;
    std::vector<std::unique_ptr<Port>> wire_ports_;  // in emulator port order
    nic::EmulatorConfig network_config_;
    std::unique_ptr<Network> network_;
    std::unique_ptr<net::Stack> exchange_stack_;
    std::unique_ptr<net::Stack> feed_a_stack_;
    std::unique_ptr<net::Stack> feed_b_stack_;
    std::unique_ptr<Transport> transport_;
    std::unique_ptr<ExchangeType> exchange_;
    std::vector<TimelineLink> timeline_links_;
    ExchangeClock exchange_clock_;
    bool finished_ = false;
};

// Sim mode helpers for a one-thread world on a virtual clock (the host and `others`, the rest
// of the world, whose poll returns its work and whose next event is `others_next()`).
//
// sim_settle: polls the host and `others` until a round of both did no work (at most
// max_rounds rounds): everything due at the current time has happened. Returns the rounds.
template <class Others>
std::size_t sim_settle(Host<core::VirtualClock>& host, Others&& others,
                       std::size_t max_rounds = 100'000) {
    std::size_t round = 0;
    while (round < max_rounds) {
        ++round;
        if (host.poll() + static_cast<std::size_t>(others()) == 0) {
            break;
        }
    }
    return round;
}

// sim_step: sim_settle, then moves the clock to the earliest next event of the host and of
// `others_next()` (at least 1 ns on). Returns false, without moving the clock, when that event
// lies beyond `end_ns` or nothing is scheduled anywhere.
template <class Others, class OthersNext>
bool sim_step(Host<core::VirtualClock>& host, core::VirtualClock& clock, Others&& others,
              OthersNext&& others_next, std::int64_t end_ns, std::size_t max_rounds = 100'000) {
    (void)sim_settle(host, others, max_rounds);
    const std::int64_t next = std::min<std::int64_t>(host.next_event_ns(), others_next());
    if (next > end_ns || next == INT64_MAX) {
        return false;
    }
    clock.set(std::max(next, clock.now_ns() + 1));
    return true;
}

extern template class Host<core::TscClock>;
extern template class Host<core::VirtualClock>;

}  // namespace tb::exchange
