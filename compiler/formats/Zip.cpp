// Zip.cpp: the zip reader (Zip.h).
//
// np.savez stores its members (method 0) and np.savez_compressed deflates them (method
// 8); both write ZIP64 extra fields. The reader finds the end-of-central-directory
// record (and the ZIP64 one where the classic fields are saturated), walks the central
// directory, checks each member's local header against it, inflates or copies the data
// and checks its CRC-32 and size. Every offset and size is checked against the archive
// before it is used, so a truncated or corrupt archive is an error saying what is wrong
// (and in which member).
#include "formats/Zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

namespace zy::formats {

namespace {

constexpr uint32_t EndOfCentralDirectory = 0x06054b50, Zip64EndOfCentralDirectory = 0x06064b50,
                   Zip64Locator = 0x07064b50, CentralHeader = 0x02014b50, LocalHeader = 0x04034b50;
/// No member may inflate to more than this (the same bound as the other readers).
constexpr uint64_t MaxMemberBytes = MaxDataBytes;

struct Member {
  std::string name;
  uint32_t method = 0, crc = 0, flags = 0;
  uint64_t packedSize = 0, size = 0, localOffset = 0;
};

/// The ZIP64 extra field (id 1) of a header replaces, in this order, each of the sizes and
/// the offset whose classic field is 0xFFFFFFFF.
void applyZip64(const ByteReader &z, uint64_t extra, uint64_t extraLen, Member &m, bool hasOffset) {
  uint64_t end = extra + extraLen;
  while (extra + 4 <= end) {
    uint64_t id = z.le(extra, 2, "an extra field"), len = z.le(extra + 2, 2, "an extra field");
    if (id == 1) {
      uint64_t at = extra + 4, stop = std::min(end, at + len);
      auto take = [&](uint64_t &field) {
        if (field != 0xFFFFFFFF) return;
        if (at + 8 > stop) throw FormatError("corrupt: a ZIP64 extra field is too short for the sizes it stands for");
        field = z.le(at, 8, "a ZIP64 extra field");
        at += 8;
      };
      take(m.size);
      take(m.packedSize);
      if (hasOffset) take(m.localOffset);
      return;
    }
    extra += 4 + len;
  }
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

/// The members listed in the central directory, found from the end record.
std::vector<Member> centralDirectory(const ByteReader &z) {
  auto fail = [](const std::string &what) { throw FormatError(what); };
  uint64_t size = z.size();
  // The end-of-central-directory record: 22 bytes and a comment of up to 65,535, at the end.
  if (size < 22) fail("not a .npz (zip) file: it has " + std::to_string(size) + " bytes, fewer than a zip's end record");
  uint64_t eocd = 0;
  bool found = false;
  for (uint64_t back = 22; back <= std::min<uint64_t>(size, 22 + 65535) && !found; ++back)
    if (z.le(size - back, 4, "the end record") == EndOfCentralDirectory) eocd = size - back, found = true;
  if (!found) fail("not a .npz (zip) file: no end-of-central-directory record (a truncated file?)");
  uint64_t entries = z.le(eocd + 10, 2, "the end record"), cdSize = z.le(eocd + 12, 4, "the end record"),
           cdOffset = z.le(eocd + 16, 4, "the end record");
  if (z.le(eocd + 4, 2, "the end record") != 0 || z.le(eocd + 6, 2, "the end record") != 0)
    fail("a zip archive split over several disks is not supported");
  if (entries == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF) {
    if (eocd < 20 || z.le(eocd - 20, 4, "the ZIP64 locator") != Zip64Locator)
      fail("corrupt: the end record points to a ZIP64 end record, but there is no ZIP64 locator before it");
    uint64_t at = z.le(eocd - 12, 8, "the ZIP64 locator");
    if (z.le(at, 4, "the ZIP64 end record") != Zip64EndOfCentralDirectory)
      fail("corrupt: no ZIP64 end record at byte " + std::to_string(at));
    entries = z.le(at + 32, 8, "the ZIP64 end record");
    cdSize = z.le(at + 40, 8, "the ZIP64 end record");
    cdOffset = z.le(at + 48, 8, "the ZIP64 end record");
  }
  if (cdOffset > size || cdSize > size - cdOffset)
    fail("truncated: the central directory (" + std::to_string(cdSize) + " bytes at byte " + std::to_string(cdOffset) +
         ") runs past the end of the file (" + std::to_string(size) + " bytes)");

  // The central directory: one header per member.
  std::vector<Member> members;
  uint64_t at = cdOffset;
  for (uint64_t i = 0; i < entries; ++i) {
    if (z.le(at, 4, "a central directory header") != CentralHeader)
      fail("corrupt: central directory entry " + std::to_string(i) + " at byte " + std::to_string(at) + " has a bad signature");
    Member m;
    m.flags = static_cast<uint32_t>(z.le(at + 8, 2, "a central directory header"));
    m.method = static_cast<uint32_t>(z.le(at + 10, 2, "a central directory header"));
    m.crc = static_cast<uint32_t>(z.le(at + 16, 4, "a central directory header"));
    m.packedSize = z.le(at + 20, 4, "a central directory header");
    m.size = z.le(at + 24, 4, "a central directory header");
    uint64_t nameLen = z.le(at + 28, 2, "a central directory header"), extraLen = z.le(at + 30, 2, "a central directory header"),
             commentLen = z.le(at + 32, 2, "a central directory header");
    m.localOffset = z.le(at + 42, 4, "a central directory header");
    m.name.assign(reinterpret_cast<const char *>(z.at(at + 46, nameLen, "a member's name")), nameLen);
    applyZip64(z, at + 46 + nameLen, extraLen, m, true);
    members.push_back(m);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

/// The bytes of member `m`, copied or inflated, their size and CRC-32 checked. A problem
/// of the member names it; a read past the end of the archive does not (it is the
/// archive that is cut short).
std::vector<uint8_t> memberBytes(const ByteReader &z, const Member &m) {
  auto bad = [&](const std::string &what) { throw FormatError("member `" + printableName(m.name) + "`: " + what); };
  if (m.flags & 1) bad("it is encrypted, which is not supported");
  if (m.method != 0 && m.method != 8)
    bad("compression method " + std::to_string(m.method) + " is not supported (a .npz is stored or deflated)");
  if (m.size > MaxMemberBytes) bad("it is " + std::to_string(m.size) + " bytes uncompressed, which is too large");
  // Deflate expands at most 1032-fold, so a larger recorded size is corrupt; checking it
  // first means a bad directory never makes us allocate what the data cannot fill.
  if (m.method == 8 && m.size > m.packedSize * 1032 + 1024)
    bad("its recorded size of " + std::to_string(m.size) + " bytes cannot come from " + std::to_string(m.packedSize) +
        " bytes of deflate data (a corrupt file)");
  if (z.le(m.localOffset, 4, "a member's local header") != LocalHeader)
    bad("no local header at byte " + std::to_string(m.localOffset) + " (a corrupt file?)");
  uint64_t nameLen = z.le(m.localOffset + 26, 2, "a local header"), extraLen = z.le(m.localOffset + 28, 2, "a local header");
  std::string localName(reinterpret_cast<const char *>(z.at(m.localOffset + 30, nameLen, "a member's name")), nameLen);
  if (localName != m.name) bad("its local header names it `" + printableName(localName) + "` (a corrupt file?)");
  uint64_t dataAt = m.localOffset + 30 + nameLen + extraLen;
  if (dataAt > z.size() || m.packedSize > z.size() - dataAt)
    bad("truncated: its " + std::to_string(m.packedSize) + " bytes of data at byte " + std::to_string(dataAt) +
        " run past the end of the file (" + std::to_string(z.size()) + " bytes)");
  const uint8_t *packed = z.at(dataAt, m.packedSize, "a member's data");
  std::vector<uint8_t> bytes;
  if (m.method == 0) {
    if (m.packedSize != m.size) bad("stored with " + std::to_string(m.packedSize) + " bytes but a size of " + std::to_string(m.size));
    bytes.assign(packed, packed + m.size);
  } else {
    bytes.resize(static_cast<size_t>(m.size));
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) bad("cannot start inflating (out of memory?)");
    // zlib counts in 32 bits: a member past 4 GiB (either side) is fed and drained in
    // windows of at most 1 GiB until the stream ends or a side runs out.
    constexpr uint64_t Window = uint64_t(1) << 30;
    uint64_t consumed = 0, produced = 0;
    int rc = m.size || m.packedSize ? Z_OK : Z_STREAM_END;
    while (rc == Z_OK) {
      zs.next_in = const_cast<Bytef *>(packed + consumed);
      zs.avail_in = static_cast<uInt>(std::min(m.packedSize - consumed, Window));
      zs.next_out = bytes.data() + produced;
      zs.avail_out = static_cast<uInt>(std::min<uint64_t>(m.size - produced, Window));
      uInt inBefore = zs.avail_in, outBefore = zs.avail_out;
      bool last = consumed + inBefore == m.packedSize && produced + outBefore == m.size;
      rc = inflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
      consumed += inBefore - zs.avail_in;
      produced += outBefore - zs.avail_out;
      if (rc == Z_OK && inBefore == zs.avail_in && outBefore == zs.avail_out) rc = Z_BUF_ERROR; // no progress
    }
    const char *msg = zs.msg;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
      if (rc == Z_BUF_ERROR && zs.avail_out == 0) bad("it inflates to more than its recorded size of " + std::to_string(m.size) + " bytes");
      bad(std::string("corrupt deflate data") + (msg ? std::string(": ") + msg : std::string()));
    }
    if (produced != m.size) bad("it inflates to " + std::to_string(produced) + " bytes, but its recorded size is " + std::to_string(m.size));
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < bytes.size();) {
    uInt chunk = static_cast<uInt>(std::min<uint64_t>(bytes.size() - done, 1u << 30));
    crc = crc32(crc, bytes.data() + done, chunk);
    done += chunk;
  }
  if (static_cast<uint32_t>(crc) != m.crc)
    bad("CRC-32 mismatch: the directory records " + hex32(m.crc) + ", the data has " + hex32(static_cast<uint32_t>(crc)) +
        " (a corrupt file)");
  return bytes;
}

} // namespace

std::string printableName(const std::string &name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7F) out += char(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

void forEachZipMember(const std::string &archive,
                      const std::function<void(const std::string &name, const std::vector<uint8_t> &bytes)> &visit) {
  ByteReader z(archive);
  std::vector<Member> members = centralDirectory(z);

  // The caller may keep every member at once (data.npz does), so the bound on one member
  // bounds their sum too: many members that each pass alone (a zip bomb of small deflate
  // streams, or members sharing their data) are refused before anything is inflated.
  uint64_t total = 0;
  for (const Member &m : members) {
    total += std::min(m.size, MaxMemberBytes + 1);
    if (total > MaxMemberBytes)
      throw FormatError("its members add up to more than " + std::to_string(MaxMemberBytes) + " bytes uncompressed, which is too large");
  }

  for (const Member &m : members) {
    std::vector<uint8_t> bytes = memberBytes(z, m);
    try {
      visit(m.name, bytes);
    } catch (const FormatError &e) {
      throw FormatError("member `" + printableName(m.name) + "`: " + e.what(), e.line, e.offset);
    }
  }
}

} // namespace zy::formats
