#include "cr/json.h"

#include <cstdlib>
#include <cstring>

namespace cr {

namespace {
constexpr uint32_t kMaxDepth = 64;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

size_t utf8Encode(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

uint32_t utf8Decode(const char* s, size_t len, size_t* used) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t c = b(0);
  *used = 1;
  if (c < 0x80) return c;
  size_t n;
  uint32_t cp;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0xFFFD;
  }
  if (len < n) return 0xFFFD;
  for (size_t i = 1; i < n; i++) {
    if ((b(i) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  *used = n;
  return cp;
}

void JsonDoc::skipWs() {
  while (pos_ < len_) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    pos_++;
  }
}

int32_t JsonDoc::push(JsonType type, uint32_t start) {
  if (count_ >= capacity_) {
    error_ = JsonError::TooManyTokens;
    return -1;
  }
  JsonToken& t = tokens_[count_];
  t.type = type;
  t.escaped = false;
  t.start = start;
  t.end = start;
  t.size = 0;
  t.next = count_ + 1;
  return static_cast<int32_t>(count_++);
}

bool JsonDoc::string() {
  // pos_ at the opening quote.
  const int32_t idx = push(JsonType::String, static_cast<uint32_t>(pos_ + 1));
  if (idx < 0) return false;
  pos_++;
  while (pos_ < len_) {
    const uint8_t c = static_cast<uint8_t>(text_[pos_]);
    if (c == '"') {
      tokens_[idx].end = static_cast<uint32_t>(pos_);
      pos_++;
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      tokens_[idx].escaped = true;
      if (pos_ + 1 >= len_) return false;
      const char e = text_[pos_ + 1];
      if (e == 'u') {
        if (pos_ + 5 >= len_) return false;
        for (int k = 2; k < 6; k++)
          if (hexValue(text_[pos_ + k]) < 0) return false;
        pos_ += 6;
        continue;
      }
      if (std::strchr("\"\\/bfnrt", e) == nullptr || e == '\0') return false;
      pos_ += 2;
      continue;
    }
    pos_++;
  }
  return false;
}

bool JsonDoc::numberToken() {
  const size_t start = pos_;
  if (pos_ < len_ && text_[pos_] == '-') pos_++;
  if (pos_ >= len_) return false;
  if (text_[pos_] == '0') {
    pos_++;
  } else if (text_[pos_] >= '1' && text_[pos_] <= '9') {
    while (pos_ < len_ && text_[pos_] >= '0' && text_[pos_] <= '9') pos_++;
  } else {
    return false;
  }
  if (pos_ < len_ && text_[pos_] == '.') {
    pos_++;
    const size_t digits = pos_;
    while (pos_ < len_ && text_[pos_] >= '0' && text_[pos_] <= '9') pos_++;
    if (pos_ == digits) return false;
  }
  if (pos_ < len_ && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    pos_++;
    if (pos_ < len_ && (text_[pos_] == '+' || text_[pos_] == '-')) pos_++;
    const size_t digits = pos_;
    while (pos_ < len_ && text_[pos_] >= '0' && text_[pos_] <= '9') pos_++;
    if (pos_ == digits) return false;
  }
  const int32_t idx = push(JsonType::Number, static_cast<uint32_t>(start));
  if (idx < 0) return false;
  tokens_[idx].end = static_cast<uint32_t>(pos_);
  return true;
}

int32_t JsonDoc::value(uint32_t depth) {
  skipWs();
  if (pos_ >= len_) return -1;
  const char c = text_[pos_];
  const uint32_t here = count_;
  if (c == '{' || c == '[') {
    if (depth >= kMaxDepth) {
      error_ = JsonError::TooDeep;
      return -1;
    }
    const bool object = c == '{';
    const int32_t idx = push(object ? JsonType::Object : JsonType::Array, static_cast<uint32_t>(pos_));
    if (idx < 0) return -1;
    pos_++;
    skipWs();
    const char close = object ? '}' : ']';
    if (pos_ < len_ && text_[pos_] == close) {
      pos_++;
    } else {
      for (;;) {
        if (object) {
          skipWs();
          if (pos_ >= len_ || text_[pos_] != '"' || !string()) return -1;
          skipWs();
          if (pos_ >= len_ || text_[pos_] != ':') return -1;
          pos_++;
        }
        if (value(depth + 1) < 0) return -1;
        tokens_[idx].size++;
        skipWs();
        if (pos_ >= len_) return -1;
        if (text_[pos_] == ',') {
          pos_++;
          continue;
        }
        if (text_[pos_] == close) {
          pos_++;
          break;
        }
        return -1;
      }
    }
    tokens_[idx].end = static_cast<uint32_t>(pos_);
    tokens_[idx].next = count_;
    return idx;
  }
  if (c == '"') return string() ? static_cast<int32_t>(here) : -1;
  if (c == '-' || (c >= '0' && c <= '9')) return numberToken() ? static_cast<int32_t>(here) : -1;
  const struct {
    const char* word;
    JsonType type;
  } literals[] = {{"true", JsonType::True}, {"false", JsonType::False}, {"null", JsonType::Null}};
  for (const auto& lit : literals) {
    const size_t n = std::strlen(lit.word);
    if (len_ - pos_ >= n && std::memcmp(text_ + pos_, lit.word, n) == 0) {
      const int32_t idx = push(lit.type, static_cast<uint32_t>(pos_));
      if (idx < 0) return -1;
      pos_ += n;
      tokens_[idx].end = static_cast<uint32_t>(pos_);
      return idx;
    }
  }
  return -1;
}

JsonError JsonDoc::parse(const char* text, size_t len) {
  text_ = text;
  len_ = len;
  pos_ = 0;
  count_ = 0;
  error_ = JsonError::None;
  if (value(0) < 0) return error_ == JsonError::None ? JsonError::Syntax : error_;
  skipWs();
  if (pos_ != len_) return JsonError::Syntax;
  return JsonError::None;
}

int32_t JsonDoc::member(uint32_t obj, const char* key) const {
  int32_t found = -1;
  forEachMember(obj, [&](uint32_t k, uint32_t v) {
    if (stringEquals(k, key)) found = static_cast<int32_t>(v);
  });
  return found;
}

uint32_t JsonDoc::element(uint32_t arr, uint32_t n) const {
  uint32_t i = arr + 1;
  for (uint32_t k = 0; k < n; k++) i = tokens_[i].next;
  return i;
}

bool JsonDoc::copyString(uint32_t i, char* out, size_t cap, size_t* outLen) const {
  const JsonToken& t = tokens_[i];
  size_t o = 0;
  const auto put = [&](const char* s, size_t n) {
    if (o + n + 1 > cap) return false;
    std::memcpy(out + o, s, n);
    o += n;
    return true;
  };
  for (uint32_t p = t.start; p < t.end;) {
    const char c = text_[p];
    if (c != '\\') {
      if (!put(&c, 1)) return false;
      p++;
      continue;
    }
    const char e = text_[p + 1];
    char simple = 0;
    switch (e) {
      case '"': simple = '"'; break;
      case '\\': simple = '\\'; break;
      case '/': simple = '/'; break;
      case 'b': simple = '\b'; break;
      case 'f': simple = '\f'; break;
      case 'n': simple = '\n'; break;
      case 'r': simple = '\r'; break;
      case 't': simple = '\t'; break;
      default: break;
    }
    if (simple != 0) {
      if (!put(&simple, 1)) return false;
      p += 2;
      continue;
    }
    uint32_t cp = 0;
    for (int k = 2; k < 6; k++) cp = (cp << 4) | static_cast<uint32_t>(hexValue(text_[p + k]));
    p += 6;
    // A high surrogate followed by an escaped low surrogate is one supplementary character.
    if (cp >= 0xD800 && cp <= 0xDBFF && p + 6 <= t.end && text_[p] == '\\' && text_[p + 1] == 'u') {
      uint32_t lo = 0;
      for (int k = 2; k < 6; k++) lo = (lo << 4) | static_cast<uint32_t>(hexValue(text_[p + k]));
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
    }
    char buf[4];
    if (!put(buf, utf8Encode(cp, buf))) return false;
  }
  if (o + 1 > cap) return false;
  out[o] = '\0';
  if (outLen != nullptr) *outLen = o;
  return true;
}

bool JsonDoc::stringEquals(uint32_t i, const char* s) const {
  const JsonToken& t = tokens_[i];
  if (t.type != JsonType::String) return false;
  const size_t n = std::strlen(s);
  if (!t.escaped) return t.end - t.start == n && std::memcmp(text_ + t.start, s, n) == 0;
  char buf[256];
  size_t len = 0;
  if (!copyString(i, buf, sizeof buf, &len)) return false;
  return len == n && std::memcmp(buf, s, n) == 0;
}

double JsonDoc::number(uint32_t i) const {
  const JsonToken& t = tokens_[i];
  char buf[64];
  const size_t n = t.end - t.start;
  if (n < sizeof buf) {
    std::memcpy(buf, text_ + t.start, n);
    buf[n] = '\0';
    return std::strtod(buf, nullptr);
  }
  // Long numbers (many digits): strtod stops at the token's end because the next character is not a digit.
  return std::strtod(text_ + t.start, nullptr);
}

}  // namespace cr
