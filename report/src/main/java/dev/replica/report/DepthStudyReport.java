package dev.replica.report;

import dev.replica.core.record.HistoryRow;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunManifest;
import dev.replica.core.state.Numbers;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A depth study, as He et al. 2016 read their Figure 6: per group of nets (plain, residual) from shallow
 * to deep, the training and test error at the end and at best, beside a published error, one picture per
 * group on a shared error axis, and a sentence per group saying from these numbers whether the deeper
 * nets trained worse. With several seeds every figure is the mean over the seeds.
 */
final class DepthStudyReport {

    /**
     * One net's figures, in percent.
     *
     * @param label the model
     * @param group its group
     * @param trainFinal training error of the last epoch
     * @param trainBest the lowest training error of an epoch
     * @param validationFinal validation error after the last epoch
     * @param validationBest the lowest validation error after an epoch
     * @param published the published test error, or {@code null}
     * @param epochs the epochs trained
     */
    record Net(
            String label,
            String group,
            double trainFinal,
            double trainBest,
            double validationFinal,
            double validationBest,
            Double published,
            int epochs) {}

    private final ReportSection.DepthStudy study;
    private final Map<String, Map<Long, List<HistoryRow>>> histories;
    private final List<Net> nets;
    private final String validation;
    private final int stepsPerEpoch;

    private DepthStudyReport(
            ReportSection.DepthStudy study,
            Map<String, Map<Long, List<HistoryRow>>> histories,
            List<Net> nets,
            String validation,
            int stepsPerEpoch) {
        this.study = study;
        this.histories = histories;
        this.nets = nets;
        this.validation = validation;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /**
     * Reads the study's nets from a run folder.
     *
     * @param run the run folder's contents
     * @param study the study
     * @return the report, or {@code null} when no net of the study has a history yet
     */
    static DepthStudyReport of(RunContents run, ReportSection.DepthStudy study) {
        Map<String, Map<Long, List<HistoryRow>>> all = run.histories();
        Map<String, Map<Long, List<HistoryRow>>> histories = new LinkedHashMap<>();
        List<Net> nets = new ArrayList<>();
        study.groups().forEach((group, labels) -> {
            for (String label : labels) {
                Map<Long, List<HistoryRow>> bySeed = all.getOrDefault(label, Map.of());
                if (bySeed.isEmpty()) {
                    continue;
                }
                histories.put(label, bySeed);
                List<Double> trainErrors = meanErrors(bySeed, HistoryRow::trainAccuracy);
                List<Double> validationErrors = meanErrors(bySeed, HistoryRow::valAccuracy);
                nets.add(new Net(
                        label,
                        group,
                        trainErrors.get(trainErrors.size() - 1),
                        trainErrors.stream()
                                .mapToDouble(Double::doubleValue)
                                .min()
                                .orElseThrow(),
                        validationErrors.get(validationErrors.size() - 1),
                        validationErrors.stream()
                                .mapToDouble(Double::doubleValue)
                                .min()
                                .orElseThrow(),
                        study.publishedTestError().get(label),
                        trainErrors.size()));
            }
        });
        if (nets.isEmpty()) {
            return null;
        }
        RunManifest manifest = run.record();
        boolean test = manifest.datasets().values().stream().allMatch(d -> "test".equals(d.validationSource()));
        return new DepthStudyReport(
                study,
                histories,
                nets,
                test ? "test" : "validation",
                run.stepsPerEpoch().orElse(0));
    }

    /** The error in percent per epoch, mean over the seeds, for the epochs every seed reached. */
    private static List<Double> meanErrors(Map<Long, List<HistoryRow>> bySeed, ToDoubleFunction<HistoryRow> accuracy) {
        int epochs = bySeed.values().stream().mapToInt(List::size).min().orElse(0);
        List<Double> errors = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            List<Double> values = new ArrayList<>();
            for (List<HistoryRow> rows : bySeed.values()) {
                values.add(100 * (1 - accuracy.applyAsDouble(rows.get(e))));
            }
            errors.add(SeedStatistics.mean(values));
        }
        return errors;
    }

    /**
     * Returns the nets' figures in the study's order.
     *
     * @return the nets
     */
    List<Net> nets() {
        return nets;
    }

    /**
     * Returns the section's title.
     *
     * @return the title
     */
    String title() {
        return study.title();
    }

    /**
     * The table and the sentences, in Markdown.
     *
     * @return the text
     */
    String markdown() {
        boolean published = nets.stream().anyMatch(n -> n.published() != null);
        String v = validation.equals("test") ? "Test" : "Val";
        StringBuilder sb = new StringBuilder();
        sb.append("| Model | Group | Train err, end (%) | Train err, best (%) | ")
                .append(v)
                .append(" err, end (%) | ")
                .append(v)
                .append(" err, best (%) |")
                .append(published ? " Published test err (%) |" : "")
                .append('\n');
        sb.append("|---|---|---:|---:|---:|---:|")
                .append(published ? "---:|" : "")
                .append('\n');
        for (Net n : nets) {
            sb.append("| ")
                    .append(n.label())
                    .append(" | ")
                    .append(n.group())
                    .append(" | ")
                    .append(Numbers.fixed(n.trainFinal(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(n.trainBest(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(n.validationFinal(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(n.validationBest(), 2))
                    .append(" |");
            if (published) {
                sb.append(' ')
                        .append(n.published() == null ? "" : Numbers.fixed(n.published(), 2))
                        .append(" |");
            }
            sb.append('\n');
        }
        int seeds = histories.values().stream().mapToInt(Map::size).max().orElse(1);
        if (seeds > 1) {
            sb.append("\nEvery figure is the mean over ").append(seeds).append(" seeds.\n");
        }
        for (String sentence : sentences()) {
            sb.append('\n').append(sentence).append('\n');
        }
        return sb.toString();
    }

    /**
     * One sentence per group of two or more nets: whether the final training error rose with depth (the
     * degradation He et al. 2016 found in plain nets), fell, or neither, and how the {@link #validation}
     * error went.
     *
     * @return the sentences
     */
    List<String> sentences() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> g : study.groups().entrySet()) {
            List<Net> group =
                    nets.stream().filter(n -> n.group().equals(g.getKey())).toList();
            if (group.size() < 2) {
                continue;
            }
            String train = trend(group.stream().map(Net::trainFinal).toList());
            String held = trend(group.stream().map(Net::validationFinal).toList());
            String verdict = switch (train) {
                case "rose" -> "the deeper nets trained worse";
                case "fell" -> "the deeper nets trained better";
                default -> "training error did not follow depth";
            };
            out.add(g.getKey() + ": " + verdict + " (final training error " + figures(group, Net::trainFinal)
                    + "); the " + validation + " error "
                    + (held.equals("neither") ? "did not follow depth" : held + " with depth") + " ("
                    + figures(group, Net::validationFinal) + ").");
        }
        return out;
    }

    /** {@code rose} when every step to a deeper net raised the value, {@code fell} when every step lowered it. */
    private static String trend(List<Double> values) {
        boolean rose = true;
        boolean fell = true;
        for (int i = 1; i < values.size(); i++) {
            rose &= values.get(i) > values.get(i - 1);
            fell &= values.get(i) < values.get(i - 1);
        }
        return rose ? "rose" : fell ? "fell" : "neither";
    }

    private static String figures(List<Net> group, ToDoubleFunction<Net> value) {
        List<String> parts = new ArrayList<>();
        for (Net n : group) {
            parts.add(Numbers.fixed(value.applyAsDouble(n), 2) + " % " + n.label());
        }
        return String.join(" -> ", parts);
    }

    /**
     * Draws one picture per group, {@code plots/depth-study-<group>.png}, on one error axis.
     *
     * @param dir the plots folder
     * @return the PNGs, in the groups' order
     * @throws IOException when writing fails
     */
    List<Path> plots(Path dir) throws IOException {
        double low = Double.POSITIVE_INFINITY;
        double high = 0;
        for (Map<Long, List<HistoryRow>> bySeed : histories.values()) {
            for (ToDoubleFunction<HistoryRow> accuracy :
                    List.<ToDoubleFunction<HistoryRow>>of(HistoryRow::trainAccuracy, HistoryRow::valAccuracy)) {
                for (double e : meanErrors(bySeed, accuracy)) {
                    low = Math.min(low, e);
                    high = Math.max(high, e);
                }
            }
        }
        double margin = Math.max(1, 0.05 * (high - low));
        double[] range = {Math.max(0, Math.floor(low - margin)), Math.min(100, Math.ceil(high + margin))};
        List<Path> drawn = new ArrayList<>();
        for (Map.Entry<String, List<String>> g : study.groups().entrySet()) {
            Map<String, Map<Long, List<HistoryRow>>> group = new LinkedHashMap<>();
            for (String label : g.getValue()) {
                if (histories.containsKey(label)) {
                    group.put(label, histories.get(label));
                }
            }
            if (!group.isEmpty()) {
                drawn.add(Plots.errorOverIterations(
                        study.title() + ": " + g.getKey(),
                        group,
                        stepsPerEpoch,
                        validation,
                        range,
                        SafeFiles.fileIn(dir, "depth-study-" + g.getKey() + ".png")));
            }
        }
        return drawn;
    }
}
