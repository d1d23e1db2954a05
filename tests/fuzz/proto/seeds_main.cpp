// Writes the seed corpora of the proto fuzz targets: one folder per target under OUT, filled
// with valid inputs (every message and packet type, built with our encoders) and, when the
// shared Nasdaq captures are present, the real frames, MoldUDP64 packets and ITCH messages in
// them (the capture files themselves are given to fuzz_capture where they are). Usage:
// proto_fuzz_seeds OUT [SHARED_ITCH50_DIR]

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "proto/capture.hpp"
#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/itch_file.hpp"
#include "proto/moldudp64.hpp"
#include "proto/ouch.hpp"
#include "proto/pcapng.hpp"
#include "proto/soupbintcp.hpp"

namespace fs = std::filesystem;
using namespace tb::proto;
using Bytes = std::vector<std::uint8_t>;

namespace {

fs::path g_out;

void write_seed(const std::string& target, const std::string& name,
                std::span<const std::uint8_t> bytes) {
    const fs::path dir = g_out / target;
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

template <class M>
Bytes encoded(const M& message) {
    Bytes bytes(wire_size<M>());
    encode_fields(message, bytes.data());
    return bytes;
}

template <class List, class F>
void for_each_type(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::tuple_element_t<I, List>{}), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<List>>{});
}

Bytes soup_stream() {
    Bytes stream = {16, 7};  // fuzz_soupbintcp: maximum length byte, piece size byte
    auto append = [&](std::size_t size, const Bytes& buffer) {
        stream.insert(stream.end(), buffer.begin(), buffer.begin() + static_cast<long>(size));
    };
    Bytes buffer(200);
    append(soup::write_login_request(
               {Alpha<6>::left("user"), Alpha<10>::left("pw"), Alpha<10>::left(""), 1}, buffer),
           buffer);
    append(soup::write_login_accepted({Alpha<10>::right("S1"), 1}, buffer), buffer);
    append(soup::write_login_rejected(soup::RejectReason::kSessionNotAvailable, buffer), buffer);
    const Bytes text = {'h', 'i'};
    append(soup::write_with_payload(soup::PacketType::kDebug, text, buffer), buffer);
    for_each_type<ouch::InboundMessages>([&](auto m) {
        append(soup::write_message(soup::PacketType::kUnsequencedData, m, buffer), buffer);
    });
    for_each_type<ouch::OutboundMessages>([&](auto m) {
        append(soup::write_message(soup::PacketType::kSequencedData, m, buffer), buffer);
    });
    for (const auto type : {soup::PacketType::kServerHeartbeat, soup::PacketType::kEndOfSession,
                            soup::PacketType::kClientHeartbeat, soup::PacketType::kLogoutRequest}) {
        append(soup::write_empty(type, buffer), buffer);
    }
    return stream;
}

void real_captures(const fs::path& shared) {
    int n = 0;
    for (const char* folder : {"nasdaq-live", "nasdaq-per-type"}) {
        const fs::path dir = shared / folder;
        if (!fs::is_directory(dir)) {
            continue;
        }
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir)) {
            files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            CaptureReader reader;
            if (reader.open(file.string()) != Status::kOk) {
                continue;
            }
            CaptureRecord record;
            while (reader.next(record) == Status::kOk) {
                const std::string name = "real_" + std::to_string(n++);
                write_seed("frame", name, record.data);
                ParsedFrame frame;
                if (parse_frame(record.data, frame, ParseOptions{.verify_checksums = false}) !=
                    Status::kOk) {
                    continue;
                }
                write_seed("moldudp64", name, frame.payload);
                mold::Header header;
                int m = 0;
                (void)mold::for_each_message(
                    frame.payload, header, [&](std::uint64_t, std::span<const std::uint8_t> msg) {
                        write_seed("itch", name + "_" + std::to_string(m++), msg);
                    });
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: proto_fuzz_seeds OUT [SHARED_ITCH50_DIR]\n");
        return 2;
    }
    g_out = argv[1];
    tb::core::Rng rng(1);

    // ITCH: every message type.
    Bytes itch_file_bytes;
    for_each_type<itch::AllMessages>([&](auto m) {
        using M = decltype(m);
        const Bytes bytes = encoded(m);
        write_seed("itch", std::string("type_") + (M::kType >= 'a' ? "lower_" : "") + M::kType,
                   bytes);
        itch_file_bytes.push_back(0);
        itch_file_bytes.push_back(static_cast<std::uint8_t>(bytes.size()));
        itch_file_bytes.insert(itch_file_bytes.end(), bytes.begin(), bytes.end());
    });
    write_seed("capture", "every_type.itch", itch_file_bytes);

    // MoldUDP64: a full packet, a heartbeat, an end of session, a request.
    Bytes buffer(1500);
    mold::PacketBuilder builder(buffer, 1472);
    builder.start(mold::Session::left("SEED000001"), 1);
    for_each_type<itch::AllMessages>([&](auto m) { (void)builder.add_message(m); });
    const auto packet = builder.finish();
    write_seed("moldudp64", "every_type", packet);
    Bytes bare(20);
    (void)mold::write_heartbeat(mold::Session::left("SEED000001"), 5, bare);
    write_seed("moldudp64", "heartbeat", bare);
    (void)mold::write_end_of_session(mold::Session::left("SEED000001"), 5, bare);
    write_seed("moldudp64", "end_of_session", bare);
    (void)mold::write_request({mold::Session::left("SEED000001"), 5, 10}, bare);
    write_seed("moldudp64", "request", bare);

    // SoupBinTCP and OUCH.
    const Bytes stream = soup_stream();
    write_seed("soupbintcp", "every_type", stream);
    for_each_type<ouch::InboundMessages>(
        [&](auto m) { write_seed("ouch", std::string("in_") + decltype(m)::kType, encoded(m)); });
    for_each_type<ouch::OutboundMessages>(
        [&](auto m) { write_seed("ouch", std::string("out_") + decltype(m)::kType, encoded(m)); });

    // Frames: UDP with the MoldUDP64 packet, TCP with options and the SoupBinTCP stream, with and
    // without VLAN; ARP and ICMP echo.
    FrameSpec spec;
    spec.source = {{2, 0, 0, 0, 0, 1}, 0x0A000001, 15000};
    spec.destination = {{2, 0, 0, 0, 0, 2}, 0x0A000002, 26477};
    Bytes frame(1600);
    std::vector<Bytes> frames;
    for (const bool vlan : {false, true}) {
        spec.has_vlan = vlan;
        frames.emplace_back(
            frame.begin(), frame.begin() + static_cast<long>(build_udp_frame(spec, packet, frame)));
        TcpOptions options;
        options.has_mss = options.has_window_scale = options.sack_permitted = true;
        options.has_timestamps = true;
        TcpHeader tcp;
        tcp.flags = kTcpAck | kTcpPsh;
        const auto soup_bytes = std::span<const std::uint8_t>(stream).subspan(2);
        frames.emplace_back(frame.begin(),
                            frame.begin() + static_cast<long>(build_tcp_frame(spec, tcp, options,
                                                                              soup_bytes, frame)));
    }
    EthernetHeader eth;
    eth.ether_type = kEtherTypeArp;
    Bytes arp(60, 0);
    (void)write_ethernet(eth, arp);
    (void)write_arp(ArpPacket{}, std::span(arp).subspan(14));
    frames.push_back(arp);
    int i = 0;
    for (const Bytes& f : frames) {
        write_seed("frame", "built_" + std::to_string(i++), f);
    }

    // A pcapng capture of those frames for the capture target.
    const fs::path pcapng = g_out / "capture" / "built.pcapng";
    fs::create_directories(g_out / "capture");
    PcapngWriter writer;
    if (writer.open(pcapng.string()) == Status::kOk) {
        const std::uint32_t a = writer.add_interface("a");
        const std::uint32_t b = writer.add_interface("b");
        std::int64_t t = 1'000'000'000;
        for (const Bytes& f : frames) {
            (void)writer.write_packet(t % 2 == 0 ? a : b, t, f, CaptureDirection::kOutbound);
            t += 1001;
        }
        (void)writer.close();
    }

    if (argc > 2) {
        real_captures(argv[2]);
    }
    return 0;
}
