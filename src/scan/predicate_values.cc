// Value codecs for predicates: dates, timestamps, exact decimals, doubles.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "scan/predicate_internal.h"

namespace lake::pred_internal {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `n` digits at s[*pos]; advances.
bool Digits(std::string_view s, size_t* pos, int n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[*pos + k];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

constexpr int128 kMaxExact = static_cast<int128>(99999999999999999LL) * 10000000000000000000ULL * 100 + 99;  // ~1e38

int128 Pow10(int n) {
  int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

bool DaysInMonthOk(int64_t y, int64_t m, int64_t d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int64_t max = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

// Parses the date part at the start of s; returns days and advances pos.
bool ParseDatePart(std::string_view s, size_t* pos, int64_t* days) {
  size_t p = *pos;
  bool neg = false;
  if (p < s.size() && (s[p] == '-' || s[p] == '+')) {
    neg = s[p] == '-';
    ++p;
  }
  size_t start = p;
  int64_t y = 0;
  while (p < s.size() && IsDigit(s[p]) && p - start < 9) y = y * 10 + (s[p++] - '0');
  if (p - start < 4) return false;
  if (neg) y = -y;
  if (p >= s.size() || s[p] != '-') return false;
  ++p;
  int64_t m, d;
  if (!Digits(s, &p, 2, &m)) return false;
  if (p >= s.size() || s[p] != '-') return false;
  ++p;
  if (!Digits(s, &p, 2, &d)) return false;
  if (!DaysInMonthOk(y, m, d)) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  *pos = p;
  return true;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Era-based conversion (proleptic Gregorian), after H. Hinnant's public-domain algorithm.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (m + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> ParseDate(std::string_view s) {
  size_t pos = 0;
  int64_t days;
  if (!ParseDatePart(s, &pos, &days) || pos != s.size()) return std::nullopt;
  return days;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  size_t p = 0;
  int64_t days;
  if (!ParseDatePart(s, &p, &days)) return std::nullopt;
  int64_t micros = 0;
  if (p < s.size() && (s[p] == ' ' || s[p] == 'T' || s[p] == 't')) {
    ++p;
    int64_t hh, mm, ss = 0;
    if (!Digits(s, &p, 2, &hh)) return std::nullopt;
    if (p >= s.size() || s[p] != ':') return std::nullopt;
    ++p;
    if (!Digits(s, &p, 2, &mm)) return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!Digits(s, &p, 2, &ss)) return std::nullopt;
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    int64_t frac = 0;
    if (p < s.size() && s[p] == '.') {
      ++p;
      int n = 0;
      while (p < s.size() && IsDigit(s[p])) {
        if (n < 6) frac = frac * 10 + (s[p] - '0');  // beyond micros: truncated
        ++n;
        ++p;
      }
      if (n == 0) return std::nullopt;
      for (int k = n; k < 6; ++k) frac *= 10;
    }
    micros = ((hh * 60 + mm) * 60 + ss) * 1000000 + frac;
  }
  // Offset.
  while (p < s.size() && s[p] == ' ') ++p;
  if (p < s.size()) {
    if (s[p] == 'Z' || s[p] == 'z') {
      ++p;
    } else if (s[p] == '+' || s[p] == '-') {
      int sign = s[p] == '-' ? -1 : 1;
      ++p;
      int64_t oh, om = 0;
      if (!Digits(s, &p, 2, &oh)) return std::nullopt;
      if (p < s.size() && s[p] == ':') ++p;
      if (p < s.size()) {
        if (!Digits(s, &p, 2, &om)) return std::nullopt;
      }
      if (oh > 18 || om > 59) return std::nullopt;
      micros -= sign * (oh * 3600 + om * 60) * 1000000;  // local = UTC + offset
    } else if (s.substr(p) == "UTC") {
      p = s.size();
    } else {
      return std::nullopt;
    }
  }
  if (p != s.size()) return std::nullopt;
  return days * 86400LL * 1000000LL + micros;
}

bool ParseExact(std::string_view s, int128* m, int* scale) {
  size_t p = 0;
  bool neg = false;
  if (p < s.size() && (s[p] == '-' || s[p] == '+')) {
    neg = s[p] == '-';
    ++p;
  }
  int128 v = 0;
  int digits = 0, sc = 0;
  bool any = false, dot = false;
  for (; p < s.size(); ++p) {
    char c = s[p];
    if (c == '.') {
      if (dot) return false;
      dot = true;
      continue;
    }
    if (!IsDigit(c)) return false;
    any = true;
    if (v != 0 || c != '0') ++digits;
    if (digits > 38) return false;
    v = v * 10 + (c - '0');
    if (dot) ++sc;
  }
  if (!any) return false;
  *m = neg ? -v : v;
  *scale = sc;
  return true;
}

bool ParseExactWithExponent(std::string_view s, int128* m, int* scale) {
  size_t e = s.find_first_of("eE");
  if (e == std::string_view::npos) return ParseExact(s, m, scale);
  int128 mm;
  int sc;
  if (!ParseExact(s.substr(0, e), &mm, &sc)) return false;
  std::string_view ex = s.substr(e + 1);
  bool neg = false;
  if (!ex.empty() && (ex[0] == '+' || ex[0] == '-')) {
    neg = ex[0] == '-';
    ex.remove_prefix(1);
  }
  if (ex.empty() || ex.size() > 4) return false;
  int x = 0;
  for (char c : ex) {
    if (!IsDigit(c)) return false;
    x = x * 10 + (c - '0');
  }
  if (neg) {
    sc += x;
  } else {
    sc -= x;
  }
  if (mm == 0) sc = 0;
  if (sc < 0) {
    if (-sc > 38) return false;
    int128 p = Pow10(-sc);
    int128 r;
    if (__builtin_mul_overflow(mm, p, &r)) return false;
    if (r > kMaxExact || r < -kMaxExact) return false;
    mm = r;
    sc = 0;
  }
  if (sc > 76) return false;
  *m = mm;
  *scale = sc;
  return true;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || s.size() > 400) return std::nullopt;
  char buf[416];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf, &end);
  if (end != buf + s.size()) return std::nullopt;
  return v;
}

std::optional<float> ParseFloat(std::string_view s) {
  if (s.empty() || s.size() > 400) return std::nullopt;
  char buf[416];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  char* end = nullptr;
  float v = std::strtof(buf, &end);
  if (end != buf + s.size()) return std::nullopt;
  return v;
}

std::optional<int> CompareExact(int128 am, int as, int128 bm, int bs) {
  if (as != bs) {
    // Bring both to the larger scale; overflow -> unknown.
    if (as < bs) {
      int d = bs - as;
      if (d > 38) return std::nullopt;
      if (__builtin_mul_overflow(am, Pow10(d), &am)) return std::nullopt;
    } else {
      int d = as - bs;
      if (d > 38) return std::nullopt;
      if (__builtin_mul_overflow(bm, Pow10(d), &bm)) return std::nullopt;
    }
  }
  return am < bm ? -1 : (am > bm ? 1 : 0);
}

double ExactToDouble(int128 m, int scale) {
  long double v = static_cast<long double>(m);
  for (int i = 0; i < scale; ++i) v /= 10;
  return static_cast<double>(v);
}

std::string Int128ToString(int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  std::string out;
  // Work with negative values to cover the minimum.
  int128 x = neg ? v : -v;
  while (x != 0) {
    out.push_back(static_cast<char>('0' - static_cast<int>(x % 10)));
    x /= 10;
  }
  if (neg) out.push_back('-');
  return std::string(out.rbegin(), out.rend());
}

std::string ExactToString(int128 m, int scale) {
  std::string digits = Int128ToString(m < 0 ? -m : m);
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) {
      digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return (m < 0 ? "-" : "") + digits;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace lake::pred_internal
