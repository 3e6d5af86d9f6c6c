package dev.replica.examples.preactresnet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.replica.api.EngineSession;
import dev.replica.api.seed.SeedStream;
import dev.replica.testkit.ModelHarness;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What makes the block pre-activation rather than the original ResNet's: nothing follows the addition, and
 * a projection shortcut sees the normalised, rectified input. Freshly initialised BatchNorm in evaluation
 * mode scales by {@code 1/sqrt(1 + 1e-5)}, so for an input that is negative everywhere the ReLU after
 * {@code bn1} gives zeros, and the residual branch (convolutions without bias) adds exactly zero.
 */
class PreActBlockTest {

    private static final Shape INPUT = new Shape(2, 4, 6, 6);

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void anIdentityBlockPassesANegativeInputThroughUnchanged(String engine) {
        float[] x = negative(INPUT);
        // A post-activation block would end in relu(x + 0) = 0.
        assertThat(forward(engine, new PreActBlock(4, 4, 1, SeedStream.root(1)), x))
                .containsExactly(x);
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void aProjectionShortcutIsTakenFromThePreActivatedInput(String engine) {
        // relu(bn1(x)) = 0, so the 1x1 convolution gives 0; on the raw input it would not.
        float[] out = forward(engine, new PreActBlock(4, 8, 2, SeedStream.root(1)), negative(INPUT));
        assertThat(out).hasSize(2 * 8 * 3 * 3);
        float maxAbs = 0;
        for (float v : out) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertThat(maxAbs).as("max |output|").isEqualTo(0f);
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void theResidualBranchIsNotTriviallyZero(String engine) {
        float[] x = negative(INPUT);
        for (int i = 0; i < x.length; i++) {
            x[i] = -x[i];
        }
        float[] out = forward(engine, new PreActBlock(4, 4, 1, SeedStream.root(1)), x);
        assertThat(out).hasSameSizeAs(x);
        assertThat(Arrays.equals(out, x)).as("output equals a positive input").isFalse();
    }

    /** Values in [-1.5, -0.5), from a stream so that the test is the same on every run. */
    private static float[] negative(Shape shape) {
        float[] x = new float[Math.toIntExact(shape.size())];
        var random = SeedStream.root(7).child("input").random();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (-0.5 - random.nextDouble());
        }
        return x;
    }

    private static float[] forward(String engine, PreActBlock block, float[] x) {
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            block.initialize(manager, DataType.FLOAT32, INPUT);
            NDList input = new NDList(manager.create(x, INPUT));
            return block.forward(new ParameterStore(manager, false), input, false)
                    .singletonOrThrow()
                    .toFloatArray();
        }
    }
}
