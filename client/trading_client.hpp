#pragma once

// The trading client without a transport: feed handler, book builder, order session, own
// orders and a strategy, driven in one thread by the owner, who hands it received bytes and
// gives it an Io to send with. Client<Transport, Strategy> (client/client.hpp) is the owner for
// the net/ transports (the user-space stack over a DPDK port, or kernel sockets); tests drive
// it directly, as the exchange's own tests drive Exchange<Transport>.
//
// Data flow (DESIGN.md, "One tick, end to end"):
//   on_feed(line, MoldUDP64 packet) -> FeedHandler (A/B arbitration, gaps) -> ITCH message
//     -> BookBuilder -> strategy.on_book / on_trade -> Trader.enter() -> OrderSession
//     -> Io::stream_send (OUCH Enter Order in SoupBinTCP Unsequenced Data)
//   on_stream_data(bytes) -> OrderSession (SoupBinTCP) -> OUCH -> OrderManager -> on_order
//
// Io (compile-time):
//     bool stream_connect() noexcept;      // open the order-entry connection (async)
//     std::size_t stream_send(std::span<const std::uint8_t>) noexcept;
//     void stream_abort() noexcept;        // reset now; no disconnect report follows
//     void stream_close() noexcept;        // orderly close
//     bool request_send(std::span<const std::uint8_t>) noexcept;  // to the retransmission server
// The owner reports the connection with on_stream_connected / on_stream_data /
// on_stream_closed, and every feed datagram with on_feed (line A, B, or the retransmission
// answers).
//
// Time: every entry point takes the owner's clock now; the client reads no clock.
// Memory: everything is sized in the constructor. Thread rules: one owner thread.

#include <cstdint>
#include <limits>
#include <span>

#include "client/book.hpp"
#include "client/feed.hpp"
#include "client/orders.hpp"
#include "client/session.hpp"
#include "client/strategy.hpp"

namespace tb::client {

struct ClientConfig {
    BookConfig books;
    FeedConfig feed;
    SessionConfig session;
    OrderConfig orders;
};

template <class T>
concept ClientIo = requires(T& io, std::span<const std::uint8_t> bytes) {
    { io.stream_connect() }
    noexcept->std::same_as<bool>;
    { io.stream_send(bytes) }
    noexcept->std::same_as<std::size_t>;
    { io.stream_abort() }
    noexcept;
    { io.stream_close() }
    noexcept;
    { io.request_send(bytes) }
    noexcept->std::same_as<bool>;
};

// Io is checked against ClientIo in the constructor (an owner may pass itself while it is still
// an incomplete type).
template <Strategy S, class Io>
class TradingClient {
private:
    // The feed handler's sink: messages into the books, then the strategy.
    struct FeedSink {
        TradingClient& c;
        void on_message(std::uint64_t, std::span<const std::uint8_t> message) noexcept {
            c.market_message(message);
        }
        void prefetch(std::span<const std::uint8_t> message) noexcept {
            c.books_.prefetch(message);
        }
        void on_lost(std::uint64_t, std::uint64_t) noexcept {
            c.books_.mark_all_stale();
            for (BookId id = 0; id < c.books_.book_count(); ++id) {
                c.strategy_.on_stale(c.orders_, id);
            }
        }
        void on_session_change(const mold::Session&) noexcept { c.books_.clear(); }
        void on_end_of_session() noexcept {}
        bool send_request(std::span<const std::uint8_t> request) noexcept {
            return c.io_.request_send(request);
        }
    };

    // The order session's connection, through the owner's Io.
    struct SessionIo {
        TradingClient& c;
        bool connect() noexcept { return c.io_.stream_connect(); }
        std::size_t send(std::span<const std::uint8_t> bytes) noexcept {
            return c.io_.stream_send(bytes);
        }
        void abort() noexcept { c.io_.stream_abort(); }
        void close() noexcept { c.io_.stream_close(); }
    };

    struct SessionHandler {
        TradingClient& c;
        void on_sequenced(std::uint64_t, std::span<const std::uint8_t> message) noexcept {
            OrderEvent event;
            if (c.orders_.apply(message, event)) {
                c.strategy_.on_order(c.orders_, event);
            }
        }
        void on_login(const soup::LoginAccepted&) noexcept {}
        void on_end_of_session() noexcept {}
    };

public:
    // Sizes everything (throws tb::core::ConfigError). Strategy and Io must outlive the client.
    TradingClient(const ClientConfig& config, S& strategy, Io& io)
        : strategy_(strategy),
          io_(io),
          feed_sink_{*this},
          session_io_{*this},
          session_handler_{*this},
          books_(config.books),
          feed_(config.feed, feed_sink_),
          session_(config.session, session_io_, session_handler_),
          orders_(config.orders, books_) {
        static_assert(ClientIo<Io>);
        OrderOut out;
        out.context = this;
        out.enter = [](void* c, const ouch::EnterOrder& m) noexcept {
            auto* self = static_cast<TradingClient*>(c);
            return self->session_.send_message(m, self->now_ns_);
        };
        out.replace = [](void* c, const ouch::ReplaceOrder& m) noexcept {
            auto* self = static_cast<TradingClient*>(c);
            return self->session_.send_message(m, self->now_ns_);
        };
        out.cancel = [](void* c, const ouch::CancelOrder& m) noexcept {
            auto* self = static_cast<TradingClient*>(c);
            return self->session_.send_message(m, self->now_ns_);
        };
        orders_.bind(out);
    }

    TradingClient(const TradingClient&) = delete;
    TradingClient& operator=(const TradingClient&) = delete;

    // Opens the order-entry connection and starts the strategy.
    void start(std::int64_t now_ns) noexcept {
        set_now(now_ns);
        session_.start(now_ns);
        strategy_.on_start(orders_);
    }

    // One MoldUDP64 packet from feed A, feed B or the retransmission server.
    std::size_t on_feed(FeedLine line, std::span<const std::uint8_t> packet,
                        std::int64_t now_ns) noexcept {
        set_now(now_ns);
        return feed_.on_packet(line, packet, now_ns);
    }

    void on_stream_connected(std::int64_t now_ns) noexcept {
        set_now(now_ns);
        session_.on_connected(now_ns);
    }
    void on_stream_data(std::span<const std::uint8_t> bytes, std::int64_t now_ns) noexcept {
        set_now(now_ns);
        session_.on_data(bytes, now_ns);
    }
    void on_stream_closed(std::int64_t now_ns) noexcept {
        set_now(now_ns);
        session_.on_disconnected(now_ns);
    }

    // Timers of the feed handler and the session; returns the work done.
    unsigned poll(std::int64_t now_ns) noexcept {
        set_now(now_ns);
        return feed_.poll(now_ns) + session_.poll(now_ns);
    }
    [[nodiscard]] std::int64_t next_timer_ns() const noexcept {
        return std::min(feed_.next_timer_ns(), session_.next_timer_ns());
    }

    // Logout and close (end of a run).
    void stop(std::int64_t now_ns) noexcept {
        set_now(now_ns);
        session_.logout(now_ns);
    }

    // ---- parts, for reports and tests ----
    [[nodiscard]] const BookBuilder& books() const noexcept { return books_; }
    [[nodiscard]] const FeedHandler<FeedSink>& feed() const noexcept { return feed_; }
    [[nodiscard]] const OrderSession<SessionIo, SessionHandler>& session() const noexcept {
        return session_;
    }
    [[nodiscard]] const OrderManager& orders() const noexcept { return orders_; }
    [[nodiscard]] OrderManager& trader() noexcept { return orders_; }
    [[nodiscard]] S& strategy() noexcept { return strategy_; }
    [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }

private:
    void set_now(std::int64_t now_ns) noexcept {
        now_ns_ = now_ns;
        orders_.set_now(now_ns);
    }

    void market_message(std::span<const std::uint8_t> message) noexcept {
        const BookUpdate update = books_.apply(message);
        switch (update.kind) {
            case UpdateKind::kNone:
                return;
            case UpdateKind::kExecute:
                strategy_.on_book(orders_, update);
                strategy_.on_trade(orders_, update);
                return;
            case UpdateKind::kTrade:
                strategy_.on_trade(orders_, update);
                return;
            default:
                strategy_.on_book(orders_, update);
                return;
        }
    }

    S& strategy_;
    Io& io_;
    FeedSink feed_sink_;
    SessionIo session_io_;
    SessionHandler session_handler_;
    BookBuilder books_;
    FeedHandler<FeedSink> feed_;
    OrderSession<SessionIo, SessionHandler> session_;
    OrderManager orders_;
    std::int64_t now_ns_ = 0;
};

}  // namespace tb::client
