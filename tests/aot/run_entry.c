/* run_entry.c: calls any library made by `zy compile` through zy_NAME_run, with inputs
 * filled by index as tests/aot/steps.zy fills them, and prints every output element.
 *
 *     cc run_entry.c -DENTRY=NAME -include NAME.h -L DIR -lNAME -o run_NAME
 * (float element i is ((37 i) mod 101) / 100 - 0.5, i32 element i is (7 i) mod 5). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define ZY(suffix) CAT(CAT(zy_, ENTRY), suffix)

static size_t dtype_bytes(const char *dtype) { return strcmp(dtype, "f64") == 0 ? 8 : strcmp(dtype, "bool") == 0 ? 1 : 4; }

int main(void) {
    enum { INPUTS = sizeof ZY(_input_sizes) / sizeof ZY(_input_sizes)[0],
           OUTPUTS = sizeof ZY(_output_sizes) / sizeof ZY(_output_sizes)[0] };
    const void *inputs[INPUTS];
    void *outputs[OUTPUTS];
    for (int k = 0; k < INPUTS; ++k) {
        const char *dtype = ZY(_input_dtypes)[k];
        int64_t n = ZY(_input_sizes)[k];
        void *p = malloc((size_t)n * dtype_bytes(dtype) + 1);
        for (int64_t i = 0; i < n; ++i) {
            if (strcmp(dtype, "f32") == 0) ((float *)p)[i] = (float)((i * 37) % 101) / 100.0f - 0.5f;
            else if (strcmp(dtype, "f64") == 0) ((double *)p)[i] = (double)((i * 37) % 101) / 100.0 - 0.5;
            else if (strcmp(dtype, "i32") == 0) ((int32_t *)p)[i] = (int32_t)((i * 7) % 5);
            else ((uint8_t *)p)[i] = (uint8_t)(i % 2);
        }
        inputs[k] = p;
    }
    for (int k = 0; k < OUTPUTS; ++k)
        outputs[k] = malloc((size_t)ZY(_output_sizes)[k] * dtype_bytes(ZY(_output_dtypes)[k]) + 1);
    if (ZY(_run)(inputs, outputs) != 0) {
        fprintf(stderr, "the call failed: %s\n", ZY(_error)());
        return 1;
    }
    for (int k = 0; k < OUTPUTS; ++k) {
        const char *dtype = ZY(_output_dtypes)[k];
        for (int64_t i = 0; i < ZY(_output_sizes)[k]; ++i) {
            double v = strcmp(dtype, "f32") == 0   ? ((float *)outputs[k])[i]
                       : strcmp(dtype, "f64") == 0 ? ((double *)outputs[k])[i]
                       : strcmp(dtype, "i32") == 0 ? ((int32_t *)outputs[k])[i]
                                                   : ((uint8_t *)outputs[k])[i];
            printf("%.9e\n", v);
        }
    }
    return 0;
}
