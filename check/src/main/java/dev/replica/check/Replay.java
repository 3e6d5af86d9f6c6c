package dev.replica.check;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.replica.api.UserException;
import dev.replica.check.config.Tolerance;
import dev.replica.core.training.TrainingSetup;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The noise-floor lanes of a check. Before each step, the other engine in float32 and both engines in
 * float64 are given the reference's exact state (weights, BatchNorm statistics, update-rule state), and
 * all train that one step. The two float64 steps are the reference (their rounding is 2^29 times finer)
 * and are compared with each other; each engine's float32 result differs from its own float64 result by
 * the rounding of its kernels, which is the noise floor as far as float32 rounding explains it ({@link
 * FloorDifference#cap}): a float32 kernel that is wrong cannot raise its own floor. Two engines that
 * compute the same step differ by at most the sum of their roundings, never more than twice the floor; a
 * wrong rule (a learning rate 0.1% off, a missing weight-decay term, gradients not zeroed, another
 * BatchNorm momentum) is in both precisions of its engine, so it shows in both differences. Nothing
 * compounds from one step to the next.
 */
final class Replay implements AutoCloseable {

    private final Lane other;
    private final Lane referenceExact;
    private final Lane otherExact;
    private final Map<String, Tolerance.Metric> kinds = new LinkedHashMap<>();
    private final long terms;

    /**
     * Creates the replay.
     *
     * @param other a fresh float32 lane of the other side
     * @param referenceExact a fresh float64 lane of the reference side
     * @param otherExact a fresh float64 lane of the other side
     */
    Replay(Lane other, Lane referenceExact, Lane otherExact) {
        this.other = other;
        this.referenceExact = referenceExact;
        this.otherExact = otherExact;
        // No sum of a step adds more terms than the batch has input values: a convolution's gradient sums
        // over every position of every example, a layer over its inputs.
        TrainingSetup setup = other.setup();
        terms = (long) setup.training().batchSize()
                * setup.data().train().batch(new int[] {0}, null).features().length;
        for (Pair<String, Parameter> p : other.trainer().block().getParameters()) {
            Parameter.Type type = p.getValue().getType();
            if (p.getValue().requiresGradient()) {
                kinds.put(p.getKey(), Tolerance.Metric.UPDATE);
            } else if (type == Parameter.Type.RUNNING_MEAN) {
                kinds.put(p.getKey(), Tolerance.Metric.RUNNING_MEAN);
            } else if (type == Parameter.Type.RUNNING_VAR) {
                kinds.put(p.getKey(), Tolerance.Metric.RUNNING_VAR);
            }
        }
    }

    /**
     * Makes the three lanes of a replay, closing those already made when one cannot be.
     *
     * @param lanes makes fresh lanes
     * @param a the reference side
     * @param b the other side
     * @param label the model
     * @return the replay
     */
    static Replay open(Lockstep.Lanes lanes, Side a, Side b, String label) {
        List<Lane> made = new ArrayList<>();
        try {
            made.add(lanes.apply(b, label, DataType.FLOAT32));
            made.add(lanes.apply(a, label, DataType.FLOAT64));
            made.add(lanes.apply(b, label, DataType.FLOAT64));
            return new Replay(made.get(0), made.get(1), made.get(2));
        } catch (EngineException e) {
            made.forEach(Lane::close);
            throw noFloat64(a, b, label, e);
        } catch (RuntimeException e) {
            made.forEach(Lane::close);
            throw e;
        }
    }

    /**
     * Replays one step of the reference.
     *
     * @param step the global step
     * @param before the reference's state before the step
     * @param reference the reference's lane, after the step
     * @param loss the reference's loss in the step
     * @return the differences and their floors
     */
    ReplayedStep step(int step, Lane.State before, Lane reference, double loss) {
        other.restore(before);
        double lossB = other.step(step, false).loss();
        double lossAx;
        double lossBx;
        try {
            referenceExact.restore(before);
            otherExact.restore(before);
            lossAx = referenceExact.step(step, false).loss();
            lossBx = otherExact.step(step, false).loss();
        } catch (EngineException e) {
            throw new UserException(
                    "model '" + other.trainer().label() + "' cannot train in float64 on both "
                            + "engines, which noise_floor bands need (" + e.getMessage() + "); allowed: absolute or "
                            + "relative bands for this model, or a model whose layers the engines run in float64",
                    e);
        }
        Map<String, double[]> a = reference.values(kinds.keySet());
        Map<String, double[]> b = other.values(kinds.keySet());
        Map<String, double[]> ax = referenceExact.values(kinds.keySet());
        Map<String, double[]> bx = otherExact.values(kinds.keySet());

        Map<Tolerance.Metric, FloorDifference> worst = new EnumMap<>(Tolerance.Metric.class);
        Map<Tolerance.Metric, double[][]> sums = new EnumMap<>(Tolerance.Metric.class);
        for (Map.Entry<String, Tolerance.Metric> e : kinds.entrySet()) {
            String path = e.getKey();
            float[] start = before.weights().get(path).values();
            // The engines in float32, in float64 (the reference), and each engine's float32 against its float64.
            double[][] parts = {
                Updates.compare(start, a.get(path), b.get(path)),
                Updates.compare(start, ax.get(path), bx.get(path)),
                Updates.compare(start, a.get(path), ax.get(path)),
                Updates.compare(start, b.get(path), bx.get(path)),
                {Updates.squares(start)}
            };
            FloorDifference d = difference(path, parts);
            FloorDifference w = worst.get(e.getValue());
            if (w == null || !(d.ratio() <= w.ratio())) {
                worst.put(e.getValue(), d);
            }
            double[][] s = sums.computeIfAbsent(e.getValue(), k ->
                    new double[][] {new double[3], new double[3], new double[3], new double[3], new double[1]});
            for (int i = 0; i < parts.length; i++) {
                for (int j = 0; j < parts[i].length; j++) {
                    s[i][j] += parts[i][j];
                }
            }
        }
        Map<Tolerance.Metric, FloorDifference> whole = new EnumMap<>(Tolerance.Metric.class);
        sums.forEach((metric, s) -> whole.put(metric, difference("all tensors", s)));
        FloorDifference lossDifference = new FloorDifference(
                "loss",
                Weights.relative(loss, lossB),
                Weights.relative(lossAx, lossBx),
                Weights.relative(loss, lossAx),
                Weights.relative(lossB, lossBx),
                FloorDifference.cap(terms, 0, Math.abs(lossAx)));
        return new ReplayedStep(step, lossDifference, worst, whole);
    }

    /**
     * The difference of one tensor (or of all of a kind as one vector) from its sums: the engines in
     * float32, in float64, each engine's rounding, and the tensor's squares before the step.
     */
    private FloorDifference difference(String what, double[][] sums) {
        double[] cross = sums[0];
        return new FloorDifference(
                what,
                Updates.relative(cross),
                Updates.relative(sums[1]),
                Updates.relative(sums[2]),
                Updates.relative(sums[3]),
                FloorDifference.cap(terms, Math.sqrt(sums[4][0]), Math.sqrt(Math.max(cross[1], cross[2]))));
    }

    private static UserException noFloat64(Side a, Side b, String label, EngineException e) {
        return new UserException(
                "model '" + label + "' cannot be built in float64 on " + a.engine() + " and "
                        + b.engine() + ", which noise_floor bands need (" + e.getMessage() + "); allowed: absolute or "
                        + "relative bands for this model, or a model whose layers the engines run in float64",
                e);
    }

    @Override
    public void close() {
        try (Lane x = other;
                Lane y = referenceExact;
                Lane z = otherExact) {
            // closes all three, even when one throws
        }
    }

    /** Sums of squares of two updates from one start, in double, in index order. */
    static final class Updates {

        private Updates() {}

        /**
         * Returns {@code [‖u − v‖², ‖u‖², ‖v‖²]} for the updates {@code u = x − start} and
         * {@code v = y − start}.
         *
         * @param start the tensor before the step
         * @param x one result of the step
         * @param y another
         * @return the three sums
         */
        static double[] compare(float[] start, double[] x, double[] y) {
            double dd = 0;
            double uu = 0;
            double vv = 0;
            for (int i = 0; i < start.length; i++) {
                double u = x[i] - start[i];
                double v = y[i] - start[i];
                dd += (u - v) * (u - v);
                uu += u * u;
                vv += v * v;
            }
            return new double[] {dd, uu, vv};
        }

        /**
         * Returns the sum of squares of a tensor, in double.
         *
         * @param x the tensor
         * @return {@code ‖x‖²}
         */
        static double squares(float[] x) {
            double sum = 0;
            for (float v : x) {
                sum += (double) v * v;
            }
            return sum;
        }

        /**
         * Returns {@code ‖u − v‖ / max(‖u‖, ‖v‖)} from the sums of {@link #compare}: 0 when the updates
         * are equal (also both zero).
         *
         * @param sums the three sums
         * @return the relative difference, in [0, 2]
         */
        static double relative(double[] sums) {
            return sums[0] == 0 ? 0 : Math.sqrt(sums[0] / Math.max(sums[1], sums[2]));
        }
    }
}
