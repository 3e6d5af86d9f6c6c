package dev.replica.check.config;

import dev.replica.api.params.Values;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One band of the {@code check} section: how far the two compared runs may be apart on one metric, over
 * a range of steps, e.g. {@code {metric: loss, relative: 1.0e-3, steps: [0, 20]}}.
 *
 * <p>What is compared ({@code check.md} repeats it): for {@code loss}, {@code accuracy} and
 * {@code param_norm} the two values {@code a} and {@code b} of a step, with the absolute difference
 * {@code |a - b|} or the relative difference {@code |a - b| / max(|a|, |b|)} (0 when {@code a == b}). For
 * {@code params} (trainable parameters) and {@code buffers} (BatchNorm running statistics),
 * {@code relative} bounds {@code ||A - B|| / max(||A||, ||B||)} with all their tensors taken as one
 * vector, and {@code absolute} the largest elementwise {@code |a - b|}. The largest per-tensor difference
 * is reported but not bounded: a tensor whose true gradient is zero, such as a convolution's bias right
 * before BatchNorm, holds only rounding noise, which differs between engines by about 100%.
 * {@code eval_loss} and {@code eval_accuracy} are measured once, after the last step, each model with
 * its own BatchNorm running statistics (what a user of each engine gets); {@code eval_loss_aligned} and
 * {@code eval_accuracy_aligned} with the reference's running statistics copied into the other model,
 * which takes MXNet's biased running variance out of the comparison while the weights still agree.
 *
 * <p>Two free-running float32 trainings drift apart chaotically, so bands on them hold on one machine
 * and not on the next. A {@code noise_floor} band does not: each step is replayed from the reference's
 * state (weights, statistics, update-rule state) on the other engine in float32 and on both engines in
 * float64. Each engine's float32 result differs from its own float64 result by its rounding alone: per
 * tensor, the larger of the two (at least one float32 ulp, 2^-23) is the noise floor, and the relative
 * difference of the two engines' float32 updates must stay within {@code factor} times it:
 * {@code update} for the trainable parameters, {@code running_mean} and {@code running_var} for
 * BatchNorm's statistics, and {@code loss} for the replayed forward pass. Engines that compute the same
 * step differ by at most the sum of their roundings (twice the floor); nothing compounds from step to
 * step, so the ratio means the same on every machine.
 *
 * @param metric one of {@link #METRICS}
 * @param bound whether {@code limit} bounds the absolute or the relative difference
 * @param limit the largest difference allowed, at least 0
 * @param steps the steps the band applies to, or {@code null} for every compared step
 */
public record Tolerance(String metric, Bound bound, double limit, StepRange steps) {

    /** The metrics a band may name, in the order reports list them. */
    public static final List<String> METRICS =
            Arrays.stream(Metric.values()).map(Metric::key).toList();

    /** The metrics measured once, after the last step, that take no step range. */
    public static final List<String> FINAL_METRICS = Arrays.stream(Metric.values())
            .filter(m -> m.source() == Metric.Source.EVALUATION || m.source() == Metric.Source.ALIGNED_EVALUATION)
            .map(Metric::key)
            .toList();

    /** What a band measures, and how the judge reads it. */
    public enum Metric {
        LOSS("loss", Source.STEP),
        ACCURACY("accuracy", Source.STEP),
        PARAM_NORM("param_norm", Source.STEP),
        PARAMS("params", Source.TENSORS),
        BUFFERS("buffers", Source.TENSORS),
        EVAL_LOSS("eval_loss", Source.EVALUATION),
        EVAL_ACCURACY("eval_accuracy", Source.EVALUATION),
        EVAL_LOSS_ALIGNED("eval_loss_aligned", Source.ALIGNED_EVALUATION),
        EVAL_ACCURACY_ALIGNED("eval_accuracy_aligned", Source.ALIGNED_EVALUATION),
        UPDATE("update", Source.REPLAY),
        RUNNING_MEAN("running_mean", Source.REPLAY),
        RUNNING_VAR("running_var", Source.REPLAY);

        /** Where the metric's values come from. */
        public enum Source {
            /** Every step's metrics. */
            STEP,
            /** The parameter or buffer differences of the compared steps. */
            TENSORS,
            /** The final evaluation, each model with its own BatchNorm statistics. */
            EVALUATION,
            /** The final evaluation with the reference's BatchNorm statistics copied across. */
            ALIGNED_EVALUATION,
            /** Each step replayed on every lane from the reference's state: {@code noise_floor} bands only. */
            REPLAY
        }

        private final String key;
        private final Source source;

        Metric(String key, Source source) {
            this.key = key;
            this.source = source;
        }

        /**
         * Returns the metric's name in files and reports.
         *
         * @return e.g. {@code eval_loss_aligned}
         */
        public String key() {
            return key;
        }

        /**
         * Returns where the values come from.
         *
         * @return the source
         */
        public Source source() {
            return source;
        }

        /**
         * Whether the metric is a loss (else an accuracy or a norm).
         *
         * @return true for the losses
         */
        public boolean isLoss() {
            return this == LOSS || this == EVAL_LOSS || this == EVAL_LOSS_ALIGNED;
        }

        /**
         * Finds a metric by its name.
         *
         * @param key e.g. {@code loss}
         * @return the metric
         * @throws IllegalArgumentException for an unknown name
         */
        public static Metric of(String key) {
            for (Metric m : values()) {
                if (m.key.equals(key)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown metric '" + key + "'; allowed: " + METRICS);
        }
    }

    /** The metrics a {@code noise_floor} band may name: those measured on a step replayed from one state. */
    public static final List<String> NOISE_FLOOR_METRICS =
            List.of(Metric.LOSS.key(), Metric.UPDATE.key(), Metric.RUNNING_MEAN.key(), Metric.RUNNING_VAR.key());

    /** The kinds of bound, by their key in the file. */
    public enum Bound {
        /** A bound on {@code |a - b|}. */
        ABSOLUTE("absolute"),
        /** A bound on the relative difference. */
        RELATIVE("relative"),
        /** A bound on the relative difference as a multiple of the noise floor measured in the same check. */
        NOISE_FLOOR("noise_floor");

        private final String key;

        Bound(String key) {
            this.key = key;
        }

        /**
         * Returns the key in the file.
         *
         * @return {@code absolute} or {@code relative}
         */
        public String key() {
            return key;
        }
    }

    /**
     * An inclusive range of steps, counted from 0.
     *
     * @param first the first step
     * @param last the last step, at least {@code first}
     */
    public record StepRange(int first, int last) {

        /** Checks that the range is not empty. */
        public StepRange {
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("not a step range: [" + first + ", " + last + "]");
            }
        }

        @Override
        public String toString() {
            return "[" + first + ", " + last + "]";
        }
    }

    /** Checks the components. */
    public Tolerance {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(bound, "bound");
        Metric kind = Metric.of(metric); // throws for an unknown name
        if (!(limit >= 0)) {
            throw new IllegalArgumentException("the limit must be >= 0: " + limit);
        }
        if ((bound == Bound.NOISE_FLOOR) != (kind.source() == Metric.Source.REPLAY)
                && !(bound == Bound.NOISE_FLOOR && kind == Metric.LOSS)) {
            throw new IllegalArgumentException(boundRule(metric));
        }
        if (bound == Bound.NOISE_FLOOR && limit < 1) {
            throw new IllegalArgumentException("a noise_floor factor must be >= 1: " + limit);
        }
    }

    /**
     * Says which bounds a metric takes, for messages.
     *
     * @param metric a metric's key
     * @return e.g. {@code update takes only noise_floor: ...}
     */
    public static String boundRule(String metric) {
        Metric kind = Metric.of(metric);
        if (kind.source() == Metric.Source.REPLAY) {
            return metric + " is measured on steps replayed from one state, against the noise floor; allowed: "
                    + "noise_floor: <factor >= 1>";
        }
        if (kind == Metric.LOSS) {
            return "loss takes absolute, relative or noise_floor";
        }
        return metric + " takes absolute or relative; noise_floor is allowed for " + NOISE_FLOOR_METRICS;
    }

    /**
     * Returns whether the band judges steps replayed on the noise-floor lanes.
     *
     * @return {@code true} for a {@code noise_floor} band
     */
    public boolean againstNoiseFloor() {
        return bound == Bound.NOISE_FLOOR;
    }

    /**
     * Returns the metric as a type, for code that dispatches on it.
     *
     * @return the metric
     */
    public Metric kind() {
        return Metric.of(metric);
    }

    /**
     * Returns whether the band applies at a step.
     *
     * @param step the step, from 0
     * @return {@code true} when the band has no range or its range holds the step
     */
    public boolean covers(int step) {
        return steps == null || (step >= steps.first() && step <= steps.last());
    }

    /**
     * Renders the band as the file writes it, e.g. {@code {metric: loss, relative: 1.0e-3, steps: [0, 20]}}
     * or {@code {metric: update, noise_floor: 100}}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "{metric: " + metric + ", " + bound.key() + ": " + Values.formatNumber(limit)
                + (steps == null ? "" : ", steps: " + steps) + "}";
    }
}
