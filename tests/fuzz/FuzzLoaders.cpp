// FuzzLoaders.cpp: libFuzzer target for the data and checkpoint loaders. The first byte
// of the input picks the reader (IDX, gzipped IDX, .npy, safetensors, CSV); the rest is
// the file. It is loaded from a Zy program as a user would, and every value is printed
// and summed so that each element is touched; a corrupt file must be a located error.
#include "FuzzSupport.h"

using namespace zy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 << 20) return 0;
  struct Reader {
    const char *file, *load;
  };
  static const Reader readers[] = {
      {"input.idx", "let t = data.idx(PATH)\n    print(t)\n    print(sum(t.astype(\"f64\")))"},
      {"input.idx.gz", "let t = data.idx(PATH)\n    print(sum(t.astype(\"f64\")))"},
      {"input.npy", "let t = data.npy(PATH)\n    print(t)\n    print(sum(t.astype(\"f64\")))"},
      {"input.safetensors", "let t = load(PATH)\n    print(t)\n    print(tree.summary(t))"},
      {"input.csv", "let t = data.csv(PATH)\n    print(t)"},
  };
  const Reader &r = readers[data[0] % (sizeof readers / sizeof *readers)];
  std::string path = fuzz::writeScratch(r.file, data + 1, size - 1);
  std::string load = r.load;
  load.replace(load.find("PATH"), 4, "\"" + path + "\"");
  std::string program = "fn main() {\n    " + load + "\n}\n";
  fuzz::writeScratch("loaders.zy", reinterpret_cast<const uint8_t *>(program.data()), program.size());
  fuzz::runProgram(fuzz::scratchFile("loaders.zy"));
  return 0;
}
