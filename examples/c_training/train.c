/* train.c: trains the Fashion-MNIST MLP of mlp.zy from C, with no Zy installed: the whole
 * training step (forward, gradient, Adam) is libtrain_step.so and the predictions are
 * libpredict.so, both made by `zy compile` (commands in mlp.zy, ABI in docs/compile.md).
 *
 *     ./train INIT.safetensors STATE.safetensors [--small]
 *
 * It reads the initial params and Adam state that `zy run mlp.zy -- init DIR` saved
 * (small readers in fashion.h), the gzipped IDX files of Fashion-MNIST from
 * /usr/share/datasets/fashion-mnist/ (with zlib; FASHION_MNIST_DIR overrides it), and
 * runs the same loop as `zy run mlp.zy -- train DIR`: the first ROWS images in order, 128
 * a batch, printing each epoch's mean loss and test accuracy in the same format. The
 * step's outputs are its new params and state, so they ping-pong between two buffers. */
#include "predict.h"
#include "train_step.h"

#include "fashion.h"

#define BATCH 128

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
        printf("epoch %d: mean loss %.6f, test accuracy %.4f\n", epoch, total / (double)batches,
               test_accuracy(current, predict_from, test_x, test_y, test_rows));
        fflush(stdout);
    }
    return 0;
}
