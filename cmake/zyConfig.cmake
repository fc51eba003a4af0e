# zyConfig.cmake: find_package(zy) for programs that embed Zy (see docs/embedding.md).
# Defines the imported target zy::zy: libzy.so and the include directory of <zy/zy.hpp>.
# libzy.so carries the compiler inside it; its own dependencies (LLVM, ANTLR's runtime,
# OpenBLAS, zlib) are shared libraries the dynamic loader finds.
include("${CMAKE_CURRENT_LIST_DIR}/zyTargets.cmake")
