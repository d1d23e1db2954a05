// bench_client: the client's market-data path on one core, in ITCH messages per second
// (items_per_second; issue 8 asks for at least 20 million per second for book building).
//
//   BookBuild/synthetic   decode + apply to full-depth order-by-order books of a realistic
//                         TotalView mix (Nasdaq-like shares of adds, deletes, cancels,
//                         executions and replaces, 500 symbols with skewed activity, about 60k
//                         live orders), generated from a seed; the stream ends with every order
//                         deleted, so each iteration starts from empty books
//   BookBuild/captures    the same for a stream made from the real Nasdaq captures in
//                         ../shared/data/itch50/ (their adds, with their symbols, sides, sizes
//                         and prices, then executions and deletes of them), when present
//   FeedAndBook           MoldUDP64 packets of the synthetic stream on feed A and feed B through
//                         the feed handler (arbitration) into the books
// As the feed handler does with the messages of a packet, the book builder is told the next
// message before it applies the current one (BookBuilder::prefetch).
//
// The benchmark thread is pinned by the caller (taskset). Run (Release build, no sanitizers):
//   taskset -c 1 build-hcli-rel/bench/bench_client --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one line)

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "client/book.hpp"
#include "client/feed.hpp"
#include "core/endian.hpp"
#include "core/random.hpp"
#include "proto/capture.hpp"
#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"

namespace {

using namespace tb;
using namespace tb::client;
namespace itch = tb::proto::itch;
namespace mold = tb::proto::mold;

// ITCH messages back to back, each after its 2-byte length (ITCH file layout).
struct Stream {
    std::vector<std::uint8_t> bytes;
    std::size_t messages = 0;
    std::size_t peak_live = 0;

    template <class M>
    void add(const M& m) {
        const std::size_t at = bytes.size();
        bytes.resize(at + 2 + proto::wire_size<M>());
        core::store_be16(bytes.data() + at, static_cast<std::uint16_t>(proto::wire_size<M>()));
        proto::encode_fields(m, bytes.data() + at + 2);
        ++messages;
    }
};

struct LiveOrder {
    std::uint64_t ref;
    std::uint16_t locate;
    std::uint32_t shares;
    bool buy;
};

// A seeded TotalView-like day: adds about 45%, deletes 35%, replaces 9%, executions 6%,
// cancels 4%, trades 1% (the shares of a typical Nasdaq day); prices a few ticks around each
// symbol's moving mid; activity skewed towards a few symbols.
Stream synthetic_stream(std::size_t count) {
    core::Rng rng(8);
    constexpr std::size_t kSymbols = 500;
    constexpr std::size_t kTargetLive = 60'000;
    Stream s;
    std::vector<std::uint32_t> mid(kSymbols);
    for (std::size_t i = 0; i < kSymbols; ++i) {
        itch::StockDirectory d;
        d.stock_locate = static_cast<std::uint16_t>(i + 1);
        char name[9];
        std::snprintf(name, sizeof name, "S%03zu", i);
        d.stock = Stock::left(name);
        s.add(d);
        mid[i] = static_cast<std::uint32_t>(10 + rng.below(190)) * 10'000;
    }
    std::vector<LiveOrder> live;
    live.reserve(2 * kTargetLive);
    std::uint64_t next_ref = 1;
    std::uint64_t match = 1;
    std::uint64_t ts = 34'200'000'000'000;
    const auto symbol = [&] {
        // Skewed: half the activity on 5% of the symbols.
        return rng.below(2) == 0 ? rng.below(kSymbols / 20) : rng.below(kSymbols);
    };
    const auto price_near = [&](std::size_t sym, bool buy) {
        std::uint32_t ticks = 1;
        while (ticks < 50 && rng.below(3) != 0) {
            ++ticks;
        }
        return buy ? mid[sym] - ticks * 100 : mid[sym] + ticks * 100;
    };
    while (s.messages < count) {
        ts += rng.below(2000);
        const std::uint64_t pick = rng.below(100);
        const bool grow = live.size() < kTargetLive;
        if (live.empty() || pick < (grow ? 50 : 40)) {
            const std::size_t sym = symbol();
            if (rng.below(50) == 0) {
                mid[sym] += rng.below(2) == 0 ? 100 : -100;
            }
            const bool buy = rng.below(2) == 0;
            itch::AddOrder m;
            m.stock_locate = static_cast<std::uint16_t>(sym + 1);
            m.timestamp_ns = ts;
            m.order_reference_number = next_ref++;
            m.side = buy ? itch::Side::kBuy : itch::Side::kSell;
            m.shares = static_cast<std::uint32_t>(100 * (1 + rng.below(10)));
            m.price = price_near(sym, buy);
            live.push_back({m.order_reference_number, m.stock_locate, m.shares, buy});
            s.add(m);
            s.peak_live = std::max(s.peak_live, live.size());
            continue;
        }
        const std::size_t i = rng.below(live.size());
        LiveOrder& o = live[i];
        const auto remove = [&] {
            live[i] = live.back();
            live.pop_back();
        };
        if (pick < 85) {
            itch::OrderDelete m;
            m.stock_locate = o.locate;
            m.timestamp_ns = ts;
            m.order_reference_number = o.ref;
            s.add(m);
            remove();
        } else if (pick < 94) {
            itch::OrderReplace m;
            m.stock_locate = o.locate;
            m.timestamp_ns = ts;
            m.original_order_reference_number = o.ref;
            m.new_order_reference_number = next_ref++;
            m.shares = static_cast<std::uint32_t>(100 * (1 + rng.below(10)));
            m.price = price_near(o.locate - 1, o.buy);
            s.add(m);
            o.ref = m.new_order_reference_number;
            o.shares = m.shares;
        } else if (pick < 99) {
            const std::uint32_t q = std::min<std::uint32_t>(o.shares, 100);
            if (pick < 95) {
                itch::OrderCancel m;
                m.stock_locate = o.locate;
                m.timestamp_ns = ts;
                m.order_reference_number = o.ref;
                m.cancelled_shares = q;
                s.add(m);
            } else {
                itch::OrderExecuted m;
                m.stock_locate = o.locate;
                m.timestamp_ns = ts;
                m.order_reference_number = o.ref;
                m.executed_shares = q;
                m.match_number = match++;
                s.add(m);
            }
            o.shares -= q;
            if (o.shares == 0) {
                remove();
            }
        } else {
            itch::Trade m;
            m.stock_locate = o.locate;
            m.timestamp_ns = ts;
            m.shares = 100;
            m.price = mid[o.locate - 1];
            m.match_number = match++;
            s.add(m);
        }
    }
    for (const LiveOrder& o : live) {
        itch::OrderDelete m;
        m.stock_locate = o.locate;
        m.order_reference_number = o.ref;
        s.add(m);
    }
    return s;
}

// The adds of the shared captures (real symbols, sides, sizes and prices), replayed `rounds`
// times with fresh reference numbers, each round followed by executions of a part and the
// deletes of the rest. Empty when the captures are absent.
Stream capture_stream(std::size_t rounds) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(TB_ITCH50_DIR);
    std::vector<itch::AddOrder> adds;
    for (const char* folder : {"nasdaq-live", "nasdaq-per-type"}) {
        if (!fs::is_directory(dir / folder)) {
            continue;
        }
        for (const fs::directory_entry& e : fs::directory_iterator(dir / folder)) {
            proto::CaptureReader reader;
            if (reader.open(e.path().string()) != proto::Status::kOk) {
                continue;
            }
            proto::CaptureRecord record;
            while (reader.next(record) == proto::Status::kOk) {
                proto::ParsedFrame frame;
                if (proto::parse_frame(record.data, frame,
                                       proto::ParseOptions{.verify_checksums = false}) !=
                    proto::Status::kOk) {
                    continue;
                }
                mold::Header header;
                (void)mold::for_each_message(
                    frame.payload, header, [&](std::uint64_t, std::span<const std::uint8_t> m) {
                        (void)itch::decode(m, [&](const auto& message) {
                            using M = std::remove_cvref_t<decltype(message)>;
                            if constexpr (std::is_same_v<M, itch::AddOrder>) {
                                adds.push_back(message);
                            } else if constexpr (std::is_same_v<M, itch::AddOrderMpid>) {
                                itch::AddOrder a;
                                a.stock_locate = message.stock_locate;
                                a.order_reference_number = message.order_reference_number;
                                a.side = message.side;
                                a.shares = message.shares;
                                a.stock = message.stock;
                                a.price = message.price;
                                adds.push_back(a);
                            }
                        });
                    });
            }
        }
    }
    Stream s;
    if (adds.empty()) {
        return s;
    }
    std::uint64_t ref = 1;
    std::uint64_t match = 1;
    for (std::size_t r = 0; r < rounds; ++r) {
        const std::uint64_t first = ref;
        for (itch::AddOrder a : adds) {
            a.order_reference_number = ref++;
            s.add(a);
        }
        for (std::size_t i = 0; i < adds.size(); ++i) {
            if (i % 4 == 0 && adds[i].shares > 1) {
                itch::OrderExecuted e;
                e.stock_locate = adds[i].stock_locate;
                e.order_reference_number = first + i;
                e.executed_shares = adds[i].shares / 2;
                e.match_number = match++;
                s.add(e);
            }
            itch::OrderDelete d;
            d.stock_locate = adds[i].stock_locate;
            d.order_reference_number = first + i;
            s.add(d);
        }
    }
    return s;
}

BookConfig bench_books() {
    BookConfig c;
    c.max_books = 16'384;
    c.max_orders = 1u << 18;
    c.max_levels = 1u << 17;
    return c;
}

constexpr int kPrefetchDistance = 1;

void run_stream(benchmark::State& state, const Stream& stream) {
    BookBuilder books(bench_books());
    const std::uint8_t* const begin = stream.bytes.data();
    const std::uint8_t* const end = begin + stream.bytes.size();
    for (auto _ : state) {
        // The order table slot of a message a few messages ahead is loaded while this one is
        // applied, as a feed handler can with the messages of a packet.
        const std::uint8_t* ahead = begin;
        for (int i = 0; i < kPrefetchDistance && ahead < end; ++i) {
            ahead += 2 + core::load_be16(ahead);
        }
        for (const std::uint8_t* p = begin; p < end;) {
            if (ahead < end) {
                const std::size_t ahead_length = core::load_be16(ahead);
                books.prefetch(std::span<const std::uint8_t>(ahead + 2, ahead_length));
                ahead += 2 + ahead_length;
            }
            const std::size_t length = core::load_be16(p);
            const BookUpdate update = books.apply(std::span<const std::uint8_t>(p + 2, length));
            benchmark::DoNotOptimize(update);
            p += 2 + length;
        }
    }
    if (books.counters().malformed != 0 || books.counters().unknown_refs != 0 ||
        books.live_orders() != 0) {
        state.SkipWithError("the stream did not apply cleanly");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream.messages));
    state.counters["messages"] = static_cast<double>(stream.messages);
    state.counters["peak_live_orders"] = static_cast<double>(stream.peak_live);
}

void BM_BookBuild_Synthetic(benchmark::State& state) {
    static const Stream stream = synthetic_stream(4'000'000);
    run_stream(state, stream);
}

void BM_BookBuild_Captures(benchmark::State& state) {
    static const Stream stream = capture_stream(20'000);
    if (stream.messages == 0) {
        state.SkipWithError("shared ITCH 5.0 captures not found in " TB_ITCH50_DIR);
        return;
    }
    run_stream(state, stream);
}

struct CountingSink {
    BookBuilder& books;
    void on_message(std::uint64_t, std::span<const std::uint8_t> m) noexcept {
        const BookUpdate update = books.apply(m);
        benchmark::DoNotOptimize(update);
    }
    void prefetch(std::span<const std::uint8_t> m) noexcept { books.prefetch(m); }
    void on_lost(std::uint64_t, std::uint64_t) noexcept {}
    void on_session_change(const mold::Session&) noexcept {}
    void on_end_of_session() noexcept {}
    bool send_request(std::span<const std::uint8_t>) noexcept { return true; }
};

void BM_FeedAndBook(benchmark::State& state) {
    static const Stream stream = synthetic_stream(4'000'000);
    // The stream as MTU-filled MoldUDP64 packets, numbered for one session per iteration.
    std::vector<std::vector<std::uint8_t>> packets;
    {
        std::vector<std::uint8_t> buffer(1472);
        mold::PacketBuilder builder(buffer, buffer.size());
        std::uint64_t seq = 1;
        builder.start(mold::Session::left("BENCH"), seq);
        for (const std::uint8_t* p = stream.bytes.data();
             p < stream.bytes.data() + stream.bytes.size();) {
            const std::size_t length = core::load_be16(p);
            const std::span<const std::uint8_t> m(p + 2, length);
            if (!builder.add(m)) {
                const std::span<const std::uint8_t> done = builder.finish();
                packets.emplace_back(done.begin(), done.end());
                seq = builder.next_sequence();
                builder.start(mold::Session::left("BENCH"), seq);
                (void)builder.add(m);
            }
            p += 2 + length;
        }
        const std::span<const std::uint8_t> done = builder.finish();
        packets.emplace_back(done.begin(), done.end());
    }
    BookBuilder books(bench_books());
    CountingSink sink{books};
    FeedConfig config;
    std::int64_t now = 0;
    for (auto _ : state) {
        state.PauseTiming();
        FeedHandler<CountingSink> feed(config, sink);  // a new session each iteration
        state.ResumeTiming();
        for (const auto& p : packets) {
            (void)feed.on_packet(FeedLine::kA, p, ++now);
            (void)feed.on_packet(FeedLine::kB, p, now);
        }
        if (feed.counters().delivered != stream.messages) {
            state.SkipWithError("not every message was delivered");
            break;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream.messages));
    state.counters["packets"] = static_cast<double>(packets.size());
}

BENCHMARK(BM_BookBuild_Synthetic)->Name("BookBuild/synthetic")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BookBuild_Captures)->Name("BookBuild/captures")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FeedAndBook)->Name("FeedAndBook")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
