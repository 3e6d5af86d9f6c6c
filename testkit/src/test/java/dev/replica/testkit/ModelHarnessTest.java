package dev.replica.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.replica.api.Batch;
import dev.replica.api.EngineSession;
import dev.replica.testkit.TinyPlugin.Flaw;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelHarnessTest {

    @Test
    void anUnknownEngineNameListsTheEnginesFound() {
        assertThatThrownBy(() -> ModelHarness.openEngine("tensorflow"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no engine plugin named 'tensorflow'")
                .hasMessageContaining("pytorch")
                .hasMessageContaining("mxnet");
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"pytorch", "mxnet"})
    void aTrainingStepLeavesEveryGradientAtZero(String engine) {
        // PyTorch adds new gradients to old ones unless they are zeroed; MXNet overwrites them.
        try (EngineSession session = ModelHarness.openEngine(engine);
                NDManager manager = session.newManager()) {
            Block block = tinyModel(manager, 1);
            Batch batch = ModelHarness.fixedBatch(1, 4, ModelHarness.CIFAR_EXAMPLE, 3);
            ModelHarness.trainStep(block, manager, batch, 3, 0.1f);
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    float[] gradient = p.getValue().getArray().getGradient().toFloatArray();
                    assertThat(gradient).as(p.getKey()).containsOnly(0f);
                }
            }
        }
    }

    @Test
    void weightsCopiedFromPyTorchToMxNetAreBitIdentical() {
        try (EngineSession pt = ModelHarness.openEngine("pytorch");
                EngineSession mx = ModelHarness.openEngine("mxnet");
                NDManager ptManager = pt.newManager();
                NDManager mxManager = mx.newManager()) {
            Block from = tinyModel(ptManager, 1);
            Block to = tinyModel(mxManager, 2);
            assertThat(ModelHarness.differingParameters(ModelHarness.snapshot(from), ModelHarness.snapshot(to)))
                    .isNotEmpty();
            ModelHarness.copyWeights(from, to);
            assertThat(ModelHarness.differingParameters(ModelHarness.snapshot(from), ModelHarness.snapshot(to)))
                    .isEmpty();
        }
    }

    @Test
    void loadingValuesForOtherParametersFailsNamingBoth() {
        try (EngineSession pt = ModelHarness.openEngine("pytorch");
                NDManager manager = pt.newManager()) {
            Block block = tinyModel(manager, 1);
            SortedMap<String, float[]> values = new TreeMap<>(ModelHarness.snapshot(block));
            values.put("99Extra_weight", new float[1]);
            assertThatThrownBy(() -> ModelHarness.load(block, values))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("99Extra_weight");
        }
    }

    @Test
    void leavesAreNamedByTheirParametersPrefix() {
        try (EngineSession pt = ModelHarness.openEngine("pytorch");
                NDManager manager = pt.newManager()) {
            Block block = tinyModel(manager, 1);
            assertThat(ModelHarness.leaves(block)).containsOnlyKeys("01Conv2d", "02BatchNorm", "05Linear");
        }
    }

    @Test
    void relativeDifferenceIsTheLargestDifferenceOverTheLargestReferenceValue() {
        assertThat(ModelHarness.relativeDifference(new float[] {2f, -4f}, new float[] {2.5f, -4f}))
                .isEqualTo(0.125);
    }

    private static Block tinyModel(NDManager manager, long seed) {
        return ModelHarness.buildAndInitialize(
                new TinyPlugin(Flaw.NONE),
                Map.of(),
                ModelHarness.context("tiny", seed, ModelHarness.CIFAR_EXAMPLE, 3, () -> 0L),
                manager,
                4);
    }
}
