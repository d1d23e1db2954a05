// Order-entry fuzz target: after a connection, the input is the server's side of the TCP
// stream: raw bytes cut anywhere, and well-framed SoupBinTCP packets of any type with arbitrary
// payloads (Login Accepted, Sequenced Data carrying arbitrary OUCH bytes ...), with time
// passing and the feed moving the strategy. The session, the order manager and the strategy
// must never crash, and never hold more orders than configured.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "client/strategies.hpp"
#include "client/trading_client.hpp"
#include "core/endian.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/soupbintcp.hpp"
#include "tests/fuzz/client/fuzz_io.hpp"

namespace {

using namespace tb::client;
using tb::client::fuzzing::NullIo;
using tb::client::fuzzing::Reader;
namespace mold = tb::proto::mold;
namespace soup = tb::proto::soup;
namespace itch = tb::proto::itch;

ClientConfig config() {
    ClientConfig c;
    c.books.symbols = {"A"};
    c.books.max_orders = 64;
    c.books.max_levels = 64;
    c.feed.reorder_window = 16;
    c.session.username = "FUZZ";
    c.session.max_reconnects = 3;
    c.session.tx_buffer_bytes = 512;
    c.orders.max_orders = 4;
    return c;
}

// A feed packet that puts a bid and an offer on the book and trades: something for the
// strategy to answer.
std::vector<std::uint8_t> market(std::uint64_t first, std::uint64_t ref) {
    std::vector<std::uint8_t> buffer(512);
    mold::PacketBuilder builder(buffer, buffer.size());
    builder.start(mold::Session::left("S"), first);
    itch::StockDirectory d;
    d.stock_locate = 1;
    d.stock = tb::proto::Alpha<8>::left("A");
    (void)builder.add_message(d);
    itch::AddOrder bid;
    bid.stock_locate = 1;
    bid.order_reference_number = ref;
    bid.side = itch::Side::kBuy;
    bid.shares = 100;
    bid.stock = d.stock;
    bid.price = 1000;
    (void)builder.add_message(bid);
    itch::AddOrder ask = bid;
    ask.order_reference_number = ref + 1;
    ask.side = itch::Side::kSell;
    ask.price = 1100;
    (void)builder.add_message(ask);
    itch::OrderExecuted e;
    e.stock_locate = 1;
    e.order_reference_number = ref;
    e.executed_shares = 10;
    e.match_number = ref;
    (void)builder.add_message(e);
    const std::span<const std::uint8_t> p = builder.finish();
    return std::vector<std::uint8_t>(p.begin(), p.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in{data, size};
    StrategyConfig strategy_config;
    strategy_config.symbol = "A";
    strategy_config.trigger_on_book = true;
    PingPong strategy(strategy_config);
    NullIo io;
    TradingClient<PingPong, NullIo> client(config(), strategy, io);
    std::int64_t now = 1;
    client.start(now);
    client.on_stream_connected(now);
    std::uint64_t feed_next = 1;
    std::uint64_t ref = 1;
    std::uint8_t packet[300];
    // Bounded by the input: every record consumes at least one byte.
    while (!in.done()) {
        const std::uint8_t kind = in.byte();
        switch (kind % 5) {
            case 0: {  // raw stream bytes
                client.on_stream_data(in.take(in.byte()), now);
                break;
            }
            case 1:
            case 2: {  // a framed packet of the type the record names
                const std::span<const std::uint8_t> payload = in.take(in.byte() % 96);
                const char types[] = {'A', 'J', 'S', 'H', 'Z', '+', 'S', 'S'};
                packet[2] = static_cast<std::uint8_t>(types[(kind >> 3) % 8]);
                std::copy(payload.begin(), payload.end(), packet + 3);
                tb::core::store_be16(packet, static_cast<std::uint16_t>(1 + payload.size()));
                client.on_stream_data(std::span<const std::uint8_t>(packet, 3 + payload.size()),
                                      now);
                break;
            }
            case 3: {  // the market moves
                const std::vector<std::uint8_t> p = market(feed_next, ref);
                feed_next += 4;
                ref += 2;
                (void)client.on_feed(FeedLine::kA, p, now);
                break;
            }
            default: {  // time passes; connections come and go
                now += static_cast<std::int64_t>(in.byte()) * 50'000'000;
                (void)client.poll(now);
                if ((kind & 0x80) != 0) {
                    client.on_stream_closed(now);
                } else if ((kind & 0x40) != 0) {
                    client.on_stream_connected(now);
                }
                break;
            }
        }
        if (client.orders().open_orders() > 4) {
            std::abort();
        }
    }
    return 0;
}
