#pragma once

// Deterministic elementary functions for the random distributions.
//
// std::log and std::exp may differ in the last bit between C libraries (glibc, musl, MSVC) and
// versions, which would make a seeded scenario produce different samples on different machines.
// These versions use only IEEE 754 addition, subtraction, multiplication, division and exact
// scaling by powers of two, so with FP contraction off (core/CMakeLists.txt compiles this with
// -ffp-contract=off) they give the same bits everywhere. Accuracy is a few ulp, which is far
// below what any distribution here can notice.

namespace tb::core::det_math {

// Natural logarithm. x must be finite and > 0 (asserted); log(1) == 0 exactly.
[[nodiscard]] double log(double x) noexcept;

// e^x. Returns +inf above about 709.78 and 0 below about -745.1.
[[nodiscard]] double exp(double x) noexcept;

// ln(k!) for k >= 0: exact sums of log below 256, Stirling's series above.
[[nodiscard]] double log_factorial(long long k) noexcept;

}  // namespace tb::core::det_math
