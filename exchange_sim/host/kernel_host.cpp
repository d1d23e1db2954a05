#include "exchange_sim/host/kernel_host.hpp"

#include "core/counters.hpp"

namespace tb::exchange {

KernelHost::KernelHost(const Scenario& scenario, const KernelHostConfig& config,
                       const core::TscClock& clock)
    : scenario_(scenario), clock_(&clock), exchange_clock_(config.lockstep) {
    net::KernelTransportConfig kernel;
    kernel.bind_ip = config.bind_ip;
    // Every datagram socket on the loopback address: the retransmission server answers only
    // requests from this host, and the feed sockets send from it.
    kernel.datagram_bind_ip = config.bind_ip;
    kernel.multicast_interface_ip = config.bind_ip;
    kernel.multicast_ttl = 0;  // host-local: a TTL 0 multicast datagram never leaves the host
    kernel.multicast_loop = true;
    kernel.max_streams = config.max_streams;
    kernel.send_buffer_bytes = config.buffer_bytes;
    kernel.receive_buffer_bytes = config.buffer_bytes;
    kernel_ = std::make_unique<net::KernelTransport>(kernel);
    NetTransportConfig transport = net_transport_config(scenario_);
    transport.exchange_ip = config.bind_ip;
    transport.feed_ephemeral_port = true;
    transport.max_streams = config.max_streams;
    transport_ = std::make_unique<Transport>(transport, *kernel_, *kernel_, *kernel_);
    exchange_ = std::make_unique<ExchangeType>(scenario_, *transport_);
    transport_->attach(*exchange_);
}

KernelHost::~KernelHost() {
    exchange_.reset();
    transport_.reset();
    kernel_.reset();
}

void KernelHost::start() noexcept {
    const std::int64_t x = exchange_clock_.now(clock_->now_ns());
    transport_->set_now(x);
    exchange_->start(x);
}

bool KernelHost::drained() const noexcept {
    return kernel_->next_timer_ns() == INT64_MAX;
}

std::string KernelHost::report_text() const {
    std::string out = exchange_->report_text();
    out += "transport: " + core::format_counters(transport_->counters()) + "\n";
    if (exchange_clock_.enabled()) {
        out += "lockstep: " + core::format_counters(exchange_clock_.counters()) + "\n";
    }
    return out;
}

std::string KernelHost::report_json() const {
    std::string out = "{\"exchange\":" + tb::exchange::report_json(exchange_->report());
    out += ",\"transport\":" + core::counters_json(transport_->counters());
    if (exchange_clock_.enabled()) {
        out += ",\"lockstep\":" + core::counters_json(exchange_clock_.counters());
    }
    return out + "}";
}

}  // namespace tb::exchange
