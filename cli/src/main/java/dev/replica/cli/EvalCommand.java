package dev.replica.cli;

import dev.replica.core.exchange.StoredTensor;
import dev.replica.core.exchange.TensorType;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.Numbers;
import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.Evaluation;
import dev.replica.core.training.ProgressListener;
import dev.replica.report.Plots;
import dev.replica.runner.TrainedModel;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.output.SummaryTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code replica eval RUN_DIR}: loss, accuracy, per-class accuracy and the confusion matrix of each
 * model on a split, evaluated exactly as the run did; for the best weights on the test split that is the
 * run's summary table again, and the command says whether it is.
 */
@Command(
        name = "eval",
        description = "Evaluate a run's models on a split: loss, accuracy, per-class accuracy, confusion matrix.")
final class EvalCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Mixin
    RunModels models;

    @Option(
            names = "--split",
            paramLabel = "SPLIT",
            defaultValue = "test",
            description = "test, validation or train (not augmented); default: ${DEFAULT-VALUE}")
    String split;

    @Option(
            names = "--logits",
            description = "also save every example's logits and label, as eval/<model>-<split>-logits.npz")
    boolean logits;

    @Override
    public Integer call() throws IOException {
        Path run = models.run;
        models.forEach(parent, "eval", true, experiment -> {}, (experiment, model) -> {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            Evaluation e = model.evaluate(
                    split,
                    ProgressListener.SILENT,
                    logits
                            ? batch -> {
                                ByteBuffer b =
                                        ByteBuffer.allocate(4 * batch.length).order(ByteOrder.LITTLE_ENDIAN);
                                b.asFloatBuffer().put(batch);
                                kept.writeBytes(b.array());
                            }
                            : null);
            String stem = models.stem(experiment, model.label()) + "-" + split;
            Path dir = SafeFiles.folderIn(run, "eval");
            List<String> names = model.data().classNames();
            String text = markdown(experiment, model, e, names);
            parent.out().print(text);
            SafeFiles.writeAtomically(dir.resolve(stem + ".md"), text);
            SafeFiles.writeAtomically(dir.resolve(stem + "-confusion.csv"), confusionCsv(e, names));
            Plots.confusion(
                    model.label() + ", " + split + " split: " + Numbers.fixed(100 * e.accuracy(), 2) + "% right",
                    names,
                    e.confusion(),
                    dir.resolve(stem + "-confusion.png"));
            if (logits) {
                Map<String, StoredTensor> arrays = new LinkedHashMap<>();
                arrays.put(
                        "logits",
                        new StoredTensor(TensorType.F32, new long[] {e.examples(), names.size()}, kept.toByteArray()));
                arrays.put("labels", labels(model, e.examples()));
                WeightsFile.NPZ.write(dir.resolve(stem + "-logits.npz"), new WeightsFile.Contents(arrays, Map.of()));
            }
            Optional<String> summary = comparedWithSummary(experiment, model, e);
            summary.ifPresent(parent.out()::println);
            parent.out()
                    .println("Wrote " + dir.resolve(stem + ".md") + ", " + stem + "-confusion.csv and .png"
                            + (logits ? ", " + stem + "-logits.npz" : ""));
            parent.out().println();
        });
        return 0;
    }

    private String markdown(Experiment experiment, TrainedModel model, Evaluation e, List<String> names) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(model.label());
        if (experiment.seeds().size() > 1) {
            sb.append(", seed ").append(model.seed());
        }
        sb.append(": ")
                .append(split)
                .append(" split, ")
                .append(models.which().label())
                .append(" weights (epoch ")
                .append(model.epoch())
                .append(")\n\n");
        sb.append("Loss ")
                .append(Numbers.fixed(e.loss(), 4))
                .append(", accuracy ")
                .append(Numbers.fixed(100 * e.accuracy(), 2))
                .append("% on ")
                .append(e.examples())
                .append(" examples\n\n");
        sb.append("| class | accuracy (%) | examples |\n|---|---:|---:|\n");
        for (int c = 0; c < names.size(); c++) {
            long n = 0;
            for (long v : e.confusion()[c]) {
                n += v;
            }
            double a = e.classAccuracy(c);
            sb.append("| ")
                    .append(names.get(c))
                    .append(" | ")
                    .append(Double.isNaN(a) ? "-" : Numbers.fixed(100 * a, 2))
                    .append(" | ")
                    .append(n)
                    .append(" |\n");
        }
        sb.append("\nConfusion matrix (rows: true class, columns: predicted):\n\n| true \\ predicted |");
        for (String n : names) {
            sb.append(' ').append(n).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---:|".repeat(names.size()));
        sb.append('\n');
        for (int t = 0; t < names.size(); t++) {
            sb.append("| ").append(names.get(t)).append(" |");
            for (int p = 0; p < names.size(); p++) {
                sb.append(' ').append(e.confusion()[t][p]).append(" |");
            }
            sb.append('\n');
        }
        sb.append('\n');
        return sb.toString();
    }

    private static String confusionCsv(Evaluation e, List<String> names) {
        List<String> header = new ArrayList<>();
        header.add("true");
        header.addAll(names);
        List<List<String>> rows = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
            List<String> row = new ArrayList<>();
            row.add(names.get(t));
            for (long v : e.confusion()[t]) {
                row.add(Long.toString(v));
            }
            rows.add(row);
        }
        return ModelFiles.csv(header, rows);
    }

    private StoredTensor labels(TrainedModel model, int n) {
        ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        int batch = 1024;
        for (int from = 0; from < n; from += batch) {
            int[] indices = new int[Math.min(batch, n - from)];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = from + i;
            }
            for (int label : model.split(split).batch(indices, null).labels()) {
                b.putLong(label);
            }
        }
        return new StoredTensor(TensorType.I64, new long[] {n}, b.array());
    }

    /**
     * For the best weights on the test split: whether the run's summary.csv says the same, to every
     * digit it keeps.
     */
    private Optional<String> comparedWithSummary(Experiment experiment, TrainedModel model, Evaluation e) {
        if (!split.equals("test") || models.which() != TrainedModel.Weights.BEST) {
            return Optional.empty();
        }
        if (!models.dataOverrides.isEmpty()) {
            return Optional.of("Not compared with the run's summary.csv: --set changed the data it measured");
        }
        Path csv = (experiment.seeds().size() > 1 ? models.run.resolve(RunFolder.seedFolder(model.seed())) : models.run)
                .resolve(RunFolder.SUMMARY_CSV);
        if (!Files.isRegularFile(csv)) {
            return Optional.empty();
        }
        for (SummaryTable.Row r : SummaryTable.read(csv).rows()) {
            if (!r.label().equals(model.label())) {
                continue;
            }
            // Compared as the summary keeps them: 8 significant digits.
            String loss = Numbers.significant(e.loss(), 8);
            String accuracy = Numbers.significant(100 * e.accuracy(), 8);
            String summaryLoss = Numbers.significant(r.testLoss(), 8);
            String summaryAccuracy = Numbers.significant(100 * r.testAccuracy(), 8);
            boolean same = summaryLoss.equals(loss) && summaryAccuracy.equals(accuracy);
            return Optional.of((same ? "Same as " : "Differs from ") + csv + ": test loss " + loss
                    + (same ? "" : " (summary: " + summaryLoss + ")") + ", test accuracy " + accuracy + "%"
                    + (same ? "" : " (summary: " + summaryAccuracy + "%)"));
        }
        return Optional.empty();
    }
}
