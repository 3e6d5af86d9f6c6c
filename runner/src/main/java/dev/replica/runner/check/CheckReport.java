package dev.replica.runner.check;

import dev.replica.api.UserException;
import dev.replica.api.params.Values;
import dev.replica.core.state.ModelFiles;
import dev.replica.core.state.Numbers;
import dev.replica.core.training.Evaluation;
import dev.replica.runner.config.Check;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.Tolerance;
import dev.replica.runner.output.RunFolder;
import dev.replica.runner.report.Plots;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The files of a check, all pure functions of the measurements (no times, no hash order), so a rerun
 * of the same check writes the same bytes:
 *
 * <pre>
 * check.md                  the report: what was compared, how, the verdicts, the divergence over steps
 * check.csv                 one row per model: verdict, first divergence
 * &lt;label&gt;/&lt;side&gt;.csv        per step: epoch, lr, loss, accuracy, param_norm
 * &lt;label&gt;/&lt;side&gt;-rerun.csv  the same for the rerun of the reference
 * &lt;label&gt;/divergence.csv      per step: the differences between the sides, for plots
 * </pre>
 */
final class CheckReport {

    /** The columns of a side's per-step file. */
    static final List<String> STEP_COLUMNS = List.of("step", "epoch", "lr", "loss", "accuracy", "param_norm");

    /** The columns of {@code divergence.csv}; the parameter columns are empty at steps not recorded. */
    static final List<String> DIVERGENCE_COLUMNS = List.of(
            "step",
            "loss_rel_diff",
            "accuracy_abs_diff",
            "param_norm_rel_diff",
            "params_global_rel_diff",
            "params_max_rel_diff",
            "params_max_rel_tensor",
            "params_mean_rel_diff",
            "params_max_abs_diff",
            "buffers_global_rel_diff",
            "buffers_max_abs_diff");

    /** The thresholds of the loss-agreement table. */
    static final double[] LOSS_THRESHOLDS = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2};

    private static final int TABLE_ROWS = 16;
    private static final int EARLY_ROWS = 6;

    private final RunFolder folder;
    private final Experiment experiment;
    private final Check check;
    private final Side a;
    private final Side b;
    private final int steps;
    private final SortedMap<String, SortedMap<String, String>> engines;
    private final List<String> verdictRows = new ArrayList<>();
    private final List<List<String>> csvRows = new ArrayList<>();
    private final StringBuilder sections = new StringBuilder();

    CheckReport(
            RunFolder folder,
            Experiment experiment,
            Check check,
            Side a,
            Side b,
            int steps,
            SortedMap<String, SortedMap<String, String>> engines) {
        this.folder = folder;
        this.experiment = experiment;
        this.check = check;
        this.a = a;
        this.b = b;
        this.steps = steps;
        this.engines = engines;
    }

    /** Writes a model's files and adds its section to the report. */
    void model(ModelComparison c, Verdict verdict) throws IOException {
        Path dir = folder.model(c.label(), null).folder();
        ModelFiles.writeAtomically(dir.resolve(a.name() + ".csv"), stepsCsv(c.stepsA()));
        ModelFiles.writeAtomically(dir.resolve(b.name() + ".csv"), stepsCsv(c.stepsB()));
        if (c.rerun() != null) {
            ModelFiles.writeAtomically(
                    dir.resolve(a.name() + "-rerun.csv"), stepsCsv(c.rerun().steps()));
        }
        ModelFiles.writeAtomically(dir.resolve("divergence.csv"), divergenceCsv(c));
        String plot = divergencePlot(c.label(), dir);
        verdictRows.add("| " + c.label() + " | " + verdict + " | " + (verdict.passed() ? "—" : escape(verdict.detail()))
                + " |");
        csvRows.add(List.of(
                c.label(),
                verdict.toString(),
                verdict.step() < 0 ? "" : Integer.toString(verdict.step()),
                verdict.metric(),
                verdict.detail()));
        sections.append(section(c, verdict)).append(plot);
    }

    /** Draws divergence.csv beside it; an identical run has no positive difference to draw on a log axis. */
    private static String divergencePlot(String label, Path dir) throws IOException {
        try {
            Plots.divergence(dir.resolve("divergence.csv"), dir.resolve("divergence.png"));
            return "![Divergence of " + label + " over steps](" + label + "/divergence.png)\n\n";
        } catch (UserException e) {
            return "No divergence plot: " + e.getMessage() + ".\n\n";
        }
    }

    /** Writes {@code check.md} and {@code check.csv}. */
    void finish() throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Reproducibility check: ").append(experiment.name()).append("\n\n");
        md.append("## Verdicts\n\n| model | verdict | first divergence |\n| --- | --- | --- |\n");
        verdictRows.forEach(r -> md.append(r).append('\n'));
        md.append('\n')
                .append(compared())
                .append(definitions())
                .append(batchNorm())
                .append(bands());
        md.append(sections);
        ModelFiles.writeAtomically(folder.path().resolve("check.md"), md.toString());
        ModelFiles.writeAtomically(
                folder.path().resolve("check.csv"),
                ModelFiles.csv(List.of("model", "verdict", "step", "metric", "detail"), csvRows));
    }

    private String compared() {
        long seed = a.experiment().seeds().get(0);
        StringBuilder s = new StringBuilder("## What was compared\n\n");
        s.append("- Sides: **")
                .append(a.name())
                .append("** (the reference) and **")
                .append(b.name())
                .append("**: ")
                .append(engineText(a))
                .append("; ")
                .append(engineText(b))
                .append(".\n");
        s.append("- Seed ")
                .append(seed)
                .append(experiment.seeds().size() > 1 ? " (the first of the file's seeds)" : "")
                .append("; dataset ")
                .append(experiment.dataset().plugin())
                .append("; batch ")
                .append(experiment.training().batchSize())
                .append("; ")
                .append(steps)
                .append(" training steps")
                .append(check.steps().isPresent() ? "" : " (one epoch: check.steps not given)")
                .append(", numbered from 0.\n");
        s.append("- Both sides start from the same weights, made in Java from the seed (checked: SHA-256 of every "
                + "parameter before step 0), train on the same batches (the order and augmentation streams of the "
                + "run) with the same learning rates, and draw dropout masks from the run's seed streams, not from "
                + "the engine. Each step is exactly the step of `replica run` with the same number.\n");
        s.append("- Parameter differences after steps 0, ")
                .append(check.recordParamsEvery())
                .append(", ")
                .append(2 * check.recordParamsEvery())
                .append(", ... and the last (check.record_params_every: ")
                .append(check.recordParamsEvery())
                .append(").\n");
        s.append(
                check.rerun()
                        ? "- Rerun: " + a.name()
                                + " trained again from scratch in this JVM; its per-step losses, accuracies "
                                + "and parameter norms and its final weights must be bit-identical to the first run. "
                                + "(Bit-identity across fresh JVMs is proved by the determinism tests.)\n"
                        : "- Rerun: off (check.rerun: false).\n");
        return s.append('\n').toString();
    }

    private String engineText(Side side) {
        Object facts = engines.get(side.name());
        if (!(facts instanceof Map)) {
            return side.engine();
        }
        Map<?, ?> m = (Map<?, ?>) facts;
        return side.engine() + " (" + m.get("engine.name") + " " + m.get("engine.version") + ", " + m.get("threads")
                + " threads, " + m.get("device") + ")";
    }

    private static String definitions() {
        return "## Definitions\n\n"
                + "- Step s: `loss` and `accuracy` are those of step s's batch in its forward pass (before its update); "
                + "`param_norm` and the parameter differences are measured after its update.\n"
                + "- Relative difference of two numbers a and b: |a − b| / max(|a|, |b|), 0 when a = b.\n"
                + "- `param_norm`: the L2 norm of all trainable parameters as one vector, summed in Java in double "
                + "precision (the same bits for the same weights on any engine).\n"
                + "- `params`: the trainable parameters. Global relative difference: ‖A − B‖ / max(‖A‖, ‖B‖) with all "
                + "trainable tensors as one vector A (reference) and B; a `relative` band bounds it. Per tensor t: "
                + "‖a_t − b_t‖ / max(‖a_t‖, ‖b_t‖); the tables give the largest (and which tensor) and the mean over "
                + "tensors, which no band bounds: a tensor whose true gradient is zero (a convolution's bias right "
                + "before BatchNorm, a BatchNorm shift that has barely moved) holds only rounding noise, which differs "
                + "between engines by about 100%. An `absolute` band bounds the largest elementwise |a − b|.\n"
                + "- `buffers`: the same for the tensors that are not trained (BatchNorm running mean and variance).\n"
                + "- `eval_loss`, `eval_accuracy`: after the last step, on the validation split, each model with its "
                + "own BatchNorm running statistics; `eval_loss_aligned`, `eval_accuracy_aligned`: the same with the "
                + "reference's running statistics in both models (next section).\n\n";
    }

    private String batchNorm() {
        String conventionA = batchNormConvention(a);
        String conventionB = batchNormConvention(b);
        return "## BatchNorm in evaluation\n\n"
                + "As the engines describe themselves, " + a.name() + " updates BatchNorm's running variance with "
                + "the " + conventionA + ", " + b.name() + " with the " + conventionB + ". "
                + (conventionA.equals(conventionB)
                        ? "The conventions agree. "
                        : "With n = batch x height x width values per channel a biased variance takes in (n - 1)/n of "
                                + "an unbiased one, so the statistics drift apart even where the weights agree. ")
                + "Training steps use batch statistics and are compared as they are. "
                + "After the last step both models are evaluated in inference mode twice: **raw**, each with its "
                + "own running statistics (what a user of each engine gets; bands on `eval_loss` and "
                + "`eval_accuracy` judge this), and **aligned**, with " + a.name() + "'s running mean and variance "
                + "copied into the " + b.name() + " model (bands on `eval_loss_aligned` and "
                + "`eval_accuracy_aligned`). Aligned takes the variance convention out of the comparison, but it is "
                + "only meaningful while the weights still agree: once they have drifted apart, " + a.name()
                + "'s statistics no longer fit the " + b.name() + " weights, and the aligned difference is larger "
                + "than the raw one. Each model's section says which happened. The `buffers` columns show how far "
                + "the running statistics themselves drift.\n\n";
    }

    /** The side's engine's running-variance convention, from the engine plugin's own description. */
    private String batchNormConvention(Side side) {
        Object facts = engines.get(side.name());
        Object convention = facts instanceof Map<?, ?> m ? m.get("batchnorm.running_var") : null;
        return convention == null ? "convention it does not describe" : convention.toString();
    }

    private String bands() {
        StringBuilder s = new StringBuilder("## Bands (from the file)\n\n");
        if (check.tolerances().isEmpty()) {
            return s.append("None (`tolerances: []`): the two sides must be bit-identical.\n\n")
                    .toString();
        }
        s.append("| metric | bound | steps |\n| --- | --- | --- |\n");
        for (Tolerance t : check.tolerances()) {
            s.append("| ")
                    .append(t.metric())
                    .append(" | ")
                    .append(t.bound().key())
                    .append(' ')
                    .append(Values.formatNumber(t.limit()))
                    .append(" | ")
                    .append(
                            Tolerance.FINAL_METRICS.contains(t.metric())
                                    ? "after the last"
                                    : t.steps() == null
                                            ? "all"
                                            : t.steps().first() == t.steps().last()
                                                    ? Integer.toString(t.steps().first())
                                                    : t.steps().first() + "–"
                                                            + t.steps().last())
                    .append(" |\n");
        }
        s.append("\nThe initial weights must always be bit-identical, and so must the rerun.\n\n");
        return s.toString();
    }

    private String section(ModelComparison c, Verdict verdict) {
        StringBuilder s = new StringBuilder();
        String plugin = experiment.models().get(c.label()).plugin();
        s.append("## ").append(c.label()).append(" (").append(plugin).append(")\n\n");
        s.append("Verdict: **")
                .append(verdict)
                .append("**")
                .append(verdict.passed() ? "" : ": " + verdict.detail())
                .append("\n\n");
        s.append("- Initial weights: ")
                .append(
                        c.initialA().equals(c.initialB())
                                ? "identical on both sides (sha256 " + Judge.shortHash(c.initialA()) + "…)"
                                : "**differ**: sha256 " + Judge.shortHash(c.initialA()) + "… (" + a.name() + ") vs "
                                        + Judge.shortHash(c.initialB()) + "… (" + b.name() + ")")
                .append(".\n");
        s.append("- Final weights: ")
                .append(
                        c.finalA().equals(c.finalB())
                                ? "identical (sha256 " + Judge.shortHash(c.finalA()) + "…)"
                                : "sha256 " + Judge.shortHash(c.finalA()) + "… (" + a.name() + "), "
                                        + Judge.shortHash(c.finalB()) + "… (" + b.name() + ")")
                .append(".\n");
        s.append("- Rerun: ").append(rerunText(c)).append(".\n\n");
        s.append(lossAgreement(c)).append(evaluation(c)).append(divergenceTable(c, verdict));
        return s.toString();
    }

    private String rerunText(ModelComparison c) {
        if (c.rerun() == null) {
            return "off";
        }
        for (int i = 0; i < c.steps(); i++) {
            if (!c.stepsA().get(i).sameBits(c.rerun().steps().get(i))) {
                return "**not bit-identical** from step " + i + " on";
            }
        }
        return c.finalA().equals(c.rerun().finalChecksum())
                ? a.name() + " again, bit-identical (" + c.steps() + " steps: losses, accuracies, parameter norms; "
                        + "final weights)"
                : "**final weights differ** (sha256 "
                        + Judge.shortHash(c.rerun().finalChecksum()) + "…)";
    }

    private String lossAgreement(ModelComparison c) {
        StringBuilder s = new StringBuilder("Loss agreement (relative difference of the per-step losses):\n\n"
                + "| relative difference ≤ | holds from step 0 through | first step above |\n| --- | --- | --- |\n");
        for (double threshold : LOSS_THRESHOLDS) {
            int first = -1;
            for (int i = 0; i < c.steps(); i++) {
                double d = Weights.relative(
                        c.stepsA().get(i).loss(), c.stepsB().get(i).loss());
                if (!(d <= threshold)) {
                    first = i;
                    break;
                }
            }
            String holds = first == 0
                    ? "—"
                    : "step " + ((first < 0 ? c.steps() : first) - 1) + " ("
                            + (first < 0 ? "all " + c.steps() : first + (first == 1 ? " step" : " steps")) + ")";
            s.append("| ")
                    .append(String.format(Locale.ROOT, "%.0e", threshold))
                    .append(" | ")
                    .append(holds)
                    .append(" | ")
                    .append(first < 0 ? "—" : Integer.toString(first))
                    .append(" |\n");
        }
        return s.append('\n').toString();
    }

    private String evaluation(ModelComparison c) {
        ModelComparison.FinalEvaluation e = c.evaluation();
        StringBuilder s = new StringBuilder("Evaluation after the last step, on the " + e.split() + ":\n\n"
                + "| model | loss | accuracy (%) |\n| --- | --- | --- |\n");
        s.append(evalRow(a.name(), e.a()));
        s.append(evalRow(b.name() + ", raw (own statistics)", e.b()));
        s.append(evalRow(b.name() + ", aligned (" + a.name() + "'s statistics)", e.bAligned()));
        s.append("| difference, raw | ")
                .append(Judge.sci(Math.abs(e.a().loss() - e.b().loss())))
                .append(" | ")
                .append(Numbers.fixed(100 * Math.abs(e.a().accuracy() - e.b().accuracy()), 2))
                .append(" points |\n");
        s.append("| difference, aligned | ")
                .append(Judge.sci(Math.abs(e.a().loss() - e.bAligned().loss())))
                .append(" | ")
                .append(Numbers.fixed(
                        100 * Math.abs(e.a().accuracy() - e.bAligned().accuracy()), 2))
                .append(" points |\n\n");
        double rawDiff = Math.abs(e.a().loss() - e.b().loss());
        double alignedDiff = Math.abs(e.a().loss() - e.bAligned().loss());
        ParameterDifference last = c.differences().get(c.steps() - 1);
        s.append("Aligned: ")
                .append(e.statisticsCopied())
                .append(" running-statistics tensors copied from ")
                .append(a.name())
                .append(" into ")
                .append(b.name())
                .append(". ");
        if (e.statisticsCopied() == 0) {
            s.append("The model has no running statistics: raw and aligned are the same comparison.");
        } else if (alignedDiff == rawDiff) {
            s.append("Copying them does not change the loss difference.");
        } else if (alignedDiff < rawDiff) {
            s.append("Copying them brings the losses closer: part of the raw difference is the running statistics.");
        } else {
            s.append("Copying them moves the losses apart: the weights have drifted (global relative difference ")
                    .append(Judge.sci(last.params().globalRelative()))
                    .append(" after the last step, running " + "statistics ")
                    .append(Judge.sci(last.buffers().globalRelative()))
                    .append("), so the raw comparison is the meaningful one.");
        }
        return s.append("\n\n").toString();
    }

    private static String evalRow(String name, Evaluation e) {
        return "| " + name + " | " + Numbers.fixed(e.loss(), 6) + " | " + Numbers.fixed(100 * e.accuracy(), 2) + " |\n";
    }

    private String divergenceTable(ModelComparison c, Verdict verdict) {
        // Every recorded step of the first few, where the difference grows fastest, then evenly spaced.
        List<Integer> recorded = new ArrayList<>(c.differences().keySet());
        TreeSet<Integer> rows = new TreeSet<>();
        int head = Math.min(EARLY_ROWS, recorded.size());
        rows.addAll(recorded.subList(0, head));
        int rest = recorded.size() - head;
        int stride = Math.max(1, (rest + TABLE_ROWS - EARLY_ROWS - 1) / Math.max(1, TABLE_ROWS - EARLY_ROWS));
        for (int i = head - 1 + stride; i < recorded.size(); i += stride) {
            rows.add(recorded.get(i));
        }
        rows.add(recorded.get(recorded.size() - 1));
        if (verdict.step() >= 0 && c.differences().containsKey(verdict.step())) {
            rows.add(verdict.step());
        }
        StringBuilder s = new StringBuilder("Divergence over steps (rows of `" + c.label() + "/divergence.csv`: the "
                + "first " + EARLY_ROWS + " recorded steps, then evenly spaced to the last):\n\n"
                + "| step | loss rel. diff | param_norm rel. diff | params global rel. diff | params max rel. diff "
                + "| params mean rel. diff | buffers global rel. diff |\n"
                + "| --- | --- | --- | --- | --- | --- | --- |\n");
        for (int step : rows) {
            ParameterDifference d = c.differences().get(step);
            s.append("| ")
                    .append(step)
                    .append(" | ")
                    .append(Judge.sci(Weights.relative(
                            c.stepsA().get(step).loss(), c.stepsB().get(step).loss())))
                    .append(" | ")
                    .append(Judge.sci(Weights.relative(
                            c.stepsA().get(step).paramNorm(),
                            c.stepsB().get(step).paramNorm())))
                    .append(" | ")
                    .append(Judge.sci(d.params().globalRelative()))
                    .append(" | ")
                    .append(Judge.sci(d.params().maxRelative()))
                    .append(" | ")
                    .append(Judge.sci(d.params().meanRelative()))
                    .append(" | ")
                    .append(Judge.sci(d.buffers().globalRelative()))
                    .append(" |\n");
        }
        return s.append('\n').toString();
    }

    private static String stepsCsv(List<StepMetrics> steps) {
        List<List<String>> rows = new ArrayList<>();
        for (StepMetrics m : steps) {
            rows.add(List.of(
                    Integer.toString(m.step()),
                    Integer.toString(m.epoch()),
                    Numbers.significant(m.lr(), 8),
                    Numbers.significant(m.loss(), 9),
                    Numbers.significant(m.accuracy(), 9),
                    Numbers.significant(m.paramNorm(), 17)));
        }
        return ModelFiles.csv(STEP_COLUMNS, rows);
    }

    private static String divergenceCsv(ModelComparison c) {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < c.steps(); i++) {
            StepMetrics x = c.stepsA().get(i);
            StepMetrics y = c.stepsB().get(i);
            List<String> row = new ArrayList<>(List.of(
                    Integer.toString(i),
                    number(Weights.relative(x.loss(), y.loss())),
                    number(Math.abs(x.accuracy() - y.accuracy())),
                    number(Weights.relative(x.paramNorm(), y.paramNorm()))));
            ParameterDifference d = c.differences().get(i);
            if (d == null) {
                row.addAll(List.of("", "", "", "", "", "", ""));
            } else {
                row.addAll(List.of(
                        number(d.params().globalRelative()),
                        number(d.params().maxRelative()),
                        d.params().worst() == null ? "" : d.params().worst().path(),
                        number(d.params().meanRelative()),
                        number(d.params().maxAbsolute()),
                        number(d.buffers().globalRelative()),
                        number(d.buffers().maxAbsolute())));
            }
            rows.add(row);
        }
        return ModelFiles.csv(DIVERGENCE_COLUMNS, rows);
    }

    private static String number(double x) {
        return Numbers.significant(x, 6);
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }
}
