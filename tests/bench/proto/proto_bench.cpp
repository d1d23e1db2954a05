// bench_proto: throughput of the proto/ hot paths, in messages per second (items_per_second).
//
//   ItchDecodeDispatch    ITCH 5.0 decode + dispatch of a realistic message mix (mostly Add,
//                         Delete, Replace, Execute) laid out as length-prefixed blocks, with a
//                         handler that uses the fields a book builder needs
//   OuchEnterOrderEncode  OUCH 4.2 Enter Order encode into a buffer (and with SoupBinTCP framing)
//   MoldPacketBuild       MoldUDP64 packets filled to a 1500-byte MTU with Add Order messages
//   MoldPacketParse       MoldUDP64 packet walk + ITCH decode + dispatch of the same packets
//   SoupFramerFeed        SoupBinTCP framer over a stream of OUCH Accepted packets
//
// Run (Release build, no sanitizers):
//   build-rel/bench/bench_proto --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/endian.hpp"
#include "core/random.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace {

using namespace tb::proto;
using tb::core::Rng;

// A deterministic stream of ITCH messages, each preceded by its 2-byte length (the layout of
// MoldUDP64 message blocks and of ITCH files). The mix follows a typical TotalView day: mostly
// adds, deletes, replaces and executions.
struct ItchStream {
    std::vector<std::uint8_t> bytes;
    std::size_t messages = 0;
};

template <class M>
void append(ItchStream& stream, const M& message) {
    const std::size_t at = stream.bytes.size();
    stream.bytes.resize(at + 2 + wire_size<M>());
    tb::core::store_be16(stream.bytes.data() + at, static_cast<std::uint16_t>(wire_size<M>()));
    encode_fields(message, stream.bytes.data() + at + 2);
    ++stream.messages;
}

ItchStream make_stream(std::size_t count) {
    Rng rng(2024);
    ItchStream stream;
    std::uint64_t next_reference = 1;
    std::uint64_t timestamp = 34'200'000'000'000;
    for (std::size_t i = 0; i < count; ++i) {
        timestamp += rng.below(5000);
        const auto locate = static_cast<std::uint16_t>(1 + rng.below(8000));
        const std::uint64_t live = next_reference > 1 ? 1 + rng.below(next_reference - 1) : 1;
        const std::uint64_t pick = rng.below(100);
        if (pick < 40) {
            itch::AddOrder m;
            m.stock_locate = locate;
            m.timestamp_ns = timestamp;
            m.order_reference_number = next_reference++;
            m.side = rng.below(2) == 0 ? itch::Side::kBuy : itch::Side::kSell;
            m.shares = static_cast<std::uint32_t>(100 * (1 + rng.below(10)));
            m.stock = Alpha<8>::left("AAPL");
            m.price = static_cast<std::uint32_t>(1'500'000 + rng.below(10'000));
            append(stream, m);
        } else if (pick < 42) {
            itch::AddOrderMpid m;
            m.stock_locate = locate;
            m.timestamp_ns = timestamp;
            m.order_reference_number = next_reference++;
            m.shares = 100;
            m.price = static_cast<std::uint32_t>(1'500'000 + rng.below(10'000));
            m.attribution = Alpha<4>::left("MPID");
            append(stream, m);
        } else if (pick < 77) {
            itch::OrderDelete m;
            m.stock_locate = locate;
            m.timestamp_ns = timestamp;
            m.order_reference_number = live;
            append(stream, m);
        } else if (pick < 87) {
            itch::OrderReplace m;
            m.stock_locate = locate;
            m.timestamp_ns = timestamp;
            m.original_order_reference_number = live;
            m.new_order_reference_number = next_reference++;
            m.shares = 200;
            m.price = static_cast<std::uint32_t>(1'500'000 + rng.below(10'000));
            append(stream, m);
        } else if (pick < 94) {
            itch::OrderExecuted m;
            m.stock_locate = locate;
            m.timestamp_ns = timestamp;
            m.order_reference_number = live;
            m.executed_shares = 100;
            m.match_number = i;
            append(stream, m);
        } else if (pick < 97) {
            itch::OrderCancel m;
            m.stock_locate = locate;
            m.timestamp_ns = timestamp;
            m.order_reference_number = live;
            m.cancelled_shares = 100;
            append(stream, m);
        } else if (pick < 98) {
            itch::OrderExecutedWithPrice m;
            m.stock_locate = locate;
            m.order_reference_number = live;
            m.executed_shares = 100;
            m.execution_price = 1'500'100;
            append(stream, m);
        } else if (pick < 99) {
            itch::Trade m;
            m.stock_locate = locate;
            m.shares = 100;
            m.price = 1'500'100;
            append(stream, m);
        } else {
            itch::Noii m;
            m.stock_locate = locate;
            append(stream, m);
        }
    }
    return stream;
}

// What a book builder reads from each message, folded into a few sums so that nothing is
// optimised away.
struct BookHandler {
    std::uint64_t adds = 0;
    std::uint64_t volume = 0;
    std::uint64_t references = 0;
    std::uint64_t other = 0;

    void operator()(const itch::AddOrder& m) noexcept {
        ++adds;
        volume += static_cast<std::uint64_t>(m.shares) * m.price;
        references +=
            m.order_reference_number + m.stock_locate + (m.side == itch::Side::kBuy ? 1 : 0);
    }
    void operator()(const itch::AddOrderMpid& m) noexcept {
        ++adds;
        volume += static_cast<std::uint64_t>(m.shares) * m.price;
        references += m.order_reference_number;
    }
    void operator()(const itch::OrderDelete& m) noexcept {
        references ^= m.order_reference_number + m.stock_locate;
    }
    void operator()(const itch::OrderReplace& m) noexcept {
        references += m.original_order_reference_number ^ m.new_order_reference_number;
        volume += static_cast<std::uint64_t>(m.shares) * m.price;
    }
    void operator()(const itch::OrderExecuted& m) noexcept {
        volume += m.executed_shares;
        references += m.order_reference_number + m.match_number;
    }
    void operator()(const itch::OrderCancel& m) noexcept {
        volume -= m.cancelled_shares;
        references += m.order_reference_number;
    }
    void operator()(const itch::OrderExecutedWithPrice& m) noexcept {
        volume += static_cast<std::uint64_t>(m.executed_shares) * m.execution_price;
    }
    template <class Other>
    void operator()(const Other&) noexcept {
        ++other;
    }
};

void ItchDecodeDispatch(benchmark::State& state) {
    const ItchStream stream = make_stream(static_cast<std::size_t>(state.range(0)));
    BookHandler handler;
    std::uint64_t errors = 0;
    for (auto _ : state) {
        const std::uint8_t* p = stream.bytes.data();
        const std::uint8_t* const end = p + stream.bytes.size();
        while (p < end) {
            const std::size_t length = tb::core::load_be16(p);
            errors += itch::decode(p + 2, length, handler) != Status::kOk;
            p += 2 + length;
        }
        benchmark::DoNotOptimize(handler);
    }
    if (errors != 0) {
        state.SkipWithError("decode failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream.messages));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.bytes.size()));
}
BENCHMARK(ItchDecodeDispatch)->Arg(16 * 1024)->Arg(1024 * 1024);

void OuchEnterOrderEncode(benchmark::State& state) {
    ouch::EnterOrder order;
    order.order_token = ouch::Token::left("TB0000000001");
    order.stock = ouch::Stock::left("AAPL");
    order.firm = ouch::Firm::left("TBCH");
    order.time_in_force = ouch::kTimeInForceImmediateOrCancel;
    std::array<std::uint8_t, 64> buffer{};
    std::uint32_t n = 0;
    for (auto _ : state) {
        order.shares = 100 + (n & 0xFF);
        order.price = 1'500'000 + n;
        order.side = (n & 1) != 0 ? ouch::Side::kBuy : ouch::Side::kSell;
        ++n;
        const std::size_t size = ouch::encode(order, buffer);
        benchmark::DoNotOptimize(size);
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(OuchEnterOrderEncode);

void OuchEnterOrderEncodeSoupBinTcp(benchmark::State& state) {
    ouch::EnterOrder order;
    order.order_token = ouch::Token::left("TB0000000001");
    order.stock = ouch::Stock::left("AAPL");
    std::array<std::uint8_t, 64> buffer{};
    std::uint32_t n = 0;
    for (auto _ : state) {
        order.shares = 100 + (n & 0xFF);
        order.price = 1'500'000 + n;
        ++n;
        const std::size_t size =
            soup::write_message(soup::PacketType::kUnsequencedData, order, buffer);
        benchmark::DoNotOptimize(size);
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(OuchEnterOrderEncodeSoupBinTcp);

void MoldPacketBuild(benchmark::State& state) {
    std::array<std::uint8_t, 1500> buffer{};
    mold::PacketBuilder builder(buffer, mold::payload_limit_for_mtu(1500));
    const mold::Session session = mold::Session::left("TB00000001");
    itch::AddOrder add;
    add.stock = Alpha<8>::left("AAPL");
    std::uint64_t sequence = 1;
    std::uint64_t messages = 0;
    std::uint64_t packets = 0;
    for (auto _ : state) {
        builder.start(session, sequence);
        while (builder.add_message(add)) {
            ++add.order_reference_number;
            add.price += 100;
        }
        const auto packet = builder.finish();
        benchmark::DoNotOptimize(packet.data());
        benchmark::ClobberMemory();
        sequence = builder.next_sequence();
        messages += builder.count();
        ++packets;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(messages));
    state.counters["packets_per_second"] =
        benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
}
BENCHMARK(MoldPacketBuild);

void MoldPacketParse(benchmark::State& state) {
    // MTU-sized packets of the realistic mix.
    const ItchStream stream = make_stream(64 * 1024);
    std::vector<std::vector<std::uint8_t>> packets;
    std::vector<std::uint8_t> buffer(1500);
    mold::PacketBuilder builder(buffer, mold::payload_limit_for_mtu(1500));
    std::uint64_t sequence = 1;
    const std::uint8_t* p = stream.bytes.data();
    const std::uint8_t* const end = p + stream.bytes.size();
    std::size_t messages_per_pass = 0;
    while (p < end) {
        builder.start(mold::Session::left("TB00000001"), sequence);
        while (p < end) {
            const std::size_t length = tb::core::load_be16(p);
            if (!builder.add(std::span<const std::uint8_t>(p + 2, length))) {
                break;
            }
            p += 2 + length;
        }
        const auto packet = builder.finish();
        packets.emplace_back(packet.begin(), packet.end());
        messages_per_pass += builder.count();
        sequence = builder.next_sequence();
    }
    BookHandler handler;
    std::uint64_t errors = 0;
    for (auto _ : state) {
        for (const auto& packet : packets) {
            mold::Header header;
            errors +=
                mold::for_each_message(packet, header,
                                       [&](std::uint64_t, std::span<const std::uint8_t> message) {
                                           errors += itch::decode(message, handler) != Status::kOk;
                                       }) != Status::kOk;
        }
        benchmark::DoNotOptimize(handler);
    }
    if (errors != 0) {
        state.SkipWithError("parse failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * messages_per_pass));
    state.counters["packets_per_second"] = benchmark::Counter(
        static_cast<double>(state.iterations() * packets.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(MoldPacketParse);

void SoupFramerFeed(benchmark::State& state) {
    std::vector<std::uint8_t> stream;
    std::array<std::uint8_t, 128> packet{};
    ouch::Accepted accepted;
    for (int i = 0; i < 1000; ++i) {
        accepted.order_reference_number = static_cast<std::uint64_t>(i);
        const std::size_t size =
            soup::write_message(soup::PacketType::kSequencedData, accepted, packet);
        stream.insert(stream.end(), packet.begin(), packet.begin() + static_cast<long>(size));
    }
    soup::Framer framer(1024);
    std::uint64_t sum = 0;
    for (auto _ : state) {
        // Segments of 1448 bytes (a typical TCP MSS with timestamps), packets split across them.
        for (std::size_t at = 0; at < stream.size(); at += 1448) {
            const std::size_t n = std::min<std::size_t>(1448, stream.size() - at);
            (void)framer.feed(std::span<const std::uint8_t>(stream.data() + at, n),
                              [&](std::span<const std::uint8_t> p) {
                                  (void)ouch::decode_outbound(p.subspan(3),
                                                              [&](const ouch::Accepted& m) {
                                                                  sum += m.order_reference_number;
                                                              });
                              });
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 1000));
}
BENCHMARK(SoupFramerFeed);

}  // namespace

BENCHMARK_MAIN();
