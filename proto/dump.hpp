#pragma once

// The decoder behind `tickbench-dump`: turns capture records (pcap/pcapng) or ITCH file messages
// into one line per message, as readable text or as JSON lines, and keeps a count per message
// type for the summary.
//
// In captures, UDP to or from a MoldUDP64 port carries ITCH 5.0 (and MoldUDP64 retransmission
// requests go to the request port); TCP to or from a SoupBinTCP port carries OUCH 4.2 (client to
// server: Unsequenced Data holds inbound OUCH; server to client: Sequenced Data holds outbound
// OUCH). TCP streams are reassembled per direction by sequence number, so SoupBinTCP packets
// split across segments are rebuilt. Other frames get one summary line each.
//
// Not a data-path component: it allocates freely.

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <tuple>

#include "proto/pcap.hpp"
#include "proto/soupbintcp.hpp"
#include "proto/wire.hpp"

namespace tb::proto {

struct DumpOptions {
    bool json = false;
    std::set<std::uint16_t> mold_ports{26477};
    std::set<std::uint16_t> mold_request_ports{26478};
    std::set<std::uint16_t> soup_ports{15000};
    std::size_t soup_max_packet = 0xFFFF;
};

class Dumper {
public:
    Dumper(DumpOptions options, std::ostream& out);

    // One frame of a capture.
    void capture_record(const CaptureRecord& record);
    // One message of an ITCH file (`index` is 1-based, `offset` its file offset).
    void itch_file_message(std::uint64_t index, std::uint64_t offset,
                           std::span<const std::uint8_t> message);
    // A problem with the input itself (truncated file ...): printed and counted as an error.
    void input_error(const std::string& message);
    // Prints the summary of message counts by type.
    void summary();

    [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
    [[nodiscard]] std::uint64_t messages() const noexcept { return messages_; }
    [[nodiscard]] std::uint64_t errors() const noexcept { return errors_; }
    // Message counts keyed by "<protocol> <type> <name>", e.g. "itch A Add Order".
    [[nodiscard]] const std::map<std::string, std::uint64_t>& counts() const noexcept {
        return counts_;
    }

private:
    struct Flow {
        soup::Framer framer{0xFFFF};
        bool synced = false;
        std::uint32_t next_sequence = 0;
    };
    using FlowKey = std::tuple<std::uint32_t, std::uint16_t, std::uint32_t, std::uint16_t>;

    class Line;

    void udp_payload(Line& prefix, std::uint16_t source_port, std::uint16_t destination_port,
                     std::span<const std::uint8_t> payload);
    void mold_packet(const Line& prefix, std::span<const std::uint8_t> payload);
    void tcp_segment(Line& prefix, const FlowKey& key, std::uint32_t sequence, std::uint8_t flags,
                     std::span<const std::uint8_t> payload);
    void soup_packet(const Line& prefix, std::span<const std::uint8_t> packet);
    void count(const std::string& key);
    void error_line(Line& line, const std::string& what);
    void emit(Line& line);

    DumpOptions options_;
    std::ostream& out_;
    std::map<FlowKey, Flow> flows_;
    std::map<std::string, std::uint64_t> counts_;
    std::uint64_t frames_ = 0;
    std::uint64_t messages_ = 0;
    std::uint64_t errors_ = 0;
};

// Price with its implied decimals: format_price(1062600, 4) == "106.2600".
[[nodiscard]] std::string format_price(std::uint64_t raw, int decimals);
// Nanoseconds since midnight as HH:MM:SS.nnnnnnnnn.
[[nodiscard]] std::string format_time_of_day(std::uint64_t ns);

}  // namespace tb::proto
