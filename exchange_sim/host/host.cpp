#include "exchange_sim/host/host.hpp"

#include <charconv>

#include "core/counters.hpp"
#include "core/error.hpp"
#include "nic_emu/link_syntax.hpp"
#include "nic_emu/report.hpp"

namespace tb::exchange {

namespace {

// Locally administered MACs derived from the exchange's address: 02:0K:a.b.c.d, K = 0 for the
// order-entry stack, 1 and 2 for the feed lines.
proto::MacAddress host_mac(std::uint8_t kind, std::uint32_t ip) {
    return proto::MacAddress{0x02,
                             kind,
                             static_cast<std::uint8_t>(ip >> 24),
                             static_cast<std::uint8_t>(ip >> 16),
                             static_cast<std::uint8_t>(ip >> 8),
                             static_cast<std::uint8_t>(ip)};
}

std::atomic<unsigned> host_count{0};

std::string link_error(const Scenario& scenario, const LinkSetting& link, const std::string& what) {
    return scenario.file + ":" + std::to_string(link.line) + ":" + std::to_string(link.column) +
           ": link '" + link.port + "': " + what;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

core::EthPortConfig host_port_config(const std::string& spec, const HostConfig& config) {
    core::EthPortConfig port;
    port.spec = spec;
    port.rx_ring_size = config.ring_size;
    port.tx_ring_size = config.ring_size;
    // Frames of this pool can wait in both rings, in the emulator's delay lines on their way
    // (the one they entered by and the one they leave by) and in the timeline stages, on top
    // of the bursts in flight.
    port.pool_size =
        2u * config.ring_size + 512u + 2u * config.line_capacity + 2u * config.stage_capacity;
    return port;
}

std::int64_t session_epoch_ns(const std::string& date, std::int64_t start_of_day_ns) {
    int y = 1970;
    unsigned m = 1;
    unsigned d = 1;
    if (date.size() == 10) {
        (void)std::from_chars(date.data(), date.data() + 4, y);
        (void)std::from_chars(date.data() + 5, date.data() + 7, m);
        (void)std::from_chars(date.data() + 8, date.data() + 10, d);
    }
    return days_from_civil(y, m, d) * 86'400'000'000'000LL + start_of_day_ns;
}

template <core::Clock C>
Host<C>::Host(const Scenario& scenario, const HostConfig& config,
              std::span<core::EthPort* const> client_ports, const C& clock)
    : scenario_(scenario),
      config_(config),
      clock_(&clock),
      wire_name_("tbhost" + std::to_string(host_count++)),
      exchange_clock_(config.lockstep) {
    using core::ConfigError;
    const std::size_t clients = client_ports.size();
    if (clients == 0 || kFirstClientPortIndex + clients > nic::kMaxPorts) {
        throw ConfigError("the exchange host takes 1 to " +
                          std::to_string(nic::kMaxPorts - kFirstClientPortIndex) +
                          " client ports, not " + std::to_string(clients));
    }
    const auto open = [&](const std::string& name) {
        return std::make_unique<core::EthPort>(host_port_config("ring:" + name, config_));
    };
    exchange_end_ = open(wire_name_ + "x");
    exchange_nic_end_ = open(wire_name_ + "x");
    feed_a_end_ = open(wire_name_ + "a");
    feed_a_nic_end_ = open(wire_name_ + "a");
    feed_b_end_ = open(wire_name_ + "b");
    feed_b_nic_end_ = open(wire_name_ + "b");
    feed_a_port_ = std::make_unique<SendOnlyPort>(*feed_a_end_);
    feed_b_port_ = std::make_unique<SendOnlyPort>(*feed_b_end_);

    // The emulated network: ports, their links, static groups for the feeds.
    const std::size_t port_count = kFirstClientPortIndex + clients;
    network_config_.seed = scenario_.seed;
    network_config_.ports.resize(port_count);
    network_config_.ports[kExchangePortIndex].name = "exchange";
    network_config_.ports[kFeedAPortIndex].name = "feed_a";
    network_config_.ports[kFeedBPortIndex].name = "feed_b";
    for (std::size_t i = 0; i < clients; ++i) {
        network_config_.ports[kFirstClientPortIndex + i].name = "client" + std::to_string(i);
    }
    for (const LinkSetting& link : scenario_.links) {
        nic::LinkConfig parsed;
        try {
            parsed = nic::parse_link(link.spec);
        } catch (const ConfigError& e) {
            throw ConfigError(link_error(scenario_, link, e.what()));
        }
        for (const std::uint32_t port : link_ports(link)) {
            if (link.target.in) {
                network_config_.ports[port].in = parsed;
            }
            if (link.target.out) {
                network_config_.ports[port].out = parsed;
            }
        }
    }
    nic::PortMask client_mask = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        client_mask |= nic::port_bit(static_cast<std::uint32_t>(kFirstClientPortIndex + i));
    }
    network_config_.switching.groups.push_back({scenario_.network.feed_a.ip, client_mask});
    if (scenario_.network.feed_b.ip != scenario_.network.feed_a.ip) {
        network_config_.switching.groups.push_back({scenario_.network.feed_b.ip, client_mask});
    }
    network_config_.capture_path = config_.capture_path;
    network_config_.epoch_ns =
        config_.capture_epoch_ns
            ? *config_.capture_epoch_ns
            : session_epoch_ns(scenario_.date, scenario_.start_of_day_ns) - clock.now_ns();
    network_config_.line_capacity = config_.line_capacity;
    network_config_.tx_timeout_ns = config_.tx_timeout_ns;

    // Ports that a timeline link setting names get stages.
    std::vector<bool> staged(port_count, false);
    for (const TimelineEvent& e : scenario_.timeline) {
        if (e.kind == TimelineKind::kLink) {
            for (const std::uint32_t port : link_ports(e.link)) {
                staged[port] = true;
            }
        }
    }
    std::vector<core::EthPort*> devices = {exchange_nic_end_.get(), feed_a_nic_end_.get(),
                                           feed_b_nic_end_.get()};
    devices.insert(devices.end(), client_ports.begin(), client_ports.end());
    std::size_t max_triggers = 0;
    for (const TimelineEvent& e : scenario_.timeline) {
        max_triggers += e.trigger ? 1 : 0;
    }
    for (std::size_t i = 0; i < port_count; ++i) {
        wire_ports_.push_back(
            std::make_unique<Port>(*devices[i], clock, staged[i] ? config_.stage_capacity : 0));
        if (i >= kFirstClientPortIndex) {
            taps_.push_back(std::make_unique<WireTap>(max_triggers, scenario_.network.feed_a.port,
                                                      scenario_.network.order_entry_port));
            wire_ports_.back()->set_tap(taps_.back().get());
        }
    }
    std::vector<Port*> ports;
    for (const std::unique_ptr<Port>& p : wire_ports_) {
        ports.push_back(p.get());
    }
    network_ = std::make_unique<Network>(network_config_, ports, clock);

    // Timeline link settings, built now so that applying one allocates nothing.
    const core::Rng root(scenario_.seed);
    for (const TimelineEvent& e : scenario_.timeline) {
        if (e.kind != TimelineKind::kLink) {
            continue;
        }
        TimelineLink t;
        t.line = e.link.line;
        t.column = e.link.column;
        t.ports = link_ports(e.link);
        t.in = e.link.target.in;
        t.out = e.link.target.out;
        nic::LinkConfig parsed;
        try {
            parsed = nic::parse_link(e.link.spec);
        } catch (const ConfigError& error) {
            throw ConfigError(link_error(scenario_, e.link, error.what()));
        }
        if (!parsed.identity()) {
            for (const std::uint32_t port : t.ports) {
                const std::string prefix =
                    "port" + std::to_string(port) + "/timeline" + std::to_string(e.line);
                if (t.in) {
                    t.in_models.push_back(std::make_unique<nic::LinkModel>(
                        parsed, root, prefix + "/in", network_->start_ns()));
                }
                if (t.out) {
                    t.out_models.push_back(std::make_unique<nic::LinkModel>(
                        parsed, root, prefix + "/out", network_->start_ns()));
                }
            }
        }
        timeline_links_.push_back(std::move(t));
    }

    // The exchange's stacks.
    const std::uint32_t ip = scenario_.network.exchange_ip;
    net::StackConfig stack;
    stack.ip = ip;
    stack.mtu = static_cast<std::uint16_t>(scenario_.feed.mtu);
    stack.tx_queue_frames = 1024;
    stack.tcp.max_connections = config_.max_connections;
    stack.tcp.send_buffer_bytes = config_.tcp_buffer_bytes;
    stack.tcp.receive_buffer_bytes = config_.tcp_buffer_bytes;
    stack.tcp.seed = scenario_.seed * 0x9E37'79B9'7F4A'7C15ULL + 0x5EED;
    stack.udp.max_sockets = 4;
    stack.mac = host_mac(0, ip);
    const std::int64_t now = clock.now_ns();
    exchange_stack_ = std::make_unique<net::Stack>(stack, *exchange_end_, now);
    net::StackConfig feed = stack;
    feed.arp.gratuitous_at_start = false;
    feed.tcp.max_connections = 1;
    feed.tcp.send_buffer_bytes = 4096;
    feed.tcp.receive_buffer_bytes = 4096;
    feed.mac = host_mac(1, ip);
    feed_a_stack_ = std::make_unique<net::Stack>(feed, *feed_a_port_, now);
    feed.mac = host_mac(2, ip);
    feed_b_stack_ = std::make_unique<net::Stack>(feed, *feed_b_port_, now);

    NetTransportConfig transport = net_transport_config(scenario_);
    transport.max_streams = config_.max_connections;
    transport_ =
        std::make_unique<Transport>(transport, *exchange_stack_, *feed_a_stack_, *feed_b_stack_);
    exchange_ = std::make_unique<ExchangeType>(scenario_, *transport_);
    transport_->attach(*exchange_);
    transport_->set_link_control(LinkControl{this, &Host::apply_link_thunk});
    transport_->set_trigger_hook(TriggerHook{this, &Host::trigger_thunk});
}

template <core::Clock C>
Host<C>::~Host() {
    // The exchange and the transport go first (they reference the stacks), then the stacks
    // (their frames go back to the pools), the emulator (it frees what it holds), the stages,
    // and the ports last.
    exchange_.reset();
    transport_.reset();
    exchange_stack_.reset();
    feed_a_stack_.reset();
    feed_b_stack_.reset();
    network_.reset();
    for (std::unique_ptr<Port>& p : wire_ports_) {
        p->release();
    }
}

template <core::Clock C>
std::vector<std::uint32_t> Host<C>::link_ports(const LinkSetting& link) const {
    const std::size_t clients = wire_ports_.empty()
                                    ? network_config_.ports.size() - kFirstClientPortIndex
                                    : wire_ports_.size() - kFirstClientPortIndex;
    switch (link.target.kind) {
        case LinkPortKind::kExchange:
            return {kExchangePortIndex};
        case LinkPortKind::kFeedA:
            return {kFeedAPortIndex};
        case LinkPortKind::kFeedB:
            return {kFeedBPortIndex};
        case LinkPortKind::kClient:
            break;
    }
    if (link.target.client >= 0) {
        if (static_cast<std::size_t>(link.target.client) >= clients) {
            throw core::ConfigError(link_error(scenario_, link,
                                               "there are only " + std::to_string(clients) +
                                                   " client ports (client0 to client" +
                                                   std::to_string(clients - 1) + ")"));
        }
        return {static_cast<std::uint32_t>(kFirstClientPortIndex + link.target.client)};
    }
    std::vector<std::uint32_t> all;
    for (std::size_t i = 0; i < clients; ++i) {
        all.push_back(static_cast<std::uint32_t>(kFirstClientPortIndex + i));
    }
    return all;
}

template <core::Clock C>
void Host<C>::start() noexcept {
    const std::int64_t world = clock_->now_ns();
    const std::int64_t x = exchange_clock_.now(world);
    transport_->set_now(x);
    exchange_->start(x);
}

template <core::Clock C>
void Host<C>::apply_link(const LinkSetting& link) noexcept {
    for (const TimelineLink& t : timeline_links_) {
        if (t.line != link.line || t.column != link.column) {
            continue;
        }
        for (std::size_t k = 0; k < t.ports.size(); ++k) {
            Port& port = *wire_ports_[t.ports[k]];
            if (t.in) {
                port.set_stage(true, t.in_models.empty() ? nullptr : t.in_models[k].get());
            }
            if (t.out) {
                port.set_stage(false, t.out_models.empty() ? nullptr : t.out_models[k].get());
            }
        }
        return;
    }
}

template <core::Clock C>
std::int64_t Host<C>::next_event_ns() const noexcept {
    std::int64_t next = network_->next_event_ns();
    for (const std::unique_ptr<Port>& p : wire_ports_) {
        next = std::min(next, p->next_event_ns());
    }
    next = std::min({next, exchange_stack_->next_timer_ns(), feed_a_stack_->next_timer_ns(),
                     feed_b_stack_->next_timer_ns()});
    const std::int64_t x = exchange_clock_.holding()
                               ? exchange_clock_.to_world(0)
                               : exchange_clock_.to_world(exchange_->next_event_ns());
    return std::min(next, x);
}

template <core::Clock C>
bool Host<C>::drained() const noexcept {
    if (network_->held_frames() != 0 || exchange_stack_->tx_queued() != 0 ||
        feed_a_stack_->tx_queued() != 0 || feed_b_stack_->tx_queued() != 0) {
        return false;
    }
    for (const std::unique_ptr<Port>& p : wire_ports_) {
        if (p->next_event_ns() != INT64_MAX) {
            return false;
        }
    }
    return true;
}

template <core::Clock C>
void Host<C>::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    network_->finish();
    for (std::unique_ptr<Port>& p : wire_ports_) {
        p->release();
    }
}

template <core::Clock C>
core::Histogram Host<C>::tick_to_trade() const {
    core::Histogram all;
    for (const std::unique_ptr<WireTap>& tap : taps_) {
        all.merge(tap->tick_to_trade());
    }
    return all;
}

template <core::Clock C>
core::Histogram Host<C>::order_round_trip() const {
    core::Histogram all;
    for (const std::unique_ptr<WireTap>& tap : taps_) {
        all.merge(tap->order_round_trip());
    }
    return all;
}

template <core::Clock C>
std::string Host<C>::report_text() const {
    std::string out = exchange_->report_text();
    out += "transport: " + core::format_counters(transport_->counters()) + "\n";
    out += "stack exchange: " + core::format_counters(exchange_stack_->counters()) + "\n";
    out += "stack feed_a: " + core::format_counters(feed_a_stack_->counters()) + "\n";
    out += "stack feed_b: " + core::format_counters(feed_b_stack_->counters()) + "\n";
    out += nic::report_text(*network_, network_config_);
    for (std::size_t i = 0; i < wire_ports_.size(); ++i) {
        if (wire_ports_[i]->stage_capable()) {
            out += "timeline stage " + network_config_.ports[i].name + ": " +
                   core::format_counters(wire_ports_[i]->counters()) + "\n";
        }
    }
    for (std::size_t i = 0; i < taps_.size(); ++i) {
        const WireTap& tap = *taps_[i];
        const std::string name = "client" + std::to_string(i);
        out += name + " tap: " + core::format_counters(tap.counters()) + "\n";
        if (tap.tick_to_trade().total_count() > 0) {
            out += name + " tick_to_trade: " + tap.tick_to_trade().summary() + "\n";
        }
        if (tap.order_round_trip().total_count() > 0) {
            out += name + " order_round_trip: " + tap.order_round_trip().summary() + "\n";
        }
    }
    if (exchange_clock_.enabled()) {
        out += "lockstep: " + core::format_counters(exchange_clock_.counters()) + "\n";
    }
    return out;
}

template <core::Clock C>
std::string Host<C>::report_json() const {
    std::string out = "{\"exchange\":" + tb::exchange::report_json(exchange_->report());
    out += ",\"transport\":" + core::counters_json(transport_->counters());
    out += ",\"stacks\":{\"exchange\":" + core::counters_json(exchange_stack_->counters()) +
           ",\"feed_a\":" + core::counters_json(feed_a_stack_->counters()) +
           ",\"feed_b\":" + core::counters_json(feed_b_stack_->counters()) + "}";
    out += ",\"network\":" + nic::report_json(*network_, network_config_);
    out += ",\"clients\":[";
    for (std::size_t i = 0; i < taps_.size(); ++i) {
        const WireTap& tap = *taps_[i];
        out += i == 0 ? "" : ",";
        out += "{\"port\":" + std::to_string(kFirstClientPortIndex + i) +
               ",\"tap\":" + core::counters_json(tap.counters()) +
               ",\"tick_to_trade_ns\":" + nic::histogram_json(tap.tick_to_trade()) +
               ",\"order_round_trip_ns\":" + nic::histogram_json(tap.order_round_trip()) + "}";
    }
    out += "]";
    if (exchange_clock_.enabled()) {
        out += ",\"lockstep\":" + core::counters_json(exchange_clock_.counters());
    }
    return out + "}";
}

template class Host<core::TscClock>;
template class Host<core::VirtualClock>;

}  // namespace tb::exchange
