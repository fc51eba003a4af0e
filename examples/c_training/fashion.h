/* fashion.h: what the C training programs of this directory share (train.c, and
 * train_mpi.c, its data-parallel twin): reading Fashion-MNIST's gzipped IDX files and the
 * safetensors files `zy run mlp.zy -- init DIR` writes, and the test accuracy through
 * libpredict.so (when predict.h is included first). Static functions, so each program is
 * one file to compile; the programs name themselves in their errors with PROGRAM. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifndef PROGRAM
#define PROGRAM "train"
#endif

static void die(const char *what, const char *detail) {
    fprintf(stderr, PROGRAM ": %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
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

#ifdef ZY_PREDICT_NUM_INPUTS
/* The fraction of the `count` images `xs` (labels `ys`) that libpredict.so classifies
 * right, in batches of the rows it was compiled for; its k-th params input is
 * tensors[from[k]]. */
static double test_accuracy(void *const *tensors, const int *from, const float *xs, const int32_t *ys, size_t count) {
    enum { ROWS = ZY_PREDICT_IN_X_DIM0 };
    static int32_t guess[ROWS];
    size_t correct = 0;
    for (size_t b = 0; b < count / ROWS; ++b) {
        const void *inputs[ZY_PREDICT_NUM_INPUTS];
        void *outputs[1] = {guess};
        for (int k = 0; k < ZY_PREDICT_NUM_INPUTS - 1; ++k) inputs[k] = tensors[from[k]];
        inputs[ZY_PREDICT_IN_X] = xs + b * ROWS * 784;
        if (zy_predict_run(inputs, outputs) != 0) die("predicting failed", zy_predict_error());
        for (int r = 0; r < ROWS; ++r) correct += guess[r] == ys[b * ROWS + r];
    }
    return (double)correct / (double)count;
}
#endif
