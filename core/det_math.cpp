#include "core/det_math.hpp"

#include <array>
#include <cassert>
#include <cmath>
#include <limits>

namespace tb::core::det_math {
namespace {

// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11 (its low 32 bits are zero).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kHalfLog2Pi = 0.91893853320467274178;

// Taylor coefficients 1/n! for exp on |r| <= ln2/2: the first omitted term, r^14/14!, is below
// 2^-57 relative.
constexpr int kExpDegree = 13;
constexpr std::array<double, kExpDegree + 1> exp_coefficients() {
    std::array<double, kExpDegree + 1> c{};
    double factorial = 1.0;
    for (int n = 0; n <= kExpDegree; ++n) {
        if (n > 0) {
            factorial *= n;  // exact: 13! < 2^53
        }
        c[n] = 1.0 / factorial;
    }
    return c;
}
constexpr auto kExpCoefficients = exp_coefficients();

// atanh series terms 2/(2j+1): with s^2 <= 0.0295, z^12/25 is below 2^-60.
constexpr int kLogTerms = 12;
constexpr std::array<double, kLogTerms> log_coefficients() {
    std::array<double, kLogTerms> c{};
    for (int j = 0; j < kLogTerms; ++j) {
        c[j] = 2.0 / (2 * j + 1);
    }
    return c;
}
constexpr auto kLogCoefficients = log_coefficients();

constexpr int kFactorialTable = 256;

}  // namespace

double log(double x) noexcept {
    assert(x > 0.0 && std::isfinite(x));
    int e = 0;
    double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1), exact
    if (m < kSqrtHalf) {
        m *= 2.0;
        e -= 1;
    }
    // m in [sqrt(1/2), sqrt(2)): log(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.1716.
    const double f = m - 1.0;  // exact (Sterbenz)
    const double s = f / (2.0 + f);
    const double z = s * s;
    double series = kLogCoefficients[kLogTerms - 1];
    for (int j = kLogTerms - 2; j >= 0; --j) {
        series = series * z + kLogCoefficients[j];
    }
    const double log_m = s * series;
    const double k = static_cast<double>(e);
    return k * kLn2Hi + (log_m + k * kLn2Lo);
}

double exp(double x) noexcept {
    if (std::isnan(x)) {
        return x;
    }
    if (x > 709.782712893383973096) {
        return std::numeric_limits<double>::infinity();
    }
    if (x < -745.133219101941108420) {
        return 0.0;
    }
    // x = k ln2 + r with |r| <= ln2/2; e^x = 2^k e^r.
    const double k = std::floor(x * kInvLn2 + 0.5);
    const double r = (x - k * kLn2Hi) - k * kLn2Lo;
    double p = kExpCoefficients[kExpDegree];
    for (int n = kExpDegree - 1; n >= 0; --n) {
        p = p * r + kExpCoefficients[n];
    }
    return std::ldexp(p, static_cast<int>(k));
}

double log_factorial(long long k) noexcept {
    assert(k >= 0);
    static const std::array<double, kFactorialTable> table = [] {
        std::array<double, kFactorialTable> t{};
        t[0] = 0.0;
        for (int i = 1; i < kFactorialTable; ++i) {
            t[i] = t[i - 1] + log(static_cast<double>(i));
        }
        return t;
    }();
    if (k < kFactorialTable) {
        return table[static_cast<std::size_t>(k)];
    }
    // Stirling's series for ln Gamma(n), n = k + 1; the next term is below 1e-17 for n > 256.
    const double n = static_cast<double>(k) + 1.0;
    const double inv = 1.0 / n;
    const double inv2 = inv * inv;
    const double correction = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0)));
    return (n - 0.5) * log(n) - n + kHalfLog2Pi + correction;
}

}  // namespace tb::core::det_math
