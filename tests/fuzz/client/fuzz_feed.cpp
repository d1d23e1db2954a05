// Feed path fuzz target: records of the input become MoldUDP64 packets (valid framing with
// arbitrary message bytes and sequence numbers near the expected one, heartbeats and ends of
// session, or raw bytes) on feed A, feed B or the retransmission line, and passing time; they
// go into a whole TradingClient (feed handler, book builder, a strategy). Nothing may crash or
// read out of bounds, and the books must stay consistent.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "client/strategies.hpp"
#include "client/trading_client.hpp"
#include "core/endian.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "tests/fuzz/client/fuzz_io.hpp"

namespace {

using namespace tb::client;
using tb::client::fuzzing::NullIo;
using tb::client::fuzzing::Reader;
namespace mold = tb::proto::mold;

ClientConfig config() {
    ClientConfig c;
    c.books.max_books = 32;
    c.books.max_orders = 256;
    c.books.max_levels = 128;
    c.feed.reorder_window = 64;
    c.feed.gap_wait_ns = 1000;
    c.feed.request_timeout_ns = 10'000;
    c.feed.max_request_messages = 16;
    c.feed.max_outstanding_requests = 2;
    c.feed.max_request_retries = 1;
    c.session.username = "FUZZ";
    c.orders.max_orders = 8;
    return c;
}

// One message: mostly a book message of its exact length with a small locate code and order
// reference (so that executions, cancels and replaces find the orders added before), sometimes
// arbitrary bytes.
std::span<const std::uint8_t> message(Reader& in) {
    static std::uint8_t bytes[64];
    const std::uint8_t choice = in.byte();
    if (choice < 32) {
        const std::span<const std::uint8_t> raw = in.take(in.byte() % 52);
        std::copy(raw.begin(), raw.end(), bytes);
        return {bytes, raw.size()};
    }
    static constexpr char kTypes[] = {'A', 'F', 'E', 'C', 'X', 'D', 'U', 'P', 'Q', 'R', 'H', 'S'};
    const char type = kTypes[choice % sizeof kTypes];
    const std::size_t size = tb::proto::itch::message_size(type);
    const std::span<const std::uint8_t> fill = in.take(size - 1);
    std::fill(bytes, bytes + size, 0);
    std::copy(fill.begin(), fill.end(), bytes + 1);
    bytes[0] = static_cast<std::uint8_t>(type);
    tb::core::store_be16(bytes + 1, static_cast<std::uint16_t>(1 + choice % 3));
    if (type != 'P' && type != 'Q' && type != 'R' && type != 'H' && type != 'S') {
        tb::core::store_be64(bytes + 11, 1 + in.byte() % 32);
    }
    if (type == 'U') {
        tb::core::store_be64(bytes + 19, 1 + in.byte() % 32);
    }
    if (type == 'A' || type == 'F') {
        bytes[19] = (choice & 1) != 0 ? 'B' : 'S';  // buy/sell indicator
    }
    return {bytes, size};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in{data, size};
    const StrategyConfig strategy_config{.name = "maker", .symbol = "A"};
    Maker strategy(strategy_config);
    NullIo io;
    TradingClient<Maker, NullIo> client(config(), strategy, io);
    std::int64_t now = 1;
    client.start(now);
    const mold::Session sessions[2] = {mold::Session::left("S1"), mold::Session::left("S2")};
    std::uint8_t buffer[1500];
    std::uint64_t next = 1;
    // Bounded by the input: every record consumes at least one byte.
    while (!in.done()) {
        const std::uint8_t kind = in.byte();
        const auto line = static_cast<FeedLine>(kind % 3);
        switch ((kind >> 2) % 4) {
            case 0: {  // raw bytes
                const std::span<const std::uint8_t> raw = in.take(in.byte());
                (void)client.on_feed(line, raw, now);
                break;
            }
            case 1: {  // a well-framed packet of arbitrary messages
                mold::PacketBuilder builder(std::span<std::uint8_t>(buffer, sizeof buffer), 1472);
                // Around the expected number: repeats, the next one, and gaps.
                const std::uint64_t offset = in.byte() % 16;
                const std::uint64_t first = next + offset > 4 ? next + offset - 4 : 1;
                builder.start(sessions[(kind & 0x70) == 0x70 ? 1 : 0],
                              first);  // rarely a new session
                const int count = 1 + in.byte() % 8;
                for (int i = 0; i < count; ++i) {
                    if (!builder.add(message(in))) {
                        break;
                    }
                }
                const std::span<const std::uint8_t> packet = builder.finish();
                next = builder.next_sequence();
                (void)client.on_feed(line, packet, now);
                break;
            }
            case 2: {  // heartbeat or end of session
                std::uint8_t packet[mold::kHeaderSize];
                const std::uint64_t seq = next + in.byte() % 8;
                const std::size_t n = (kind & 0x80) != 0
                                          ? mold::write_end_of_session(sessions[0], seq, packet)
                                          : mold::write_heartbeat(sessions[0], seq, packet);
                (void)client.on_feed(line, std::span<const std::uint8_t>(packet, n), now);
                break;
            }
            default:  // time passes
                now += static_cast<std::int64_t>(in.byte()) * 997;
                (void)client.poll(now);
                break;
        }
    }
    now += 1'000'000'000;
    (void)client.poll(now);
    const std::string problem = client.books().check_invariants(true);
    if (!problem.empty()) {
        std::fprintf(stderr, "books inconsistent: %s\n", problem.c_str());
        std::abort();
    }
    if (client.feed().outstanding_requests() > 2) {
        std::abort();
    }
    return 0;
}
