// Print.h: tensors as text (Zy's `print` format), with C names, so the interpreter, the
// reference executor, the JIT and the libraries `zy compile` writes all print a tensor
// the same way (debug.print). No allocation, no C++ runtime: a `zy compile`d library
// links this file's object with a C compiler.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A tensor's bytes as the runtime reads them: dtype 0 bool (uint8), 1 i32, 2 f32, 3 f64
/// (zy::DType's order), row-major.
typedef struct ZyRtTensor {
  int dtype;
  int rank;
  const int64_t *dims;
  const void *data;
} ZyRtTensor;

/// Receives the text in pieces (not NUL-terminated).
typedef void (*ZyRtEmit)(void *context, const char *text, size_t length);

/// How tensors print (NumPy's set_printoptions): floats fixed with up to `precision`
/// decimals (scientific when some value needs it); a tensor of more than `threshold`
/// elements is summarised, `edgeitems` at each end of each axis longer than twice that.
typedef struct ZyRtPrintOptions {
  int precision;     // 4
  int64_t threshold; // 1000
  int64_t edgeitems; // 3
} ZyRtPrintOptions;

/// The options zy_rt_format_tensor follows, for the process: set from host code
/// (`set_printoptions`), read as tensors print.
ZyRtPrintOptions *zy_rt_print_options(void);

/// `tensor([1, 2.5], f32[2])`, as the print options say.
void zy_rt_format_tensor(const ZyRtTensor *tensor, ZyRtEmit emit, void *context);

/// `format` with each `{}` replaced by the next of `count` values (`{{` and `}}` are
/// braces). The caller has checked that the counts agree; a missing value prints `{}`.
void zy_rt_format_message(const char *format, int64_t count, const ZyRtTensor *values, ZyRtEmit emit, void *context);

/// The message and a newline on standard output, flushed: debug.print in a library.
void zy_rt_debug_print(const char *format, int64_t count, const ZyRtTensor *values);

#ifdef __cplusplus
}
#endif
