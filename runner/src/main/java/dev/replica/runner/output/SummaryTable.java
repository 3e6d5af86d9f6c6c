package dev.replica.runner.output;

import dev.replica.api.UserException;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.state.Numbers;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * The study's table: Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%), measured by
 * reloading each model's best-validation weights, with the accuracy difference in points.
 */
public final class SummaryTable {

    /**
     * One model's row.
     *
     * @param label the model's label
     * @param testLoss mean cross-entropy on the test split with the best weights
     * @param testAccuracy accuracy on the test split with the best weights, in [0, 1]
     * @param parameters trainable parameter count
     * @param bestValAccuracy the best validation accuracy, in [0, 1]
     * @param bestEpoch the epoch it was reached
     */
    public record Row(
            String label,
            double testLoss,
            double testAccuracy,
            long parameters,
            double bestValAccuracy,
            int bestEpoch) {}

    private final List<Row> rows;

    /**
     * Creates the table.
     *
     * @param rows one row per model, in the experiment's order
     */
    public SummaryTable(List<Row> rows) {
        this.rows = List.copyOf(rows);
    }

    /**
     * Returns the rows.
     *
     * @return the rows
     */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Renders the table as Markdown, followed by the difference of each model to the first in test
     * accuracy points.
     *
     * @return the Markdown text
     */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%) |\n");
        sb.append("|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append("| ")
                    .append(r.label())
                    .append(" | ")
                    .append(Numbers.fixed(r.testLoss(), 4))
                    .append(" | ")
                    .append(Numbers.fixed(100 * r.testAccuracy(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(r.parameters() / 1e6, 2))
                    .append(" | ")
                    .append(Numbers.fixed(100 * r.bestValAccuracy(), 2))
                    .append(" |\n");
        }
        for (String line : differences()) {
            sb.append('\n').append(line).append('\n');
        }
        return sb.toString();
    }

    /**
     * Lines such as {@code Test accuracy, resnet18 - vgg19bn: +2.12 points}, one per model after the first.
     *
     * @return the lines
     */
    public List<String> differences() {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            Row a = rows.get(0);
            Row b = rows.get(i);
            double points = 100 * (a.testAccuracy() - b.testAccuracy());
            lines.add("Test accuracy, " + a.label() + " - " + b.label() + ": " + (points >= 0 ? "+" : "")
                    + Numbers.fixed(points, 2) + " points");
        }
        return lines;
    }

    /**
     * Renders the table as CSV with unrounded values.
     *
     * @return the CSV text
     */
    public String csv() {
        List<List<String>> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(List.of(
                    r.label(),
                    Numbers.significant(r.testLoss(), 8),
                    Numbers.significant(100 * r.testAccuracy(), 8),
                    Long.toString(r.parameters()),
                    Numbers.significant(100 * r.bestValAccuracy(), 8),
                    Integer.toString(r.bestEpoch())));
        }
        return ModelFiles.csv(
                List.of("model", "test_loss", "test_acc_percent", "params", "best_val_percent", "best_epoch"), out);
    }

    /**
     * Reads a table that {@link #csv} wrote (to the digits it kept).
     *
     * @param file a run's (or a seed's) {@code summary.csv}
     * @return the table
     * @throws UserException when the file cannot be read or is not such a table
     */
    public static SummaryTable read(Path file) {
        List<Row> rows = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (CSVRecord r : CSVFormat.DEFAULT
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .get()
                    .parse(in)) {
                rows.add(new Row(
                        r.get("model"),
                        Double.parseDouble(r.get("test_loss")),
                        Double.parseDouble(r.get("test_acc_percent")) / 100,
                        Long.parseLong(r.get("params")),
                        Double.parseDouble(r.get("best_val_percent")) / 100,
                        Integer.parseInt(r.get("best_epoch"))));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new UserException("cannot read the summary table " + file + ": " + e.getMessage(), e);
        }
        return new SummaryTable(rows);
    }
}
