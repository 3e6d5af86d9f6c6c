package dev.replica.check;

import dev.replica.check.config.Tolerance;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * One step replayed from the reference's state, next to the noise floor: the forward pass's loss, and
 * per kind of tensor (the trainable parameters' {@code update}, BatchNorm's {@code running_mean} and
 * {@code running_var}) the tensor furthest above its floor and all of them as one vector.
 *
 * @param step the global step, from 0
 * @param loss the replayed losses' difference
 * @param worst per kind, the tensor whose difference is the largest multiple of its floor; a kind the
 *     model has no tensor of is absent
 * @param whole per kind, every tensor of it taken as one vector
 */
record ReplayedStep(
        int step,
        FloorDifference loss,
        Map<Tolerance.Metric, FloorDifference> worst,
        Map<Tolerance.Metric, FloorDifference> whole) {

    /** Copies the maps. */
    ReplayedStep {
        worst = Collections.unmodifiableMap(copy(worst));
        whole = Collections.unmodifiableMap(copy(whole));
    }

    private static Map<Tolerance.Metric, FloorDifference> copy(Map<Tolerance.Metric, FloorDifference> m) {
        return m.isEmpty() ? new EnumMap<>(Tolerance.Metric.class) : new EnumMap<>(m);
    }

    /**
     * Returns what a band on a metric judges at this step.
     *
     * @param metric {@code loss}, {@code update}, {@code running_mean} or {@code running_var}
     * @return the difference, or {@code null} when the model has no tensor of that kind
     */
    FloorDifference judged(Tolerance.Metric metric) {
        return metric == Tolerance.Metric.LOSS ? loss : worst.get(metric);
    }
}
