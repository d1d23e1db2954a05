// Fuzz target: the receive chain Ethernet (802.1Q) -> ARP | IPv4 -> ICMP | UDP | TCP, then
// MoldUDP64/ITCH on UDP payloads and SoupBinTCP/OUCH on TCP payloads.

#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/soupbintcp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tb::proto;
    const std::span<const std::uint8_t> frame(data, size);
    for (const bool verify : {false, true}) {
        ParsedFrame parsed;
        const Status status = parse_frame(frame, parsed, ParseOptions{.verify_checksums = verify});
        if (status != Status::kOk) {
            continue;
        }
        FUZZ_CHECK(!verify || parsed.checksums_ok());
        FUZZ_CHECK(parsed.payload.empty() ||
                   (parsed.payload.data() >= data &&
                    parsed.payload.data() + parsed.payload.size() <= data + size));
        if (parsed.layer4 == Layer4::kUdp) {
            mold::Header header;
            (void)mold::for_each_message(parsed.payload, header,
                                         [](std::uint64_t, std::span<const std::uint8_t> m) {
                                             (void)itch::decode(m, [](const auto&) {});
                                         });
        } else if (parsed.layer4 == Layer4::kTcp) {
            static soup::Framer framer(0xFFFF);
            framer.reset();
            (void)framer.feed(parsed.payload, [](std::span<const std::uint8_t> bytes) {
                soup::Packet packet;
                if (soup::parse_packet(bytes, packet) == Status::kOk) {
                    (void)ouch::decode_inbound(packet.payload, [](const auto&) {});
                    (void)ouch::decode_outbound(packet.payload, [](const auto&) {});
                }
            });
        }
    }
    return 0;
}
