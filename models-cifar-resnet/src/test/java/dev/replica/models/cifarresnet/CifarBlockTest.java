package dev.replica.models.cifarresnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.replica.api.Batch;
import dev.replica.api.EngineSession;
import dev.replica.api.seed.SeedStream;
import dev.replica.models.cifarresnet.CifarBlock.Shortcut;
import dev.replica.testkit.ModelHarness;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The option-A shortcut against a hand computation, and what a plain block leaves out. */
class CifarBlockTest {

    /** One image of 2 channels of 4 x 4: channel 0 holds 1..16, channel 1 holds 17..32, row by row. */
    private static final Shape INPUT = new Shape(1, 2, 4, 4);

    /**
     * {@code x[:, :, ::2, ::2]} keeps rows and columns 0 and 2: 1, 3, 9, 11 and 17, 19, 25, 27. Going from
     * 2 to 4 channels puts one zero channel (4 / 4) before and one after them.
     */
    private static final float[] OPTION_A = {0, 0, 0, 0, 1, 3, 9, 11, 17, 19, 25, 27, 0, 0, 0, 0};

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void optionASubsamplesByTwoAndPadsZeroChannelsOnBothSides(String engine) {
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            float[] out = CifarBlock.subsampleAndPad(manager.create(counting(), INPUT), 4)
                    .toFloatArray();
            assertThat(out).containsExactly(OPTION_A);
        }
    }

    /**
     * With both convolutions at zero, BatchNorm (in evaluation, at its initial statistics) gives zero,
     * so a residual block returns {@code relu(shortcut(x))} and a plain block returns zero.
     */
    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void withZeroConvolutionsAResidualBlockPassesTheShortcutAndAPlainOneNothing(String engine) {
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            assertThat(zeroConvolutionOutput(manager, Shortcut.A)).containsExactly(OPTION_A);
            assertThat(zeroConvolutionOutput(manager, Shortcut.NONE))
                    .containsOnly(0f)
                    .hasSize(OPTION_A.length);
        }
    }

    @Test
    void aBlockThatChangesTheShapeOtherwiseThanTheNetsDoIsRefused() {
        assertThatThrownBy(() -> new CifarBlock(16, 64, 2, Shortcut.A, SeedStream.root(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a block either keeps the shape or halves the map and doubles the channels: "
                        + "16 -> 64 at stride 2");
    }

    private static float[] zeroConvolutionOutput(NDManager manager, Shortcut shortcut) {
        CifarBlock block = new CifarBlock(2, 4, 2, shortcut, SeedStream.root(0));
        block.initialize(manager, DataType.FLOAT32, INPUT);
        SortedMap<String, float[]> weights = ModelHarness.snapshot(block);
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            if (e.getKey().contains("Conv2d")) {
                Arrays.fill(e.getValue(), 0f);
            }
        }
        ModelHarness.load(block, weights);
        return ModelHarness.forward(block, manager, new Batch(counting(), INPUT, new int[] {0}), false);
    }

    private static float[] counting() {
        float[] x = new float[Math.toIntExact(INPUT.size())];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        return x;
    }
}
