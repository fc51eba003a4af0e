// FormatsTests.cpp: the file formats of compiler/formats/ called directly, without an
// interpreter: round trips through safetensors, .npy and JSON, and malformed inputs that
// must be a FormatError saying what is wrong.
#include "formats/Json.h"
#include "formats/Npy.h"
#include "formats/Safetensors.h"
#include "formats/Zip.h"

#include <doctest/doctest.h>

#include <cstring>

using namespace zy;
using namespace zy::formats;

namespace {

/// A version-1 .npy file of `t` (f32 or i32), as np.save writes one.
std::string npyBytes(const Tensor &t) {
  std::string shape = "(";
  for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
  if (t.shape().size() > 1) shape.resize(shape.size() - 2);
  else if (t.shape().size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = std::string("{'descr': '") + (t.dtype() == DType::F32 ? "<f4" : "<i4") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += char(header.size() & 0xFF);
  out += char(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char *>(t.data<uint8_t>()), static_cast<size_t>(t.size()) * 4);
  return out;
}

/// The message of the FormatError that `f` throws ("" if it throws none).
template <typename F> std::string formatError(F f) {
  try {
    f();
  } catch (const FormatError &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("safetensors: tensors written are read back with their names, shapes and values") {
  Tensor w(DType::F32, {2, 3});
  for (int64_t i = 0; i < w.size(); ++i) w.mutableData<float>()[i] = 0.5f * float(i);
  Tensor step = Tensor::scalar(DType::I32, 7), mask(DType::Bool, {0});
  SafetensorsBytes out = layoutSafetensors({{"format", "zy"}}, {{"layer.w", &w}, {"step", &step}, {"empty", &mask}});
  std::string file = out.head;
  for (auto &[bytes, size] : out.chunks) file.append(reinterpret_cast<const char *>(bytes), size);
  CHECK(out.head.size() % 8 == 0); // the data starts aligned

  SafetensorsHeader header = readSafetensorsHeader(file);
  const Json *meta = safetensorsMetadata(header);
  REQUIRE(meta);
  REQUIRE(meta->find("format"));
  CHECK(meta->find("format")->str == "zy");
  std::vector<std::string> names;
  for (auto &[name, entry] : header.json.fields) {
    if (name == "__metadata__") continue;
    names.push_back(name);
    uint64_t begin = 0;
    Tensor t = readSafetensorsTensor(header, entry, begin);
    const Tensor &want = name == "layer.w" ? w : name == "step" ? step : mask;
    CHECK(t.dtype() == want.dtype());
    CHECK(t.shape() == want.shape());
    for (int64_t i = 0; i < t.size(); ++i) CHECK(t.get(i) == want.get(i));
  }
  CHECK(names == std::vector<std::string>{"layer.w", "step", "empty"});
}

TEST_CASE("safetensors: a cut-short or inconsistent file is a FormatError") {
  CHECK(formatError([] { readSafetensorsHeader("abc"); }) ==
        "truncated: a safetensors file starts with an 8-byte header length, but the file has 3 bytes");
  std::string json = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}})";
  std::string file(8, '\0');
  file[0] = char(json.size());
  file += json + std::string(8, '\0');
  SafetensorsHeader header = readSafetensorsHeader(file);
  uint64_t begin = 0;
  CHECK(formatError([&] { readSafetensorsTensor(header, *header.json.find("x"), begin); }) ==
        "its data is 8 bytes, but F32[4] needs 16");
}

TEST_CASE("npy: an array read back is the array written") {
  Tensor t(DType::F32, {2, 2});
  for (int64_t i = 0; i < 4; ++i) t.mutableData<float>()[i] = float(i) - 1.5f;
  std::string bytes = npyBytes(t);
  Tensor back = parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  CHECK(back.dtype() == DType::F32);
  CHECK(back.shape() == Shape{2, 2});
  for (int64_t i = 0; i < 4; ++i) CHECK(back.get(i) == t.get(i));

  Tensor v(DType::I32, {3});
  for (int64_t i = 0; i < 3; ++i) v.mutableData<int32_t>()[i] = int32_t(i * 10);
  bytes = npyBytes(v);
  back = parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  CHECK(back.shape() == Shape{3});
  CHECK(back.get(2) == 20);
}

TEST_CASE("npy: a malformed file says what is wrong") {
  std::string junk = "not numpy";
  CHECK(formatError([&] { parseNpy(reinterpret_cast<const uint8_t *>(junk.data()), junk.size()); }) ==
        "not a NumPy .npy file (bad magic)");
  Tensor t(DType::F32, {4});
  std::string bytes = npyBytes(t);
  bytes.resize(bytes.size() - 4); // one element short
  CHECK(formatError([&] { parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()); }) ==
        "truncated: expected 16 bytes of data, found 12");
}

TEST_CASE("json: quoting and parsing round-trip, and errors give the byte") {
  std::string s = "a \"quoted\" \\ line\nwith a tab\t and \x01";
  Json v = parseJson(quoteJson(s));
  CHECK(v.kind == Json::String);
  CHECK(v.str == s);

  Json doc = parseJson(R"({"n": [1, -2.5e1, true, null], "s": "\u00e9"})");
  REQUIRE(doc.kind == Json::Object);
  const Json *n = doc.find("n");
  REQUIRE(n);
  REQUIRE(n->items.size() == 4);
  CHECK(n->items[0].integer == 1);
  CHECK(!n->items[1].integer);
  CHECK(n->items[1].number == -25);
  CHECK(n->items[2].b);
  CHECK(n->items[3].kind == Json::Null);
  CHECK(doc.find("s")->str == "\xc3\xa9");

  try {
    parseJson(R"({"a": 1, "a": 2})");
    FAIL("a duplicate key was accepted");
  } catch (const FormatError &e) {
    CHECK(std::string(e.what()) == "bad JSON at byte 15: duplicate key \"a\"");
    CHECK(e.offset == 15);
  }
  CHECK(formatError([] { parseJson("[[[1]]]", 1); }) == "bad JSON at byte 2: nested more than 1 deep");
}

TEST_CASE("zip: an archive without an end record is refused") {
  CHECK(formatError([] { forEachZipMember(std::string(30, 'x'), [](const std::string &, const std::vector<uint8_t> &) {}); }) ==
        "not a .npz (zip) file: no end-of-central-directory record (a truncated file?)");
}
