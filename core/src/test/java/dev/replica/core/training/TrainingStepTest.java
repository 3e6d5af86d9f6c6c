package dev.replica.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import dev.replica.api.Batch;
import dev.replica.api.OptimizerState;
import dev.replica.api.UpdateRule;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.seed.SeedStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one training step: the update rule sees every trainable tensor of a step at once. */
class TrainingStepTest {

    /** Clips by the global gradient norm, which needs every tensor: the reason step() exists. */
    static final class ClipToUnitNorm implements UpdateRule {
        final List<List<String>> calls = new ArrayList<>();
        double normBefore;

        @Override
        public double baseRate() {
            return 0.1;
        }

        @Override
        public void update(String path, NDArray weight, NDArray gradient, double rate, OptimizerState state) {
            throw new AssertionError("a rule that overrides step() is not called per tensor");
        }

        @Override
        public void step(List<Tensor> tensors, double rate, OptimizerState state) {
            calls.add(tensors.stream().map(Tensor::path).toList());
            double squares = 0;
            for (Tensor t : tensors) {
                squares += t.gradient().square().sum().getFloat();
            }
            normBefore = Math.sqrt(squares);
            float scale = (float) Math.min(1, 1 / normBefore);
            for (Tensor t : tensors) {
                t.weight().subi(t.gradient().mul(scale * (float) rate));
            }
        }
    }

    @Test
    void aRuleThatOverridesStepSeesEveryTrainableTensorOnceAStep() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Block block = new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(TorchLayers.linear(3, 12, SeedStream.root(1).child("fc")));
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 12));
            ClipToUnitNorm rule = new ClipToUnitNorm();
            try (OptimizerState state = new OptimizerState(manager)) {
                TrainingStep step = new TrainingStep(manager.getEngine(), manager, block, rule, state, 3);
                float[] x = new float[24];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i / 10f;
                }
                Batch batch = new Batch(x, new Shape(2, 12), new int[] {0, 2});
                step.run(batch, 0.5);
                step.run(batch, 0.5);
            }
            assertThat(rule.calls)
                    .hasSize(2)
                    .allSatisfy(paths -> assertThat(paths).hasSize(2));
            assertThat(rule.normBefore).isPositive();
        }
    }

    @Test
    void aLabelOutsideTheClassesIsRefusedWithAMessage() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray logits = manager.zeros(new Shape(1, 3));
            assertThatThrownBy(() -> TrainingStep.crossEntropy(manager, logits, new int[] {3}, 3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("label 3 is not in [0, 3)");
        }
    }
}
