// Test helpers: read repository files (the golden fixtures stay where libs/telemetry keeps them) and walk JSON.
#pragma once
#include <cr/json.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace crtest {

inline std::string readRepoFile(const std::string& path) {
  std::ifstream in(std::string(CR_REPO_ROOT) + "/" + path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/** A parsed JSON document that owns its text and tokens (tests may use the heap; the core may not). */
struct Doc {
  std::string text;
  std::vector<cr::JsonToken> tokens;
  cr::JsonDoc doc;
  bool ok;
  explicit Doc(std::string t, uint32_t cap = 1u << 20)
      : text(std::move(t)), tokens(cap), doc(tokens.data(), cap), ok(doc.parse(text.data(), text.size()) == cr::JsonError::None) {}
  std::string str(uint32_t i) const {
    std::vector<char> buf(doc.at(i).end - doc.at(i).start + 1);
    size_t n = 0;
    doc.copyString(i, buf.data(), buf.size(), &n);
    return std::string(buf.data(), n);
  }
  uint32_t get(uint32_t obj, const char* key) const {
    const int32_t i = doc.member(obj, key);
    return i < 0 ? 0xFFFFFFFFu : static_cast<uint32_t>(i);
  }
  bool has(uint32_t obj, const char* key) const { return doc.member(obj, key) >= 0; }
};

/** Fills `{{home}}`, `{{now}}`, `{{now+N}}`, `{{now-N}}` as libs/telemetry/src/fixtures.ts renderTemplate does. */
inline std::string renderTemplate(const std::string& t, const std::string& home, long long nowMs) {
  std::string out;
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, 8, "{{home}}") == 0) {
      out += home;
      i += 8;
    } else if (t.compare(i, 5, "{{now") == 0) {
      size_t j = i + 5;
      long long offset = 0;
      if (t[j] == '+' || t[j] == '-') {
        const bool neg = t[j] == '-';
        j++;
        while (t[j] >= '0' && t[j] <= '9') offset = offset * 10 + (t[j++] - '0');
        if (neg) offset = -offset;
      }
      out += std::to_string(nowMs + offset);
      i = j + 2;
    } else {
      out += t[i++];
    }
  }
  return out;
}

}  // namespace crtest
