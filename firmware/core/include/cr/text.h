// Bounded text output: a writer over a caller's buffer that remembers overflow instead of writing past the end,
// and numbers written the way JavaScript prints them (Number.prototype.toString, used by JSON.stringify), so the
// C++ encoder produces the same bytes as the TypeScript contract encoder.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cr {

class Writer {
 public:
  Writer(char* buf, size_t cap) : buf_(buf), cap_(cap) {
    if (cap_ > 0) buf_[0] = '\0';
  }
  Writer& raw(const char* s);
  Writer& raw(const char* s, size_t n);
  Writer& ch(char c);
  /** A JSON string literal, escaped as JSON.stringify escapes (well-formed: lone surrogates as \uXXXX). */
  Writer& quoted(const char* s, size_t n);
  Writer& quoted(const char* s);
  /** A number as JavaScript prints it (shortest round-trip digits; NaN/Infinity as JSON.stringify gives: null). */
  Writer& number(double v);
  Writer& integer(int64_t v);
  /** UTC time as ISO-8601 with milliseconds (`2026-11-27T12:00:00.000Z`, Date.prototype.toISOString). */
  Writer& isoTime(int64_t ms);

  bool ok() const { return !overflow_; }
  size_t size() const { return len_; }
  const char* c_str() const { return buf_; }
  void clear() {
    len_ = 0;
    overflow_ = false;
    if (cap_ > 0) buf_[0] = '\0';
  }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool overflow_ = false;
};

/** Writes `v` as JavaScript's String(v) into out (at least 32 bytes); returns the length. */
size_t formatJsNumber(double v, char* out);

/** Milliseconds since the epoch of an ISO-8601 UTC time `YYYY-MM-DDTHH:MM:SS[.fff]Z` (or `+00:00`); false if not. */
bool parseIsoTime(const char* s, size_t n, int64_t* ms);

/** Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace cr
