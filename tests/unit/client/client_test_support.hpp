#pragma once

// Helpers for the client's unit tests: ITCH messages and MoldUDP64 packets built with proto/'s
// codecs, a recording feed sink, a fake order-entry connection, and OUCH outbound messages as
// an exchange would send them.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "client/feed.hpp"
#include "client/types.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

namespace tb::client::testing {

namespace itch = tb::proto::itch;
namespace mold = tb::proto::mold;
namespace ouch = tb::proto::ouch;
namespace soup = tb::proto::soup;

using Bytes = std::vector<std::uint8_t>;

template <class M>
Bytes encode(const M& message) {
    Bytes out(proto::wire_size<M>());
    proto::encode_fields(message, out.data());
    return out;
}

inline Bytes add_order(std::uint16_t locate, std::uint64_t ref, char side, std::uint32_t shares,
                       const char* stock, Price price, std::uint64_t ts = 1) {
    itch::AddOrder m;
    m.stock_locate = locate;
    m.timestamp_ns = ts;
    m.order_reference_number = ref;
    m.side = static_cast<itch::Side>(side);
    m.shares = shares;
    m.stock = Stock::left(stock);
    m.price = price;
    return encode(m);
}

inline Bytes add_order_mpid(std::uint16_t locate, std::uint64_t ref, char side,
                            std::uint32_t shares, const char* stock, Price price) {
    itch::AddOrderMpid m;
    m.stock_locate = locate;
    m.order_reference_number = ref;
    m.side = static_cast<itch::Side>(side);
    m.shares = shares;
    m.stock = Stock::left(stock);
    m.price = price;
    m.attribution = proto::Alpha<4>::left("MPID");
    return encode(m);
}

inline Bytes executed(std::uint16_t locate, std::uint64_t ref, std::uint32_t shares,
                      std::uint64_t match) {
    itch::OrderExecuted m;
    m.stock_locate = locate;
    m.order_reference_number = ref;
    m.executed_shares = shares;
    m.match_number = match;
    return encode(m);
}

inline Bytes executed_with_price(std::uint16_t locate, std::uint64_t ref, std::uint32_t shares,
                                 std::uint64_t match, Price price, bool printable) {
    itch::OrderExecutedWithPrice m;
    m.stock_locate = locate;
    m.order_reference_number = ref;
    m.executed_shares = shares;
    m.match_number = match;
    m.printable = printable ? itch::Printable::kPrintable : itch::Printable::kNonPrintable;
    m.execution_price = price;
    return encode(m);
}

inline Bytes cancel(std::uint16_t locate, std::uint64_t ref, std::uint32_t shares) {
    itch::OrderCancel m;
    m.stock_locate = locate;
    m.order_reference_number = ref;
    m.cancelled_shares = shares;
    return encode(m);
}

inline Bytes delete_order(std::uint16_t locate, std::uint64_t ref) {
    itch::OrderDelete m;
    m.stock_locate = locate;
    m.order_reference_number = ref;
    return encode(m);
}

inline Bytes replace(std::uint16_t locate, std::uint64_t old_ref, std::uint64_t new_ref,
                     std::uint32_t shares, Price price) {
    itch::OrderReplace m;
    m.stock_locate = locate;
    m.original_order_reference_number = old_ref;
    m.new_order_reference_number = new_ref;
    m.shares = shares;
    m.price = price;
    return encode(m);
}

inline Bytes directory(std::uint16_t locate, const char* stock) {
    itch::StockDirectory m;
    m.stock_locate = locate;
    m.stock = Stock::left(stock);
    m.round_lot_size = 100;
    return encode(m);
}

inline Bytes trading_action(std::uint16_t locate, const char* stock, char state) {
    itch::StockTradingAction m;
    m.stock_locate = locate;
    m.stock = Stock::left(stock);
    m.trading_state = static_cast<itch::TradingState>(state);
    return encode(m);
}

inline Bytes system_event(char code) {
    itch::SystemEvent m;
    m.event_code = static_cast<itch::EventCode>(code);
    return encode(m);
}

inline Bytes trade(std::uint16_t locate, char side, std::uint32_t shares, const char* stock,
                   Price price, std::uint64_t match) {
    itch::Trade m;
    m.stock_locate = locate;
    m.side = static_cast<itch::Side>(side);
    m.shares = shares;
    m.stock = Stock::left(stock);
    m.price = price;
    m.match_number = match;
    return encode(m);
}

inline const mold::Session kSession = mold::Session::left("SESSION001");

// A MoldUDP64 data packet with `messages`, the first numbered `first`.
inline Bytes packet(std::uint64_t first, const std::vector<Bytes>& messages,
                    const mold::Session& session = kSession) {
    Bytes buffer(1500);
    mold::PacketBuilder builder(buffer, buffer.size());
    builder.start(session, first);
    for (const Bytes& m : messages) {
        const bool added = builder.add(m);
        (void)added;
    }
    const std::span<const std::uint8_t> p = builder.finish();
    return Bytes(p.begin(), p.end());
}

// A data packet of `count` System Event messages (code 'S'), numbered from `first`: filler
// for sequencing tests.
inline Bytes filler(std::uint64_t first, std::size_t count,
                    const mold::Session& session = kSession) {
    return packet(first, std::vector<Bytes>(count, system_event('S')), session);
}

inline Bytes heartbeat(std::uint64_t next, const mold::Session& session = kSession) {
    Bytes out(mold::kHeaderSize);
    const std::size_t n = mold::write_heartbeat(session, next, out);
    out.resize(n);
    return out;
}

inline Bytes end_of_session(std::uint64_t next, const mold::Session& session = kSession) {
    Bytes out(mold::kHeaderSize);
    const std::size_t n = mold::write_end_of_session(session, next, out);
    out.resize(n);
    return out;
}

// Records what a FeedHandler hands on.
struct RecordingSink {
    std::vector<std::uint64_t> sequences;
    std::vector<Bytes> messages;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> lost;
    std::vector<mold::RetransmissionRequest> requests;
    std::size_t session_changes = 0;
    std::size_t end_of_session = 0;
    bool refuse_requests = false;

    void on_message(std::uint64_t sequence, std::span<const std::uint8_t> message) noexcept {
        sequences.push_back(sequence);
        messages.emplace_back(message.begin(), message.end());
    }
    void on_lost(std::uint64_t first, std::uint64_t count) noexcept {
        lost.emplace_back(first, count);
    }
    void on_session_change(const mold::Session&) noexcept { ++session_changes; }
    void on_end_of_session() noexcept { ++end_of_session; }
    bool send_request(std::span<const std::uint8_t> bytes) noexcept {
        mold::RetransmissionRequest request;
        if (mold::parse_request(bytes, request) == proto::Status::kOk) {
            requests.push_back(request);
        }
        return !refuse_requests;
    }
};

// 1, 2, ..., n.
inline std::vector<std::uint64_t> iota(std::uint64_t from, std::uint64_t to_inclusive) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t s = from; s <= to_inclusive; ++s) {
        out.push_back(s);
    }
    return out;
}

// SoupBinTCP Sequenced Data carrying OUCH message m.
template <class M>
Bytes sequenced(const M& m) {
    Bytes out(soup::kPacketHeaderSize + proto::wire_size<M>());
    const std::size_t n = soup::write_message(soup::PacketType::kSequencedData, m, out);
    out.resize(n);
    return out;
}

inline ouch::Accepted accepted(const ouch::EnterOrder& e, std::uint64_t ref) {
    ouch::Accepted a;
    a.order_token = e.order_token;
    a.side = e.side;
    a.shares = e.shares;
    a.stock = e.stock;
    a.price = e.price;
    a.time_in_force = e.time_in_force;
    a.firm = e.firm;
    a.display = e.display;
    a.order_reference_number = ref;
    a.order_state = ouch::OrderState::kLive;
    return a;
}

inline ouch::Executed execution(const proto::Alpha<14>& token, std::uint32_t shares, Price price,
                                std::uint64_t match) {
    ouch::Executed m;
    m.order_token = token;
    m.executed_shares = shares;
    m.execution_price = price;
    m.liquidity_flag = ouch::LiquidityFlag::kRemoved;
    m.match_number = match;
    return m;
}

inline ouch::Canceled canceled(const proto::Alpha<14>& token, std::uint32_t shares,
                               ouch::CancelReason reason = ouch::CancelReason::kUserRequested) {
    ouch::Canceled m;
    m.order_token = token;
    m.decrement_shares = shares;
    m.reason = reason;
    return m;
}

}  // namespace tb::client::testing
