package dev.replica.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.Batch;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.seed.SeedStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Batches made ahead on another thread are the batches the step would have made itself: for steps in
 * order, across an epoch's end, and for a step that was not the one expected (a resume, the check).
 */
class BatchPrefetcherTest {

    /** Examples whose one feature encodes the index and the augmentation stream's first draw. */
    static final class Recording implements ExampleSet {
        final List<String> threads = new CopyOnWriteArrayList<>();
        final int failAt;

        Recording(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public int size() {
            return 10;
        }

        @Override
        public Batch batch(int[] indices, SeedStream augment) {
            threads.add(Thread.currentThread().getName());
            float[] features = new float[indices.length];
            int[] labels = new int[indices.length];
            for (int k = 0; k < indices.length; k++) {
                if (indices[k] == failAt) {
                    throw new IllegalStateException("example " + failAt + " is unreadable");
                }
                features[k] =
                        indices[k] * 1000 + augment.child(indices[k]).random().nextInt(1000);
            }
            return new Batch(features, new Shape(indices.length, 1), labels);
        }
    }

    private static TrainingSetup setup(ExampleSet train) {
        DataSplits data = FakeSplits.of(train);
        // 10 examples in batches of 4: 3 steps an epoch, the last of 2.
        return new TrainingSetup(null, data, new Training(3, 4, 4), SeedStream.root(5), null, (e, s) -> 0.1);
    }

    /** What the step makes itself: its slice of its epoch's order, with its epoch's augmentation. */
    private static float[] direct(TrainingSetup setup, long step) {
        int epoch = (int) (step / 3) + 1;
        int[] indices = setup.batchIndices(setup.order(epoch), (int) (step % 3));
        return setup.data().train().batch(indices, setup.augmentation(epoch)).features();
    }

    @Test
    void everyBatchIsTheOneTheStepWouldMakeAndIsMadeAhead() {
        Recording train = new Recording(-1);
        TrainingSetup setup = setup(train);
        try (BatchPrefetcher batches = new BatchPrefetcher(setup, "m")) {
            for (long step = 0; step < 9; step++) {
                BatchPrefetcher.Planned p = batches.take(step);
                assertThat(p.step()).isEqualTo(step);
                assertThat(p.epoch()).isEqualTo((int) (step / 3) + 1);
                assertThat(p.within()).isEqualTo((int) (step % 3));
                assertThat(p.batch().features()).as("step %d", step).isEqualTo(direct(setup, step));
            }
        }
        // The first batch is made on the caller's thread; every later one ahead, on the prefetch thread.
        long ahead = train.threads.stream()
                .filter(t -> t.equals("replica-batches-m"))
                .count();
        assertThat(ahead).isEqualTo(8);
    }

    @Test
    void aStepOtherThanTheExpectedOneGetsItsOwnBatch() {
        TrainingSetup setup = setup(new Recording(-1));
        try (BatchPrefetcher batches = new BatchPrefetcher(setup, "m")) {
            assertThat(batches.take(0).batch().features()).isEqualTo(direct(setup, 0));
            assertThat(batches.take(7).batch().features()).isEqualTo(direct(setup, 7));
            assertThat(batches.take(2).batch().features()).isEqualTo(direct(setup, 2));
            assertThat(batches.take(3).batch().features()).isEqualTo(direct(setup, 3));
        }
    }

    @Test
    void aBatchThatFailsAheadFailsTheStepThatTakesIt() {
        TrainingSetup setup = setup(new Recording(-1));
        int[] second = setup.batchIndices(setup.order(1), 1);
        try (BatchPrefetcher batches = new BatchPrefetcher(setup(new Recording(second[0])), "m")) {
            batches.take(0);
            assertThatThrownBy(() -> batches.take(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("example " + second[0] + " is unreadable");
        }
    }
}
