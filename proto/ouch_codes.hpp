#pragma once

// Code values of Nasdaq OUCH 4.2 ("O*U*C*H Version 4.2", Nasdaq Stock Market). Every one-byte
// code is an `enum class ... : char` whose enumerators carry the exact wire byte, so a field
// is written with `static_cast<char>(code)` and read back with `static_cast<Code>(byte)`.
// Decoders do not reject a byte that is not listed here: the specification tells clients to
// expect additions to the reason lists, so unknown values are passed through and it is up to
// the consumer to decide. Names here are stable; the matching engine includes this header.
//
// Section numbers refer to the OUCH 4.2 specification: 1.2 Data Types, 2 Inbound Messages
// (2.1 Enter Order, 2.2 Replace Order, 2.3 Cancel Order, 2.4 Modify Order), 3 Outbound
// Sequenced Messages (3.1 System Event Message, 3.2 System Event Codes, 3.3 Order Messages).

#include <cstdint>

namespace tb::proto::ouch {

// Buy/Sell Indicator: sections 2.1 (Enter Order) and 2.4 (Modify Order), echoed in Accepted,
// Replaced and Order Modified (3.3).
enum class Side : char {
    kBuy = 'B',
    kSell = 'S',
    kSellShort = 'T',  // client affirms the ability to borrow
    kSellShortExempt = 'E',
};

// Time in Force: section 1.2 (Data Types) and 2.1. A 4-byte unsigned integer: the number of
// seconds the order lives, with three special values. Values 1..86399 are plain timeouts.
inline constexpr std::uint32_t kTimeInForceImmediateOrCancel = 0;
inline constexpr std::uint32_t kTimeInForceMarketHours = 99'998;  // expires at market close
inline constexpr std::uint32_t kTimeInForceSystemHours = 99'999;  // expires at system close
inline constexpr std::uint32_t kTimeInForceMaxSeconds = 86'399;   // longest plain timeout

// Display: section 2.1 (Enter Order) and 2.2 (Replace Order); also in Accepted, Replaced and
// Order Priority Update (3.3), where it is the display type actually accepted.
enum class Display : char {
    kAttributable = 'A',  // attributable, price to display
    kAnonymous = 'Y',     // anonymous, price to comply
    kNonDisplay = 'N',
    kPostOnly = 'P',
    kImbalanceOnly = 'I',  // opening and closing cross only
    kMidpointPeg = 'M',
    kMidpointPegPostOnly = 'W',
    kPostOnlyAttributable = 'L',  // post-only and attributable, price to display
    kRetailOrderType1 = 'O',
    kRetailOrderType2 = 'T',
    kRetailPriceImprovement = 'Q',
    kMidpointPegTradeNow = 'm',  // mid-point peg and mid-point trade now
    kNonDisplayMidpointTradeNow = 'n',
};

// Capacity: section 2.1. Values other than A, P or R are converted to O (Other) by Nasdaq.
enum class Capacity : char {
    kAgency = 'A',
    kPrincipal = 'P',
    kRiskless = 'R',
    kOther = 'O',
};

// Intermarket Sweep Eligibility: sections 2.1 and 2.2.
enum class IntermarketSweep : char {
    kEligible = 'Y',
    kNotEligible = 'N',
    kTradeAtEligible = 'y',  // trade-at intermarket sweep order
};

// Cross Type: section 2.1.
enum class CrossType : char {
    kNoCross = 'N',  // continuous market
    kOpening = 'O',
    kClosing = 'C',
    kHaltIpo = 'H',  // halt/IPO cross, market price only
    kSupplemental = 'S',
    kRetail = 'R',
    kExtendedLife = 'E',
};

// Customer Type: section 2.1 (the last field of Enter Order).
enum class CustomerType : char {
    kRetailDesignated = 'R',
    kNotRetailDesignated = 'N',
    kPortDefault = ' ',  // use the default configured for the OUCH port
};

// System Event Codes: section 3.2.
enum class SystemEvent : char {
    kStartOfDay = 'S',  // always the first message of the day
    kEndOfDay = 'E',
};

// Order State: section 3.3 (Accepted and Replaced messages).
enum class OrderState : char {
    kLive = 'L',
    kDead = 'D',
};

// BBO Weight Indicator: section 3.3 (Accepted and Replaced messages).
enum class BboWeight : char {
    kUpTo0Point2Percent = '0',  // 0 - 0.2%
    kUpTo1Percent = '1',        // 0.2 - 1%
    kUpTo2Percent = '2',        // 1 - 2%
    kOver2Percent = '3',        // greater than 2%
    kUnspecified = ' ',
    kSetsQbboJoinsNbbo = 'S',  // sets the QBBO while joining the NBBO
    kImprovesNbbo = 'N',       // improves the NBBO upon entry
};

// Canceled Order Reasons: section 3.3 (Canceled and AIQ Canceled messages). The specification
// asks clients to accept any capital letter, so a decoder must not reject unknown values.
enum class CancelReason : char {
    kUserRequested = 'U',          // answer to a Cancel Order or Replace Order message
    kImmediateOrCancel = 'I',      // time in force 0 and nothing left to match
    kTimeout = 'T',                // the time in force expired
    kSupervisory = 'S',            // canceled or reduced by a Nasdaq supervisory terminal
    kRegulatoryRestriction = 'D',  // e.g. trade-through restrictions
    kSelfMatchPrevention = 'Q',    // would have executed against the same MPID (AIQ)
    kSystemCancel = 'Z',
    kCrossCanceled = 'C',  // non-bookable cross order that did not execute
    kMarketCollars = 'K',
    kHalted = 'H',              // on-open order, symbol still halted after the open
    kOpenProtection = 'X',      // opening price protection threshold
    kClosed = 'E',              // DAY order received after the closing cross
    kPostOnlyNms = 'F',         // post-only order would have been price slid for NMS
    kPostOnlyContraSide = 'G',  // ... slid because of a displayed contra-side order
};

// The Reason field of an AIQ Canceled message is always Q (section 3.3, AIQ Canceled).
inline constexpr CancelReason kAiqCancelReason = CancelReason::kSelfMatchPrevention;

// Rejected Order Reasons: section 3.3 (Rejected message). Unknown values must be accepted.
enum class RejectReason : char {
    kTestMode = 'T',  // account in test mode, non-test security
    kHalted = 'H',
    kSharesOverSafetyThreshold = 'Z',  // shares exceed the account's safety threshold
    kInvalidStock = 'S',
    kInvalidDisplayType = 'D',
    kClosed = 'C',                 // Nasdaq is closed
    kFirmNotAuthorized = 'L',      // firm not authorized for this clearing type
    kOutsidePermittedTimes = 'M',  // outside permitted times for this clearing type
    kNotAllowedInCross = 'R',      // not allowed in this type of cross
    kInvalidPrice = 'X',
    kInvalidMinimumQuantity = 'N',
    kOther = 'O',
    kInvalidMidpointPostOnlyPrice = 'W',
    kRejectAllEnabled = 'a',
    kEasyToBorrow = 'b',      // easy to borrow (ETB) reject
    kRestrictedSymbol = 'c',  // restricted symbol list reject
    kIsoRestriction = 'd',
    kOddLotRestriction = 'e',
    kMidpointRestriction = 'f',
    kPreMarketRestriction = 'g',
    kPostMarketRestriction = 'h',
    kShortSaleRestriction = 'i',
    kOnOpenRestriction = 'j',
    kOnCloseRestriction = 'k',
    kTwoSidedQuoteReject = 'l',
    kExceededSharesLimit = 'm',
    kExceededDollarValueLimit = 'n',
};

// Broken Trade Reasons: section 3.3 (Broken Trade message).
enum class BrokenTradeReason : char {
    kErroneous = 'E',    // deemed clearly erroneous
    kConsent = 'C',      // both parties agreed to break the trade
    kSupervisory = 'S',  // broken by a Nasdaq supervisory terminal
    kExternal = 'X',     // broken by an external third party
};

// Liquidity Flag: section 3.3 (Executed and AIQ Canceled messages).
enum class LiquidityFlag : char {
    kAdded = 'A',
    kRemoved = 'R',
    kOpeningCross = 'O',
    kOpeningCrossImbalanceOnly = 'M',
    kClosingCross = 'C',
    kClosingCrossImbalanceOnly = 'L',
    kHaltIpoCross = 'H',
    kHaltCross = 'K',
    kNonDisplayedAdded = 'J',
    kAddedPostOnly = 'W',
    kRemovedMidpoint = 'm',
    kAddedMidpoint = 'k',
    kSupplementalExecution = '0',
    kDisplayedImprovesNbbo = '7',
    kDisplayedSetsQbboJoinsNbbo = '8',
    kRetailRemoved = 'd',
    kRetailAddedDisplayed = 'e',
    kRetailAddedNonDisplayed = 'f',
    kRpiProvided = 'j',  // retail price improving order provides liquidity
    kRetailRemovedRpi = 'r',
    kRetailRemovedNonDisplayed = 't',  // price-improving non-displayed, other than RPI
    kGroupAAddedDisplayed = '4',
    kGroupAAddedNonDisplayed = '5',
    kGroupARemoved = '6',
    kGroupAAddedMidpoint = 'g',
    kMidpointExtendedLife = 'n',
};

// Message types (first byte of each OUCH message). Inbound: section 2; outbound: section 3.
// Replace Order (inbound) and Replaced (outbound) share 'U', Modify Order and Order Modified
// share 'M'; the direction tells them apart.
enum class InboundType : char {
    kEnterOrder = 'O',    // 2.1
    kReplaceOrder = 'U',  // 2.2
    kCancelOrder = 'X',   // 2.3
    kModifyOrder = 'M',   // 2.4
};

enum class OutboundType : char {
    kSystemEvent = 'S',  // 3.1
    kAccepted = 'A',     // 3.3
    kReplaced = 'U',
    kCanceled = 'C',
    kAiqCanceled = 'D',
    kExecuted = 'E',
    kBrokenTrade = 'B',
    kRejected = 'J',
    kCancelPending = 'P',  // cancel of a cross order during the pre-cross late period
    kCancelReject = 'I',   // partial cancel of a cross order refused in that period
    kOrderPriorityUpdate = 'T',
    kOrderModified = 'M',
};

}  // namespace tb::proto::ouch
