// Fuzz target: the exchange's order-entry gateway behind a logged-in session. Each input drives
// one new connection that has just logged in as ALICE; a second session, BOB, stays logged in
// throughout. The first byte chooses the mode and the size of the pieces the stream is fed in:
//  - raw (high bit clear): the rest is the connection's byte stream as it is;
//  - structured (high bit set): the rest is read as OUCH messages to wrap in well-framed
//    Unsequenced Data packets, each built from 3 control bytes (type, length change, which
//    fields to make plausible: stock ACME, a price near the band's centre, a small size) and
//    the input bytes that follow, so that the engine's order paths are reached.
// Invariants: nothing crashes or reads out of bounds (sanitizers), BOB's session is never
// harmed, every connection of an input is released when its peer closes, and the engine's book
// stays consistent.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "exchange_sim/engine/invariants.hpp"
#include "exchange_sim/exchange.hpp"
#include "proto/soupbintcp.hpp"

#define FUZZ_CHECK(condition)                                                                  \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)

namespace {

using namespace tb::exchange;
namespace soup = tb::proto::soup;

struct SinkTransport {
    std::size_t tcp_send(ConnectionId, std::span<const std::uint8_t> bytes) noexcept {
        return bytes.size();
    }
    void tcp_close(ConnectionId) noexcept {}
    void feed_send(FeedLine, std::span<const std::uint8_t>, const FeedPacketInfo&) noexcept {}
    void unicast_send(const UdpEndpoint&, std::span<const std::uint8_t>) noexcept {}
    void apply_link(const LinkSetting&) noexcept {}
};

struct World {
    World()
        : exchange(parse_scenario(R"(name: fuzz
session: {date: 2024-01-02}
symbols:
  - {stock: ACME, reference: 10.00, band: 1.00}
users:
  - {username: ALICE, password: a, participant: 1, firm: FRMA}
  - {username: BOB, password: b, participant: 2, firm: FRMB}
order_entry: {cancel_on_disconnect: true, rate_limit: 1000000}
limits: {max_orders: 65536, max_tokens: 1048576}
)",
                                  "fuzz.yaml"),
                   transport) {
        exchange.start(now);
        bob = login("BOB", "b");
        FUZZ_CHECK(exchange.gateway().state(bob) == ConnectionState::kLoggedIn);
    }

    ConnectionId login(const char* user, const char* password) {
        const ConnectionId id = exchange.tcp_accepted(now);
        FUZZ_CHECK(id != kNoConnection);
        soup::LoginRequest request;
        request.username = tb::proto::Alpha<6>::left(user);
        request.password = tb::proto::Alpha<10>::left(password);
        request.requested_session = tb::proto::Alpha<10>::left("");
        std::uint8_t bytes[64];
        exchange.tcp_received(
            id, std::span<const std::uint8_t>(bytes, soup::write_login_request(request, bytes)),
            now);
        (void)exchange.poll(now);
        return id;
    }

    SinkTransport transport;
    std::int64_t now = 1'000'000'000;
    Exchange<SinkTransport> exchange;
    ConnectionId bob = kNoConnection;
    std::uint64_t inputs = 0;
};

// Structured mode (see the top): OUCH messages in Unsequenced Data packets.
void build_structured(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
    static constexpr char kTypes[] = {'O', 'U', 'X', 'M', 'O', 'X'};
    static constexpr std::size_t kSizes[] = {49, 47, 19, 20, 49, 19};
    std::size_t at = 0;
    while (at + 3 <= in.size()) {
        const std::size_t kind = in[at] % 6;
        const int delta = in[at + 1] % 8 == 0 ? static_cast<int>(in[at + 1] % 5) - 2 : 0;
        const std::uint8_t plausible = in[at + 2];
        at += 3;
        const std::size_t length =
            static_cast<std::size_t>(std::max(1, static_cast<int>(kSizes[kind]) + delta));
        std::uint8_t message[64] = {};
        message[0] = static_cast<std::uint8_t>(kTypes[kind]);
        for (std::size_t i = 1; i < length && at < in.size(); ++i, ++at) {
            message[i] = in[at];
        }
        auto put = [&](std::size_t offset, const char* text, std::size_t n) {
            for (std::size_t i = 0; i < n && offset + i < length; ++i) {
                message[offset + i] = static_cast<std::uint8_t>(text[i]);
            }
        };
        auto put32 = [&](std::size_t offset, std::uint32_t value) {
            if (offset + 4 <= length) {
                tb::core::store_be32(message + offset, value);
            }
        };
        // Fresh tokens for new orders, recent ones for cancels and replaces, so that they find
        // live orders (tokens are day-unique, and the exchange lives for the whole run).
        static std::array<std::array<char, 14>, 8> recent{};
        static std::uint64_t counter = 0;
        auto fresh = [&](std::size_t offset) {
            std::array<char, 14> token;
            token.fill(' ');
            std::uint64_t n = counter++;
            for (std::size_t i = 0; i < 12; ++i, n /= 36) {
                token[11 - i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 36];
            }
            recent[counter % recent.size()] = token;
            put(offset, token.data(), 14);
        };
        if ((plausible & 0x01) != 0) {
            if (kind == 0 || kind == 4) {
                fresh(1);
            } else {
                const auto& token = recent[plausible % recent.size()];
                put(1, token.data(), 14);
            }
        }
        if (kind == 0 || kind == 4) {  // Enter Order (OUCH 4.2 section 2.1 offsets)
            put(15, (plausible & 0x02) != 0 ? "B" : "S", 1);
            if ((plausible & 0x04) != 0) {
                put32(16, 100u * (1 + plausible % 5));
            }
            if ((plausible & 0x08) != 0) {
                put(20, "ACME    ", 8);
            }
            if ((plausible & 0x10) != 0) {
                put32(28, 100'000u + 100u * (plausible % 7) - 300u);
            }
            if ((plausible & 0x20) != 0) {
                put32(32, (plausible & 0x40) != 0 ? 0 : 99'998);  // IOC or market hours
                put(40, "Y", 1);                                  // display
                put32(43, 0);                                     // minimum quantity
                put(47, "N", 1);                                  // cross type
            }
        } else if (kind == 1 && (plausible & 0x10) != 0) {  // Replace Order (section 2.2)
            fresh(15);
            put32(29, 100u * (1 + plausible % 3));
            put32(33, 100'000u + 100u * (plausible % 5) - 200u);
            put32(37, 99'998);
            put(41, "Y", 1);
            put32(43, 0);
        } else if ((kind == 2 || kind == 5) && (plausible & 0x10) != 0) {  // Cancel (2.3)
            put32(15, 100u * (plausible % 3));
        }
        out.push_back(static_cast<std::uint8_t>((length + 1) >> 8));
        out.push_back(static_cast<std::uint8_t>(length + 1));
        out.push_back('U');
        out.insert(out.end(), message, message + length);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World* world = new World();  // one exchange for the whole run
    World& w = *world;
    w.now += 1000;
    const ConnectionId id = w.login("ALICE", "a");
    const std::size_t piece = size == 0 ? 1 : std::max<std::size_t>(1, data[0] % 64);
    std::span<const std::uint8_t> stream = size == 0
                                               ? std::span<const std::uint8_t>()
                                               : std::span<const std::uint8_t>(data + 1, size - 1);
    static std::vector<std::uint8_t> built;
    if (size > 0 && (data[0] & 0x80) != 0) {
        built.clear();
        build_structured(stream, built);
        stream = built;
    }
    for (std::size_t at = 0; at < stream.size(); at += piece) {
        w.exchange.tcp_received(id, stream.subspan(at, std::min(piece, stream.size() - at)), w.now);
        (void)w.exchange.poll(w.now);
    }
    w.exchange.tcp_closed(id, w.now);
    (void)w.exchange.poll(w.now);
    FUZZ_CHECK(w.exchange.gateway().state(id) == ConnectionState::kFree);
    FUZZ_CHECK(w.exchange.gateway().state(w.bob) == ConnectionState::kLoggedIn);
    FUZZ_CHECK(w.exchange.gateway().logged_in() == 1);
    // BOB's client heartbeat keeps its session alive however long the run.
    const std::uint8_t heartbeat[] = {0x00, 0x01, 'R'};
    w.exchange.tcp_received(w.bob, heartbeat, w.now);
    if (++w.inputs % 1024 == 0) {
        FUZZ_CHECK(check_invariants(w.exchange.engine()).empty());
    }
    return 0;
}
