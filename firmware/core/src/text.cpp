#include "cr/text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cr/json.h"

namespace cr {

Writer& Writer::raw(const char* s, size_t n) {
  if (overflow_ || len_ + n + 1 > cap_) {
    overflow_ = true;
    return *this;
  }
  std::memcpy(buf_ + len_, s, n);
  len_ += n;
  buf_[len_] = '\0';
  return *this;
}

Writer& Writer::raw(const char* s) { return raw(s, std::strlen(s)); }
Writer& Writer::ch(char c) { return raw(&c, 1); }

Writer& Writer::quoted(const char* s) { return quoted(s, std::strlen(s)); }

Writer& Writer::quoted(const char* s, size_t n) {
  ch('"');
  for (size_t i = 0; i < n;) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      size_t used = 1;
      const uint32_t cp = utf8Decode(s + i, n - i, &used);
      // Surrogates stored as 3-byte sequences (from \uD800-style escapes) are not valid UTF-8: JSON.stringify writes
      // a lone surrogate as an escape.
      if (used == 1 && c == 0xED && i + 2 < n) {
        const uint32_t sur = ((c & 0x0F) << 12) | ((static_cast<uint8_t>(s[i + 1]) & 0x3F) << 6) |
                             (static_cast<uint8_t>(s[i + 2]) & 0x3F);
        if (sur >= 0xD800 && sur <= 0xDFFF) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(sur));
          raw(esc);
          i += 3;
          continue;
        }
      }
      if (cp == 0xFFFD && used == 1) {
        raw("\xEF\xBF\xBD", 3);
      } else {
        raw(s + i, used);
      }
      i += used;
      continue;
    }
    switch (c) {
      case '"': raw("\\\""); break;
      case '\\': raw("\\\\"); break;
      case '\b': raw("\\b"); break;
      case '\f': raw("\\f"); break;
      case '\n': raw("\\n"); break;
      case '\r': raw("\\r"); break;
      case '\t': raw("\\t"); break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          raw(esc);
        } else {
          ch(static_cast<char>(c));
        }
    }
    i++;
  }
  return ch('"');
}

Writer& Writer::number(double v) {
  char buf[40];
  if (!std::isfinite(v)) return raw("null");
  return raw(buf, formatJsNumber(v, buf));
}

Writer& Writer::integer(int64_t v) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  return raw(buf, static_cast<size_t>(n));
}

size_t formatJsNumber(double v, char* out) {
  if (std::isnan(v)) return static_cast<size_t>(std::snprintf(out, 32, "NaN"));
  if (std::isinf(v)) return static_cast<size_t>(std::snprintf(out, 32, v < 0 ? "-Infinity" : "Infinity"));
  if (v == 0) {
    out[0] = '0';
    out[1] = '\0';
    return 1;
  }
  // Shortest digit string that reads back as v (correctly rounded at each precision, so the closest such string).
  char sci[40];
  int precision = 1;
  for (; precision <= 17; precision++) {
    std::snprintf(sci, sizeof sci, "%.*e", precision - 1, v);
    if (std::strtod(sci, nullptr) == v) break;
  }
  // sci: [-]d[.ddd]e±XX
  const char* p = sci;
  size_t o = 0;
  if (*p == '-') {
    out[o++] = '-';
    p++;
  }
  char digits[20];
  int k = 0;
  for (; *p != 'e'; p++)
    if (*p != '.') digits[k++] = *p;
  while (k > 1 && digits[k - 1] == '0') k--;
  const int e = std::atoi(p + 1);
  const int n = e + 1;  // v = 0.digits × 10^n
  if (k <= n && n <= 21) {
    std::memcpy(out + o, digits, static_cast<size_t>(k));
    o += static_cast<size_t>(k);
    for (int i = 0; i < n - k; i++) out[o++] = '0';
  } else if (0 < n && n <= 21) {
    std::memcpy(out + o, digits, static_cast<size_t>(n));
    o += static_cast<size_t>(n);
    out[o++] = '.';
    std::memcpy(out + o, digits + n, static_cast<size_t>(k - n));
    o += static_cast<size_t>(k - n);
  } else if (-6 < n && n <= 0) {
    out[o++] = '0';
    out[o++] = '.';
    for (int i = 0; i < -n; i++) out[o++] = '0';
    std::memcpy(out + o, digits, static_cast<size_t>(k));
    o += static_cast<size_t>(k);
  } else {
    out[o++] = digits[0];
    if (k > 1) {
      out[o++] = '.';
      std::memcpy(out + o, digits + 1, static_cast<size_t>(k - 1));
      o += static_cast<size_t>(k - 1);
    }
    o += static_cast<size_t>(std::snprintf(out + o, 8, "e%c%d", n - 1 >= 0 ? '+' : '-', std::abs(n - 1)));
  }
  out[o] = '\0';
  return o;
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Writer& Writer::isoTime(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rem = ms - days * 86400000;
  // civil_from_days
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<long long>(y), m, d,
                              static_cast<unsigned>(rem / 3600000), static_cast<unsigned>(rem / 60000 % 60),
                              static_cast<unsigned>(rem / 1000 % 60), static_cast<unsigned>(rem % 1000));
  return raw(buf, static_cast<size_t>(n));
}

namespace {
bool digitsAt(const char* s, size_t n, size_t at, size_t count, unsigned* out) {
  if (at + count > n) return false;
  unsigned v = 0;
  for (size_t i = 0; i < count; i++) {
    const char c = s[at + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}
}  // namespace

bool parseIsoTime(const char* s, size_t n, int64_t* ms) {
  unsigned y, mo, d, h, mi, sec, frac = 0;
  if (!digitsAt(s, n, 0, 4, &y) || n < 20 || s[4] != '-' || !digitsAt(s, n, 5, 2, &mo) || s[7] != '-' ||
      !digitsAt(s, n, 8, 2, &d) || s[10] != 'T' || !digitsAt(s, n, 11, 2, &h) || s[13] != ':' ||
      !digitsAt(s, n, 14, 2, &mi) || s[16] != ':' || !digitsAt(s, n, 17, 2, &sec))
    return false;
  size_t p = 19;
  if (p < n && s[p] == '.') {
    p++;
    unsigned scale = 100;
    const size_t start = p;
    while (p < n && s[p] >= '0' && s[p] <= '9') {
      frac += static_cast<unsigned>(s[p] - '0') * scale;
      scale /= 10;
      p++;
    }
    if (p == start) return false;
  }
  const bool zulu = p + 1 == n && s[p] == 'Z';
  const bool offset = p + 6 == n && std::memcmp(s + p, "+00:00", 6) == 0;
  if (!zulu && !offset) return false;
  static const unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || sec > 59) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  *ms = ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + static_cast<int64_t>(sec) * 1000 + frac;
  return true;
}

}  // namespace cr
