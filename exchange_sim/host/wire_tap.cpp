#include "exchange_sim/host/wire_tap.hpp"

#include <algorithm>

#include "nic_emu/frame_filter.hpp"
#include "proto/ipv4.hpp"
#include "proto/moldudp64.hpp"

namespace tb::exchange {

namespace {

// SoupBinTCP: Packet Length (2), Packet Type (1), then the payload; OUCH's message type is the
// payload's first byte.
constexpr std::size_t kSoupType = 2;
constexpr std::size_t kSoupFirstPayloadByte = 3;

}  // namespace

WireTap::WireTap(std::size_t max_triggers, std::uint16_t feed_port, std::uint16_t order_port)
    : capacity_(max_triggers),
      feed_port_(feed_port),
      order_port_(order_port),
      pending_(max_triggers) {
    records_.reserve(max_triggers);
}

void WireTap::add_trigger(std::uint64_t sequence) noexcept {
    ++counters_.triggers;
    if (records_.size() == capacity_ ||
        (!records_.empty() && records_.back().sequence >= sequence)) {
        ++counters_.triggers_dropped;
        return;
    }
    records_.push_back(WireTapRecord{sequence, -1, -1});
}

WireTap::Outbound WireTap::inspect_outbound(std::span<const std::uint8_t> frame) const noexcept {
    Outbound what;
    const nic::FrameClass c = nic::classify_frame(frame);
    if (!c.l4) {
        return what;
    }
    if (c.protocol == proto::kIpProtocolTcp) {
        what.answer =
            c.source_port == order_port_ && c.payload.size() > kSoupFirstPayloadByte &&
            c.payload[kSoupType] == 'S' &&
            (c.payload[kSoupFirstPayloadByte] == 'A' || c.payload[kSoupFirstPayloadByte] == 'J');
        return what;
    }
    if (records_.empty() || c.protocol != proto::kIpProtocolUdp ||
        c.destination_port != feed_port_) {
        return what;
    }
    proto::mold::Header header;
    if (proto::mold::parse_header(c.payload, header) != proto::Status::kOk ||
        header.kind() != proto::mold::PacketKind::kData) {
        return what;
    }
    const std::uint64_t first = header.sequence_number;
    const std::uint64_t end = first + header.message_count;
    const auto lo = std::lower_bound(
        records_.begin(), records_.end(), first,
        [](const WireTapRecord& r, std::uint64_t sequence) { return r.sequence < sequence; });
    auto hi = lo;
    while (hi != records_.end() && hi->sequence < end) {
        ++hi;
    }
    what.first = static_cast<std::uint32_t>(lo - records_.begin());
    what.count = static_cast<std::uint32_t>(hi - lo);
    return what;
}

void WireTap::delivered(const Outbound& what, std::int64_t t_ns) noexcept {
    if (what.answer) {
        ++counters_.answers;
        if (enter_order_ns_ >= 0) {
            round_trip_.record(t_ns - enter_order_ns_);
            enter_order_ns_ = -1;
        }
    }
    for (std::uint32_t i = what.first; i < what.first + what.count; ++i) {
        WireTapRecord& record = records_[i];
        if (record.t_md_ns >= 0) {
            ++counters_.triggers_repeated;
            continue;
        }
        record.t_md_ns = t_ns;
        ++counters_.triggers_delivered;
        // pending_ holds as many entries as there can be records.
        pending_[pending_count_++] = i;
    }
}

void WireTap::from_client(std::span<const std::uint8_t> frame, std::int64_t t_ns) noexcept {
    const nic::FrameClass c = nic::classify_frame(frame);
    if (!c.l4 || c.protocol != proto::kIpProtocolTcp || c.destination_port != order_port_ ||
        c.payload.size() <= kSoupFirstPayloadByte || c.payload[kSoupType] != 'U') {
        return;
    }
    ++counters_.orders;
    if (c.payload[kSoupFirstPayloadByte] == 'O') {
        ++counters_.enter_orders;
        if (enter_order_ns_ < 0) {
            enter_order_ns_ = t_ns;
        }
    }
    if (pending_count_ == 0) {
        return;
    }
    ++counters_.orders_answering;
    for (std::uint32_t i = 0; i < pending_count_; ++i) {
        WireTapRecord& record = records_[pending_[i]];
        record.t_ord_ns = t_ns;
        tick_to_trade_.record(t_ns - record.t_md_ns);
    }
    pending_count_ = 0;
}

}  // namespace tb::exchange
