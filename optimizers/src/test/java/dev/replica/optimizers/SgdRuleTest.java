package dev.replica.optimizers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.replica.api.OptimizerContext;
import dev.replica.api.OptimizerState;
import dev.replica.api.UpdateRule;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PyTorch's SGD on a hand-computed example across a learning-rate change: three steps with momentum
 * 0.9 and weight decay 0.1 at rates 0.1, 0.1, 0.01, a constant gradient (0.5, 0.25), from w = (1, -2).
 * By hand, PyTorch's rule (d = g + wd*w; b = m*b + d; w -= lr*b) gives
 * step 1: d = (0.6, 0.05), b = d, w = (0.94, -2.005);
 * step 2: d = (0.594, 0.0495), b = (1.134, 0.0945), w = (0.8266, -2.01445);
 * step 3: d = (0.58266, 0.048555), b = (1.60326, 0.133605), w = (0.8105674, -2.01578605).
 * MXNet's rule, which DJL's Sgd implements (v = m*v + lr*(g + wd*w); w -= v), agrees while the rate is
 * constant and gives w1 = 0.7187134 at step 3.
 */
class SgdRuleTest {

    private static final float[] GRADIENT = {0.5f, 0.25f};
    private static final double[] RATES = {0.1, 0.1, 0.01};
    private static final double[][] EXPECTED = {{0.94, -2.005}, {0.8266, -2.01445}, {0.8105674, -2.01578605}};

    /** One optimizer step on (weight, gradient) at a rate. */
    interface Step {
        void apply(NDArray weight, NDArray gradient, int step, double rate);
    }

    private static float[][] threeSteps(NDManager manager, Step step) {
        NDArray w = manager.create(new float[] {1f, -2f});
        float[][] out = new float[3][];
        for (int s = 0; s < 3; s++) {
            NDArray g = manager.create(GRADIENT);
            step.apply(w, g, s, RATES[s]);
            out[s] = w.toFloatArray();
        }
        return out;
    }

    @Test
    void replicasSgdFollowsPyTorchAcrossARateChange() {
        UpdateRule rule = new SgdPlugin()
                .create(
                        new SgdPlugin()
                                .schema()
                                .validate(Map.of("lr", 0.1, "momentum", 0.9, "weight_decay", 0.1))
                                .orElseThrow(),
                        new OptimizerContext(1, 3));
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                OptimizerState state = new OptimizerState(manager)) {
            float[][] w = threeSteps(manager, (weight, g, s, rate) -> rule.update("w", weight, g, rate, state));
            for (int s = 0; s < 3; s++) {
                assertThat((double) w[s][0]).as("step %d", s + 1).isCloseTo(EXPECTED[s][0], within(1e-5));
                assertThat((double) w[s][1]).as("step %d", s + 1).isCloseTo(EXPECTED[s][1], within(1e-5));
            }
            assertThat(state.slots()).containsOnlyKeys("w/momentum");
        }
    }

    @Test
    void djlsBuiltInSgdFailsTheSameExampleAfterTheRateChange() {
        // DJL's tracker sees an update count that starts at 1.
        Tracker rates = new Tracker() {
            @Override
            public float getNewValue(int numUpdate) {
                return (float) RATES[numUpdate - 1];
            }
        };
        Optimizer sgd = Optimizer.sgd()
                .setLearningRateTracker(rates)
                .optMomentum(0.9f)
                .optWeightDecays(0.1f)
                .build();
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            float[][] w = threeSteps(manager, (weight, g, s, rate) -> sgd.update("w", weight, g));
            // Equal while the rate is constant ...
            assertThat((double) w[1][0]).isCloseTo(EXPECTED[1][0], within(1e-5));
            // ... and not after it changes: this is the check the test above passes.
            assertThat((double) w[2][0]).isNotCloseTo(EXPECTED[2][0], within(1e-5));
            assertThat((double) w[2][0]).isCloseTo(0.7187134, within(1e-5));
        }
    }

    /**
     * The rule updates in place, in the gradient's memory, to save a temporary per tensor: it must leave
     * the very bits of PyTorch's formula written out of place, at every step, across a rate change, with
     * and without Nesterov, on both engines.
     */
    @ParameterizedTest
    @CsvSource({"PyTorch, false", "PyTorch, true", "MXNet, false", "MXNet, true"})
    void theInPlaceUpdateLeavesTheBitsOfTheFormulaWrittenOutOfPlace(String engine, boolean nesterov) {
        double m = 0.9;
        double wd = 5e-4;
        UpdateRule rule = new SgdPlugin()
                .create(
                        new SgdPlugin()
                                .schema()
                                .validate(Map.of("lr", 0.1, "momentum", m, "weight_decay", wd, "nesterov", nesterov))
                                .orElseThrow(),
                        new OptimizerContext(1, 3));
        Random random = new Random(7);
        float[] start = new float[1000];
        for (int i = 0; i < start.length; i++) {
            start[i] = (float) random.nextGaussian();
        }
        try (NDManager manager = Engine.getEngine(engine).newBaseManager();
                OptimizerState state = new OptimizerState(manager)) {
            NDArray w = manager.create(start);
            NDArray plainW = manager.create(start);
            NDArray plainB = null;
            double[] rates = {0.1, 0.1, 0.01, 0.01, 0.001};
            for (int s = 0; s < rates.length; s++) {
                float[] gradient = new float[start.length];
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] = (float) random.nextGaussian() * 0.1f;
                }
                rule.update("w", w, manager.create(gradient), rates[s], state);
                // PyTorch's formula, each operation out of place.
                NDArray d = manager.create(gradient).add(plainW.mul((float) wd));
                plainB = plainB == null ? d.duplicate() : plainB.mul((float) m).add(d);
                NDArray step = nesterov ? d.add(plainB.mul((float) m)) : plainB;
                plainW = plainW.sub(step.mul((float) rates[s]));
                assertThat(w.toFloatArray()).as("step %d", s + 1).isEqualTo(plainW.toFloatArray());
            }
        }
    }
}
