#pragma once

// pcapng (draft-ietf-opsawg-pcapng): a writer that Wireshark and tshark open, with nanosecond
// timestamps (if_tsresol = 9), several interfaces and the packet direction (epb_flags), and a
// streaming reader for the blocks this project and common tools write (Section Header, Interface
// Description, Enhanced Packet, Simple Packet; other blocks are skipped).
//
// Only ever writes files: nothing here touches a network interface.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/input_file.hpp"
#include "proto/pcap.hpp"
#include "proto/status.hpp"

namespace tb::proto {

inline constexpr std::uint32_t kPcapngSectionHeader = 0x0A0D0D0A;
inline constexpr std::uint32_t kPcapngInterfaceDescription = 0x00000001;
inline constexpr std::uint32_t kPcapngSimplePacket = 0x00000003;
inline constexpr std::uint32_t kPcapngEnhancedPacket = 0x00000006;
inline constexpr std::uint32_t kPcapngByteOrderMagic = 0x1A2B3C4D;

class PcapngWriter {
public:
    PcapngWriter() = default;
    PcapngWriter(const PcapngWriter&) = delete;
    PcapngWriter& operator=(const PcapngWriter&) = delete;
    ~PcapngWriter();

    // Creates the file and writes the Section Header Block. kIoError with error() on failure.
    [[nodiscard]] Status open(const std::string& path, std::string_view application = "tickbench");

    // Writes an Interface Description Block (nanosecond timestamps) and returns its id
    // (0, 1, ...). Interfaces may be added at any time before packets that use them.
    [[nodiscard]] std::uint32_t add_interface(std::string_view name,
                                              std::uint32_t link_type = kLinkTypeEthernet,
                                              std::uint32_t snap_length = 262144);

    // Writes an Enhanced Packet Block. `original_length` 0 means frame.size(). kBadValue for an
    // interface id that was not added, kIoError on a write error.
    [[nodiscard]] Status write_packet(std::uint32_t interface_id, std::int64_t timestamp_ns,
                                      std::span<const std::uint8_t> frame,
                                      CaptureDirection direction = CaptureDirection::kUnknown,
                                      std::uint32_t original_length = 0);

    // Flushes and closes; kIoError if anything failed since open().
    [[nodiscard]] Status close();
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    void write_bytes(const void* data, std::size_t size);
    void write_u16(std::uint16_t value);
    void write_u32(std::uint32_t value);
    void write_option(std::uint16_t code, std::span<const std::uint8_t> value);
    void write_padding(std::size_t size);

    std::FILE* file_ = nullptr;
    std::uint32_t interfaces_ = 0;
    bool failed_ = false;
    std::string error_;
};

class PcapngReader {
public:
    // kIoError: cannot open; kBadValue: not pcapng (first block is not a Section Header);
    // kTruncated: too short.
    [[nodiscard]] Status open(const std::string& path);
    [[nodiscard]] Status open_memory(std::span<const std::uint8_t> bytes);

    // The next packet (Enhanced or Simple Packet Block): kOk, kEnd, kTruncated, or kBadLength /
    // kBadValue for a malformed block (error() says which).
    [[nodiscard]] Status next(CaptureRecord& record);
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    struct Interface {
        std::uint32_t link_type = 0;
        std::uint8_t resolution = 6;  // if_tsresol: 10^-6 unless the IDB says otherwise
    };

    [[nodiscard]] Status read_section_header(std::size_t length);
    [[nodiscard]] std::uint16_t u16(const std::uint8_t* p) const noexcept;
    [[nodiscard]] std::uint32_t u32(const std::uint8_t* p) const noexcept;
    [[nodiscard]] Status fail(Status status, std::string message);

    InputFile input_;
    bool swapped_ = false;
    std::vector<Interface> interfaces_;
    std::uint64_t count_ = 0;
    std::string error_;
};

// Converts a pcapng timestamp in units of an if_tsresol value to nanoseconds.
[[nodiscard]] std::int64_t pcapng_timestamp_ns(std::uint64_t units,
                                               std::uint8_t resolution) noexcept;

}  // namespace tb::proto
