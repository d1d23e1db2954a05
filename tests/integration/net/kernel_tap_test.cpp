// The stack against a peer nobody here wrote: the Linux kernel. A net_tap port is created inside
// a network namespace this test creates (and deletes, whatever happens); the kernel side of the
// tap gets 10.0.0.1/24 inside the namespace only, our stack is 10.0.0.2 on the DPDK side. The tap
// and the kernel sockets are made inside the namespace (setns on this thread, for the duration of
// the call), so no packet of this test can reach any other interface.
//
// Needs root (namespaces, tap devices); skips with a message without it.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/counters.hpp"
#include "core/eth_port.hpp"
#include "core/random.hpp"
#include "net/kernel_transport.hpp"
#include "net/stack.hpp"
#include "proto/icmp.hpp"
#include "proto/ipv4.hpp"
#include "tests/support/process.hpp"

namespace tb::net {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kKernelIp = 0x0A000001;  // 10.0.0.1, inside the namespace only
constexpr std::uint32_t kStackIp = 0x0A000002;   // 10.0.0.2, our stack on the DPDK side
constexpr proto::MacAddress kStackMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr std::int64_t kWaitNs = 60'000'000'000;

std::string ip_binary() {
    for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
        if (std::filesystem::exists(path)) {
            return path;
        }
    }
    return {};
}

// Runs `ip ARGS...`; its exit status and output.
struct Output {
    int status = -1;
    std::string text;
};
Output run_ip(const std::vector<std::string>& args) {
    test::TempDir dir;
    std::vector<std::string> argv = {ip_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    test::Process process(argv, dir.file("out"), dir.file("err"));
    const auto status = process.wait_for(20s);
    return {status.value_or(-1),
            test::read_file(dir.file("out")) + test::read_file(dir.file("err"))};
}

// The namespace, deleted on every way out of the test.
class Netns {
public:
    explicit Netns(std::string name) : name_(std::move(name)) {
        (void)run_ip({"netns", "delete", name_});  // left over by a killed run with this pid
        const Output out = run_ip({"netns", "add", name_});
        if (out.status != 0) {
            throw std::runtime_error("ip netns add " + name_ + " failed: " + out.text);
        }
        fd_ = ::open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            throw std::runtime_error("cannot open /var/run/netns/" + name_);
        }
    }
    ~Netns() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        (void)run_ip({"netns", "delete", name_});
    }
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] int fd() const { return fd_; }

private:
    std::string name_;
    int fd_ = -1;
};

// This thread is inside the namespace while the object lives.
class InNetns {
public:
    explicit InNetns(const Netns& ns) : home_(::open("/proc/thread-self/ns/net", O_RDONLY)) {
        if (home_ < 0 || setns(ns.fd(), CLONE_NEWNET) != 0) {
            throw std::runtime_error("cannot enter the test's network namespace");
        }
    }
    ~InNetns() {
        if (setns(home_, CLONE_NEWNET) != 0) {
            std::abort();  // never continue in the wrong namespace
        }
        ::close(home_);
    }
    InNetns(const InNetns&) = delete;
    InNetns& operator=(const InNetns&) = delete;

private:
    int home_;
};

std::uint8_t pattern(std::uint64_t key, std::uint64_t offset) {
    return static_cast<std::uint8_t>(core::mix64(key * 0x10000000000ULL + offset / 8) >>
                                     ((offset % 8) * 8));
}

// Sends `total` pattern bytes as a transport takes them, and checks what comes back.
struct Exchange {
    std::uint64_t send_key = 0;
    std::uint64_t receive_key = 0;
    std::uint64_t total = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t mismatches = 0;
    std::vector<StreamId> connected{};
    std::vector<CloseReason> closed{};
    int peer_closed = 0;
    std::vector<std::uint8_t> chunk = std::vector<std::uint8_t>(16384);

    void on_connected(StreamId id) noexcept { connected.push_back(id); }
    void on_data(StreamId, std::span<const std::uint8_t> data) noexcept {
        for (const std::uint8_t byte : data) {
            mismatches += byte != pattern(receive_key, received) ? 1 : 0;
            ++received;
        }
    }
    void on_peer_closed(StreamId) noexcept { ++peer_closed; }
    void on_closed(StreamId, CloseReason reason) noexcept { closed.push_back(reason); }

    template <class T>
    void pump(T& transport) {
        if (connected.empty()) {
            return;
        }
        while (sent < total) {
            const std::size_t n = std::min<std::uint64_t>(
                std::min(transport.send_space(connected[0]), chunk.size()), total - sent);
            if (n == 0) {
                return;
            }
            for (std::size_t i = 0; i < n; ++i) {
                chunk[i] = pattern(send_key, sent + i);
            }
            const std::size_t taken = transport.send(connected[0], std::span(chunk.data(), n));
            sent += taken;
            if (taken < n) {
                return;
            }
        }
    }
    [[nodiscard]] bool done() const { return sent == total && received == total; }
};

class KernelTap : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) {
            GTEST_SKIP() << "needs root: creates a network namespace and a tap device "
                            "(run as root, as CI does)";
        }
        if (ip_binary().empty() || !std::filesystem::exists("/dev/net/tun")) {
            GTEST_SKIP() << "needs iproute2 (ip) and /dev/net/tun";
        }
        const std::string id = std::to_string(getpid()) + "x" + std::to_string(++counter_);
        netns_ = std::make_unique<Netns>("tbnet" + id);
        tap_name_ = "tbt" + id;
        core::EthPortConfig port_config;
        port_config.spec = "vdev:net_tap_" + tap_name_ + ",iface=" + tap_name_;
        {
            // The tap driver creates the kernel end in the namespace of the thread that probes
            // it: the interface never exists outside the test's namespace.
            const InNetns in(*netns_);
            port_ = std::make_unique<core::EthPort>(port_config);
        }
        const Output listed = run_ip({"-n", netns_->name(), "link", "show", "dev", tap_name_});
        ASSERT_EQ(listed.status, 0) << "the tap is not in the test's namespace: " << listed.text;
        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"-n", netns_->name(), "addr", "add", "10.0.0.1/24", "dev",
                                       tap_name_},
              {"-n", netns_->name(), "link", "set", "dev", tap_name_, "up"},
              {"-n", netns_->name(), "link", "set", "dev", "lo", "up"}}) {
            const Output out = run_ip(args);
            ASSERT_EQ(out.status, 0) << "ip failed: " << out.text;
        }
        StackConfig config;
        config.mac = kStackMac;
        config.ip = kStackIp;
        config.tcp.max_connections = 16;
        config.tcp.send_buffer_bytes = 256 * 1024;
        config.tcp.receive_buffer_bytes = 256 * 1024;
        stack_ = std::make_unique<Stack>(config, *port_, clock_.now_ns());
        KernelTransportConfig kernel_config;
        kernel_config.bind_ip = kKernelIp;
        kernel_config.multicast_interface_ip = kKernelIp;
        kernel_config.max_streams = 8;
        kernel_config.send_buffer_bytes = 256 * 1024;
        kernel_ = std::make_unique<KernelTransport>(kernel_config);
    }

    void TearDown() override {
        kernel_.reset();
        stack_.reset();
        port_.reset();  // closes the tap: the kernel removes its end
        netns_.reset();
    }

    void poll_once() {
        const std::int64_t now = clock_.now_ns();
        (void)stack_->poll(now);
        (void)kernel_->poll(now);
    }
    template <class F>
    bool poll_until(F&& done, std::int64_t timeout_ns = kWaitNs) {
        const std::int64_t deadline = clock_.now_ns() + timeout_ns;
        while (clock_.now_ns() < deadline) {
            poll_once();
            if (done()) {
                return true;
            }
        }
        return false;
    }
    std::string kernel_mac_text() {
        const Output out = run_ip({"-n", netns_->name(), "-o", "link", "show", "dev", tap_name_});
        const std::size_t at = out.text.find("link/ether ");
        return at == std::string::npos ? std::string{} : out.text.substr(at + 11, 17);
    }

    static inline unsigned counter_ = 0;
    core::TscClock clock_;
    std::unique_ptr<Netns> netns_;
    std::string tap_name_;
    std::unique_ptr<core::EthPort> port_;
    std::unique_ptr<Stack> stack_;
    std::unique_ptr<KernelTransport> kernel_;
};

TEST_F(KernelTap, KernelPingIsAnsweredAndArpResolvesBothWays) {
    int raw = -1;
    {
        InNetns in(*netns_);
        raw = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    }
    ASSERT_GE(raw, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(kStackIp);
    constexpr int kPings = 5;
    int replies = 0;
    for (int sequence = 1; sequence <= kPings; ++sequence) {
        std::array<std::uint8_t, 64> payload{};
        for (std::size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<std::uint8_t>(i * sequence);
        }
        proto::IcmpEcho echo;
        echo.identifier = 0x7B7B;
        echo.sequence = static_cast<std::uint16_t>(sequence);
        echo.data = payload;
        std::array<std::uint8_t, 128> request{};
        const std::size_t size = proto::write_icmp_echo(echo, request);
        ASSERT_EQ(
            ::sendto(raw, request.data(), size, 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(size));
        const bool answered = poll_until(
            [&] {
                std::array<std::uint8_t, 2048> in{};
                const ssize_t n = ::recv(raw, in.data(), in.size(), 0);
                if (n <= 0) {
                    return false;
                }
                proto::Ipv4Parse ip;
                if (proto::parse_ipv4(std::span(in.data(), static_cast<std::size_t>(n)), ip) !=
                        proto::Status::kOk ||
                    ip.header.source != kStackIp) {
                    return false;
                }
                proto::IcmpEcho reply;
                bool checksum_ok = false;
                if (proto::parse_icmp_echo(ip.payload, reply, checksum_ok) != proto::Status::kOk ||
                    reply.type != proto::kIcmpEchoReply) {
                    return false;
                }
                EXPECT_TRUE(checksum_ok);
                EXPECT_EQ(reply.identifier, 0x7B7B);
                EXPECT_TRUE(std::equal(reply.data.begin(), reply.data.end(), payload.begin(),
                                       payload.end()));
                return reply.sequence == sequence;
            },
            10'000'000'000);
        replies += answered ? 1 : 0;
    }
    ::close(raw);
    EXPECT_EQ(replies, kPings);
    EXPECT_EQ(stack_->counters().icmp_echo_replies, static_cast<std::uint64_t>(kPings));
    // The kernel resolved us (its neighbour table has our MAC) and we learnt the kernel's MAC.
    const Output neigh = run_ip({"-n", netns_->name(), "neigh", "show", "10.0.0.2"});
    EXPECT_NE(neigh.text.find("lladdr 02:00:00:00:00:02"), std::string::npos) << neigh.text;
    const proto::MacAddress* learnt = stack_->arp_lookup(kKernelIp);
    ASSERT_NE(learnt, nullptr);
    EXPECT_EQ(proto::format_mac(*learnt), kernel_mac_text());
    EXPECT_GE(stack_->counters().arp_replies_sent, 1U);
}

TEST_F(KernelTap, KernelClientExchangesTenMegabytesWithOurServer) {
    constexpr std::uint64_t kBytes = 10'000'000;
    Exchange ours{11, 22, kBytes};
    Exchange theirs{22, 11, kBytes};
    ASSERT_TRUE(stack_->listen(15000, StreamEvents::bind(ours)));
    {
        InNetns in(*netns_);
        ASSERT_TRUE(
            kernel_->connect(Endpoint{kStackIp, 15000}, StreamEvents::bind(theirs)).valid());
    }
    ASSERT_TRUE(poll_until([&] {
        ours.pump(*stack_);
        theirs.pump(*kernel_);
        return ours.done() && theirs.done();
    })) << "ours sent "
        << ours.sent << " received " << ours.received << "; kernel sent " << theirs.sent
        << " received " << theirs.received << "\n"
        << core::format_counters(stack_->counters());
    EXPECT_EQ(ours.mismatches, 0U);
    EXPECT_EQ(theirs.mismatches, 0U);
    // The kernel closes first; we answer with our FIN.
    kernel_->close(theirs.connected[0]);
    ASSERT_TRUE(poll_until([&] { return ours.peer_closed == 1; }));
    stack_->close(ours.connected[0]);
    ASSERT_TRUE(poll_until([&] { return !ours.closed.empty() && !theirs.closed.empty(); }));
    EXPECT_EQ(ours.closed[0], CloseReason::kNormal);
    EXPECT_EQ(theirs.closed[0], CloseReason::kNormal);
}

TEST_F(KernelTap, OurClientExchangesTenMegabytesWithAKernelServer) {
    constexpr std::uint64_t kBytes = 10'000'000;
    Exchange ours{33, 44, kBytes};
    Exchange theirs{44, 33, kBytes};
    {
        InNetns in(*netns_);
        ASSERT_TRUE(kernel_->listen(15001, StreamEvents::bind(theirs)));
    }
    const StreamId id = stack_->connect(Endpoint{kKernelIp, 15001}, StreamEvents::bind(ours));
    ASSERT_TRUE(id.valid());
    ASSERT_TRUE(poll_until([&] {
        ours.pump(*stack_);
        theirs.pump(*kernel_);
        return ours.done() && theirs.done();
    })) << "ours sent "
        << ours.sent << " received " << ours.received << "; kernel sent " << theirs.sent
        << " received " << theirs.received << "\n"
        << core::format_counters(stack_->counters());
    EXPECT_EQ(ours.mismatches, 0U);
    EXPECT_EQ(theirs.mismatches, 0U);
    // We close first this time.
    stack_->close(id);
    ASSERT_TRUE(poll_until([&] { return theirs.peer_closed == 1; }));
    kernel_->close(theirs.connected[0]);
    ASSERT_TRUE(poll_until([&] { return !ours.closed.empty() && !theirs.closed.empty(); }));
    EXPECT_EQ(ours.closed[0], CloseReason::kNormal);
    EXPECT_EQ(theirs.closed[0], CloseReason::kNormal);
    TcpInfo info;
    EXPECT_FALSE(stack_->tcp_info(id, info) && info.state != TcpState::kTimeWait);
}

TEST_F(KernelTap, KernelConnectToAClosedPortIsRefusedByOurReset) {
    Exchange theirs;
    {
        InNetns in(*netns_);
        ASSERT_TRUE(
            kernel_->connect(Endpoint{kStackIp, 15999}, StreamEvents::bind(theirs)).valid());
    }
    ASSERT_TRUE(poll_until([&] { return !theirs.closed.empty(); }));
    EXPECT_EQ(theirs.closed[0], CloseReason::kRefused);
    EXPECT_EQ(stack_->counters().tcp_resets_sent, 1U);
}

TEST_F(KernelTap, UdpUnicastAndMulticastWorkBothWays) {
    struct Inbox {
        std::vector<std::vector<std::uint8_t>> payloads;
        std::vector<Endpoint> sources;
        std::vector<std::uint32_t> destinations;
        void on_datagram(DatagramId, const Datagram& d) noexcept {
            payloads.emplace_back(d.payload.begin(), d.payload.end());
            sources.push_back(d.source);
            destinations.push_back(d.destination_ip);
        }
    } at_stack, at_kernel;
    constexpr std::uint32_t kGroupA = 0xE9360C6F;  // 233.54.12.111
    constexpr std::uint32_t kGroupB = 0xE9360C70;  // 233.54.12.112
    const DatagramId ours = stack_->open_datagram(26477, DatagramEvents::bind(at_stack));
    ASSERT_TRUE(ours.valid());
    ASSERT_TRUE(stack_->join(ours, kGroupB));
    DatagramId theirs;
    {
        InNetns in(*netns_);
        theirs = kernel_->open_datagram(26477, DatagramEvents::bind(at_kernel));
        ASSERT_TRUE(theirs.valid());
        ASSERT_TRUE(kernel_->join(theirs, kGroupA));
    }
    const std::vector<std::uint8_t> to_group = {'m', 'd', 1};
    const std::vector<std::uint8_t> to_host = {'u', 'n', 2};
    const auto received = [](const Inbox& inbox, const std::vector<std::uint8_t>& payload) {
        return std::find(inbox.payloads.begin(), inbox.payloads.end(), payload) !=
               inbox.payloads.end();
    };
    // Our multicast and unicast reach the kernel socket. UDP has no retransmission: both are sent
    // again every 200 ms until both arrived (the first unicast may wait for ARP), so the order
    // and the count of arrivals are not fixed.
    std::int64_t next_send = 0;
    ASSERT_TRUE(poll_until([&] {
        if (clock_.now_ns() >= next_send) {
            (void)stack_->send_to(ours, Endpoint{kGroupA, 26477}, to_group);
            (void)stack_->send_to(ours, Endpoint{kKernelIp, 26477}, to_host);
            next_send = clock_.now_ns() + 200'000'000;
        }
        return received(at_kernel, to_group) && received(at_kernel, to_host);
    }));
    for (std::size_t i = 0; i < at_kernel.payloads.size(); ++i) {
        EXPECT_EQ(at_kernel.sources[i], (Endpoint{kStackIp, 26477}));
        // The kernel transport reports each datagram's destination (IP_PKTINFO).
        if (at_kernel.payloads[i] == to_host) {
            EXPECT_EQ(at_kernel.destinations[i], kKernelIp);
        } else {
            EXPECT_EQ(at_kernel.payloads[i], to_group);
            EXPECT_EQ(at_kernel.destinations[i], kGroupA);
        }
    }
    // The kernel's unicast and multicast reach our socket, each with its destination.
    next_send = 0;
    ASSERT_TRUE(poll_until(
        [&] {
            if (clock_.now_ns() >= next_send) {
                EXPECT_TRUE(kernel_->send_to(theirs, Endpoint{kStackIp, 26477}, to_host));
                EXPECT_TRUE(kernel_->send_to(theirs, Endpoint{kGroupB, 26477}, to_group));
                next_send = clock_.now_ns() + 200'000'000;
            }
            return received(at_stack, to_group) && received(at_stack, to_host);
        },
        10'000'000'000));
    for (std::size_t i = 0; i < at_stack.payloads.size(); ++i) {
        EXPECT_EQ(at_stack.sources[i], (Endpoint{kKernelIp, 26477}));
        if (at_stack.payloads[i] == to_host) {
            EXPECT_EQ(at_stack.destinations[i], kStackIp);
        } else {
            EXPECT_EQ(at_stack.payloads[i], to_group);
            EXPECT_EQ(at_stack.destinations[i], kGroupB);
        }
    }
    // After leaving, the group is filtered again: a datagram to it, sent just before a unicast
    // one, is not delivered (the tap keeps the kernel's order).
    ASSERT_TRUE(stack_->leave(ours, kGroupB));
    EXPECT_EQ(stack_->counters().igmp_leaves_sent, 1U);
    const std::size_t before = at_stack.payloads.size();
    const std::vector<std::uint8_t> marker = {'e', 'n', 'd'};
    ASSERT_TRUE(kernel_->send_to(theirs, Endpoint{kGroupB, 26477}, to_group));
    ASSERT_TRUE(kernel_->send_to(theirs, Endpoint{kStackIp, 26477}, marker));
    ASSERT_TRUE(poll_until([&] { return received(at_stack, marker); }, 10'000'000'000));
    for (std::size_t i = before; i < at_stack.payloads.size(); ++i) {
        EXPECT_NE(at_stack.payloads[i], to_group) << "a datagram to a group we left arrived";
    }
    EXPECT_GE(stack_->counters().igmp_reports_sent, 1U);
}

}  // namespace
}  // namespace tb::net
