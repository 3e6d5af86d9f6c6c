package dev.replica.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import dev.replica.api.OptimizerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crash can leave at every point of a write, made by hand: each state still has one complete
 * checkpoint, the newest complete one is the one read, and the next write cleans up. The kill -9 harness
 * (KillAnywhereTest) meets these states at random; here each is met on purpose.
 */
class CrashStatesTest {

    @TempDir
    Path dir;

    private static Block linear(NDManager manager, float value) {
        Block block = Linear.builder().setUnits(2).build();
        block.setInitializer(new ConstantInitializer(value), p -> true);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
        return block;
    }

    private static Checkpoint.Progress progress(int epoch) {
        // A history of as many epochs as the progress says: what a run writes, and what reading checks.
        List<EpochRecord> history = IntStream.rangeClosed(1, epoch)
                .mapToObj(e -> new EpochRecord(e, 0.1, 1, 0.5, 1, 0.5, 1, 1, 10, 10))
                .toList();
        return new Checkpoint.Progress(epoch, epoch, 0.5, history);
    }

    private static float firstWeight(Block block) {
        return block.getParameters().get(0).getValue().getArray().toFloatArray()[0];
    }

    @Test
    void everyIntermediateStateOfACheckpointWriteLeavesTheNewestCompleteOne() throws Exception {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                OptimizerState state = new OptimizerState(manager)) {
            Path folder = dir.resolve("checkpoint");
            Path fresh = dir.resolve("checkpoint.new");
            Path old = dir.resolve("checkpoint.old");
            Checkpoint checkpoint = new Checkpoint(folder);
            checkpoint.write(linear(manager, 1f), state, progress(1));

            // Killed while writing the new one: its weights are there, its progress is not.
            Checkpoint two = new Checkpoint(dir.resolve("two"));
            two.write(linear(manager, 2f), state, progress(2));
            Files.createDirectories(fresh);
            Files.copy(dir.resolve("two/weights.bin"), fresh.resolve("weights.bin"));
            Files.writeString(fresh.resolve("optimizer.bin.tmp"), "half");
            assertRestores(checkpoint, manager, state, 1, 1f);

            // Killed after the new one was complete, before the swap.
            Files.copy(dir.resolve("two/optimizer.bin"), fresh.resolve("optimizer.bin"));
            Files.copy(dir.resolve("two/progress.json"), fresh.resolve("progress.json"));
            assertRestores(checkpoint, manager, state, 1, 1f);

            // Killed between the two renames: only .old and .new exist, and .new is newer.
            Files.move(folder, old);
            assertRestores(checkpoint, manager, state, 2, 2f);

            // Killed after the swap, before .old was deleted.
            Files.move(fresh, folder);
            assertRestores(checkpoint, manager, state, 2, 2f);

            // The next write cleans up and holds the newest.
            checkpoint.write(linear(manager, 3f), state, progress(3));
            assertRestores(checkpoint, manager, state, 3, 3f);
            assertThat(old).doesNotExist();
            assertThat(fresh).doesNotExist();
        }
    }

    private static void assertRestores(
            Checkpoint checkpoint, NDManager manager, OptimizerState state, int epoch, float weight)
            throws IOException {
        assertThat(checkpoint.exists()).isTrue();
        assertThat(checkpoint.progress().epoch()).isEqualTo(epoch);
        Block block = linear(manager, 0f);
        checkpoint.restore(block, state);
        assertThat(firstWeight(block)).isEqualTo(weight);
    }

    @Test
    void aWriteThatFailsHalfwayLeavesTheOldFileAndNoTemporaryOne() throws Exception {
        Path file = dir.resolve("history.csv");
        SafeFiles.writeAtomically(file, "epoch\n1\n");
        assertThatThrownBy(() -> SafeFiles.writeAtomically(file, out -> {
                    out.write("epoch\n1\n2".getBytes());
                    throw new IOException("No space left on device");
                }))
                .hasMessage("No space left on device");
        assertThat(file).hasContent("epoch\n1\n");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("history.csv");
        }
    }

    @Test
    void aTruncatedTensorFileIsRefusedNotMisread() throws Exception {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            Path file = dir.resolve("best.params");
            ModelState.save(linear(manager, 1f), file);
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
            assertThatThrownBy(() -> TensorFile.read(file)).isInstanceOf(IOException.class);
        }
    }
}
