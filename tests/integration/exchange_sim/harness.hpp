#pragma once

// In-process harness for the exchange core at the payload level (phase 1, no network stack):
//  - LoopbackTransport: the ExchangeTransport the tests plug in. It keeps what the exchange
//    sends: each connection's byte stream, every feed A and B packet, every unicast packet and
//    the link settings applied; it can be told to take only part of a connection's bytes
//    (TCP backpressure).
//  - Harness: a VirtualClock and an Exchange; run_for() polls and, when a pass does nothing,
//    advances the clock to the exchange's next event (sim mode).
//  - TestClient: a scripted SoupBinTCP/OUCH client over one connection: login, OUCH orders,
//    raw bytes, and a decoder of everything the exchange sent it.
//  - FeedLog: decodes every MoldUDP64 packet of a feed into ITCH messages with their sequence
//    numbers.

#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "exchange_sim/exchange.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace tb::exchange::testing {

namespace soup = tb::proto::soup;
namespace mold = tb::proto::mold;
namespace itchw = tb::proto::itch;
namespace ouchw = tb::proto::ouch;

struct SentPacket {
    std::vector<std::uint8_t> bytes;
    FeedPacketInfo info;
};

class LoopbackTransport {
public:
    struct Stream {
        std::vector<std::uint8_t> bytes;
        bool closed = false;
    };

    std::size_t tcp_send(ConnectionId id, std::span<const std::uint8_t> bytes) noexcept {
        Stream& s = streams_[id];
        const std::size_t take = std::min(bytes.size(), accept_limit_);
        s.bytes.insert(s.bytes.end(), bytes.begin(), bytes.begin() + static_cast<long>(take));
        return take;
    }
    void tcp_close(ConnectionId id) noexcept { streams_[id].closed = true; }
    void feed_send(FeedLine line, std::span<const std::uint8_t> bytes,
                   const FeedPacketInfo& info) noexcept {
        (line == FeedLine::kA ? feed_a : feed_b)
            .push_back(SentPacket{std::vector<std::uint8_t>(bytes.begin(), bytes.end()), info});
    }
    void unicast_send(const UdpEndpoint& to, std::span<const std::uint8_t> bytes) noexcept {
        unicast.push_back({to, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
    }
    void apply_link(const LinkSetting& link) noexcept { links.push_back(link); }

    // A new connection id starts a new stream (ids are reused by the gateway).
    void reset_stream(ConnectionId id) { streams_[id] = Stream{}; }
    [[nodiscard]] Stream& stream(ConnectionId id) { return streams_[id]; }
    void set_accept_limit(std::size_t bytes) { accept_limit_ = bytes; }

    std::vector<SentPacket> feed_a;
    std::vector<SentPacket> feed_b;
    std::vector<std::pair<UdpEndpoint, std::vector<std::uint8_t>>> unicast;
    std::vector<LinkSetting> links;

private:
    std::map<ConnectionId, Stream> streams_;
    std::size_t accept_limit_ = std::numeric_limits<std::size_t>::max();
};

static_assert(ExchangeTransport<LoopbackTransport>);

class Harness {
public:
    static constexpr std::int64_t kStartNs = 1'000'000'000'000;  // an arbitrary clock origin

    explicit Harness(const Scenario& scenario)
        : clock(kStartNs),
          exchange(std::make_unique<Exchange<LoopbackTransport>>(scenario, transport)) {
        exchange->start(clock.now_ns());
        (void)exchange->poll(clock.now_ns());
    }

    // Polls until `duration_ns` has passed on the virtual clock, jumping to the next event
    // whenever a pass did nothing. Bounded: at most `max_passes` passes.
    void run_for(std::int64_t duration_ns, std::size_t max_passes = 10'000'000) {
        const std::int64_t end = clock.now_ns() + duration_ns;
        for (std::size_t pass = 0; pass < max_passes; ++pass) {
            if (exchange->poll(clock.now_ns()) > 0) {
                continue;
            }
            const std::int64_t next = exchange->next_event_ns();
            if (next > end) {
                clock.set(std::max(end, clock.now_ns()));
                (void)exchange->poll(clock.now_ns());
                return;
            }
            if (next > clock.now_ns()) {
                clock.set(next);
            } else {
                clock.advance(1);  // due now, yet nothing was done: move on
            }
        }
        ADD_FAILURE() << "run_for did not reach its end within " << max_passes << " passes";
    }
    void poll() { (void)exchange->poll(clock.now_ns()); }
    [[nodiscard]] std::int64_t now() const { return clock.now_ns(); }

    core::VirtualClock clock;
    LoopbackTransport transport;
    std::unique_ptr<Exchange<LoopbackTransport>> exchange;
};

// What a client received, decoded.
struct ClientView {
    std::vector<soup::LoginAccepted> accepted;
    std::vector<soup::RejectReason> rejected;
    std::vector<std::vector<std::uint8_t>> sequenced;  // OUCH outbound messages, in order
    std::vector<std::string> debug;
    std::size_t heartbeats = 0;
    std::size_t end_of_session = 0;
    std::size_t unparsed = 0;
};

class TestClient {
public:
    explicit TestClient(Harness& h) : h_(h) {}

    // Opens a TCP connection; false if the exchange refused it.
    bool connect() {
        id_ = h_.exchange->tcp_accepted(h_.now());
        if (id_ == kNoConnection) {
            return false;
        }
        h_.transport.reset_stream(id_);
        read_ = 0;
        view_ = ClientView{};
        framer_.reset();
        return true;
    }

    void send(std::span<const std::uint8_t> bytes) {
        h_.exchange->tcp_received(id_, bytes, h_.now());
        h_.poll();
    }

    void login(const std::string& user, const std::string& password, std::uint64_t sequence = 1,
               const std::string& session = "") {
        soup::LoginRequest request;
        request.username = proto::Alpha<6>::left(user);
        request.password = proto::Alpha<10>::left(password);
        request.requested_session = proto::Alpha<10>::left(session);
        request.requested_sequence_number = sequence;
        std::uint8_t bytes[64];
        const std::size_t n = soup::write_login_request(request, bytes);
        send(std::span<const std::uint8_t>(bytes, n));
    }

    template <class M>
    void send_ouch(const M& message) {
        std::uint8_t bytes[128];
        const std::size_t n =
            soup::write_message(soup::PacketType::kUnsequencedData, message, bytes);
        send(std::span<const std::uint8_t>(bytes, n));
    }
    void send_empty(soup::PacketType type) {
        std::uint8_t bytes[3];
        const std::size_t n = soup::write_empty(type, bytes);
        send(std::span<const std::uint8_t>(bytes, n));
    }
    void close() { h_.exchange->tcp_closed(id_, h_.now()); }

    // Decodes everything received since the last call and returns the whole view.
    const ClientView& view() {
        LoopbackTransport::Stream& s = h_.transport.stream(id_);
        const std::span<const std::uint8_t> fresh(s.bytes.data() + read_, s.bytes.size() - read_);
        read_ = s.bytes.size();
        (void)framer_.feed(fresh, [&](std::span<const std::uint8_t> bytes) {
            soup::Packet packet;
            if (soup::parse_packet(bytes, packet) != proto::Status::kOk) {
                ++view_.unparsed;
                return;
            }
            switch (packet.type) {
                case soup::PacketType::kLoginAccepted: {
                    soup::LoginAccepted a;
                    if (soup::decode_login_accepted(packet.payload, a) == proto::Status::kOk) {
                        view_.accepted.push_back(a);
                    } else {
                        ++view_.unparsed;
                    }
                    break;
                }
                case soup::PacketType::kLoginRejected: {
                    soup::RejectReason r{};
                    if (soup::decode_login_rejected(packet.payload, r) == proto::Status::kOk) {
                        view_.rejected.push_back(r);
                    }
                    break;
                }
                case soup::PacketType::kSequencedData:
                    view_.sequenced.emplace_back(packet.payload.begin(), packet.payload.end());
                    break;
                case soup::PacketType::kServerHeartbeat:
                    ++view_.heartbeats;
                    break;
                case soup::PacketType::kEndOfSession:
                    ++view_.end_of_session;
                    break;
                case soup::PacketType::kDebug:
                    view_.debug.emplace_back(packet.payload.begin(), packet.payload.end());
                    break;
                default:
                    ++view_.unparsed;
            }
        });
        return view_;
    }

    // The sequenced messages of type M received so far, decoded.
    template <class M>
    std::vector<M> messages() {
        std::vector<M> out;
        for (const std::vector<std::uint8_t>& bytes : view().sequenced) {
            (void)ouchw::decode_outbound(bytes, [&](const auto& m) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(m)>, M>) {
                    out.push_back(m);
                }
            });
        }
        return out;
    }

    [[nodiscard]] bool closed() { return h_.transport.stream(id_).closed; }
    [[nodiscard]] ConnectionId id() const { return id_; }

private:
    Harness& h_;
    ConnectionId id_ = kNoConnection;
    std::size_t read_ = 0;
    soup::Framer framer_{4096};
    ClientView view_;
};

// Every ITCH message of a feed, with its sequence number, plus the packet kinds seen.
struct FeedLog {
    struct Message {
        std::uint64_t sequence = 0;
        std::vector<std::uint8_t> bytes;
        [[nodiscard]] char type() const { return static_cast<char>(bytes.at(0)); }
    };
    std::vector<Message> messages;
    std::size_t data_packets = 0;
    std::size_t heartbeats = 0;
    std::size_t end_of_session = 0;
    std::size_t invalid = 0;
    std::size_t largest_packet = 0;
    std::vector<std::uint64_t> heartbeat_sequences;

    static FeedLog decode(const std::vector<SentPacket>& packets) {
        FeedLog log;
        for (const SentPacket& p : packets) {
            log.largest_packet = std::max(log.largest_packet, p.bytes.size());
            mold::Header header;
            const proto::Status status = mold::for_each_message(
                p.bytes, header, [&](std::uint64_t sequence, std::span<const std::uint8_t> m) {
                    log.messages.push_back(
                        {sequence, std::vector<std::uint8_t>(m.begin(), m.end())});
                });
            if (status != proto::Status::kOk) {
                ++log.invalid;
                continue;
            }
            switch (header.kind()) {
                case mold::PacketKind::kData:
                    ++log.data_packets;
                    break;
                case mold::PacketKind::kHeartbeat:
                    ++log.heartbeats;
                    log.heartbeat_sequences.push_back(header.sequence_number);
                    break;
                case mold::PacketKind::kEndOfSession:
                    ++log.end_of_session;
                    break;
            }
        }
        return log;
    }

    template <class M>
    std::vector<M> of_type() const {
        std::vector<M> out;
        for (const Message& m : messages) {
            (void)itchw::decode(m.bytes, [&](const auto& decoded) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(decoded)>, M>) {
                    out.push_back(decoded);
                }
            });
        }
        return out;
    }
};

// A small scenario for tests: symbols ACME ($10.00, tick $0.01, band $1.00) and BETA ($50.00),
// users ALICE (participant 1, firm FRMA) and BOB (2, FRMB).
inline std::string base_scenario_yaml() {
    return R"(name: test
seed: 7
session:
  date: 2024-01-02
  start: "09:30:00"
symbols:
  - stock: ACME
    tick: 0.01
    reference: 10.00
    band: 1.00
  - stock: BETA
    reference: 50.00
    band: 5.00
users:
  - {username: ALICE, password: secret1, participant: 1, firm: FRMA}
  - {username: BOB, password: secret2, participant: 2, firm: FRMB}
)";
}

// `prefix` followed by the decimal digits of n (GCC 12 at -O3 warns falsely on std::string
// concatenation, so the text is formatted).
inline std::string numbered(const char* prefix, long n) {
    char text[48];
    std::snprintf(text, sizeof text, "%s%ld", prefix, n);
    return text;
}

inline ouchw::EnterOrder enter_order(const char* token, ouchw::Side side, std::uint32_t shares,
                                     const char* stock, std::uint32_t price,
                                     std::uint32_t tif = ouchw::kTimeInForceMarketHours) {
    ouchw::EnterOrder m;
    m.order_token = proto::Alpha<14>::left(token);
    m.side = side;
    m.shares = shares;
    m.stock = proto::Alpha<8>::left(stock);
    m.price = price;
    m.time_in_force = tif;
    m.firm = proto::Alpha<4>::left("");
    m.display = ouchw::Display::kAnonymous;
    m.capacity = ouchw::Capacity::kAgency;
    m.intermarket_sweep_eligibility = ouchw::IntermarketSweep::kNotEligible;
    m.cross_type = ouchw::CrossType::kNoCross;
    m.customer_type = ouchw::CustomerType::kPortDefault;
    return m;
}

}  // namespace tb::exchange::testing
