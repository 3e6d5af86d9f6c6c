package dev.replica.core.record;

import dev.replica.core.state.EpochRecord;
import dev.replica.core.state.Numbers;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/** The files of one model in a run folder: history, timing, best weights, checkpoint. */
public final class ModelFiles {

    /** The columns of {@code history.csv}: only values that are a function of the run. */
    public static final List<String> HISTORY_COLUMNS =
            List.of("epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc");

    /** The columns of {@code timing.csv}. */
    public static final List<String> TIMING_COLUMNS =
            List.of("epoch", "train_seconds", "train_images_per_second", "eval_seconds", "eval_images_per_second");

    private final Path folder;

    /**
     * Creates the model's folder if needed.
     *
     * @param folder {@code <run>/<label>}
     */
    public ModelFiles(Path folder) {
        this.folder = folder;
        try {
            SafeFiles.refuseLink(folder);
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns the model's folder.
     *
     * @return the folder
     */
    public Path folder() {
        return folder;
    }

    /**
     * Returns the best-validation weights file.
     *
     * @return {@code <label>/best.params}
     */
    public Path bestWeights() {
        return folder.resolve(RunFolder.BEST_WEIGHTS);
    }

    /**
     * Returns the checkpoint folder.
     *
     * @return {@code <label>/checkpoint}
     */
    public Path checkpoint() {
        return folder.resolve(RunFolder.CHECKPOINT);
    }

    /**
     * Returns the history file.
     *
     * @return {@code <label>/history.csv}
     */
    public Path history() {
        return folder.resolve(RunFolder.HISTORY);
    }

    /**
     * Rewrites {@code history.csv} and {@code timing.csv} from every epoch so far.
     *
     * @param epochs the epochs, in order
     * @throws IOException when writing fails
     */
    public void writeEpochs(List<EpochRecord> epochs) throws IOException {
        List<List<String>> history = new ArrayList<>();
        List<List<String>> timing = new ArrayList<>();
        for (EpochRecord e : epochs) {
            history.add(List.of(
                    Integer.toString(e.epoch()),
                    Numbers.significant(e.lr(), 8),
                    Numbers.significant(e.trainLoss(), 8),
                    Numbers.significant(e.trainAccuracy(), 8),
                    Numbers.significant(e.valLoss(), 8),
                    Numbers.significant(e.valAccuracy(), 8)));
            timing.add(List.of(
                    Integer.toString(e.epoch()),
                    Numbers.fixed(e.trainSeconds(), 3),
                    Numbers.fixed(e.trainExamples() / Math.max(e.trainSeconds(), 1e-9), 1),
                    Numbers.fixed(e.evalSeconds(), 3),
                    Numbers.fixed(e.evalExamples() / Math.max(e.evalSeconds(), 1e-9), 1)));
        }
        SafeFiles.writeAtomically(history(), csv(HISTORY_COLUMNS, history));
        SafeFiles.writeAtomically(folder.resolve(RunFolder.TIMING), csv(TIMING_COLUMNS, timing));
    }

    /**
     * Renders rows as CSV with a header, LF line ends.
     *
     * @param header the column names
     * @param rows the rows
     * @return the text
     */
    public static String csv(List<String> header, List<List<String>> rows) {
        StringWriter out = new StringWriter();
        CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
        try (CSVPrinter printer = new CSVPrinter(out, format)) {
            printer.printRecord(header);
            for (List<String> row : rows) {
                printer.printRecord(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
