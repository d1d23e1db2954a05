#pragma once

// One DPDK ethdev port with one RX and one TX queue, opened from a spec:
//
//   memif:server:PATH   net_memif server on the file socket PATH (socket-abstract=no); the link
//                       comes up when a client connects. A stale socket file left by a dead
//                       server is replaced; a live one is an error ("socket in use"). The server
//                       holds a lock on PATH.lock while it runs.
//   memif:client:PATH   net_memif client; start-up retries until a server listens on PATH,
//                       bounded by connect_timeout_ns.
//   ring:NAME           an in-process net_ring pair: the first port opened as ring:NAME and the
//                       second one opened with the same NAME are the two ends of one wire.
//   vdev:DRIVER,ARGS    any virtual device created at run time (for example
//                       vdev:net_tap0,iface=tb0).
//   dev:NAME            a device EAL already probed from its own arguments (-a 0000:3b:00.0,
//                       --vdev ...), by its ethdev name.
//   port:N              the same, by port id.
//
// Data path rules (DPDK's): rx_burst hands the caller ownership of the mbufs it returns;
// tx_burst takes ownership of the first n it returns, and the rest are still the caller's, to
// retry or free. Neither allocates, throws, or logs.
//
// Thread rules: one thread polls a port (its queue pair is single-producer, single-consumer).

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tb::core {

struct EthPortConfig {
    std::string spec;
    std::uint16_t rx_ring_size = 1024;
    std::uint16_t tx_ring_size = 1024;
    // Mbufs in the port's pool. 0 picks two ring sizes plus room for bursts in flight; raise it
    // when the application holds frames (delay lines, reassembly).
    std::uint32_t pool_size = 0;
    std::uint16_t mbuf_data_size = RTE_MBUF_DEFAULT_BUF_SIZE;
    std::int64_t connect_timeout_ns = 10'000'000'000;  // memif client: wait for the server
    bool promiscuous = true;                           // where the driver supports it
    // memif only: log2 of the ring size and the shared buffer size.
    unsigned memif_ring_log2 = 10;
    unsigned memif_buffer_size = 2048;
};

// Port counters: ours from the burst calls, the rest from the driver (rte_eth_stats).
struct PortStats {
    std::uint64_t rx_frames = 0;   // returned by rx_burst
    std::uint64_t tx_frames = 0;   // taken by tx_burst
    std::uint64_t tx_refused = 0;  // offered to tx_burst and handed back (ring full)
    std::uint64_t rx_bytes = 0;    // driver
    std::uint64_t tx_bytes = 0;    // driver
    std::uint64_t rx_missed = 0;   // driver: dropped because the RX ring was full
    std::uint64_t rx_errors = 0;   // driver
    std::uint64_t tx_errors = 0;   // driver
    std::uint64_t rx_no_mbuf = 0;  // driver: RX allocation failures

    template <class F>
    void visit(F&& f) const {
        f("rx_frames", rx_frames);
        f("tx_frames", tx_frames);
        f("tx_refused", tx_refused);
        f("rx_bytes", rx_bytes);
        f("tx_bytes", tx_bytes);
        f("rx_missed", rx_missed);
        f("rx_errors", rx_errors);
        f("tx_errors", tx_errors);
        f("rx_no_mbuf", rx_no_mbuf);
    }
};

class EthPort {
public:
    // Opens, configures and starts the port; throws StartupError (what failed and what to do).
    // Requires a running Eal.
    explicit EthPort(const EthPortConfig& config);
    ~EthPort();
    EthPort(const EthPort&) = delete;
    EthPort& operator=(const EthPort&) = delete;

    [[nodiscard]] std::uint16_t rx_burst(rte_mbuf** frames, std::uint16_t nb_frames) noexcept {
        const std::uint16_t nb_rx = rte_eth_rx_burst(port_id_, 0, frames, nb_frames);
        rx_frames_ += nb_rx;
        return nb_rx;
    }
    [[nodiscard]] std::uint16_t tx_burst(rte_mbuf** frames, std::uint16_t nb_frames) noexcept {
        const std::uint16_t nb_tx = rte_eth_tx_burst(port_id_, 0, frames, nb_frames);
        tx_frames_ += nb_tx;
        tx_refused_ += static_cast<std::uint16_t>(nb_frames - nb_tx);
        return nb_tx;
    }

    // Mbufs from this port's pool (nullptr / false when it is empty).
    [[nodiscard]] rte_mbuf* alloc() noexcept { return rte_pktmbuf_alloc(pool_); }
    [[nodiscard]] bool alloc_bulk(rte_mbuf** frames, unsigned count) noexcept {
        return rte_pktmbuf_alloc_bulk(pool_, frames, count) == 0;
    }
    [[nodiscard]] rte_mempool* pool() const noexcept { return pool_; }

    // Link state now, without waiting. Cheap enough for a control check every millisecond, not
    // for every loop pass.
    [[nodiscard]] bool link_up() const noexcept;
    // Polls the link until it is up or timeout_ns passed; true when up.
    [[nodiscard]] bool wait_link_up(std::int64_t timeout_ns) const noexcept;

    [[nodiscard]] PortStats stats() const noexcept;
    [[nodiscard]] std::uint16_t port_id() const noexcept { return port_id_; }
    [[nodiscard]] const std::string& spec() const noexcept { return spec_; }
    [[nodiscard]] const std::string& device_name() const noexcept { return device_name_; }
    [[nodiscard]] rte_ether_addr mac() const noexcept;

private:
    void claim_server_socket(const std::string& path);
    void open_memif(const EthPortConfig& config, bool server, std::string_view path);
    void open_ring(std::string_view name);
    void open_vdev(std::string_view args);
    void open_existing(std::string_view spec);
    void configure_and_start(const EthPortConfig& config, bool memif_client);
    void close() noexcept;

    std::string spec_;
    std::string device_name_;
    std::uint16_t port_id_ = RTE_MAX_ETHPORTS;
    rte_mempool* pool_ = nullptr;
    bool created_vdev_ = false;  // we created the device, so we remove it
    std::string ring_name_;      // ring:NAME ends this port holds a reference to
    int lock_fd_ = -1;           // memif server: lock on PATH.lock while the server lives
    std::string lock_path_;
    std::uint64_t rx_frames_ = 0;
    std::uint64_t tx_frames_ = 0;
    std::uint64_t tx_refused_ = 0;
};

}  // namespace tb::core
