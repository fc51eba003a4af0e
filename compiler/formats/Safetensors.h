// Safetensors.h: the safetensors file layout — an 8-byte little-endian header length, a
// JSON header naming each tensor's dtype, shape and byte range, and the raw data.
//
//   {"encoder.layers.0.w": {"dtype": "F32", "shape": [784, 128], "data_offsets": [0, 401408]},
//    ..., "__metadata__": {"format": "zy"}}
//
// This layer knows tensors and names only; what the names and metadata mean for a tree
// of parameters (checkpoints) is interp/Io.cpp's.
#pragma once

#include "formats/Json.h"
#include "ir/Tensor.h"

#include <utility>
#include <vector>

namespace zy::formats {

// ------------------------------------------------------------------------------ writing

/// A tensor to write, by name; the tensor must outlive the SafetensorsBytes made of it.
struct SafetensorsEntry {
  std::string name;
  const Tensor *tensor;
};

/// A safetensors file as `head` (header length, JSON header, padding to 8 bytes) followed
/// by `chunks` (the tensors' data, in order, borrowed from the tensors).
struct SafetensorsBytes {
  std::string head;
  std::vector<std::pair<const uint8_t *, size_t>> chunks;
};

/// The file holding `entries` in order, with string `metadata` (written as
/// "__metadata__" first, when there is any).
SafetensorsBytes layoutSafetensors(const std::vector<std::pair<std::string, std::string>> &metadata,
                                   const std::vector<SafetensorsEntry> &entries);

// ------------------------------------------------------------------------------ reading

/// The header of a safetensors file and where its data is.
struct SafetensorsHeader {
  Json json;               // an object: one field per tensor, and perhaps "__metadata__"
  const char *data;        // the data section, inside the file's bytes
  uint64_t dataSize;
};

/// The header of the safetensors file held in `file` (which must outlive the result):
/// the length and the JSON are checked, not yet the entries.
SafetensorsHeader readSafetensorsHeader(const std::string &file);

/// The "__metadata__" object of the header, or null if there is none.
const Json *safetensorsMetadata(const SafetensorsHeader &header);

/// The tensor that `entry` (a field of the header) describes, and the byte of the data
/// where it begins (`begin`). Its dtype, shape and offsets are checked against the data
/// first. F32, F64, I32 and BOOL are read as they are; I64, I16, I8 and U8 become I32
/// where every element fits. The error does not name the tensor (the caller does).
Tensor readSafetensorsTensor(const SafetensorsHeader &header, const Json &entry, uint64_t &begin);

} // namespace zy::formats
