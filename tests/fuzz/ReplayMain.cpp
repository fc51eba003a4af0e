// ReplayMain.cpp: a main() for the fuzz targets where libFuzzer is not linked (the g++
// and sanitizer builds): runs LLVMFuzzerTestOneInput on every file of the corpus
// directories given, then on `--random N` inputs of random bytes from a fixed seed, so
// the default test suite replays every seed and past crash and also explores a little.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  namespace fs = std::filesystem;
  size_t files = 0, randomInputs = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--random" && i + 1 < argc) {
      randomInputs = std::strtoul(argv[++i], nullptr, 10);
      continue;
    }
    std::vector<fs::path> paths;
    if (fs::is_directory(arg)) {
      for (auto &e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file()) paths.push_back(e.path());
    } else {
      paths.push_back(arg);
    }
    std::sort(paths.begin(), paths.end());
    for (const fs::path &p : paths) {
      std::ifstream in(p, std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++files;
    }
  }
  std::mt19937 rng(20261202);
  for (size_t k = 0; k < randomInputs; ++k) {
    std::vector<uint8_t> bytes(rng() % 256);
    for (uint8_t &b : bytes) b = static_cast<uint8_t>(rng());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::printf("%zu corpus files and %zu random inputs ran without a finding\n", files, randomInputs);
  return 0;
}
