/* threads.c: one shared object made by `zy compile` called from 4 threads at once,
 * 10,000 calls each, every result compared bit for bit with the same call made alone.
 * Also checks the error protocol: a failed call returns non-zero with a message for its
 * own thread only, and the next successful call clears it.
 *
 *     cc threads.c -I DIR -L DIR -lpredict -lpthread -o threads && ./threads
 * where DIR holds libpredict.so and predict.h for an entry `predict(x)` of one f32
 * input and one f32 output (the test uses examples/c_inference/model.zy). */
#include "predict.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define CALLS 10000
#define INPUTS 16

static float inputs[INPUTS][ZY_PREDICT_IN_X_SIZE];
static float expected[INPUTS][ZY_PREDICT_OUT_OUT_SIZE];

struct worker {
    int id;
    long mismatches, failures;
};

static void *work(void *arg) {
    struct worker *w = arg;
    float out[ZY_PREDICT_OUT_OUT_SIZE];
    for (int k = 0; k < CALLS; ++k) {
        int which = (w->id * 7 + k) % INPUTS;
        memset(out, 0xFF, sizeof out); /* NaNs: a call that writes nothing cannot pass */
        if (zy_predict(inputs[which], out) != 0) ++w->failures;
        else if (memcmp(out, expected[which], sizeof out) != 0) ++w->mismatches;
        if (k % 1000 == 0 && w->id == 1) {
            /* A failure on this thread: its own message, cleared by its next success. */
            if (zy_predict_run(NULL, NULL) == 0 || strstr(zy_predict_error(), "NULL") == NULL) ++w->failures;
        } else if (zy_predict_error()[0] != '\0') {
            ++w->failures;
        }
    }
    return NULL;
}

int main(void) {
    for (int n = 0; n < INPUTS; ++n)
        for (int i = 0; i < ZY_PREDICT_IN_X_SIZE; ++i) inputs[n][i] = (float)(((i + 13 * n) * 37) % 101) / 100.0f;
    for (int n = 0; n < INPUTS; ++n)
        if (zy_predict(inputs[n], expected[n]) != 0) {
            fprintf(stderr, "a single-threaded call failed: %s\n", zy_predict_error());
            return 1;
        }
    for (int n = 1; n < INPUTS; ++n)
        if (memcmp(expected[0], expected[n], sizeof expected[0]) == 0) {
            fprintf(stderr, "inputs 0 and %d give the same result: the comparison would prove little\n", n);
            return 1;
        }
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int t = 0; t < THREADS; ++t) {
        workers[t] = (struct worker){t, 0, 0};
        if (pthread_create(&threads[t], NULL, work, &workers[t]) != 0) {
            fprintf(stderr, "cannot start a thread\n");
            return 1;
        }
    }
    long mismatches = 0, failures = 0;
    for (int t = 0; t < THREADS; ++t) {
        pthread_join(threads[t], NULL);
        mismatches += workers[t].mismatches;
        failures += workers[t].failures;
    }
    printf("%d threads x %d calls: %ld results differ from single-threaded calls, %ld failures\n", THREADS, CALLS,
           mismatches, failures);
    return mismatches || failures ? 1 : 0;
}
