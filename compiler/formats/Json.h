// Json.h: a small strict JSON reader, and quoting strings as JSON — what safetensors
// headers and checkpoint metadata need.
#pragma once

#include "formats/Bytes.h"

#include <optional>
#include <string>
#include <vector>

namespace zy::formats {

struct JsonField;

/// A parsed JSON value.
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double number = 0;
  std::optional<int64_t> integer; // set when the number is written as an integer that fits
  std::string str;
  std::vector<Json> items;
  std::vector<JsonField> fields; // of an object, in order
  /// The field `key` of an object, or null.
  const Json *find(const std::string &key) const;
};

// A struct, not a std::pair, and defined here: a pair of the incomplete Json inside Json
// does not compile with clang.
struct JsonField {
  std::string first;
  Json second;
  JsonField(std::string key, Json value) : first(std::move(key)), second(std::move(value)) {}
};

/// The JSON value that is the whole of `text`, nested at most `maxDepth` deep, with no
/// duplicate keys in an object. Linear in the text. Throws FormatError
/// "bad `subject` at byte N: what is wrong", with N as its offset.
Json parseJson(const std::string &text, int maxDepth = 64, const std::string &subject = "JSON");

/// `s` as a JSON string literal, quotes included.
std::string quoteJson(const std::string &s);

} // namespace zy::formats
