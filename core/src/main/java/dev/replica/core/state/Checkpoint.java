package dev.replica.core.state;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.replica.api.OptimizerState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The latest full state of one model's training, in a folder replaced atomically after each epoch:
 * weights with BatchNorm statistics, optimizer state, and the progress so far. Schedules and data
 * order are pure functions of (seed, epoch), so they need no state here.
 */
public final class Checkpoint {

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .create();
    private static final String WEIGHTS = "weights.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    private static final String PROGRESS = "progress.json";

    /**
     * Progress at the end of an epoch, or within the next one when a run was stopped between steps.
     *
     * @param epoch the last finished epoch
     * @param bestEpoch the epoch with the best validation accuracy so far
     * @param bestValAccuracy that accuracy
     * @param history every epoch so far
     * @param partial how far the next epoch got, or {@code null} at an epoch's end
     */
    public record Progress(
            int epoch, int bestEpoch, double bestValAccuracy, List<EpochRecord> history, Partial partial) {

        /**
         * Progress at the end of an epoch.
         *
         * @param epoch the last finished epoch
         * @param bestEpoch the epoch with the best validation accuracy so far
         * @param bestValAccuracy that accuracy
         * @param history every epoch so far
         */
        public Progress(int epoch, int bestEpoch, double bestValAccuracy, List<EpochRecord> history) {
            this(epoch, bestEpoch, bestValAccuracy, history, null);
        }
    }

    /**
     * The part of an epoch trained before a stop: enough to finish it as if it had never stopped.
     *
     * @param steps the steps done
     * @param lossSum the sum of each step's mean loss times its examples
     * @param correct the examples classified right
     * @param seen the examples trained on
     * @param seconds the training time of those steps, so the epoch's timing counts all of them
     */
    public record Partial(int steps, double lossSum, long correct, int seen, double seconds) {}

    private final Path folder;

    /**
     * Creates a handle on a model's checkpoint folder (which may not exist yet).
     *
     * @param folder the folder, e.g. {@code <run>/<label>/checkpoint}
     */
    public Checkpoint(Path folder) {
        this.folder = folder;
    }

    /**
     * Writes a new checkpoint next to the old one, then swaps it in; a crash at any point leaves a
     * complete checkpoint (the old or the new one) that {@link #exists} and {@link #read} find.
     *
     * @param block the model
     * @param state the optimizer state
     * @param progress the progress
     * @throws IOException when writing fails
     */
    public void write(Block block, OptimizerState state, Progress progress) throws IOException {
        Path fresh = sibling(".new");
        Path old = sibling(".old");
        Path current = complete();
        if (current != null && !current.equals(folder) && !Files.exists(folder)) {
            // A crash between the renames left the newest complete checkpoint beside: put it in place first,
            // so that a crash during this write still leaves it.
            Files.move(current, folder, StandardCopyOption.ATOMIC_MOVE);
            ModelFiles.syncFolder(folder.toAbsolutePath().getParent());
        }
        ModelFiles.deleteTree(fresh);
        Files.createDirectories(fresh);
        ModelState.save(block, fresh.resolve(WEIGHTS));
        TensorFile.write(fresh.resolve(OPTIMIZER), state.slots()); // sorted: the same bytes every run
        // progress.json is written last: a folder with it is complete.
        ModelFiles.writeAtomically(fresh.resolve(PROGRESS), GSON.toJson(progress));
        Path parent = folder.toAbsolutePath().getParent();
        ModelFiles.deleteTree(old);
        if (Files.exists(folder)) {
            Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, folder, StandardCopyOption.ATOMIC_MOVE);
        ModelFiles.syncFolder(parent);
        ModelFiles.deleteTree(old);
    }

    /**
     * Returns the checkpoint's folder.
     *
     * @return e.g. {@code <run>/<label>/checkpoint}
     */
    public Path folder() {
        return folder;
    }

    /**
     * Returns whether a complete checkpoint exists.
     *
     * @return {@code true} when one can be read
     */
    public boolean exists() {
        return complete() != null;
    }

    /**
     * Reads the progress of the complete checkpoint.
     *
     * @return the progress
     * @throws IOException when there is no complete checkpoint
     */
    public Progress progress() throws IOException {
        return GSON.fromJson(Files.readString(require().resolve(PROGRESS), StandardCharsets.UTF_8), Progress.class);
    }

    /**
     * Restores weights and optimizer state into an initialised block and an empty state.
     *
     * @param block the model, initialised
     * @param state the optimizer state to fill
     * @throws IOException when the checkpoint does not match
     */
    public void restore(Block block, OptimizerState state) throws IOException {
        Path dir = require();
        ModelState.load(block, dir.resolve(WEIGHTS));
        for (Map.Entry<String, TensorFile.Entry> e :
                TensorFile.read(dir.resolve(OPTIMIZER)).entrySet()) {
            int slash = e.getKey().lastIndexOf('/');
            try (NDArray a =
                    state.manager().create(e.getValue().values(), e.getValue().shape())) {
                state.put(e.getKey().substring(0, slash), e.getKey().substring(slash + 1), a);
            }
        }
    }

    private Path require() throws IOException {
        Path dir = complete();
        if (dir == null) {
            throw new IOException("no complete checkpoint in " + folder);
        }
        return dir;
    }

    /** The folder itself; after a crash mid-swap, the new one if complete, else the old one. */
    private Path complete() {
        for (Path p : List.of(folder, sibling(".new"), sibling(".old"))) {
            if (Files.isRegularFile(p.resolve(PROGRESS))) {
                return p;
            }
        }
        return null;
    }

    private Path sibling(String suffix) {
        return folder.resolveSibling(folder.getFileName() + suffix);
    }
}
