#include "proto/itch_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/random.hpp"
#include "message_testing.hpp"
#include "proto/itch.hpp"

namespace {

using namespace tb::proto;
using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
    return fs::temp_directory_path() / ("tb_proto_" + std::to_string(::getpid()) + "_" + name);
}

// Random messages of every ITCH type, as bytes.
std::vector<Bytes> random_messages(std::size_t count, std::uint64_t seed) {
    tb::core::Rng rng(seed);
    std::vector<Bytes> all;
    while (all.size() < count) {
        test_support::for_each_type<itch::AllMessages>([&](auto type) {
            using M = typename decltype(type)::type;
            Bytes bytes(wire_size<M>());
            EXPECT_EQ(itch::encode(test_support::random_message<M>(rng), bytes), bytes.size());
            all.push_back(bytes);
        });
    }
    all.resize(count);
    return all;
}

TEST(ItchFile, WrittenMessagesReadBackInOrderThroughASmallStreamingBuffer) {
    const fs::path path = temp_path("stream.itch");
    const auto messages = random_messages(20'000, 71);
    {
        itch::FileWriter writer;
        ASSERT_EQ(writer.open(path.string(), 4096), Status::kOk);
        for (const Bytes& m : messages) {
            ASSERT_EQ(writer.write(m), Status::kOk);
        }
        ASSERT_EQ(writer.close(), Status::kOk);
    }
    std::size_t expected_size = 0;
    for (const Bytes& m : messages) {
        expected_size += 2 + m.size();
    }
    EXPECT_EQ(fs::file_size(path), expected_size);
    itch::FileReader reader;
    ASSERT_EQ(reader.open(path.string(), 4096), Status::kOk);
    std::span<const std::uint8_t> message;
    std::uint64_t offset = 0;
    for (const Bytes& m : messages) {
        ASSERT_EQ(reader.next(message), Status::kOk);
        EXPECT_EQ(Bytes(message.begin(), message.end()), m);
        EXPECT_EQ(reader.offset(), offset);
        offset += 2 + m.size();
        EXPECT_EQ(itch::decode(message, [](const auto&) {}), Status::kOk);
    }
    EXPECT_EQ(reader.next(message), Status::kEnd);
    EXPECT_EQ(reader.count(), messages.size());
    fs::remove(path);
}

TEST(ItchFile, MessagesAreLengthPrefixedBigEndian) {
    const fs::path path = temp_path("layout.itch");
    {
        itch::FileWriter writer;
        ASSERT_EQ(writer.open(path.string()), Status::kOk);
        ASSERT_EQ(writer.write_message(itch::OrderDelete{}), Status::kOk);
        ASSERT_EQ(writer.close(), Status::kOk);
    }
    std::ifstream in(path, std::ios::binary);
    const Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(bytes.size(), 21u);
    EXPECT_EQ(bytes[0], 0);
    EXPECT_EQ(bytes[1], 19);
    EXPECT_EQ(bytes[2], 'D');
    fs::remove(path);
}

TEST(ItchFile, EveryTruncationReadsTheWholeMessagesThenReportsTruncated) {
    const auto messages = random_messages(5, 72);
    Bytes file;
    std::vector<std::size_t> ends;
    for (const Bytes& m : messages) {
        file.push_back(static_cast<std::uint8_t>(m.size() >> 8));
        file.push_back(static_cast<std::uint8_t>(m.size()));
        file.insert(file.end(), m.begin(), m.end());
        ends.push_back(file.size());
    }
    for (std::size_t cut = 0; cut <= file.size(); ++cut) {
        itch::FileReader reader;
        ASSERT_EQ(reader.open_memory(std::span(file.data(), cut)), Status::kOk);
        std::span<const std::uint8_t> message;
        std::size_t read = 0;
        Status status;
        while ((status = reader.next(message)) == Status::kOk) {
            EXPECT_EQ(Bytes(message.begin(), message.end()), messages[read]);
            ++read;
        }
        std::size_t whole = 0;
        while (whole < ends.size() && ends[whole] <= cut) {
            ++whole;
        }
        EXPECT_EQ(read, whole) << cut;
        const bool boundary = cut == 0 || (whole > 0 && ends[whole - 1] == cut);
        EXPECT_EQ(status, boundary ? Status::kEnd : Status::kTruncated) << cut;
    }
}

TEST(ItchFile, ZeroLengthMessagesAndOversizedWritesAreRejected) {
    const Bytes file = {0, 0, 'S'};
    itch::FileReader reader;
    ASSERT_EQ(reader.open_memory(file), Status::kOk);
    std::span<const std::uint8_t> message;
    EXPECT_EQ(reader.next(message), Status::kBadLength);
    EXPECT_NE(reader.error().find("length 0"), std::string::npos);

    const fs::path path = temp_path("oversized.itch");
    itch::FileWriter writer;
    ASSERT_EQ(writer.open(path.string()), Status::kOk);
    EXPECT_EQ(writer.write(Bytes{}), Status::kBadLength);
    EXPECT_EQ(writer.write(Bytes(0x10000, 1)), Status::kBadLength);
    EXPECT_EQ(writer.write(Bytes(0xFFFF, 1)), Status::kOk);
    ASSERT_EQ(writer.close(), Status::kOk);
    EXPECT_EQ(fs::file_size(path), 0x10001u);
    fs::remove(path);
}

TEST(ItchFile, MissingFileIsAnIoErrorWithAMessage) {
    itch::FileReader reader;
    EXPECT_EQ(reader.open("/nonexistent/day.itch"), Status::kIoError);
    EXPECT_NE(reader.error().find("/nonexistent/day.itch"), std::string::npos);
}

}  // namespace
