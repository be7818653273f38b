// A strict JSON (RFC 8259, as JavaScript's JSON.parse reads it) tokenizer over a caller's buffer: no heap, a fixed
// token pool, bounded nesting. Tokens point into the input; strings stay escaped until read with JsonDoc::copyString.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cr {

enum class JsonType : uint8_t { Object, Array, String, Number, True, False, Null };

struct JsonToken {
  JsonType type;
  /** String: a backslash escape occurs inside (compare through copyString). */
  bool escaped;
  /** Byte range in the input; for strings, inside the quotes. */
  uint32_t start, end;
  /** Object: number of members; array: number of elements. */
  uint32_t size;
  /** Index of the first token after this value's subtree (objects and arrays: after all their children). */
  uint32_t next;
};

enum class JsonError : uint8_t { None, Syntax, TooManyTokens, TooDeep };

class JsonDoc {
 public:
  /** Parses `text[0..len)` into `pool`; the text must outlive the document. */
  JsonDoc(JsonToken* pool, uint32_t capacity) : tokens_(pool), capacity_(capacity) {}

  JsonError parse(const char* text, size_t len);
  uint32_t count() const { return count_; }
  const JsonToken& at(uint32_t i) const { return tokens_[i]; }
  const char* text() const { return text_; }

  /** Index of the value of the *last* member `key` in object `obj` (JSON.parse: the last duplicate wins), or -1. */
  int32_t member(uint32_t obj, const char* key) const;
  /** Calls f(keyIndex, valueIndex) for every member of object `obj`, in document order. */
  template <typename F>
  void forEachMember(uint32_t obj, F&& f) const {
    uint32_t i = obj + 1;
    for (uint32_t m = 0; m < tokens_[obj].size; m++) {
      const uint32_t value = i + 1;
      f(i, value);
      i = tokens_[value].next;
    }
  }
  /** Index of element `n` of array `arr`. */
  uint32_t element(uint32_t arr, uint32_t n) const;

  /** Unescaped UTF-8 of string token `i` into out (NUL-terminated); false when it does not fit. */
  bool copyString(uint32_t i, char* out, size_t cap, size_t* outLen = nullptr) const;
  /** String token `i` equals `s` (after unescaping). */
  bool stringEquals(uint32_t i, const char* s) const;
  /** Number token `i` as a double (JSON.parse's value; out of double range gives ±infinity). */
  double number(uint32_t i) const;

 private:
  int32_t value(uint32_t depth);
  bool string();
  bool numberToken();
  void skipWs();
  int32_t push(JsonType type, uint32_t start);

  JsonToken* tokens_;
  uint32_t capacity_;
  uint32_t count_ = 0;
  const char* text_ = nullptr;
  size_t len_ = 0;
  size_t pos_ = 0;
  JsonError error_ = JsonError::None;
};

/** Appends the UTF-8 encoding of a code point (surrogates encoded as themselves, as a JS string holds them). */
size_t utf8Encode(uint32_t cp, char* out);
/** Decodes one UTF-8 sequence at s[0..len); invalid bytes decode as U+FFFD one byte at a time (as Node does). */
uint32_t utf8Decode(const char* s, size_t len, size_t* used);

}  // namespace cr
