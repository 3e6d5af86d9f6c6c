package dev.replica.core.state;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.replica.api.OptimizerState;
import dev.replica.api.UserException;
import java.io.IOException;
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
    /** SHA-256 of weights.bin and optimizer.bin, as sha256sum writes them; runs before it have none. */
    private static final String CHECKSUMS = "checksums.txt";

    private static final List<String> SUMMED = List.of(WEIGHTS, OPTIMIZER);

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
            SafeFiles.syncFolder(folder.toAbsolutePath().getParent());
        }
        SafeFiles.deleteTree(fresh);
        Files.createDirectories(fresh);
        ModelState.save(block, fresh.resolve(WEIGHTS));
        TensorFile.write(fresh.resolve(OPTIMIZER), state.slots()); // sorted: the same bytes every run
        StringBuilder sums = new StringBuilder();
        for (String name : SUMMED) {
            sums.append(SafeFiles.sha256(fresh.resolve(name)))
                    .append("  ")
                    .append(name)
                    .append('\n');
        }
        SafeFiles.writeAtomically(fresh.resolve(CHECKSUMS), sums.toString());
        // progress.json is written last: a folder with it is complete.
        SafeFiles.writeAtomically(fresh.resolve(PROGRESS), GSON.toJson(progress));
        Path parent = folder.toAbsolutePath().getParent();
        SafeFiles.deleteTree(old);
        if (Files.exists(folder)) {
            Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, folder, StandardCopyOption.ATOMIC_MOVE);
        SafeFiles.syncFolder(parent);
        SafeFiles.deleteTree(old);
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
        Path file = require().resolve(PROGRESS);
        Progress p;
        try {
            p = GSON.fromJson(SafeFiles.readText(file, "checkpoint's progress"), Progress.class);
        } catch (JsonParseException e) {
            String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw edited(
                    file,
                    "it is not the JSON the run wrote ("
                            + why.lines().findFirst().orElse("") + ")");
        }
        String problem = problem(p);
        if (problem != null) {
            throw edited(file, problem);
        }
        return p;
    }

    /** What is wrong with progress read back, or {@code null}: its epochs index the history and the schedule. */
    private static String problem(Progress p) {
        if (p == null || p.history() == null || p.history().contains(null)) {
            return "it has no history, or an empty entry in it";
        }
        if (p.epoch() < 0 || p.epoch() != p.history().size()) {
            return "epoch is " + (p == null ? null : p.epoch()) + " but the history has "
                    + p.history().size() + " epochs; allowed: epoch equal to the epochs of the history";
        }
        for (int i = 0; i < p.history().size(); i++) {
            if (p.history().get(i).epoch() != i + 1) {
                return "history entry " + i + " is epoch " + p.history().get(i).epoch() + "; allowed: " + (i + 1);
            }
        }
        if (p.bestEpoch() < 0 || p.bestEpoch() > p.epoch()) {
            return "bestEpoch is " + p.bestEpoch() + "; allowed: 0 to epoch (" + p.epoch() + ")";
        }
        Partial q = p.partial();
        if (q != null && (q.steps() < 0 || q.seen() < 0 || q.correct() < 0 || q.correct() > q.seen())) {
            return "partial has steps " + q.steps() + ", seen " + q.seen() + ", correct " + q.correct()
                    + "; allowed: counts >= 0, correct at most seen";
        }
        return null;
    }

    private static UserException edited(Path file, String problem) {
        return new UserException(file + ": " + problem + "; the checkpoint was edited or damaged: delete the "
                + "checkpoint folder to train that model again, or start a new run");
    }

    /** Refuses weights or optimizer state that are not the bytes the run wrote, when it wrote their checksums. */
    private static void verify(Path dir) throws IOException {
        Path sums = dir.resolve(CHECKSUMS);
        if (!Files.exists(sums)) {
            return; // a checkpoint of a run before checksums
        }
        for (String line : SafeFiles.readText(sums, "checkpoint's checksums").split("\n")) {
            String[] parts = line.split("  ", 2);
            if (parts.length != 2 || !SUMMED.contains(parts[1])) {
                throw edited(sums, "the line '" + SafeFiles.printable(line) + "' is not '<sha256>  <file>'");
            }
            if (!SafeFiles.sha256(dir.resolve(parts[1])).equals(parts[0])) {
                throw edited(dir.resolve(parts[1]), "its SHA-256 is not the one the run wrote in " + CHECKSUMS);
            }
        }
    }

    /**
     * Restores weights and optimizer state into an initialised block and an empty state.
     *
     * @param block the model, initialised
     * @param state the optimizer state to fill
     * @throws IOException when the checkpoint does not match
     */
    public void restore(Block block, OptimizerState state) throws IOException {
        Path dir = restoreWeights(block);
        for (Map.Entry<String, TensorFile.Entry> e :
                TensorFile.read(dir.resolve(OPTIMIZER)).entrySet()) {
            int slash = e.getKey().lastIndexOf('/');
            try (NDArray a =
                    state.manager().create(e.getValue().values(), e.getValue().shape())) {
                state.put(e.getKey().substring(0, slash), e.getKey().substring(slash + 1), a);
            }
        }
    }

    /**
     * Restores the weights alone, as a model that only evaluates or predicts needs them: checksums
     * verified, the optimizer state left on disk.
     *
     * @param block the model, built and initialised
     * @return the complete checkpoint's folder
     * @throws IOException when there is no complete checkpoint or it does not fit
     */
    public Path restoreWeights(Block block) throws IOException {
        Path dir = require();
        verify(dir);
        ModelState.load(block, dir.resolve(WEIGHTS));
        return dir;
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
