#pragma once

// The exchange over kernel sockets on loopback (DESIGN.md, "Modes": kernel), for clients that
// use kernel sockets: the kernel baseline of the same client logic. Same exchange, same
// transport adapter as the emulated-network host (host.hpp), over net::KernelTransport:
//
//   order entry      TCP on bind_ip (127.0.0.1) : scenario order-entry port (15000)
//   feed A, B        UDP multicast to the scenario's groups (233.54.12.111/112:26477), sent on
//                    the loopback interface with TTL 0, so the datagrams never leave the host;
//                    clients join the groups on 127.0.0.1
//   retransmission   UDP on bind_ip : scenario retransmission port (26478), answered by unicast
//
// There is no emulated wire here: the scenario's link settings do not apply (the timeline's
// link events are counted as ignored), nor does capture or the tick-to-trade tap. Lockstep
// works as in the other modes (lockstep.hpp). Driving: start(), then poll() in a busy loop with
// the clock given at construction.
//
// Construction throws core::StartupError when a port is taken (another exchange running, or a
// client bound to the retransmission port). Thread rules: one thread.

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "exchange_sim/exchange.hpp"
#include "exchange_sim/host/lockstep.hpp"
#include "exchange_sim/host/net_transport.hpp"
#include "net/kernel_transport.hpp"

namespace tb::exchange {

struct KernelHostConfig {
    LockstepConfig lockstep;
    std::uint32_t bind_ip = 0x7F00'0001;  // 127.0.0.1: listeners and the retransmission socket
    std::uint32_t max_streams = 64;
    std::uint32_t buffer_bytes = 256 * 1024;  // per stream, each direction (ours)
};

class KernelHost {
public:
    using Transport = NetTransport<net::KernelTransport>;
    using ExchangeType = Exchange<Transport>;

    KernelHost(const Scenario& scenario, const KernelHostConfig& config,
               const core::TscClock& clock);
    ~KernelHost();
    KernelHost(const KernelHost&) = delete;
    KernelHost& operator=(const KernelHost&) = delete;

    void start() noexcept;

    std::size_t poll() noexcept {
        const std::int64_t world = clock_->now_ns();
        const std::int64_t x = exchange_clock_.pass_time(
            world, exchange_clock_.enabled() ? exchange_->next_timeline_ns() : INT64_MAX);
        transport_->set_now(x);
        std::size_t work = kernel_->poll(world);
        work += exchange_->poll(x);
        if (exchange_clock_.enabled()) {
            exchange_clock_.observe(world, x,
                                    lockstep_observation(*exchange_, transport_->counters()));
        }
        return work;
    }

    [[nodiscard]] bool finished() const noexcept { return exchange_->finished(); }
    // Nothing waits in the transport's send buffers.
    [[nodiscard]] bool drained() const noexcept;
    void end_session() noexcept { exchange_->end_session(exchange_clock_.now(clock_->now_ns())); }

    [[nodiscard]] ExchangeType& exchange() noexcept { return *exchange_; }
    [[nodiscard]] const ExchangeType& exchange() const noexcept { return *exchange_; }
    [[nodiscard]] const Transport& transport() const noexcept { return *transport_; }
    [[nodiscard]] const ExchangeClock& exchange_clock() const noexcept { return exchange_clock_; }

    [[nodiscard]] std::string report_text() const;
    [[nodiscard]] std::string report_json() const;

private:
    Scenario scenario_;
    const core::TscClock* clock_;
    std::unique_ptr<net::KernelTransport> kernel_;
    std::unique_ptr<Transport> transport_;
    std::unique_ptr<ExchangeType> exchange_;
    ExchangeClock exchange_clock_;
};

}  // namespace tb::exchange
