// Safetensors.cpp: writing and reading the safetensors layout (Safetensors.h). Reading
// checks the header length, the JSON, every offset and every size before anything is
// read or allocated, so a corrupt or truncated file is an error saying what is wrong.
#include "formats/Safetensors.h"

#include <cstring>
#include <limits>

namespace zy::formats {

namespace {

const char *safetensorsDtype(DType d) {
  switch (d) {
  case DType::F32: return "F32";
  case DType::F64: return "F64";
  case DType::I32: return "I32";
  case DType::Bool: return "BOOL";
  }
  return "F32";
}

} // namespace

SafetensorsBytes layoutSafetensors(const std::vector<std::pair<std::string, std::string>> &metadata,
                                   const std::vector<SafetensorsEntry> &entries) {
  SafetensorsBytes out;
  std::string json = "{";
  bool first = true;
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) json += ',';
      json += quoteJson(metadata[i].first) + ':' + quoteJson(metadata[i].second);
    }
    json += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const SafetensorsEntry &e : entries) {
    const Tensor &t = *e.tensor;
    size_t size = static_cast<size_t>(t.size()) * dtypeSize(t.dtype());
    if (!first) json += ',';
    first = false;
    json += quoteJson(e.name);
    json += ":{\"dtype\":\"";
    json += safetensorsDtype(t.dtype());
    json += "\",\"shape\":[";
    for (size_t i = 0; i < t.shape().size(); ++i) {
      if (i) json += ',';
      json += std::to_string(t.shape()[i]);
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + size) + "]}";
    offset += size;
    if (size) out.chunks.emplace_back(t.data<uint8_t>(), size);
  }
  json += "}";
  while ((8 + json.size()) % 8) json += ' '; // the data starts 8-byte aligned
  out.head.assign(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.head[i] = static_cast<char>(n >> (8 * i) & 0xFF);
  out.head += json;
  return out;
}

SafetensorsHeader readSafetensorsHeader(const std::string &file) {
  if (file.size() < 8)
    throw FormatError("truncated: a safetensors file starts with an 8-byte header length, but the file has " +
                      std::to_string(file.size()) + " bytes");
  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i) headerLen |= uint64_t(static_cast<uint8_t>(file[i])) << (8 * i);
  if (headerLen > file.size() - 8)
    throw FormatError("truncated or not a safetensors file: the header length is " + std::to_string(headerLen) +
                      " bytes, but only " + std::to_string(file.size() - 8) + " follow");
  if (headerLen > (uint64_t(1) << 27)) throw FormatError("the header is " + std::to_string(headerLen) + " bytes long (a corrupt file?)");
  SafetensorsHeader h{parseJson(file.substr(8, headerLen), 64, "JSON header"), file.data() + 8 + headerLen, file.size() - 8 - headerLen};
  if (h.json.kind != Json::Object) throw FormatError("the JSON header is not an object");
  return h;
}

const Json *safetensorsMetadata(const SafetensorsHeader &header) {
  const Json *meta = header.json.find("__metadata__");
  if (meta && meta->kind != Json::Object) throw FormatError("__metadata__ is not an object");
  return meta;
}

Tensor readSafetensorsTensor(const SafetensorsHeader &header, const Json &info, uint64_t &begin) {
  auto where = [](const std::string &what) { throw FormatError(what); };
  if (info.kind != Json::Object) where("its entry is not an object");
  const Json *dt = info.find("dtype"), *sh = info.find("shape"), *off = info.find("data_offsets");
  if (!dt || dt->kind != Json::String) where("no \"dtype\" string");
  if (!sh || sh->kind != Json::Array) where("no \"shape\" list");
  if (!off || off->kind != Json::Array || off->items.size() != 2) where("no \"data_offsets\" pair");
  Shape shape;
  for (const Json &d : sh->items) {
    if (!d.integer || *d.integer < 0) where("the shape has a dimension that is not a non-negative integer");
    shape.push_back(*d.integer);
  }
  auto count = elementCount(shape);
  if (!count) where("its shape " + shapeString(shape) + " is too large");
  const std::string &dtype = dt->str;
  size_t itemSize = 1;
  DType to = DType::F32;
  if (dtype == "F32") itemSize = 4, to = DType::F32;
  else if (dtype == "F64") itemSize = 8, to = DType::F64;
  else if (dtype == "I32") itemSize = 4, to = DType::I32;
  else if (dtype == "BOOL") itemSize = 1, to = DType::Bool;
  else if (dtype == "I64") itemSize = 8, to = DType::I32;
  else if (dtype == "I16") itemSize = 2, to = DType::I32;
  else if (dtype == "I8") itemSize = 1, to = DType::I32;
  else if (dtype == "U8") itemSize = 1, to = DType::I32;
  else where("unsupported dtype " + quoteJson(dtype) + " (zy reads F32, F64, I32, I64, I16, I8, U8 and BOOL)");
  for (const Json &o : off->items)
    if (!o.integer || *o.integer < 0) where("data_offsets are not non-negative integers");
  begin = static_cast<uint64_t>(*off->items[0].integer);
  uint64_t end = static_cast<uint64_t>(*off->items[1].integer);
  if (begin > end) where("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] are reversed");
  if (end > header.dataSize)
    where("truncated: its data ends at byte " + std::to_string(end) + " of the data, but the file holds " +
          std::to_string(header.dataSize) + " bytes of data");
  if (end - begin != uint64_t(*count) * itemSize)
    where("its data is " + std::to_string(end - begin) + " bytes, but " + dtype + shapeString(shape) + " needs " +
          std::to_string(uint64_t(*count) * itemSize));
  Tensor t(to, shape);
  const char *p = header.data + begin;
  int64_t n = *count;
  if (dtype == "I64" || dtype == "I16" || dtype == "I8" || dtype == "U8") {
    auto *o = t.mutableData<int32_t>();
    for (int64_t k = 0; k < n; ++k) {
      int64_t v = 0;
      if (dtype == "I64") std::memcpy(&v, p + 8 * k, 8);
      else if (dtype == "I16") { int16_t s; std::memcpy(&s, p + 2 * k, 2); v = s; }
      else if (dtype == "I8") v = static_cast<int8_t>(p[k]);
      else v = static_cast<uint8_t>(p[k]);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
        where("element " + std::to_string(k) + " is " + std::to_string(v) + ", which does not fit in i32");
      o[k] = static_cast<int32_t>(v);
    }
  } else if (to == DType::Bool) {
    auto *o = t.mutableData<uint8_t>();
    for (int64_t k = 0; k < n; ++k) o[k] = p[k] != 0;
  } else if (n) {
    std::memcpy(t.mutableData<uint8_t>(), p, end - begin); // little-endian host
  }
  return t;
}

} // namespace zy::formats
