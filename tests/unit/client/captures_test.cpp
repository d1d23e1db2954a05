// The real Nasdaq TotalView-ITCH 5.0 captures in ../shared/data/itch50/ through the client:
//  - nasdaq-live/ (real MoldUDP64 sessions and sequence numbers): every frame's UDP payload
//    through the feed handler (as feed A, then again as feed B) into the book builder;
//  - nasdaq-per-type/ (anonymised: session and sequence numbers zeroed, so only the messages
//    mean anything): every message straight into one book builder.
// Nothing may fail to decode; every message must be delivered once; the books must be
// consistent afterwards. The expected counts come from decoding the captures independently
// here with proto/ alone. The captures are read in place, never copied.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <vector>

#include "client/book.hpp"
#include "client/feed.hpp"
#include "proto/capture.hpp"
#include "proto/frame.hpp"
#include "proto/itch.hpp"
#include "proto/moldudp64.hpp"

#ifndef TB_ITCH50_DIR
#error "TB_ITCH50_DIR must name the shared ITCH 5.0 capture folder"
#endif

namespace tb::client {
namespace {

namespace fs = std::filesystem;
using proto::Status;

const fs::path kDataDir = TB_ITCH50_DIR;

#define SKIP_WITHOUT_CAPTURES(folder)                                             \
    do {                                                                          \
        if (!fs::is_directory(kDataDir / (folder))) {                             \
            GTEST_SKIP() << "shared ITCH 5.0 captures not found: looked for "     \
                         << (kDataDir / (folder)).string()                        \
                         << " (clone the repository next to the shared/ folder)"; \
        }                                                                         \
    } while (false)

// The UDP payloads (MoldUDP64 packets) of a capture, in order.
std::vector<std::vector<std::uint8_t>> payloads(const fs::path& path) {
    std::vector<std::vector<std::uint8_t>> out;
    proto::CaptureReader reader;
    EXPECT_EQ(reader.open(path.string()), Status::kOk) << reader.error();
    proto::CaptureRecord record;
    Status status;
    while ((status = reader.next(record)) == Status::kOk) {
        proto::ParsedFrame frame;
        EXPECT_EQ(
            proto::parse_frame(record.data, frame, proto::ParseOptions{.verify_checksums = false}),
            Status::kOk)
            << path << " frame " << record.number;
        EXPECT_EQ(frame.layer4, proto::Layer4::kUdp) << path << " frame " << record.number;
        out.emplace_back(frame.payload.begin(), frame.payload.end());
    }
    EXPECT_EQ(status, Status::kEnd) << reader.error();
    return out;
}

std::vector<fs::path> captures(const char* folder) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(kDataDir / folder)) {
        if (entry.path().extension() == ".pcap") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Counts by message type, decoded with proto/ alone.
std::map<char, std::uint64_t> count_types(const std::vector<std::vector<std::uint8_t>>& packets,
                                          std::uint64_t& total) {
    std::map<char, std::uint64_t> counts;
    for (const auto& p : packets) {
        proto::mold::Header header;
        EXPECT_EQ(
            proto::mold::for_each_message(p, header,
                                          [&](std::uint64_t, std::span<const std::uint8_t> m) {
                                              ++counts[static_cast<char>(m[0])];
                                              ++total;
                                          }),
            Status::kOk);
    }
    return counts;
}

struct BookSink {
    BookBuilder& books;
    std::uint64_t lost = 0;
    void on_message(std::uint64_t, std::span<const std::uint8_t> m) noexcept {
        (void)books.apply(m);
    }
    void on_lost(std::uint64_t, std::uint64_t count) noexcept { lost += count; }
    void on_session_change(const proto::mold::Session&) noexcept { books.clear(); }
    void on_end_of_session() noexcept {}
    bool send_request(std::span<const std::uint8_t>) noexcept { return false; }
};

BookConfig every_symbol() {
    BookConfig config;
    config.max_books = 1024;
    config.max_orders = 1u << 14;
    config.max_levels = 1u << 14;
    return config;
}

TEST(Captures, LiveSessionsGoThroughTheFeedHandlerAndBookBuilder) {
    SKIP_WITHOUT_CAPTURES("nasdaq-live");
    const std::vector<fs::path> files = captures("nasdaq-live");
    ASSERT_FALSE(files.empty());
    for (const fs::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        const std::vector<std::vector<std::uint8_t>> packets = payloads(path);
        std::uint64_t total = 0;
        const std::map<char, std::uint64_t> types = count_types(packets, total);
        ASSERT_GT(total, 0U);
        BookBuilder books(every_symbol());
        BookSink sink{books};
        FeedConfig config;
        config.recover_from_start = false;    // a capture starts in the middle of the day
        config.max_outstanding_requests = 0;  // nobody to ask: gaps between frames are skipped
        config.gap_wait_ns = 0;
        config.reorder_window = 1024;
        FeedHandler<BookSink> feed(config, sink);
        std::int64_t now = 0;
        for (const auto& p : packets) {
            (void)feed.on_packet(FeedLine::kA, p, now);
            (void)feed.poll(++now);
        }
        for (const auto& p : packets) {  // the same packets on feed B: all duplicates
            (void)feed.on_packet(FeedLine::kB, p, now);
        }
        (void)feed.poll(++now);
        EXPECT_EQ(feed.line(FeedLine::kA).malformed, 0U);
        EXPECT_EQ(feed.line(FeedLine::kA).first, total);
        EXPECT_EQ(feed.line(FeedLine::kB).first, 0U);
        EXPECT_EQ(feed.line(FeedLine::kB).duplicates, total);
        EXPECT_EQ(feed.counters().delivered, total);
        EXPECT_EQ(books.counters().messages, total);
        EXPECT_EQ(books.counters().malformed, 0U);
        const auto count = [&](char type) {
            const auto it = types.find(type);
            return it == types.end() ? 0U : it->second;
        };
        EXPECT_EQ(books.counters().adds, count('A') + count('F'));
        EXPECT_EQ(
            books.counters().adds + books.counters().duplicate_refs + books.counters().orders_full,
            count('A') + count('F'));
        EXPECT_EQ(books.counters().directory, count('R'));
        EXPECT_EQ(books.counters().trading_actions, count('H'));
        // Executions, cancels, deletes and replaces name orders added before the capture
        // began, unless the capture itself added them.
        EXPECT_EQ(books.counters().executions + books.counters().cancels +
                      books.counters().deletes + books.counters().replaces +
                      books.counters().unknown_refs,
                  count('E') + count('C') + count('X') + count('D') + count('U'));
        EXPECT_EQ(books.check_invariants(true), "");
    }
}

TEST(Captures, EveryMessageTypeDecodesIntoTheBookBuilder) {
    SKIP_WITHOUT_CAPTURES("nasdaq-per-type");
    const std::vector<fs::path> files = captures("nasdaq-per-type");
    ASSERT_FALSE(files.empty());
    BookBuilder books(every_symbol());
    std::uint64_t total = 0;
    std::uint64_t adds = 0;
    for (const fs::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        for (const auto& p : payloads(path)) {
            proto::mold::Header header;
            ASSERT_EQ(
                proto::mold::for_each_message(p, header,
                                              [&](std::uint64_t, std::span<const std::uint8_t> m) {
                                                  ++total;
                                                  adds += m[0] == 'A' || m[0] == 'F' ? 1 : 0;
                                                  (void)books.apply(m);
                                              }),
                Status::kOk);
        }
    }
    EXPECT_GT(total, 50U);
    EXPECT_EQ(books.counters().messages, total);
    EXPECT_EQ(books.counters().malformed, 0U);
    EXPECT_EQ(books.counters().adds + books.counters().duplicate_refs, adds);
    EXPECT_GT(books.book_count(), 0U);
    EXPECT_EQ(books.check_invariants(true), "");
}

}  // namespace
}  // namespace tb::client
