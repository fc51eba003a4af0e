// Files.cpp: whole-file reads, gzip-aware sequential reads and atomic writes (Files.h).
#include "formats/Files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace zy::formats {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A hook for the test that kills a save half-way (tests/driver/test_reliability.sh):
/// with ZY_TEST_STALL_WRITE set, a save stops half-way through its temporary file, says
/// so on stderr and sleeps, so the test can kill -9 it at a known point.
void stallForCrashTest(const std::string &tmp) {
  static const char *stall = std::getenv("ZY_TEST_STALL_WRITE");
  if (!stall) return;
  std::fprintf(stderr, "zy: stalled mid-write of %s\n", tmp.c_str());
  std::fflush(stderr);
  ::sleep(static_cast<unsigned>(std::atoi(stall)));
}

} // namespace

std::string readFile(const std::string &path, uint64_t limit) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) throw FormatError(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
    std::fclose(f);
    throw FormatError("cannot read: it is a directory or cannot be examined");
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    std::fclose(f);
    throw FormatError("the file is too large (" + std::to_string(st.st_size) + " bytes)");
  }
  std::string out;
  char buf[1 << 16];
  while (size_t got = std::fread(buf, 1, sizeof buf, f)) {
    out.append(buf, got);
    if (out.size() > limit) { // a pipe or device larger than its st_size said: an error, not a cut
      std::fclose(f);
      throw FormatError("the file is larger than " + std::to_string(limit) + " bytes");
    }
  }
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw FormatError("read error");
  return out;
}

void writeAtomically(const std::string &path, const std::string &head,
                     const std::vector<std::pair<const uint8_t *, size_t>> &chunks) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FormatError(std::string("cannot write: ") + std::strerror(errno));
  auto writeAll = [&](const uint8_t *p, size_t n) {
    while (n) {
      ssize_t got = ::write(fd, p, n);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  };
  bool ok = writeAll(reinterpret_cast<const uint8_t *>(head.data()), head.size());
  for (size_t k = 0; k < chunks.size(); ++k) {
    if (k == chunks.size() / 2) stallForCrashTest(tmp);
    ok = ok && writeAll(chunks[k].first, chunks[k].second);
  }
  int err = ok ? 0 : errno;
  if (ok && ::fsync(fd) != 0) ok = false, err = errno;
  if (::close(fd) != 0 && ok) ok = false, err = errno;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false, err = errno;
  if (ok) { // the rename itself survives a power cut once its directory is synced
    std::string dir = std::filesystem::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) ::fsync(dfd), ::close(dfd);
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    throw FormatError(std::string("cannot write: ") + std::strerror(err ? err : EIO));
  }
}

InputFile::InputFile(const std::string &path) {
  Gz = endsWith(path, ".gz");
  if (Gz) {
    G = gzopen(path.c_str(), "rb");
    if (!G) throw FormatError(std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(G, 1 << 17);
  } else {
    F = std::fopen(path.c_str(), "rb");
    if (!F) throw FormatError(std::string("cannot open: ") + std::strerror(errno));
  }
}

InputFile::~InputFile() {
  if (G) gzclose(G);
  if (F) std::fclose(F);
}

size_t InputFile::read(void *buf, size_t n) {
  size_t done = 0;
  auto *out = static_cast<uint8_t *>(buf);
  while (done < n) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    if (Gz) {
      int got = gzread(G, out + done, chunk);
      if (got < 0) {
        int code = 0;
        const char *msg = gzerror(G, &code);
        throw FormatError(std::string("corrupt gzip data: ") + (msg ? msg : "unknown error"));
      }
      if (got == 0) break;
      done += static_cast<size_t>(got);
    } else {
      size_t got = std::fread(out + done, 1, chunk, F);
      if (got == 0) {
        if (std::ferror(F)) throw FormatError(std::string("read error: ") + std::strerror(errno));
        break;
      }
      done += got;
    }
  }
  return done;
}

std::vector<uint8_t> InputFile::readUpTo(uint64_t n) {
  std::vector<uint8_t> out;
  constexpr uint64_t Step = uint64_t(64) << 20;
  while (out.size() < n) {
    size_t have = out.size();
    size_t want = static_cast<size_t>(std::min<uint64_t>(n - have, std::max<uint64_t>(Step, have)));
    out.resize(have + want);
    size_t got = read(out.data() + have, want);
    out.resize(have + got);
    if (got < want) break;
  }
  return out;
}

std::vector<uint8_t> InputFile::readAll(uint64_t limit) {
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  while (size_t got = read(buf, sizeof buf)) {
    if (out.size() + got > limit) throw FormatError("the file is larger than " + std::to_string(limit) + " bytes");
    out.insert(out.end(), buf, buf + got);
  }
  return out;
}

std::optional<uint64_t> InputFile::remaining() {
  if (Gz) return std::nullopt;
  long here = std::ftell(F);
  if (here < 0 || std::fseek(F, 0, SEEK_END) != 0) return std::nullopt;
  long end = std::ftell(F);
  std::fseek(F, here, SEEK_SET);
  if (end < here) return std::nullopt;
  return static_cast<uint64_t>(end - here);
}

} // namespace zy::formats
