#include "core/eth_port.hpp"

#include <fcntl.h>
#include <rte_bus_vdev.h>
#include <rte_eth_ring.h>
#include <rte_log.h>
#include <rte_ring.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace tb::core {
namespace {

constexpr std::int64_t kPollIntervalNs = 1'000'000;
constexpr unsigned kPoolCache = 256;
// Bursts the application may hold between rx and tx, on top of the two rings.
constexpr std::uint32_t kPoolHeadroom = 1024;

std::atomic<unsigned> g_next_id{0};

void sleep_ns(std::int64_t ns) noexcept {
    const timespec pause{static_cast<time_t>(ns / 1'000'000'000),
                         static_cast<long>(ns % 1'000'000'000)};
    nanosleep(&pause, nullptr);
}

std::string errno_text(int error) {
    return std::strerror(error);
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::uint32_t round_up_pow2(std::uint32_t n) {
    std::uint32_t p = 1;
    while (p < n) {
        p <<= 1;
    }
    return p;
}

// Both directions of one ring:NAME wire, shared by its two ends.
struct RingWire {
    rte_ring* a_to_b = nullptr;
    rte_ring* b_to_a = nullptr;
    int ends_opened = 0;
    int ends_open = 0;
};

std::mutex g_ring_mutex;
std::map<std::string, RingWire, std::less<>>& ring_wires() {
    static std::map<std::string, RingWire, std::less<>> wires;
    return wires;
}

void drain_and_free(rte_ring* ring) {
    void* object = nullptr;
    while (rte_ring_dequeue(ring, &object) == 0) {
        rte_pktmbuf_free(static_cast<rte_mbuf*>(object));
    }
    rte_ring_free(ring);
}

// Whether some process in this network namespace listens on the Unix socket `path`, read from
// /proc/net/unix. Connecting to find out is not an option: a memif server that sees a connection
// vanish at once can take its whole process down (DPDK 22.11's interrupt thread panics on the
// closed descriptor).
bool someone_listens_on(const std::string& path) {
    constexpr unsigned long kAcceptConnections = 0x10000;  // __SO_ACCEPTCON: a listening socket
    std::error_code ec;
    const std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
    std::ifstream table("/proc/net/unix");
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, refcount, protocol, flags, type, state, inode, bound;
        fields >> slot >> refcount >> protocol >> flags >> type >> state >> inode >> bound;
        if (bound.empty() || (bound != path && bound != absolute)) {
            continue;
        }
        if ((std::stoul(flags, nullptr, 16) & kAcceptConnections) != 0) {
            return true;
        }
    }
    return false;
}

// Silences a driver's log type while we retry something it reports as an error every time.
class QuietLog {
public:
    explicit QuietLog(const char* log_type) : type_(rte_log_register(log_type)) {
        if (type_ >= 0) {
            level_ = rte_log_get_level(type_);
            rte_log_set_level(static_cast<std::uint32_t>(type_), RTE_LOG_EMERG);
        }
    }
    ~QuietLog() {
        if (type_ >= 0 && level_ >= 0) {
            rte_log_set_level(static_cast<std::uint32_t>(type_),
                              static_cast<std::uint32_t>(level_));
        }
    }
    QuietLog(const QuietLog&) = delete;
    QuietLog& operator=(const QuietLog&) = delete;

private:
    int type_;
    int level_ = -1;
};

}  // namespace

EthPort::EthPort(const EthPortConfig& config) : spec_(config.spec) {
    const std::string_view spec = spec_;
    bool memif_client = false;
    try {
        if (starts_with(spec, "memif:server:")) {
            open_memif(config, true, spec.substr(13));
        } else if (starts_with(spec, "memif:client:")) {
            memif_client = true;
            open_memif(config, false, spec.substr(13));
        } else if (starts_with(spec, "ring:")) {
            open_ring(spec.substr(5));
        } else if (starts_with(spec, "vdev:")) {
            open_vdev(spec.substr(5));
        } else if (starts_with(spec, "dev:") || starts_with(spec, "port:")) {
            open_existing(spec);
        } else {
            throw ConfigError("port spec '" + spec_ +
                              "' is not one of memif:server:PATH, memif:client:PATH, ring:NAME, "
                              "vdev:DRIVER[,ARGS], dev:NAME, port:N");
        }
        configure_and_start(config, memif_client);
    } catch (...) {
        close();
        throw;
    }
}

EthPort::~EthPort() {
    close();
}

void EthPort::claim_server_socket(const std::string& path) {
    // A lock next to the socket, held while this server lives, tells servers in other network
    // namespaces (containers sharing the run directory) that the socket is taken; the kernel
    // drops it when the process dies, however it dies.
    const std::string lock_path = path + ".lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) {
        throw StartupError("cannot create " + lock_path + ": " + errno_text(errno) +
                           "; choose a run directory you can write to");
    }
    if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0 || someone_listens_on(path)) {
        throw StartupError("memif socket " + path +
                           " is in use by a running server; stop it or choose another socket path");
    }
    lock_path_ = lock_path;
    struct stat st {};
    if (stat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            throw StartupError(path +
                               " exists and is not a socket; remove it or choose another "
                               "memif socket path");
        }
        ::unlink(path.c_str());  // left by a server that died
    }
}

void EthPort::open_memif(const EthPortConfig& config, bool server, std::string_view path_view) {
    const std::string path(path_view);
    if (path.empty() || path.find(',') != std::string::npos ||
        path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        throw ConfigError("memif socket path '" + path +
                          "' must be non-empty, shorter than 108 bytes and contain no comma");
    }
    if (server) {
        std::error_code ec;
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) {
            std::filesystem::create_directories(parent, ec);
            if (ec) {
                throw StartupError("cannot create the folder of memif socket " + path + ": " +
                                   ec.message() + "; choose a run directory you can write to");
            }
        }
        claim_server_socket(path);
    }
    device_name_ = "net_memif_tb" + std::to_string(g_next_id++);
    const std::string args = std::string("role=") + (server ? "server" : "client") +
                             ",socket=" + path + ",socket-abstract=no,id=0,zero-copy=no" +
                             ",rsize=" + std::to_string(config.memif_ring_log2) +
                             ",bsize=" + std::to_string(config.memif_buffer_size);
    if (rte_vdev_init(device_name_.c_str(), args.c_str()) != 0) {
        throw StartupError("cannot create memif device on " + path + " (" + args +
                           "); check the socket path and that the memif driver is installed");
    }
    created_vdev_ = true;
    if (rte_eth_dev_get_port_by_name(device_name_.c_str(), &port_id_) != 0) {
        throw StartupError("memif device " + device_name_ + " has no ethdev port");
    }
}

void EthPort::open_ring(std::string_view name) {
    if (name.empty()) {
        throw ConfigError("port spec 'ring:' needs a wire name, for example ring:wire0");
    }
    const unsigned id = g_next_id++;
    std::lock_guard lock(g_ring_mutex);
    auto& wires = ring_wires();
    auto it = wires.find(name);
    if (it == wires.end()) {
        RingWire wire;
        const std::string stem = "tbr" + std::to_string(id);
        constexpr unsigned kRingSize = 4096;
        wire.a_to_b = rte_ring_create((stem + "ab").c_str(), kRingSize, SOCKET_ID_ANY,
                                      RING_F_SP_ENQ | RING_F_SC_DEQ);
        wire.b_to_a = rte_ring_create((stem + "ba").c_str(), kRingSize, SOCKET_ID_ANY,
                                      RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (wire.a_to_b == nullptr || wire.b_to_a == nullptr) {
            if (wire.a_to_b != nullptr) {
                rte_ring_free(wire.a_to_b);
            }
            if (wire.b_to_a != nullptr) {
                rte_ring_free(wire.b_to_a);
            }
            throw StartupError("cannot create the rings of ring:" + std::string(name) + " (" +
                               errno_text(rte_errno) + "); give EAL more memory with -m");
        }
        it = wires.emplace(std::string(name), wire).first;
    }
    RingWire& wire = it->second;
    if (wire.ends_opened == 2) {
        throw ConfigError("ring:" + std::string(name) +
                          " already has two ends open; a ring wire connects exactly two ports");
    }
    const bool first = wire.ends_opened == 0;
    rte_ring* rx = first ? wire.b_to_a : wire.a_to_b;
    rte_ring* tx = first ? wire.a_to_b : wire.b_to_a;
    ++wire.ends_opened;
    ++wire.ends_open;
    ring_name_ = std::string(name);

    const std::string short_name = "tb" + std::to_string(id);
    const int port = rte_eth_from_rings(short_name.c_str(), &rx, 1, &tx, 1, SOCKET_ID_ANY);
    if (port < 0) {
        throw StartupError("cannot create the ring port for ring:" + std::string(name) + " (" +
                           errno_text(rte_errno) + ")");
    }
    port_id_ = static_cast<std::uint16_t>(port);
    device_name_ = "net_ring_" + short_name;
    created_vdev_ = true;
}

void EthPort::open_vdev(std::string_view args_view) {
    const std::string args(args_view);
    const std::size_t comma = args.find(',');
    device_name_ = args.substr(0, comma);
    const std::string driver_args = comma == std::string::npos ? "" : args.substr(comma + 1);
    if (device_name_.empty()) {
        throw ConfigError("port spec 'vdev:' needs a device, for example vdev:net_tap0,iface=tb0");
    }
    if (rte_vdev_init(device_name_.c_str(), driver_args.c_str()) != 0) {
        throw StartupError("cannot create virtual device '" + device_name_ + "' with '" +
                           driver_args + "'; check the driver name and its arguments");
    }
    created_vdev_ = true;
    if (rte_eth_dev_get_port_by_name(device_name_.c_str(), &port_id_) != 0) {
        throw StartupError("virtual device " + device_name_ + " is not an ethdev port");
    }
}

void EthPort::open_existing(std::string_view spec) {
    if (starts_with(spec, "port:")) {
        const std::string_view digits = spec.substr(5);
        unsigned id = 0;
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
        if (error != std::errc{} || end != digits.data() + digits.size() ||
            id >= RTE_MAX_ETHPORTS) {
            throw ConfigError("port spec '" + std::string(spec) + "' needs a port number");
        }
        if (!rte_eth_dev_is_valid_port(static_cast<std::uint16_t>(id))) {
            throw StartupError("no DPDK port " + std::to_string(id) + " (" +
                               std::to_string(rte_eth_dev_count_avail()) +
                               " available); give EAL the device with -a or --vdev");
        }
        port_id_ = static_cast<std::uint16_t>(id);
    } else {
        device_name_ = std::string(spec.substr(4));
        if (rte_eth_dev_get_port_by_name(device_name_.c_str(), &port_id_) != 0) {
            throw StartupError("no DPDK port named '" + device_name_ +
                               "'; give EAL the device with -a or --vdev");
        }
    }
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    if (rte_eth_dev_get_name_by_port(port_id_, name) == 0) {
        device_name_ = name;
    }
}

void EthPort::configure_and_start(const EthPortConfig& config, bool memif_client) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(port_id_, &info) != 0) {
        throw StartupError("cannot read device info of port " + device_name_);
    }
    std::uint16_t rx_size = config.rx_ring_size;
    std::uint16_t tx_size = config.tx_ring_size;
    if (rte_eth_dev_adjust_nb_rx_tx_desc(port_id_, &rx_size, &tx_size) != 0) {
        throw StartupError("port " + device_name_ + " rejects ring sizes " +
                           std::to_string(config.rx_ring_size) + "/" +
                           std::to_string(config.tx_ring_size));
    }

    std::uint32_t pool_size = config.pool_size;
    if (pool_size == 0) {
        pool_size = round_up_pow2(std::uint32_t{rx_size} + tx_size + kPoolHeadroom) - 1;
    }
    const std::string pool_name = "tbp" + std::to_string(g_next_id++);
    int socket = rte_eth_dev_socket_id(port_id_);
    if (socket < 0) {
        socket = SOCKET_ID_ANY;
    }
    pool_ = rte_pktmbuf_pool_create(pool_name.c_str(), pool_size, kPoolCache, 0,
                                    config.mbuf_data_size, socket);
    if (pool_ == nullptr) {
        throw StartupError("cannot create a pool of " + std::to_string(pool_size) +
                           " mbufs for port " + device_name_ + " (" + errno_text(rte_errno) +
                           "); give EAL more memory with -m or lower pool_size");
    }

    rte_eth_conf conf{};
    int rc = rte_eth_dev_configure(port_id_, 1, 1, &conf);
    if (rc != 0) {
        throw StartupError("cannot configure port " + device_name_ + " (" + errno_text(-rc) + ")");
    }
    rc =
        rte_eth_rx_queue_setup(port_id_, 0, rx_size, static_cast<unsigned>(socket), nullptr, pool_);
    if (rc != 0) {
        throw StartupError("cannot set up the RX queue of port " + device_name_ + " (" +
                           errno_text(-rc) + ")");
    }
    rc = rte_eth_tx_queue_setup(port_id_, 0, tx_size, static_cast<unsigned>(socket), nullptr);
    if (rc != 0) {
        throw StartupError("cannot set up the TX queue of port " + device_name_ + " (" +
                           errno_text(-rc) + ")");
    }

    if (!memif_client) {
        rc = rte_eth_dev_start(port_id_);
        if (rc != 0) {
            throw StartupError("cannot start port " + device_name_ + " (" + errno_text(-rc) + ")");
        }
    } else {
        // The memif client connects when it starts and fails while no server listens yet, so
        // start is retried until the server is up or the timeout passes. A server listens from
        // the moment its device exists, before its queues are configured; a client that
        // connects in that window is turned away during the handshake and the link never comes
        // up. So a link that stays down for a while is stopped and started again (a new
        // connection), with a growing wait, until the same deadline.
        const TscClock clock;
        const std::int64_t deadline = clock.now_ns() + config.connect_timeout_ns;
        const QuietLog quiet("pmd.net.memif");
        std::int64_t link_wait_ns = 200'000'000;
        bool connected_once = false;
        for (;;) {
            rc = rte_eth_dev_start(port_id_);
            if (rc == 0) {
                connected_once = true;
                const std::int64_t left = std::max<std::int64_t>(deadline - clock.now_ns(), 0);
                if (wait_link_up(std::min(link_wait_ns, left))) {
                    break;
                }
                link_wait_ns = std::min<std::int64_t>(link_wait_ns * 2, 2'000'000'000);
                (void)rte_eth_dev_stop(port_id_);
            }
            if (clock.now_ns() >= deadline) {
                if (connected_once) {
                    throw StartupError("memif server on " + spec_.substr(13) +
                                       " accepted the connection but the link did not come up "
                                       "within " +
                                       std::to_string(config.connect_timeout_ns / 1'000'000) +
                                       " ms; check that the server is a running memif server "
                                       "with id 0 and no zero-copy");
                }
                throw StartupError("no memif server on " + spec_.substr(13) + " after " +
                                   std::to_string(config.connect_timeout_ns / 1'000'000) +
                                   " ms; start the server side first or check the socket path");
            }
            if (rc != 0) {
                sleep_ns(10 * kPollIntervalNs);
            }
        }
    }
    if (config.promiscuous) {
        // Virtual drivers without the notion answer -ENOTSUP, which is fine.
        (void)rte_eth_promiscuous_enable(port_id_);
    }
}

void EthPort::close() noexcept {
    if (port_id_ < RTE_MAX_ETHPORTS) {
        (void)rte_eth_dev_stop(port_id_);
        (void)rte_eth_dev_close(port_id_);
        if (created_vdev_) {
            (void)rte_vdev_uninit(device_name_.c_str());
        }
        port_id_ = RTE_MAX_ETHPORTS;
    }
    if (pool_ != nullptr) {
        rte_mempool_free(pool_);
        pool_ = nullptr;
    }
    if (lock_fd_ >= 0) {
        if (!lock_path_.empty()) {
            ::unlink(lock_path_.c_str());
            lock_path_.clear();
        }
        ::close(lock_fd_);
        lock_fd_ = -1;
    }
    if (!ring_name_.empty()) {
        std::lock_guard lock(g_ring_mutex);
        auto& wires = ring_wires();
        const auto it = wires.find(ring_name_);
        if (it != wires.end() && --it->second.ends_open == 0) {
            drain_and_free(it->second.a_to_b);
            drain_and_free(it->second.b_to_a);
            wires.erase(it);
        }
        ring_name_.clear();
    }
}

bool EthPort::link_up() const noexcept {
    rte_eth_link link{};
    return rte_eth_link_get_nowait(port_id_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

bool EthPort::wait_link_up(std::int64_t timeout_ns) const noexcept {
    const TscClock clock;
    const std::int64_t deadline = clock.now_ns() + timeout_ns;
    for (;;) {
        if (link_up()) {
            return true;
        }
        if (clock.now_ns() >= deadline) {
            return false;
        }
        sleep_ns(kPollIntervalNs);
    }
}

PortStats EthPort::stats() const noexcept {
    PortStats s;
    s.rx_frames = rx_frames_;
    s.tx_frames = tx_frames_;
    s.tx_refused = tx_refused_;
    rte_eth_stats driver{};
    if (rte_eth_stats_get(port_id_, &driver) == 0) {
        s.rx_bytes = driver.ibytes;
        s.tx_bytes = driver.obytes;
        s.rx_missed = driver.imissed;
        s.rx_errors = driver.ierrors;
        s.tx_errors = driver.oerrors;
        s.rx_no_mbuf = driver.rx_nombuf;
    }
    return s;
}

rte_ether_addr EthPort::mac() const noexcept {
    rte_ether_addr address{};
    (void)rte_eth_macaddr_get(port_id_, &address);
    return address;
}

}  // namespace tb::core
