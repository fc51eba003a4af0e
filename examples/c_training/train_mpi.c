/* train_mpi.c: data-parallel training of mlp.zy's MLP from C, over MPI, with no Zy
 * installed: the loop of train.c, with the step in two halves that `zy compile` made
 * (commands in mlp.zy; docs/dist.md, "From C"):
 *
 *     mpirun -np N ./train_mpi INIT.safetensors STATE.safetensors [--small]
 *
 * Every process holds the whole model. For each batch of 128 images, process r takes
 * rows r*128/N .. (r+1)*128/N - 1 and runs libgrad_step.so (compiled for 128/N rows) for
 * its loss and gradients, which it writes into one buffer; one MPI_Allreduce sums that
 * buffer over the processes, and each divides by N and runs libapply_step.so (Adam) on the
 * mean. All processes apply the same update to the same parameters, so they stay equal,
 * and together they compute what train.c computes for the whole batch (up to the order
 * of the sums). Rank 0 prints each epoch's mean loss and test accuracy as train.c does. */
#include "apply_step.h"
#include "grad_step.h"
#include "predict.h"

#include <mpi.h>

#define PROGRAM "train_mpi"
#include "fashion.h"

#define BATCH 128
#define CARRIED ZY_APPLY_STEP_NUM_INPUTS /* params, state and grads: params and state are carried */

/* The position of `path` in `paths[0..n)`, or -1. */
static int find(const char *const *paths, int n, const char *path) {
    for (int i = 0; i < n; ++i)
        if (strcmp(paths[i], path) == 0) return i;
    return -1;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 3) {
        if (rank == 0) fprintf(stderr, "usage: mpirun -np N train_mpi INIT.safetensors STATE.safetensors [--small]\n");
        MPI_Finalize();
        return 64;
    }
    /* Each process's rows of a batch: what libgrad_step.so was compiled for. */
    if (BATCH % size != 0 || ZY_GRAD_STEP_IN_X_DIM0 != BATCH / size) {
        fprintf(stderr, "train_mpi: %d processes take %d rows of each batch of %d, but libgrad_step.so was compiled for "
                        "x=f32[%d,784]\n", size, BATCH / size, BATCH, (int)ZY_GRAD_STEP_IN_X_DIM0);
        MPI_Abort(MPI_COMM_WORLD, 64);
    }
    const int rows_each = BATCH / size;
    int small = argc > 3 && strcmp(argv[3], "--small") == 0;
    size_t rows = small ? 2000 : 60000, test_rows = small ? 1000 : 10000;
    int epochs = small ? 2 : 10;

    /* The exchanged buffer: the loss, then every gradient, as grad_step's outputs lie. */
    size_t exchanged = 0, offset[ZY_GRAD_STEP_NUM_OUTPUTS];
    for (int j = 0; j < ZY_GRAD_STEP_NUM_OUTPUTS; ++j) {
        if (strcmp(zy_grad_step_output_dtypes[j], "f32") != 0) die("a gradient that is not f32", zy_grad_step_output_paths[j]);
        offset[j] = exchanged;
        exchanged += (size_t)zy_grad_step_output_sizes[j];
    }
    float *exchange = checked_malloc(exchanged * sizeof(float));

    /* apply_step's inputs: params.P and state.P carried (two buffers each, swapped after
     * each step), grads.P read from the exchanged buffer (grad_step's out.1.P). */
    struct checkpoint init = read_checkpoint(argv[1]), state = read_checkpoint(argv[2]);
    void *current[CARRIED], *next[CARRIED];
    for (int i = 0; i < CARRIED; ++i) {
        const char *path = zy_apply_step_input_paths[i];
        size_t bytes = (size_t)zy_apply_step_input_sizes[i] * dtype_bytes(zy_apply_step_input_dtypes[i]);
        current[i] = next[i] = NULL;
        if (strncmp(path, "grads.", 6) == 0) {
            char want[512];
            snprintf(want, sizeof want, "out.1.%s", path + 6);
            int j = find(zy_grad_step_output_paths, ZY_GRAD_STEP_NUM_OUTPUTS, want);
            if (j < 0) die("grad_step has no gradient for", path);
            current[i] = exchange + offset[j];
            continue;
        }
        current[i] = checked_malloc(bytes);
        next[i] = checked_malloc(bytes);
        if (strncmp(path, "params.", 7) == 0) read_tensor(&init, path + 7, current[i], bytes);
        else if (strncmp(path, "state.", 6) == 0) read_tensor(&state, path + 6, current[i], bytes);
        else die("an input of apply_step that is neither params, state nor grads", path);
    }
    /* Output j of apply_step is the new params.P (out.0.P) or state.P (out.1.P). */
    int carried_to[ZY_APPLY_STEP_NUM_OUTPUTS];
    for (int j = 0; j < ZY_APPLY_STEP_NUM_OUTPUTS; ++j) {
        const char *out = zy_apply_step_output_paths[j];
        char want[512];
        snprintf(want, sizeof want, "%s.%s", strncmp(out, "out.0.", 6) == 0 ? "params" : "state", out + 6);
        carried_to[j] = find(zy_apply_step_input_paths, CARRIED, want);
        if (carried_to[j] < 0) die("no input for apply_step's output", out);
    }
    /* grad_step's and predict's params.P are apply_step's. */
    int grad_from[ZY_GRAD_STEP_NUM_INPUTS - 2], predict_from[ZY_PREDICT_NUM_INPUTS - 1];
    for (int k = 0; k < ZY_GRAD_STEP_NUM_INPUTS - 2; ++k)
        if ((grad_from[k] = find(zy_apply_step_input_paths, CARRIED, zy_grad_step_input_paths[k])) < 0)
            die("grad_step takes a tensor apply_step does not", zy_grad_step_input_paths[k]);
    for (int k = 0; k < ZY_PREDICT_NUM_INPUTS - 1; ++k)
        if ((predict_from[k] = find(zy_apply_step_input_paths, CARRIED, zy_predict_input_paths[k])) < 0)
            die("the predictor takes a tensor apply_step does not", zy_predict_input_paths[k]);

    float *xs, *test_x;
    int32_t *ys, *test_y;
    load_split("train", rows, &xs, &ys);
    if (rank == 0) load_split("t10k", test_rows, &test_x, &test_y);

    size_t batches = rows / BATCH;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        double total = 0;
        for (size_t b = 0; b < batches; ++b) {
            size_t first = b * BATCH + (size_t)rank * (size_t)rows_each; /* this process's rows */
            const void *g_in[ZY_GRAD_STEP_NUM_INPUTS];
            void *g_out[ZY_GRAD_STEP_NUM_OUTPUTS];
            for (int k = 0; k < ZY_GRAD_STEP_NUM_INPUTS - 2; ++k) g_in[k] = current[grad_from[k]];
            g_in[ZY_GRAD_STEP_IN_X] = xs + first * 784;
            g_in[ZY_GRAD_STEP_IN_Y] = ys + first;
            for (int j = 0; j < ZY_GRAD_STEP_NUM_OUTPUTS; ++j) g_out[j] = exchange + offset[j];
            if (zy_grad_step_run(g_in, g_out) != 0) die("the gradient step failed", zy_grad_step_error());
            /* The mean over the processes of the loss and every gradient, in one message. */
            MPI_Allreduce(MPI_IN_PLACE, exchange, (int)exchanged, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            for (size_t e = 0; e < exchanged; ++e) exchange[e] /= (float)size;

            const void *a_in[CARRIED];
            void *a_out[ZY_APPLY_STEP_NUM_OUTPUTS];
            for (int i = 0; i < CARRIED; ++i) a_in[i] = current[i];
            for (int j = 0; j < ZY_APPLY_STEP_NUM_OUTPUTS; ++j) a_out[j] = next[carried_to[j]];
            if (zy_apply_step_run(a_in, a_out) != 0) die("the update failed", zy_apply_step_error());
            for (int i = 0; i < CARRIED; ++i)
                if (next[i]) {
                    void *t = current[i];
                    current[i] = next[i];
                    next[i] = t;
                }
            total += exchange[offset[ZY_GRAD_STEP_OUT_OUT_0]];
        }
        if (rank != 0) continue;
        printf("epoch %d: mean loss %.6f, test accuracy %.4f\n", epoch, total / (double)batches,
               test_accuracy(current, predict_from, test_x, test_y, test_rows));
        fflush(stdout);
    }
    MPI_Finalize();
    return 0;
}
