// The day's token table: per-account keys, duplicates, capacity, and dead entries.

#include <string>

#include <gtest/gtest.h>

#include "exchange_sim/engine/token_table.hpp"

namespace tb::exchange {
namespace {

TEST(TokenTable, FindsWhatWasInserted) {
    TokenTable table(100);
    const auto key = TokenTable::make_key(7, Token::from("ABC"));
    EXPECT_EQ(table.find(key), TokenTable::kNotFound);
    const auto inserted = table.insert(key, 42);
    ASSERT_FALSE(inserted.duplicate);
    ASSERT_FALSE(inserted.full);
    EXPECT_EQ(table.find(key), inserted.slot);
    EXPECT_EQ(table.value(inserted.slot), 42u);
}

TEST(TokenTable, KeysDifferByAccountAndByEveryTokenByte) {
    TokenTable table(100);
    const Token token = Token::from("ABCDEFGHIJKLMN");
    ASSERT_FALSE(table.insert(TokenTable::make_key(1, token), 1).duplicate);
    EXPECT_EQ(table.find(TokenTable::make_key(2, token)), TokenTable::kNotFound);
    for (std::size_t i = 0; i < token.chars.size(); ++i) {
        Token other = token;
        other.chars[i] = 'z';
        EXPECT_EQ(table.find(TokenTable::make_key(1, other)), TokenTable::kNotFound) << i;
    }
}

TEST(TokenTable, SecondInsertOfAKeyReportsADuplicate) {
    TokenTable table(10);
    const auto key = TokenTable::make_key(1, Token::from("X"));
    const auto first = table.insert(key, 1);
    const auto second = table.insert(key, 2);
    EXPECT_TRUE(second.duplicate);
    EXPECT_EQ(second.slot, first.slot);
    EXPECT_EQ(table.value(first.slot), 1u);
    EXPECT_EQ(table.size(), 1u);
}

TEST(TokenTable, RefusesNewKeysWhenTheDayCapacityIsUsed) {
    TokenTable table(1000);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_FALSE(table.insert(TokenTable::make_key(1, Token::from(std::to_string(i))), 0).full);
    }
    EXPECT_TRUE(table.insert(TokenTable::make_key(1, Token::from("one more")), 0).full);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_NE(table.find(TokenTable::make_key(1, Token::from(std::to_string(i)))),
                  TokenTable::kNotFound);
    }
}

TEST(TokenTable, DeadTokensStayKnown) {
    TokenTable table(10);
    const auto key = TokenTable::make_key(3, Token::from("GONE"));
    const auto inserted = table.insert(key, 5);
    table.set_value(inserted.slot, kDeadToken);
    EXPECT_EQ(table.find(key), inserted.slot);
    EXPECT_EQ(table.value(inserted.slot), kDeadToken);
    EXPECT_TRUE(table.insert(key, 6).duplicate);
}

}  // namespace
}  // namespace tb::exchange
