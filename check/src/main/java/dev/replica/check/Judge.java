package dev.replica.check;

import dev.replica.check.config.Tolerance;
import dev.replica.core.state.Numbers;
import dev.replica.core.training.Evaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns what was measured for one model into its verdict. The initial weights must always be
 * bit-identical (the same seed makes the same Java-made weights on every engine), and so must the
 * rerun; the two sides must agree within every band of the file, or bit for bit when the file declares
 * none ({@code tolerances: []}). The first step outside a band is the divergence; on a tie the earlier
 * check wins, in this order: initial weights, the bands in file order, the rerun.
 */
final class Judge {

    private final ModelComparison c;
    private final List<Failure> failures = new ArrayList<>();

    private Judge(ModelComparison c) {
        this.c = c;
    }

    /**
     * Judges one model.
     *
     * @param c what was measured
     * @param bands the file's bands
     * @return the verdict
     */
    static Verdict judge(ModelComparison c, List<Tolerance> bands) {
        Judge j = new Judge(c);
        j.initialWeights();
        if (bands.isEmpty()) {
            j.identity();
        }
        for (Tolerance band : bands) {
            j.band(band);
        }
        j.rerun();
        if (!j.failures.isEmpty()) {
            Failure first = j.failures.get(0);
            for (Failure f : j.failures) {
                if (f.step() < first.step()) {
                    first = f;
                }
            }
            return new Verdict(Verdict.Kind.DIVERGED, first.step(), first.metric(), first.detail());
        }
        return identical(c) ? Verdict.identical() : Verdict.withinTolerance();
    }

    /**
     * Returns whether the two sides (and the rerun) gave bit-identical numbers and weights.
     *
     * @param c what was measured
     * @return {@code true} when nothing differs in any bit
     */
    static boolean identical(ModelComparison c) {
        if (!c.initialA().equals(c.initialB()) || !c.finalA().equals(c.finalB())) {
            return false;
        }
        for (int s = 0; s < c.steps(); s++) {
            if (!c.stepsA().get(s).sameBits(c.stepsB().get(s))) {
                return false;
            }
        }
        for (ParameterDifference d : c.differences().values()) {
            if (!(d.params().maxAbsolute() == 0 && d.buffers().maxAbsolute() == 0)) {
                return false;
            }
        }
        ModelComparison.FinalEvaluation e = c.evaluation();
        if (!StepMetrics.same(e.a().loss(), e.b().loss()) || !StepMetrics.same(e.a().accuracy(), e.b().accuracy())) {
            return false;
        }
        for (ReplayedStep r : c.replayed()) {
            if (r.loss().difference() != 0 || r.whole().values().stream().anyMatch(d -> d.difference() != 0)) {
                return false;
            }
        }
        return c.rerun() == null || rerunFailure(c) == null;
    }

    private void initialWeights() {
        if (!c.initialA().equals(c.initialB())) {
            fail(
                    0,
                    "initial weights",
                    "initial weights differ: sha256 " + shortHash(c.initialA()) + " ("
                            + c.a().name() + ") vs " + shortHash(c.initialB()) + " (" + c.b().name()
                            + "); the same seed "
                            + "makes the same Java-made weights on every engine, so the two sides do not run the same "
                            + "experiment");
        }
    }

    /** With no bands the sides must be bit-identical: the first difference of any kind diverges. */
    private void identity() {
        String why = ": not bit-identical, and the file declares no bands (tolerances: []), which demands identity";
        for (int s = 0; s < c.steps(); s++) {
            StepMetrics a = c.stepsA().get(s);
            StepMetrics b = c.stepsB().get(s);
            for (Tolerance.Metric metric :
                    List.of(Tolerance.Metric.LOSS, Tolerance.Metric.ACCURACY, Tolerance.Metric.PARAM_NORM)) {
                double va = scalar(metric, a);
                double vb = scalar(metric, b);
                if (!StepMetrics.same(va, vb)) {
                    fail(s, metric.key(), pair(metric.key(), va, vb) + why);
                    return;
                }
            }
            if (!StepMetrics.same(a.lr(), b.lr())) {
                fail(s, "lr", pair("lr", a.lr(), b.lr()) + why);
                return;
            }
            ParameterDifference d = c.differences().get(s);
            if (d != null) {
                for (String metric : List.of("params", "buffers")) {
                    ParameterDifference.Set set = "params".equals(metric) ? d.params() : d.buffers();
                    if (!(set.maxAbsolute() == 0)) {
                        fail(s, metric, element(metric, set.largest()) + why);
                        return;
                    }
                }
            }
        }
        int last = c.steps() - 1;
        if (!c.finalA().equals(c.finalB())) {
            fail(
                    last,
                    "final weights",
                    "final weights differ: sha256 " + shortHash(c.finalA()) + " (" + c.a().name() + ") vs "
                            + shortHash(c.finalB()) + " (" + c.b().name() + ")" + why);
            return;
        }
        ModelComparison.FinalEvaluation e = c.evaluation();
        if (!StepMetrics.same(e.a().loss(), e.b().loss())) {
            fail(last, "eval_loss", pair("eval_loss", e.a().loss(), e.b().loss()) + why);
        } else if (!StepMetrics.same(e.a().accuracy(), e.b().accuracy())) {
            fail(last, "eval_accuracy", pair("eval_accuracy", e.a().accuracy(), e.b().accuracy()) + why);
        }
    }

    private void band(Tolerance band) {
        if (band.againstNoiseFloor()) {
            againstFloor(band);
            return;
        }
        switch (band.kind().source()) {
            case TENSORS:
                tensors(band);
                return;
            case EVALUATION:
            case ALIGNED_EVALUATION:
                evaluation(band);
                return;
            default:
                for (int s = 0; s < c.steps(); s++) {
                    if (!band.covers(s)) {
                        continue;
                    }
                    double a = scalar(band.kind(), c.stepsA().get(s));
                    double b = scalar(band.kind(), c.stepsB().get(s));
                    double d = difference(band, a, b);
                    if (!(d <= band.limit())) {
                        fail(
                                s,
                                band.metric(),
                                pair(band.metric(), a, b) + ": " + band.bound().key() + " difference " + sci(d)
                                        + " outside the band " + band);
                        return;
                    }
                }
        }
    }

    /** The first replayed step where the engines' difference is more than the band's multiple of the floor. */
    private void againstFloor(Tolerance band) {
        for (ReplayedStep r : c.replayed()) {
            FloorDifference d = r.judged(band.kind());
            if (d == null || !band.covers(r.step())) {
                continue;
            }
            if (!(d.ratio() <= band.limit())) {
                String what = band.kind() == Tolerance.Metric.LOSS
                        ? "loss " + digits(c.stepsA().get(r.step()).loss()) + " (" + c.a().name() + ")"
                        : band.metric() + " of " + d.what();
                fail(
                        r.step(),
                        band.metric(),
                        what + ": " + c.b().name() + " from " + c.a().name() + "'s state differs by "
                                + sci(d.difference()) + " relative in float32 and " + sci(d.exact())
                                + " in float64, " + ratio(d.ratio()) + " its noise floor " + sci(d.floor())
                                + " (each engine's float32 step against its own float64 step, at most "
                                + sci(d.explained()) + ", what float32 rounding explains)" + beyondRounding(d)
                                + "; outside the band " + band);
                return;
            }
        }
    }

    /** Names the engines whose float32 step is further from their float64 step than rounding explains. */
    private String beyondRounding(FloorDifference d) {
        StringBuilder s = new StringBuilder();
        for (boolean reference : new boolean[] {true, false}) {
            if (d.beyondRounding(reference)) {
                s.append("; ")
                        .append((reference ? c.a() : c.b()).name())
                        .append("'s float32 step is ")
                        .append(sci(reference ? d.roundingA() : d.roundingB()))
                        .append(" from its float64 step, more than float32 rounding explains");
            }
        }
        return s.toString();
    }

    /** A multiple for messages, e.g. {@code 830x}, {@code 1.4x}. */
    static String ratio(double x) {
        return (x >= 10 ? String.format(Locale.ROOT, "%.0f", x) : String.format(Locale.ROOT, "%.2g", x)) + "x";
    }

    private void tensors(Tolerance band) {
        for (Map.Entry<Integer, ParameterDifference> e : c.differences().entrySet()) {
            if (!band.covers(e.getKey())) {
                continue;
            }
            ParameterDifference.Set set = band.kind() == Tolerance.Metric.PARAMS
                    ? e.getValue().params()
                    : e.getValue().buffers();
            if (band.bound() == Tolerance.Bound.RELATIVE) {
                double d = set.globalRelative();
                if (!(d <= band.limit())) {
                    ParameterDifference.Tensor t = set.worst();
                    fail(
                            e.getKey(),
                            band.metric(),
                            band.metric() + ": ||" + c.a().name() + "|| " + digits(set.normA())
                                    + " vs ||" + c.b().name() + "|| " + digits(set.normB()) + ", relative difference "
                                    + sci(d)
                                    + " of all " + set.tensors() + " tensors as one vector (largest per tensor: "
                                    + sci(t.relative()) + " at " + t.path() + ") outside the band " + band);
                    return;
                }
            } else {
                double d = set.maxAbsolute();
                if (!(d <= band.limit())) {
                    fail(
                            e.getKey(),
                            band.metric(),
                            element(band.metric(), set.largest()) + ": absolute difference " + sci(d)
                                    + " outside the band " + band);
                    return;
                }
            }
        }
    }

    private void evaluation(Tolerance band) {
        ModelComparison.FinalEvaluation e = c.evaluation();
        boolean aligned = band.kind().source() == Tolerance.Metric.Source.ALIGNED_EVALUATION;
        ToDoubleFunction<Evaluation> value = band.kind().isLoss() ? Evaluation::loss : Evaluation::accuracy;
        double a = value.applyAsDouble(e.a());
        double b = value.applyAsDouble(aligned ? e.bAligned() : e.b());
        double d = difference(band, a, b);
        if (!(d <= band.limit())) {
            fail(
                    c.steps() - 1,
                    band.metric(),
                    band.metric() + " after the last step " + digits(a) + " ("
                            + c.a().name() + ") vs " + digits(b) + " (" + c.b().name()
                            + (aligned ? " with " + c.a().name() + "'s BatchNorm statistics" : "") + "): "
                            + band.bound().key() + " difference " + sci(d)
                            + " outside the band " + band);
        }
    }

    private void rerun() {
        if (c.rerun() == null) {
            return;
        }
        Failure f = rerunFailure(c);
        if (f != null) {
            failures.add(f);
        }
    }

    /** The first way the rerun differs from the first run, or {@code null} when it is bit-identical. */
    private static Failure rerunFailure(ModelComparison c) {
        String who = "rerun on " + c.a().name() + ": ";
        for (int s = 0; s < c.steps(); s++) {
            StepMetrics first = c.stepsA().get(s);
            StepMetrics again = c.rerun().steps().get(s);
            if (!first.sameBits(again)) {
                return new Failure(
                        s,
                        "rerun",
                        who + "loss " + digits(first.loss()) + ", param_norm "
                                + digits(first.paramNorm()) + " in the first run vs loss " + digits(again.loss())
                                + ", param_norm " + digits(again.paramNorm()) + " in the rerun: not bit-identical");
            }
        }
        if (!c.finalA().equals(c.rerun().finalChecksum())) {
            return new Failure(
                    c.steps() - 1,
                    "rerun",
                    who + "final weights sha256 " + shortHash(c.finalA()) + " in the first run vs "
                            + shortHash(c.rerun().finalChecksum()) + " in the rerun");
        }
        return null;
    }

    private void fail(int step, String metric, String detail) {
        failures.add(new Failure(step, metric, detail));
    }

    private String pair(String metric, double a, double b) {
        return metric + " " + digits(a) + " (" + c.a().name() + ") vs " + digits(b) + " (" + c.b().name() + ")";
    }

    private String element(String metric, ParameterDifference.Element e) {
        return metric + ": " + e.path() + "[" + e.index() + "] " + digits(e.a()) + " (" + c.a().name() + ") vs "
                + digits(e.b()) + " (" + c.b().name() + ")";
    }

    static double scalar(Tolerance.Metric metric, StepMetrics m) {
        switch (metric) {
            case LOSS:
                return m.loss();
            case ACCURACY:
                return m.accuracy();
            case PARAM_NORM:
                return m.paramNorm();
            default:
                throw new IllegalArgumentException("not a per-step metric: " + metric.key());
        }
    }

    private static double difference(Tolerance band, double a, double b) {
        return band.bound() == Tolerance.Bound.RELATIVE ? Weights.relative(a, b) : Math.abs(a - b);
    }

    /** Enough digits to tell two floats apart, and a double's shortest form when it needs more. */
    static String digits(double x) {
        return Numbers.significant(x, 9);
    }

    /** A difference in scientific notation, e.g. {@code 1.05e-03}; {@code 0} for zero. */
    static String sci(double x) {
        return x == 0 ? "0" : String.format(Locale.ROOT, "%.2e", x);
    }

    static String shortHash(String sha256) {
        return sha256.substring(0, Math.min(12, sha256.length()));
    }

    private record Failure(int step, String metric, String detail) {}
}
