package dev.replica.core.state;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
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
        return folder.resolve("best.params");
    }

    /**
     * Returns the checkpoint folder.
     *
     * @return {@code <label>/checkpoint}
     */
    public Path checkpoint() {
        return folder.resolve("checkpoint");
    }

    /**
     * Returns the history file.
     *
     * @return {@code <label>/history.csv}
     */
    public Path history() {
        return folder.resolve("history.csv");
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
        writeAtomically(history(), csv(HISTORY_COLUMNS, history));
        writeAtomically(folder.resolve("timing.csv"), csv(TIMING_COLUMNS, timing));
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

    /** Writes a file's bytes. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the content.
         *
         * @param out where to write, buffered
         * @throws IOException when writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes a file through a temporary sibling and a rename, so readers never see half a file.
     *
     * @param file the file
     * @param text the content
     * @throws IOException when writing fails
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeAtomically(file, out -> out.write(bytes));
    }

    /**
     * Writes a file through a temporary sibling, forced to disk, and a rename: readers never see half a
     * file, and a crash leaves the old file or the new one.
     *
     * @param file the file
     * @param content writes the bytes
     * @throws IOException when writing fails; the file is then as it was
     */
    public static void writeAtomically(Path file, Content content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        // A link planted as the file, its folder or its temporary sibling would send the bytes elsewhere.
        SafeFiles.refuseLink(file);
        SafeFiles.refuseLink(file.toAbsolutePath().getParent());
        SafeFiles.refuseLink(tmp);
        Files.deleteIfExists(tmp); // a crash's leftover, never a link (refused above)
        try (FileChannel channel = FileChannel.open(
                        tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
            content.writeTo(out);
            out.flush();
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncFolder(file.toAbsolutePath().getParent());
    }

    /**
     * Deletes a file or a folder with everything in it; nothing when it does not exist.
     *
     * @param path the file or folder
     * @throws IOException when something cannot be deleted
     */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /**
     * Forces a folder's entries to disk, so a rename in it survives a crash of the machine, not only of
     * the process. Where the platform cannot open a folder for this, it does nothing.
     *
     * @param folder the folder
     */
    public static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every file system lets a folder be opened; the rename is still atomic.
        }
    }
}
