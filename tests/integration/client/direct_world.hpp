#pragma once

// The client against the exchange library in one process, with no network (sim mode at the
// payload level, issue 8 "How we know it is right"): Exchange<DirectWire> and
// TradingClient<Strategy, DirectWire> on one VirtualClock. DirectWire is both the exchange's
// transport (ExchangeTransport) and the client's Io (ClientIo): what one side sends is queued
// and handed to the other side between polls, never from inside a call (neither side is
// re-entered). Feed packets can be dropped per line by a predicate, and retransmission answers
// too, to exercise gap recovery.
//
// World::run_for() polls both sides and delivers the queues until nothing moves, then advances
// the virtual clock to the earliest timer of either side (DESIGN.md, "Time": the world moves
// when every component is idle). Every loop is bounded.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "client/book.hpp"
#include "client/trading_client.hpp"
#include "core/clock.hpp"
#include "exchange_sim/exchange.hpp"

namespace tb::client::testing {

using exchange::ConnectionId;
using exchange::kNoConnection;

class DirectWire {
public:
    struct FeedPacket {
        FeedLine line;
        std::vector<std::uint8_t> bytes;
    };
    // (line, packet info, index of the packet on that line) -> drop it.
    using DropFeed = std::function<bool(FeedLine, const exchange::FeedPacketInfo&, std::uint64_t)>;

    // ---- the exchange's transport ----
    std::size_t tcp_send(ConnectionId id, std::span<const std::uint8_t> bytes) noexcept {
        if (id == connection_) {
            to_client_.insert(to_client_.end(), bytes.begin(), bytes.end());
        }
        return bytes.size();  // bytes of a connection the client no longer has vanish
    }
    void tcp_close(ConnectionId id) noexcept {
        if (id == connection_) {
            close_to_client_ = true;
        }
    }
    void feed_send(exchange::FeedLine line, std::span<const std::uint8_t> bytes,
                   const exchange::FeedPacketInfo& info) noexcept {
        const FeedLine ours = line == exchange::FeedLine::kA ? FeedLine::kA : FeedLine::kB;
        const std::uint64_t index = sent_[static_cast<std::size_t>(ours)]++;
        if (drop_feed && drop_feed(ours, info, index)) {
            ++dropped_[static_cast<std::size_t>(ours)];
            return;
        }
        feed_.push_back({ours, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
    }
    void unicast_send(const exchange::UdpEndpoint&, std::span<const std::uint8_t> bytes) noexcept {
        if (drop_retransmissions) {
            ++dropped_[2];
            return;
        }
        feed_.push_back(
            {FeedLine::kRetransmission, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
    }
    void apply_link(const exchange::LinkSetting&) noexcept {}

    // ---- the client's Io ----
    bool stream_connect() noexcept {
        connect_pending_ = true;
        return true;
    }
    std::size_t stream_send(std::span<const std::uint8_t> bytes) noexcept {
        to_exchange_.insert(to_exchange_.end(), bytes.begin(), bytes.end());
        return bytes.size();
    }
    void stream_abort() noexcept { client_closed_ = true; }
    void stream_close() noexcept { client_closed_ = true; }
    bool request_send(std::span<const std::uint8_t> bytes) noexcept {
        requests_.emplace_back(bytes.begin(), bytes.end());
        return true;
    }

    // Hands everything queued to the other side; returns how many things moved.
    template <class X, class C>
    std::size_t deliver(X& exchange, C& client, std::int64_t now) {
        std::size_t moved = 0;
        if (connect_pending_) {
            connect_pending_ = false;
            client_closed_ = false;
            close_to_client_ = false;
            to_client_.clear();
            to_exchange_.clear();
            connection_ = exchange.tcp_accepted(now);
            ++moved;
            if (connection_ == kNoConnection) {
                client.on_stream_closed(now);
            } else {
                client.on_stream_connected(now);
            }
        }
        if (!to_exchange_.empty() && connection_ != kNoConnection) {
            std::vector<std::uint8_t> bytes;
            bytes.swap(to_exchange_);
            exchange.tcp_received(connection_, bytes, now);
            ++moved;
        }
        if (client_closed_ && connection_ != kNoConnection) {
            exchange.tcp_closed(connection_, now);
            connection_ = kNoConnection;
            to_client_.clear();
            close_to_client_ = false;
            ++moved;
        }
        client_closed_ = false;
        if (!requests_.empty()) {
            std::vector<std::vector<std::uint8_t>> requests;
            requests.swap(requests_);
            for (const auto& r : requests) {
                exchange.udp_received(exchange::UdpEndpoint{0x0A000002, 26479}, r, now);
            }
            moved += requests.size();
        }
        if (!feed_.empty()) {
            std::vector<FeedPacket> packets;
            packets.swap(feed_);
            std::vector<FeedPacket> late;
            late.swap(lagging_);
            // With b_lags, B's packets are held until A's next packet was handed over: a packet
            // lost on A is then seen as a gap, which B's copy fills right after.
            lagging_ = std::move(late);
            for (FeedPacket& p : packets) {
                if (b_lags && p.line == FeedLine::kB) {
                    lagging_.push_back(std::move(p));
                    continue;
                }
                if (listening) {
                    (void)client.on_feed(p.line, p.bytes, now);
                }
                if (p.line == FeedLine::kA) {
                    for (const FeedPacket& b : lagging_) {
                        if (listening) {
                            (void)client.on_feed(b.line, b.bytes, now);
                        }
                    }
                    lagging_.clear();
                }
            }
            moved += packets.size();
        }
        if (!to_client_.empty()) {
            std::vector<std::uint8_t> bytes;
            bytes.swap(to_client_);
            client.on_stream_data(bytes, now);
            ++moved;
        }
        if (close_to_client_) {
            close_to_client_ = false;
            connection_ = kNoConnection;
            client.on_stream_closed(now);
            ++moved;
        }
        return moved;
    }

    [[nodiscard]] std::uint64_t sent(FeedLine line) const {
        return sent_[static_cast<std::size_t>(line)];
    }
    [[nodiscard]] std::uint64_t dropped(FeedLine line) const {
        return dropped_[static_cast<std::size_t>(line)];
    }
    [[nodiscard]] ConnectionId connection() const { return connection_; }

    DropFeed drop_feed;
    bool drop_retransmissions = false;
    bool listening = true;  // false: feed packets are not handed to the client (not joined)
    bool b_lags = false;    // feed B packets arrive after A's next packet

private:
    ConnectionId connection_ = kNoConnection;
    bool connect_pending_ = false;
    bool client_closed_ = false;
    bool close_to_client_ = false;
    std::vector<std::uint8_t> to_client_;
    std::vector<std::uint8_t> to_exchange_;
    std::vector<std::vector<std::uint8_t>> requests_;
    std::vector<FeedPacket> feed_;
    std::vector<FeedPacket> lagging_;
    std::uint64_t sent_[3] = {0, 0, 0};
    std::uint64_t dropped_[3] = {0, 0, 0};
};

static_assert(exchange::ExchangeTransport<DirectWire>);
static_assert(ClientIo<DirectWire>);

template <class S>
class World {
public:
    static constexpr std::int64_t kStartNs = 1'000'000'000'000;

    World(const exchange::Scenario& scenario, const ClientConfig& config, S& strategy)
        : clock(kStartNs),
          exchange(std::make_unique<exchange::Exchange<DirectWire>>(scenario, wire)),
          client(std::make_unique<TradingClient<S, DirectWire>>(config, strategy, wire)) {}

    // Start of day, and the client's start `client_delay_ns` later (it hears no feed before).
    void start(std::int64_t client_delay_ns = 0) {
        exchange->start(clock.now_ns());
        wire.listening = false;
        if (client_delay_ns > 0) {
            run_for(client_delay_ns);
        }
        wire.listening = true;
        client_on_ = true;
        client->start(clock.now_ns());
    }

    // Polls both sides until `duration_ns` passed on the virtual clock (bounded in passes).
    void run_for(std::int64_t duration_ns, std::size_t max_passes = 20'000'000) {
        const std::int64_t end = clock.now_ns() + duration_ns;
        for (std::size_t pass = 0; pass < max_passes; ++pass) {
            const std::int64_t now = clock.now_ns();
            std::size_t work = wire.deliver(*exchange, *client, now);
            work += exchange->poll(now);
            work += wire.deliver(*exchange, *client, now);
            if (client_on_) {
                work += client->poll(now);
            }
            if (work > 0) {
                continue;
            }
            std::int64_t next = exchange->next_event_ns();
            if (client_on_) {
                next = std::min(next, client->next_timer_ns());
            }
            if (next > end) {
                clock.set(std::max(end, now));
                (void)wire.deliver(*exchange, *client, clock.now_ns());
                return;
            }
            clock.set(next > now ? next : now + 1);
        }
        ADD_FAILURE() << "run_for did not reach its end within " << max_passes << " passes";
    }

    core::VirtualClock clock;
    DirectWire wire;
    std::unique_ptr<exchange::Exchange<DirectWire>> exchange;
    std::unique_ptr<TradingClient<S, DirectWire>> client;

private:
    bool client_on_ = false;
};

// One side of a book, order by order from the best level: (price, order reference, shares).
using BookRows = std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>>;

inline BookRows client_side(const BookBuilder& books, BookId id, Side side) {
    BookRows rows;
    for (std::uint32_t l = books.first_level(id, side); l != kNone; l = books.level(l).worse) {
        for (std::uint32_t o = books.level(l).head; o != kNone; o = books.order(o).next) {
            rows.emplace_back(books.level(l).price, books.order(o).ref, books.order(o).shares);
        }
    }
    return rows;
}

// The displayed orders of one side of the engine's book, in priority order.
template <class Engine>
BookRows engine_side(const Engine& engine, std::size_t symbol, exchange::BookSide side) {
    BookRows rows;
    const exchange::SymbolBook& book = engine.book(symbol);
    const exchange::PriceLevels& levels = book.side(side);
    for (std::uint32_t l = levels.best(); l != exchange::kNoLevel; l = levels.next_after(l)) {
        for (exchange::OrderIndex r = levels.level(l).head; r != exchange::kNoOrder;
             r = engine.pool()[r].next) {
            const exchange::Order& o = engine.pool()[r];
            if (o.displayed) {
                rows.emplace_back(book.price_of(l), o.order_ref, o.open);
            }
        }
    }
    return rows;
}

// Compares every symbol's book of the client with the exchange's; returns the number of
// orders compared.
template <class Engine>
std::size_t expect_books_equal(const BookBuilder& books, const Engine& engine) {
    std::size_t compared = 0;
    for (std::size_t s = 0; s < engine.symbol_count(); ++s) {
        const exchange::SymbolBook& book = engine.book(s);
        const BookId id = books.find(std::string(book.stock.str()));
        EXPECT_NE(id, kNoBook) << book.stock.str();
        if (id == kNoBook) {
            continue;
        }
        const BookRows bids = engine_side(engine, s, exchange::BookSide::kBuy);
        const BookRows asks = engine_side(engine, s, exchange::BookSide::kSell);
        EXPECT_EQ(client_side(books, id, Side::kBuy), bids) << book.stock.str() << " bids";
        EXPECT_EQ(client_side(books, id, Side::kSell), asks) << book.stock.str() << " asks";
        EXPECT_FALSE(books.book(id).stale) << book.stock.str();
        compared += bids.size() + asks.size();
    }
    EXPECT_EQ(books.check_invariants(), "");
    return compared;
}

}  // namespace tb::client::testing
