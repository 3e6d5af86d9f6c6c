package dev.replica.check;

import dev.replica.api.UserException;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.params.Values;
import dev.replica.check.config.Check;
import dev.replica.check.config.Tolerance;
import dev.replica.core.record.ModelFiles;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.Numbers;
import dev.replica.core.state.SafeFiles;
import dev.replica.core.training.Evaluation;
import dev.replica.report.Plots;
import dev.replica.runner.config.Experiment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
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
 * &lt;label&gt;/noise-floor.csv     per replayed step: the engines' differences, their floors and ratios
 * </pre>
 */
final class CheckReport {

    /** The columns of {@code check.csv}: a row per model at the operator level, per model and metric at the outcome. */
    static final List<String> CHECK_COLUMNS = List.of("level", "model", "verdict", "step", "metric", "detail");

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

    /** The kinds of replayed tensor, in the order of {@code noise-floor.csv}. */
    static final List<Tolerance.Metric> REPLAYED =
            List.of(Tolerance.Metric.UPDATE, Tolerance.Metric.RUNNING_MEAN, Tolerance.Metric.RUNNING_VAR);

    /** The columns of {@code noise-floor.csv}; a kind the model has no tensor of has empty cells. */
    static final List<String> NOISE_FLOOR_COLUMNS = noiseFloorColumns();

    private static List<String> noiseFloorColumns() {
        List<String> columns = new ArrayList<>(List.of(
                "step",
                "loss_ratio",
                "loss_rel_diff",
                "loss_floor",
                "loss_rounding_reference",
                "loss_rounding_other",
                "loss_exact_rel_diff",
                "loss_cap"));
        for (Tolerance.Metric m : REPLAYED) {
            String k = m.key();
            columns.addAll(List.of(
                    k + "_ratio",
                    k + "_tensor",
                    k + "_rel_diff",
                    k + "_floor",
                    k + "_rounding_reference",
                    k + "_rounding_other",
                    k + "_exact_rel_diff",
                    k + "_cap",
                    k + "_all_rel_diff",
                    k + "_all_floor",
                    k + "_all_rounding_reference",
                    k + "_all_rounding_other",
                    k + "_all_exact_rel_diff",
                    k + "_all_cap"));
        }
        return List.copyOf(columns);
    }

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
    private final List<String> outcomeRows = new ArrayList<>();
    private final StringBuilder outcomeSections = new StringBuilder();

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
        SafeFiles.writeAtomically(dir.resolve(a.name() + ".csv"), stepsCsv(c.stepsA()));
        SafeFiles.writeAtomically(dir.resolve(b.name() + ".csv"), stepsCsv(c.stepsB()));
        if (c.rerun() != null) {
            SafeFiles.writeAtomically(
                    dir.resolve(a.name() + "-rerun.csv"), stepsCsv(c.rerun().steps()));
        }
        SafeFiles.writeAtomically(dir.resolve("divergence.csv"), divergenceCsv(c));
        String plot = divergencePlot(c.label(), dir);
        String floorPlot = "";
        if (!c.replayed().isEmpty()) {
            SafeFiles.writeAtomically(dir.resolve("noise-floor.csv"), noiseFloorCsv(c));
            floorPlot = noiseFloorPlot(c.label(), dir);
        }
        verdictRows.add("| " + c.label() + " | " + verdict + " | " + (verdict.passed() ? "—" : escape(verdict.detail()))
                + " |");
        csvRows.add(List.of(
                "operator",
                c.label(),
                verdict.toString(),
                verdict.step() < 0 ? "" : Integer.toString(verdict.step()),
                verdict.metric(),
                verdict.detail()));
        sections.append(section(c, verdict, floorPlot)).append(plot);
    }

    /** Draws the ratios of noise-floor.csv, with the file's factors as horizontal lines. */
    private String noiseFloorPlot(String label, Path dir) throws IOException {
        // One line per factor, naming the bands that share it.
        SortedMap<Double, List<String>> byFactor = new TreeMap<>();
        for (Tolerance t : check.tolerances()) {
            if (t.againstNoiseFloor()) {
                byFactor.computeIfAbsent(t.limit(), k -> new ArrayList<>()).add(t.metric());
            }
        }
        SortedMap<String, Double> levels = new TreeMap<>();
        byFactor.forEach((factor, metrics) ->
                levels.put("band " + Values.formatNumber(factor) + "x: " + String.join(", ", metrics), factor));
        try {
            Plots.overSteps(
                    dir.resolve("noise-floor.csv"),
                    dir.resolve("noise-floor.png"),
                    "Engines' difference as a multiple of the noise floor: " + label,
                    "difference / noise floor (log scale)",
                    column -> column.endsWith("_ratio"),
                    levels);
            return "![Engines' difference against the noise floor, " + label + "](" + label + "/noise-floor.png)\n\n";
        } catch (UserException e) {
            return "No noise-floor plot: " + e.getMessage() + ".\n\n";
        }
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

    /** Writes a model's outcome files and adds its outcome section to the report. */
    void outcome(OutcomeComparison o) throws IOException {
        Path dir = folder.model(o.label(), null).folder();
        List<List<String>> rows = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            List<Evaluation> runs = side == 0 ? o.runsA() : o.runsB();
            for (int k = 0; k < runs.size(); k++) {
                rows.add(List.of(
                        (side == 0 ? a : b).name(),
                        Long.toString(o.seeds().get(k)),
                        Numbers.significant(runs.get(k).loss(), 9),
                        Numbers.significant(runs.get(k).accuracy(), 9)));
            }
        }
        SafeFiles.writeAtomically(dir.resolve("outcomes.csv"), ModelFiles.csv(Plots.OUTCOME_COLUMNS, rows));
        StringBuilder plots = new StringBuilder();
        try {
            for (Path png : Plots.outcomes(dir.resolve("outcomes.csv"), dir, "outcome")) {
                plots.append("![")
                        .append(png.getFileName())
                        .append("](")
                        .append(o.label())
                        .append('/')
                        .append(png.getFileName())
                        .append(")\n");
            }
        } catch (UserException e) {
            plots.append("No outcome plot: ").append(e.getMessage()).append(".\n");
        }
        String verdict = OutcomeComparison.text(o.verdict());
        for (Map.Entry<String, String> d : o.details().entrySet()) {
            outcomeRows.add("| " + o.label() + " | " + d.getKey() + " | " + escape(d.getValue()) + " |");
            csvRows.add(List.of("outcome", o.label(), verdict, "", d.getKey(), d.getValue()));
        }
        outcomeSections.append(outcomeSection(o, verdict)).append(plots).append('\n');
    }

    private String outcomeSection(OutcomeComparison o, String verdict) {
        StringBuilder s = new StringBuilder("### " + o.label() + ": " + verdict + "\n\n");
        s.append("Each engine trained ")
                .append(o.epochs())
                .append(o.epochs() == 1 ? " epoch" : " epochs")
                .append(" from each of ")
                .append(o.seeds().size())
                .append(" seeds (")
                .append(o.seeds().get(0))
                .append(o.seeds().size() > 1 ? " to " + o.seeds().get(o.seeds().size() - 1) : "")
                .append("), then evaluated on the validation split (`")
                .append(o.label())
                .append("/outcomes.csv`):\n\n| seed | ")
                .append(a.name())
                .append(" accuracy (%) | ")
                .append(b.name())
                .append(" accuracy (%) | ")
                .append(a.name())
                .append(" loss | ")
                .append(b.name())
                .append(" loss |\n| --- | --- | --- | --- | --- |\n");
        for (int k = 0; k < o.seeds().size(); k++) {
            s.append("| ")
                    .append(o.seeds().get(k))
                    .append(" | ")
                    .append(Numbers.fixed(100 * o.runsA().get(k).accuracy(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(100 * o.runsB().get(k).accuracy(), 2))
                    .append(" | ")
                    .append(Numbers.fixed(o.runsA().get(k).loss(), 4))
                    .append(" | ")
                    .append(Numbers.fixed(o.runsB().get(k).loss(), 4))
                    .append(" |\n");
        }
        s.append("\n| metric | ")
                .append(a.name())
                .append(" mean ± sd | ")
                .append(b.name())
                .append(" mean ± sd | difference (")
                .append(b.name())
                .append(" − ")
                .append(a.name())
                .append(") | ")
                .append(ciLabel(o.spec().alpha()))
                .append(" | margin | verdict |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (Map.Entry<String, String> d : o.details().entrySet()) {
            Equivalence e = o.verdicts().get(d.getKey());
            s.append("| ").append(d.getKey()).append(" | ");
            if (e == null) {
                s.append("— | — | — | — | ")
                        .append(Values.formatNumber(o.spec().margins().get(d.getKey())))
                        .append(" | different (a run is not finite) |\n");
                continue;
            }
            s.append(meanSd(e.meanA(), e.sdA()))
                    .append(" | ")
                    .append(meanSd(e.meanB(), e.sdB()))
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%+.4f", e.difference()))
                    .append(" | ")
                    .append(
                            Double.isNaN(e.lower())
                                    ? "—"
                                    : String.format(Locale.ROOT, "%+.4f to %+.4f", e.lower(), e.upper()))
                    .append(" | ±")
                    .append(Values.formatNumber(e.margin()))
                    .append(" | ")
                    .append(escape(d.getValue()))
                    .append(" |\n");
        }
        return s.append('\n').toString();
    }

    private static String ciLabel(double alpha) {
        return Values.formatNumber(100 * (1 - 2 * alpha)) + "% CI of the difference";
    }

    private static String meanSd(double mean, double sd) {
        return String.format(Locale.ROOT, "%.4f", mean)
                + (Double.isNaN(sd) ? "" : String.format(Locale.ROOT, " ± %.4f", sd));
    }

    /** Writes {@code check.md}, {@code check.csv} and {@code summary.md} (the verdicts, for the run's report). */
    void finish() throws IOException {
        StringBuilder verdicts = new StringBuilder();
        if (!outcomeRows.isEmpty()) {
            verdicts.append("Operator level (do the engines compute the same training step?):\n\n");
        }
        verdicts.append("| model | verdict | first divergence |\n| --- | --- | --- |\n");
        verdictRows.forEach(r -> verdicts.append(r).append('\n'));
        if (!outcomeRows.isEmpty()) {
            verdicts.append("\nOutcome level (do the engines reach the same result?):\n\n| model | metric | verdict |\n"
                    + "| --- | --- | --- |\n");
            outcomeRows.forEach(r -> verdicts.append(r).append('\n'));
        }
        SafeFiles.writeAtomically(folder.path().resolve(RunFolder.SUMMARY_MD), verdicts.toString());
        StringBuilder md = new StringBuilder();
        md.append("# Reproducibility check: ").append(experiment.name()).append("\n\n");
        md.append("## Verdicts\n\n").append(verdicts);
        md.append('\n')
                .append(compared())
                .append(definitions())
                .append(batchNorm())
                .append(bands());
        md.append(sections);
        if (outcomeSections.length() > 0) {
            md.append("## Outcome level: the same result over seeds\n\n")
                    .append("Per metric, the mean difference between the engines over the seeds, with Welch's "
                            + "confidence interval (unequal spreads), against the file's margin by two one-sided "
                            + "tests at level alpha: **equivalent** when the interval lies inside ±margin, "
                            + "**different** when it lies outside, and **not enough seeds to tell** otherwise "
                            + "(with how many seeds per engine would tell if the means and spreads stay as "
                            + "measured) or with fewer than 3 seeds per engine, whose spread is not known.\n\n")
                    .append(outcomeSections);
        }
        SafeFiles.writeAtomically(folder.path().resolve("check.md"), md.toString());
        SafeFiles.writeAtomically(folder.path().resolve("check.csv"), ModelFiles.csv(CHECK_COLUMNS, csvRows));
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
        return side.engine() + " (" + m.get(EngineFacts.ENGINE_NAME) + " " + m.get(EngineFacts.ENGINE_VERSION) + ", "
                + m.get(EngineFacts.THREADS) + " threads, " + m.get(EngineFacts.DEVICE) + ")";
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
                + "reference's running statistics in both models (next section).\n"
                + "- Noise floor (`noise_floor` bands): before each step the other engine in float32, and both "
                + "engines in float64, are given the reference's exact state (weights, BatchNorm statistics, "
                + "update-rule state) and train that one step. Per tensor, the engines' difference is "
                + "‖Δa − Δb‖ / max(‖Δa‖, ‖Δb‖) of their two float32 updates Δ, and the same of their two float64 "
                + "updates, the reference; the floor is the larger of each engine's float32 update against its own "
                + "float64 update, which is that engine's rounding, but never more than float32 rounding can "
                + "explain, the cap √n · 2^-24 · (‖w‖ + ‖Δ‖) / ‖Δ‖ (n the batch's input values, w the tensor "
                + "before the step), and at least 2^-23, one float32 ulp. Engines that compute the same step differ "
                + "by at most the sum of their roundings, twice the floor; a wrong rule is in both precisions of its "
                + "engine and shows in the float64 difference, and a wrong float32 kernel is more than the cap, so "
                + "the floor hides neither. A `noise_floor: k` band holds while every tensor's larger difference "
                + "(float32 or float64) is at most k times its "
                + "floor. `update` is the trainable parameters, `running_mean` and `running_var` BatchNorm's "
                + "statistics, `loss` the forward pass from the shared state. Nothing compounds from step to step, "
                + "so the ratio means the same on any machine.\n\n";
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

    private String section(ModelComparison c, Verdict verdict, String floorPlot) {
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
        if (!c.replayed().isEmpty()) {
            s.append(noiseFloorTable(c, verdict)).append(floorPlot);
            s.append("### Free-running: both engines on their own from step 0\n\n"
                    + "Float32 rounding grows about tenfold a step in the first steps of training (the noise floor "
                    + "grows as fast), so these differences soon measure chaos, not the engines: they are shown, and "
                    + "judged only by the file's `absolute` and `relative` bands.\n\n");
        }
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
        List<Integer> recorded = new ArrayList<>(c.differences().keySet());
        TreeSet<Integer> rows =
                sampledRows(recorded, c.differences().containsKey(verdict.step()) ? verdict.step() : -1);
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

    /** Every step of the first few, where differences grow fastest, then evenly spaced, and the verdict's. */
    private static TreeSet<Integer> sampledRows(List<Integer> recorded, int verdictStep) {
        TreeSet<Integer> rows = new TreeSet<>();
        int head = Math.min(EARLY_ROWS, recorded.size());
        rows.addAll(recorded.subList(0, head));
        int rest = recorded.size() - head;
        int stride = Math.max(1, (rest + TABLE_ROWS - EARLY_ROWS - 1) / Math.max(1, TABLE_ROWS - EARLY_ROWS));
        for (int i = head - 1 + stride; i < recorded.size(); i += stride) {
            rows.add(recorded.get(i));
        }
        rows.add(recorded.get(recorded.size() - 1));
        if (verdictStep >= 0 && recorded.contains(verdictStep)) {
            rows.add(verdictStep);
        }
        return rows;
    }

    private String noiseFloorTable(ModelComparison c, Verdict verdict) {
        TreeSet<Integer> rows =
                sampledRows(c.replayed().stream().map(ReplayedStep::step).toList(), verdict.step());
        StringBuilder s = new StringBuilder("### Operator level: each step replayed from " + a.name() + "'s state\n\n"
                + "Relative difference of " + b.name() + "'s result from " + a.name() + "'s, as a multiple of the "
                + "noise floor (rows of `" + c.label() + "/noise-floor.csv`; for the tensors, the one furthest above "
                + "its own floor):\n\n"
                + "| step | loss | update | running_mean | running_var | update, all tensors |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        for (ReplayedStep r : c.replayed()) {
            if (!rows.contains(r.step())) {
                continue;
            }
            s.append("| ").append(r.step()).append(" | ").append(cell(r.loss(), false));
            for (Tolerance.Metric m : REPLAYED) {
                s.append(" | ").append(cell(r.worst().get(m), true));
            }
            s.append(" | ")
                    .append(cell(r.whole().get(Tolerance.Metric.UPDATE), false))
                    .append(" |\n");
        }
        return s.append('\n').toString();
    }

    /** E.g. {@code 3.1x (2.4e-06 / 7.7e-07, fc_weight)}; a dash when the model has no such tensor. */
    private static String cell(FloorDifference d, boolean tensor) {
        if (d == null) {
            return "—";
        }
        return Judge.ratio(d.ratio()) + " (" + Judge.sci(d.difference()) + " / " + Judge.sci(d.floor())
                + (tensor ? ", `" + d.what() + "`" : "") + ")";
    }

    private static String noiseFloorCsv(ModelComparison c) {
        List<List<String>> rows = new ArrayList<>();
        for (ReplayedStep r : c.replayed()) {
            List<String> row = new ArrayList<>(List.of(
                    Integer.toString(r.step()),
                    number(r.loss().ratio()),
                    number(r.loss().difference()),
                    number(r.loss().floor()),
                    number(r.loss().roundingA()),
                    number(r.loss().roundingB()),
                    number(r.loss().exact()),
                    number(r.loss().cap())));
            for (Tolerance.Metric m : REPLAYED) {
                FloorDifference w = r.worst().get(m);
                FloorDifference all = r.whole().get(m);
                if (w == null) {
                    row.addAll(Collections.nCopies(14, ""));
                } else {
                    row.addAll(List.of(
                            number(w.ratio()),
                            w.what(),
                            number(w.difference()),
                            number(w.floor()),
                            number(w.roundingA()),
                            number(w.roundingB()),
                            number(w.exact()),
                            number(w.cap()),
                            number(all.difference()),
                            number(all.floor()),
                            number(all.roundingA()),
                            number(all.roundingB()),
                            number(all.exact()),
                            number(all.cap())));
                }
            }
            rows.add(row);
        }
        return ModelFiles.csv(NOISE_FLOOR_COLUMNS, rows);
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
