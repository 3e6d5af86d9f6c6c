package dev.replica.core.record;

import dev.replica.api.UserException;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One line of a model's {@code history.csv} (columns {@link ModelFiles#HISTORY_COLUMNS}).
 *
 * @param epoch the epoch, from 1
 * @param lr the learning rate the epoch trained with
 * @param trainLoss mean training loss of the epoch
 * @param trainAccuracy training accuracy of the epoch, in [0, 1]
 * @param valLoss validation loss after the epoch
 * @param valAccuracy validation accuracy after the epoch, in [0, 1]
 */
public record HistoryRow(
        int epoch, double lr, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy) {

    /**
     * Reads a {@code history.csv}.
     *
     * @param file the file
     * @return its rows in file order
     * @throws UserException when the file cannot be read or lacks a column
     */
    public static List<HistoryRow> read(Path file) {
        CSVFormat format = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get();
        List<HistoryRow> rows = new ArrayList<>();
        try (Reader in = new StringReader(SafeFiles.readText(file, "history"));
                CSVParser parser = format.parse(in)) {
            List<String> missing = new ArrayList<>(ModelFiles.HISTORY_COLUMNS);
            missing.removeAll(parser.getHeaderNames());
            if (!missing.isEmpty()) {
                throw new UserException(file + " lacks the columns " + missing + "; a history has the columns "
                        + String.join(",", ModelFiles.HISTORY_COLUMNS) + ", as replica run wrote them");
            }
            for (CSVRecord r : parser) {
                rows.add(new HistoryRow(
                        Integer.parseInt(r.get("epoch")),
                        Double.parseDouble(r.get("lr")),
                        Double.parseDouble(r.get("train_loss")),
                        Double.parseDouble(r.get("train_acc")),
                        Double.parseDouble(r.get("val_loss")),
                        Double.parseDouble(r.get("val_acc"))));
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new UserException(
                    "cannot read " + file + " as a history (columns " + String.join(",", ModelFiles.HISTORY_COLUMNS)
                            + "): " + e.getMessage(),
                    e);
        }
        return rows;
    }
}
