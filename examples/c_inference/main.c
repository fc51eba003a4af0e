/* main.c: calls the model of model.zy from C through libpredict.so (see model.zy for the
 * commands) and prints its ten class probabilities, as `zy run model.zy` does. */
#include "predict.h"

#include <stdio.h>

int main(void) {
    float x[ZY_PREDICT_IN_X_SIZE], probabilities[ZY_PREDICT_OUT_OUT_SIZE];
    for (int i = 0; i < ZY_PREDICT_IN_X_SIZE; ++i) x[i] = (float)((i * 37) % 101) / 100.0f;
    if (zy_predict(x, probabilities) != 0) {
        fprintf(stderr, "predict failed: %s\n", zy_predict_error());
        return 1;
    }
    for (int j = 0; j < ZY_PREDICT_OUT_OUT_SIZE; ++j) printf("%.9e\n", probabilities[j]);
    return 0;
}
