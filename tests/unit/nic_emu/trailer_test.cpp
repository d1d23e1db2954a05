// The Metamako timestamp trailer (nic_emu/trailer.hpp) and the Ethernet CRC-32 it carries.

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "nic_emu/trailer.hpp"
#include "tests/unit/nic_emu/frames.hpp"

namespace {

using namespace tb::nic;

TEST(Trailer, Crc32MatchesTheStandardCheckValue) {
    // The CRC-32/ISO-HDLC check value of "123456789".
    constexpr std::string_view kCheck = "123456789";
    EXPECT_EQ(ethernet_crc32({reinterpret_cast<const std::uint8_t*>(kCheck.data()), kCheck.size()}),
              0xCBF43926u);
    EXPECT_EQ(ethernet_crc32({}), 0u);
}

TEST(Trailer, FcsAppendedToAFrameLeavesTheIeeeResidue) {
    // A frame followed by its FCS (least significant byte first) has the CRC-32 residue
    // 0x2144DF1C (complemented form of 0xC704DD7B): the receiver's check.
    std::vector<std::uint8_t> frame = test::udp_frame(3);
    const std::uint32_t fcs = ethernet_crc32(frame);
    for (int i = 0; i < 4; ++i) {
        frame.push_back(static_cast<std::uint8_t>(fcs >> (8 * i)));
    }
    EXPECT_EQ(ethernet_crc32(frame), 0x2144DF1Cu);
}

TEST(Trailer, WritesAndReadsBackEveryField) {
    const Trailer trailer{0x11223344, 1'700'000'123, 999'999'999, kTrailerFcsValid, 0xBEEF, 7};
    std::array<std::uint8_t, kTrailerSize> bytes{};
    write_trailer(trailer, bytes.data());
    // Big-endian fields at their offsets.
    EXPECT_EQ(bytes[0], 0x11);
    EXPECT_EQ(bytes[3], 0x44);
    EXPECT_EQ(bytes[12], kTrailerFcsValid);
    EXPECT_EQ(bytes[13], 0xBE);
    EXPECT_EQ(bytes[14], 0xEF);
    EXPECT_EQ(bytes[15], 7);
    Trailer back;
    ASSERT_EQ(parse_trailer(bytes, back), tb::proto::Status::kOk);
    EXPECT_EQ(back, trailer);
}

TEST(Trailer, AppendPadsShortFramesToSixtyBytesAndStampsTheTime) {
    std::vector<std::uint8_t> buffer(256, 0xEE);
    const std::vector<std::uint8_t> frame = test::raw_frame(9, 42);
    std::memcpy(buffer.data(), frame.data(), frame.size());
    const std::int64_t time_ns = 1'700'000'000'123'456'789;
    const std::size_t length = append_trailer(buffer, frame.size(), time_ns, 3, 2);
    ASSERT_EQ(length, 60 + kTrailerSize);
    for (std::size_t i = 42; i < 60; ++i) {
        EXPECT_EQ(buffer[i], 0) << i;
    }
    Trailer trailer;
    ASSERT_EQ(parse_trailer(std::span(buffer.data(), length), trailer), tb::proto::Status::kOk);
    EXPECT_EQ(trailer.seconds, 1'700'000'000u);
    EXPECT_EQ(trailer.nanoseconds, 123'456'789u);
    EXPECT_EQ(trailer.device, 3);
    EXPECT_EQ(trailer.port, 2);
    EXPECT_EQ(trailer.flags, kTrailerFcsValid);
    // The original FCS field holds the padded frame's FCS bytes in wire order.
    const std::uint32_t crc = ethernet_crc32(std::span(buffer.data(), 60));
    EXPECT_EQ(buffer[60], static_cast<std::uint8_t>(crc));
    EXPECT_EQ(buffer[63], static_cast<std::uint8_t>(crc >> 24));
}

TEST(Trailer, AppendRefusesWhenThereIsNoRoom) {
    std::vector<std::uint8_t> buffer(76, 0);
    EXPECT_EQ(append_trailer(buffer, 61, 1, 0, 0), 0u);
    EXPECT_EQ(append_trailer(buffer, 54, 1, 0, 0), 76u);  // padded to 60, then 16
}

TEST(Trailer, RejectsShortInputAndImpossibleNanoseconds) {
    Trailer trailer;
    const std::array<std::uint8_t, 15> short_bytes{};
    EXPECT_EQ(parse_trailer(short_bytes, trailer), tb::proto::Status::kTruncated);
    std::array<std::uint8_t, kTrailerSize> bytes{};
    write_trailer(Trailer{0, 5, 1'000'000'000, 1, 0, 0}, bytes.data());
    EXPECT_EQ(parse_trailer(bytes, trailer), tb::proto::Status::kBadValue);
    write_trailer(Trailer{0, 5, 1, kTrailerHasExtensions, 0, 0}, bytes.data());
    EXPECT_EQ(parse_trailer(bytes, trailer), tb::proto::Status::kBadValue);
}

}  // namespace
