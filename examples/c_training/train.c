/* train.c: trains the Fashion-MNIST MLP of mlp.zy from C, with no Zy installed: the whole
 * training step (forward, gradient, Adam) is libtrain_step.so and the predictions are
 * libpredict.so, both made by `zy compile` (commands in mlp.zy, ABI in docs/compile.md).
 *
 *     ./train INIT.safetensors STATE.safetensors [--small]
 *
 * It reads the initial params and Adam state that `zy run mlp.zy -- init DIR` saved
 * (a small safetensors reader below), the gzipped IDX files of Fashion-MNIST from
 * /usr/share/datasets/fashion-mnist/ (with zlib; FASHION_MNIST_DIR overrides it), and
 * runs the same loop as `zy run mlp.zy -- train DIR`: the first ROWS images in order, 128
 * a batch, printing each epoch's mean loss and test accuracy in the same format. The
 * step's outputs are its new params and state, so they ping-pong between two buffers. */
#include "predict.h"
#include "train_step.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BATCH 128
#define EVAL_BATCH 1000

static void die(const char *what, const char *detail) {
    fprintf(stderr, "train: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void *checked_malloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) die("out of memory", NULL);
    return p;
}

/* ---------------------------------------------------------------- Fashion-MNIST (IDX, gzipped) */

static uint32_t big_endian(const unsigned char *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Reads `count` items of `item_bytes` bytes each from an IDX file (magic 0x0801 or 0x0803). */
static unsigned char *read_idx(const char *name, int rank, size_t count, size_t item_bytes) {
    const char *dir = getenv("FASHION_MNIST_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/datasets/fashion-mnist", name);
    gzFile f = gzopen(path, "rb");
    if (!f) die("cannot open", path);
    unsigned char head[16];
    size_t head_bytes = 4 + 4 * (size_t)rank;
    if (gzread(f, head, (unsigned)head_bytes) != (int)head_bytes || big_endian(head) != (uint32_t)(0x0800 + rank))
        die("not an IDX file of unsigned bytes", path);
    if (big_endian(head + 4) < count) die("the file has fewer items than asked for", path);
    unsigned char *data = checked_malloc(count * item_bytes);
    if (gzread(f, data, (unsigned)(count * item_bytes)) != (int)(count * item_bytes)) die("truncated", path);
    gzclose(f);
    return data;
}

/* Images as f32 in [0, 1] (x / 255, as mlp.zy divides), labels as i32. */
static void load_split(const char *split, size_t count, float **images, int32_t **labels) {
    char name[128];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte.gz", split);
    unsigned char *pixels = read_idx(name, 3, count, 784);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte.gz", split);
    unsigned char *classes = read_idx(name, 1, count, 1);
    *images = checked_malloc(count * 784 * sizeof(float));
    *labels = checked_malloc(count * sizeof(int32_t));
    for (size_t i = 0; i < count * 784; ++i) (*images)[i] = (float)pixels[i] / 255.0f;
    for (size_t i = 0; i < count; ++i) (*labels)[i] = classes[i];
    free(pixels);
    free(classes);
}

/* ---------------------------------------------------------------- safetensors (the subset `save` writes) */

struct checkpoint {
    char *bytes;
    size_t size, header_end;
};

static struct checkpoint read_checkpoint(const char *path) {
    struct checkpoint c = {0};
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open", path);
    fseek(f, 0, SEEK_END);
    c.size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    c.bytes = checked_malloc(c.size + 1);
    if (fread(c.bytes, 1, c.size, f) != c.size) die("cannot read", path);
    fclose(f);
    uint64_t header = 0;
    for (int i = 0; i < 8 && (size_t)i < c.size; ++i) header |= (uint64_t)(unsigned char)c.bytes[i] << (8 * i);
    if (c.size < 8 || header > c.size - 8) die("not a safetensors file", path);
    c.header_end = 8 + (size_t)header;
    return c;
}

/* Copies tensor `name` (its data must be `bytes` long) into `out`. */
static void read_tensor(const struct checkpoint *c, const char *name, void *out, size_t bytes) {
    char key[512];
    snprintf(key, sizeof key, "\"%s\":", name);
    char saved = c->bytes[c->header_end];
    c->bytes[c->header_end] = '\0'; /* the JSON header as a string */
    const char *at = strstr(c->bytes + 8, key);
    const char *offsets = at ? strstr(at, "\"data_offsets\":[") : NULL;
    unsigned long long begin = 0, end = 0;
    int parsed = offsets ? sscanf(offsets, "\"data_offsets\":[%llu,%llu]", &begin, &end) : 0;
    c->bytes[c->header_end] = saved;
    if (!at) die("the checkpoint has no tensor of this name", name);
    if (parsed != 2 || end < begin || end - begin != bytes || c->header_end + end > c->size)
        die("the tensor's data does not have the size the library expects", name);
    memcpy(out, c->bytes + c->header_end + begin, bytes);
}

static size_t dtype_bytes(const char *dtype) { return strcmp(dtype, "f64") == 0 ? 8 : strcmp(dtype, "bool") == 0 ? 1 : 4; }

/* ---------------------------------------------------------------- training */

#define IN_COUNT ZY_TRAIN_STEP_NUM_INPUTS
#define CARRIED (IN_COUNT - 2) /* params and state: every input but the batch */

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: train INIT.safetensors STATE.safetensors [--small]\n");
        return 64;
    }
    int small = argc > 3 && strcmp(argv[3], "--small") == 0;
    size_t rows = small ? 2000 : 60000, test_rows = small ? 1000 : 10000;
    int epochs = small ? 2 : 10;

    /* Two buffers for each carried input (params, then state), filled from the checkpoints. */
    struct checkpoint init = read_checkpoint(argv[1]), state = read_checkpoint(argv[2]);
    void *current[CARRIED], *next[CARRIED];
    for (int i = 0; i < CARRIED; ++i) {
        const char *path = zy_train_step_input_paths[i];
        size_t bytes = (size_t)zy_train_step_input_sizes[i] * dtype_bytes(zy_train_step_input_dtypes[i]);
        current[i] = checked_malloc(bytes);
        next[i] = checked_malloc(bytes);
        if (strncmp(path, "params.", 7) == 0) read_tensor(&init, path + 7, current[i], bytes);
        else if (strncmp(path, "state.", 6) == 0) read_tensor(&state, path + 6, current[i], bytes);
        else die("an input that is neither params nor state comes before the batch", path);
    }
    /* Output j of the step is the new value of the input with the same path: out.0.P is
     * params.P, out.1.P is state.P; the last output is the loss. */
    int carried_to[CARRIED];
    for (int j = 0; j < CARRIED; ++j) {
        const char *out = zy_train_step_output_paths[j];
        char want[512];
        snprintf(want, sizeof want, "%s.%s", strncmp(out, "out.0.", 6) == 0 ? "params" : "state", out + 6);
        carried_to[j] = -1;
        for (int i = 0; i < CARRIED; ++i)
            if (strcmp(zy_train_step_input_paths[i], want) == 0) carried_to[j] = i;
        if (carried_to[j] < 0) die("no input for the step's output", out);
    }
    /* The predictor's params are the step's params inputs of the same path. */
    int predict_from[ZY_PREDICT_NUM_INPUTS - 1];
    for (int k = 0; k < ZY_PREDICT_NUM_INPUTS - 1; ++k) {
        predict_from[k] = -1;
        for (int i = 0; i < CARRIED; ++i)
            if (strcmp(zy_predict_input_paths[k], zy_train_step_input_paths[i]) == 0) predict_from[k] = i;
        if (predict_from[k] < 0) die("the predictor takes a tensor the step does not", zy_predict_input_paths[k]);
    }

    float *xs, *test_x;
    int32_t *ys, *test_y;
    load_split("train", rows, &xs, &ys);
    load_split("t10k", test_rows, &test_x, &test_y);

    size_t batches = rows / BATCH;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        double total = 0;
        for (size_t b = 0; b < batches; ++b) {
            const void *inputs[IN_COUNT];
            void *outputs[ZY_TRAIN_STEP_NUM_OUTPUTS];
            float loss;
            for (int i = 0; i < CARRIED; ++i) inputs[i] = current[i];
            inputs[ZY_TRAIN_STEP_IN_X] = xs + b * BATCH * 784;
            inputs[ZY_TRAIN_STEP_IN_Y] = ys + b * BATCH;
            for (int j = 0; j < CARRIED; ++j) outputs[j] = next[carried_to[j]];
            outputs[ZY_TRAIN_STEP_OUT_OUT_2] = &loss;
            if (zy_train_step_run(inputs, outputs) != 0) die("the training step failed", zy_train_step_error());
            for (int i = 0; i < CARRIED; ++i) {
                void *t = current[i];
                current[i] = next[i];
                next[i] = t;
            }
            total += loss;
        }
        size_t correct = 0;
        for (size_t b = 0; b < test_rows / EVAL_BATCH; ++b) {
            const void *inputs[ZY_PREDICT_NUM_INPUTS];
            int32_t guess[EVAL_BATCH];
            void *outputs[1] = {guess};
            for (int k = 0; k < ZY_PREDICT_NUM_INPUTS - 1; ++k) inputs[k] = current[predict_from[k]];
            inputs[ZY_PREDICT_IN_X] = test_x + b * EVAL_BATCH * 784;
            if (zy_predict_run(inputs, outputs) != 0) die("predicting failed", zy_predict_error());
            for (int r = 0; r < EVAL_BATCH; ++r) correct += guess[r] == test_y[b * EVAL_BATCH + r];
        }
        printf("epoch %d: mean loss %.6f, test accuracy %.4f\n", epoch, total / (double)batches,
               (double)correct / (double)test_rows);
        fflush(stdout);
    }
    return 0;
}
