package dev.replica.runner.output;

import dev.replica.core.record.ModelFiles;
import dev.replica.core.state.Numbers;
import dev.replica.report.SeedStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The study's table over several seeds: each value as mean ± sample standard deviation (n - 1) with
 * the test accuracy of every seed, and each difference in points as the mean of the per-seed
 * differences with their own sample standard deviation (docs/design.md, section 8). A single seed keeps
 * {@link SummaryTable}'s format.
 */
public final class SeedSummaryTable {

    private final List<Long> seeds;
    private final List<SummaryTable> tables;

    /**
     * Creates the table.
     *
     * @param seeds the seeds, in the experiment's order; at least two
     * @param tables each seed's table, in the same order, with the same models in the same order
     * @throws IllegalArgumentException when the tables do not line up
     */
    public SeedSummaryTable(List<Long> seeds, List<SummaryTable> tables) {
        if (seeds.size() < 2 || seeds.size() != tables.size()) {
            throw new IllegalArgumentException("need one table per seed and at least two seeds; got " + seeds.size()
                    + " seeds and " + tables.size() + " tables");
        }
        List<String> labels = labels(tables.get(0));
        for (SummaryTable t : tables) {
            if (!labels(t).equals(labels)) {
                throw new IllegalArgumentException(
                        "the seeds' tables have different models: " + labels + " and " + labels(t));
            }
        }
        this.seeds = List.copyOf(seeds);
        this.tables = List.copyOf(tables);
    }

    /**
     * One model over every seed.
     *
     * @param label the model's label
     * @param testLoss test loss per seed
     * @param testAccuracyPercent test accuracy per seed, in percent
     * @param parameters trainable parameter count (the same for every seed)
     * @param bestValPercent best validation accuracy per seed, in percent
     */
    public record ModelStatistics(
            String label,
            List<Double> testLoss,
            List<Double> testAccuracyPercent,
            long parameters,
            List<Double> bestValPercent) {}

    /**
     * The difference in test accuracy between the first model and another, seed by seed.
     *
     * @param first the first model's label
     * @param other the other model's label
     * @param pointsPerSeed first minus other, in points, per seed
     */
    public record Difference(String first, String other, List<Double> pointsPerSeed) {

        /**
         * Returns the mean of the per-seed differences.
         *
         * @return points
         */
        public double mean() {
            return SeedStatistics.mean(pointsPerSeed);
        }

        /**
         * Returns the sample standard deviation of the per-seed differences.
         *
         * @return points
         */
        public double standardDeviation() {
            return SeedStatistics.sampleStandardDeviation(pointsPerSeed);
        }
    }

    /**
     * Returns each model's values over the seeds, in the experiment's order.
     *
     * @return the models
     */
    public List<ModelStatistics> models() {
        List<ModelStatistics> out = new ArrayList<>();
        for (int m = 0; m < tables.get(0).rows().size(); m++) {
            int i = m;
            out.add(new ModelStatistics(
                    tables.get(0).rows().get(m).label(),
                    perSeed(i, SummaryTable.Row::testLoss, 1),
                    perSeed(i, SummaryTable.Row::testAccuracy, 100),
                    tables.get(0).rows().get(m).parameters(),
                    perSeed(i, SummaryTable.Row::bestValAccuracy, 100)));
        }
        return out;
    }

    /**
     * Returns the differences of the first model to each other one.
     *
     * @return the differences
     */
    public List<Difference> differences() {
        List<Difference> out = new ArrayList<>();
        List<ModelStatistics> models = models();
        for (int m = 1; m < models.size(); m++) {
            List<Double> points = new ArrayList<>();
            for (int s = 0; s < seeds.size(); s++) {
                points.add(100
                        * (tables.get(s).rows().get(0).testAccuracy()
                                - tables.get(s).rows().get(m).testAccuracy()));
            }
            out.add(new Difference(models.get(0).label(), models.get(m).label(), points));
        }
        return out;
    }

    /**
     * Renders the table as Markdown: a line naming the seeds, the table, and one line per difference.
     *
     * @return the Markdown text
     */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("Seeds: ")
                .append(joinSeeds())
                .append(" (n = ")
                .append(seeds.size())
                .append("); values are mean ± sample standard deviation (n-1) over seeds.\n\n");
        sb.append("| Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%) | Test Acc per seed (%) |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        for (ModelStatistics m : models()) {
            List<String> each = new ArrayList<>();
            for (double a : m.testAccuracyPercent()) {
                each.add(Numbers.fixed(a, 2));
            }
            sb.append("| ")
                    .append(m.label())
                    .append(" | ")
                    .append(meanAndSd(m.testLoss(), 4))
                    .append(" | ")
                    .append(meanAndSd(m.testAccuracyPercent(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(m.parameters() / 1e6, 2))
                    .append(" | ")
                    .append(meanAndSd(m.bestValPercent(), 2))
                    .append(" | ")
                    .append(String.join(", ", each))
                    .append(" |\n");
        }
        for (String line : differenceLines()) {
            sb.append('\n').append(line).append('\n');
        }
        return sb.toString();
    }

    /**
     * Lines such as {@code Test accuracy, resnet18 - vgg19bn: +2.12 ± 0.35 points (per seed: +1.90,
     * +2.51, +1.95)}: the mean and sample standard deviation of the per-seed differences.
     *
     * @return the lines
     */
    public List<String> differenceLines() {
        List<String> lines = new ArrayList<>();
        for (Difference d : differences()) {
            List<String> each = new ArrayList<>();
            for (double p : d.pointsPerSeed()) {
                each.add(signed(p));
            }
            lines.add("Test accuracy, " + d.first() + " - " + d.other() + ": " + signed(d.mean()) + " ± "
                    + Numbers.fixed(d.standardDeviation(), 2) + " points (mean ± sample sd of the per-seed "
                    + "differences; per seed: " + String.join(", ", each) + ")");
        }
        return lines;
    }

    /**
     * Renders the table as CSV with unrounded values: means, standard deviations and each seed's value.
     *
     * @return the CSV text
     */
    public String csv() {
        List<String> header = new ArrayList<>(List.of(
                "model",
                "seeds",
                "test_loss_mean",
                "test_loss_sd",
                "test_acc_percent_mean",
                "test_acc_percent_sd",
                "params",
                "best_val_percent_mean",
                "best_val_percent_sd"));
        for (long s : seeds) {
            header.add("test_acc_percent_seed_" + s);
        }
        List<List<String>> rows = new ArrayList<>();
        for (ModelStatistics m : models()) {
            List<String> row = new ArrayList<>(List.of(
                    m.label(),
                    Integer.toString(seeds.size()),
                    number(SeedStatistics.mean(m.testLoss())),
                    number(SeedStatistics.sampleStandardDeviation(m.testLoss())),
                    number(SeedStatistics.mean(m.testAccuracyPercent())),
                    number(SeedStatistics.sampleStandardDeviation(m.testAccuracyPercent())),
                    Long.toString(m.parameters()),
                    number(SeedStatistics.mean(m.bestValPercent())),
                    number(SeedStatistics.sampleStandardDeviation(m.bestValPercent()))));
            for (double a : m.testAccuracyPercent()) {
                row.add(number(a));
            }
            rows.add(row);
        }
        return ModelFiles.csv(header, rows);
    }

    /**
     * Renders the differences as CSV: mean and sample standard deviation of the per-seed differences in
     * points, and each seed's difference.
     *
     * @return the CSV text
     */
    public String differencesCsv() {
        List<String> header =
                new ArrayList<>(List.of("first", "other", "seeds", "test_acc_points_mean", "test_acc_points_sd"));
        for (long s : seeds) {
            header.add("test_acc_points_seed_" + s);
        }
        List<List<String>> rows = new ArrayList<>();
        for (Difference d : differences()) {
            List<String> row = new ArrayList<>(List.of(
                    d.first(),
                    d.other(),
                    Integer.toString(seeds.size()),
                    number(d.mean()),
                    number(d.standardDeviation())));
            for (double p : d.pointsPerSeed()) {
                row.add(number(p));
            }
            rows.add(row);
        }
        return ModelFiles.csv(header, rows);
    }

    private List<Double> perSeed(int model, ToDoubleFunction<SummaryTable.Row> value, double scale) {
        List<Double> out = new ArrayList<>();
        for (SummaryTable t : tables) {
            out.add(scale * value.applyAsDouble(t.rows().get(model)));
        }
        return out;
    }

    private String joinSeeds() {
        List<String> out = new ArrayList<>();
        for (long s : seeds) {
            out.add(Long.toString(s));
        }
        return String.join(", ", out);
    }

    private static String meanAndSd(List<Double> values, int decimals) {
        return Numbers.fixed(SeedStatistics.mean(values), decimals) + " ± "
                + Numbers.fixed(SeedStatistics.sampleStandardDeviation(values), decimals);
    }

    private static String signed(double points) {
        String text = Numbers.fixed(points, 2);
        return text.startsWith("-") ? text : "+" + text;
    }

    private static String number(double x) {
        return Numbers.significant(x, 8);
    }

    private static List<String> labels(SummaryTable table) {
        List<String> labels = new ArrayList<>();
        for (SummaryTable.Row r : table.rows()) {
            labels.add(r.label());
        }
        return labels;
    }
}
