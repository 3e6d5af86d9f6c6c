package dev.replica.core.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.seed.SeedStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainingSetupTest {

    private static TrainingSetup setup(long seed, int trainSize) {
        ExampleSet set = new ExampleSet() {
            @Override
            public int size() {
                return trainSize;
            }

            @Override
            public Batch batch(int[] indices, SeedStream augment) {
                throw new UnsupportedOperationException();
            }
        };
        DataSplits data = FakeSplits.of(set);
        return new TrainingSetup(null, data, new Training(3, 128, 128), SeedStream.root(seed), null, (e, s) -> 0.1);
    }

    @Test
    void theOrderOfExamplesIsAFunctionOfSeedAndEpoch() {
        assertThat(setup(0, 1000).order(1)).isEqualTo(setup(0, 1000).order(1));
        assertThat(setup(0, 1000).order(2)).isNotEqualTo(setup(0, 1000).order(1));
        assertThat(setup(1, 1000).order(1)).isNotEqualTo(setup(0, 1000).order(1));
    }

    @Test
    void theLastPartialBatchIsKept() {
        assertThat(setup(0, 50_000).stepsPerEpoch()).isEqualTo(391);
        assertThat(setup(0, 256).stepsPerEpoch()).isEqualTo(2);
        TrainingSetup s = setup(0, 300);
        int[] order = s.order(1);
        assertThat(s.batchIndices(order, 0)).containsExactly(Arrays.copyOfRange(order, 0, 128));
        assertThat(s.batchIndices(order, 2)).containsExactly(Arrays.copyOfRange(order, 256, 300));
    }
}
