package dev.replica.check.config;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * The {@code check.outcome} section: train each model on each engine from several seeds and compare
 * what they reach, with an equivalence verdict per metric:
 *
 * <pre>
 * outcome:
 *   seeds: 5                                  # runs per engine: seeds s, s+1, ... (s the file's first seed)
 *   epochs: 3                                 # how long each run trains; default training.epochs
 *   margins: {eval_accuracy: 0.03, eval_loss: 0.1}   # the largest mean difference that counts as the same
 *   alpha: 0.05                               # error rate of the two one-sided tests; default 0.05
 * </pre>
 *
 * @param seeds runs per engine, at least 1 (fewer than 3 can never decide)
 * @param epochs how many epochs each run trains, or empty for the file's {@code training.epochs}
 * @param margins the equivalence margin of each compared metric, by key in {@link #METRICS}
 * @param alpha the error rate of each one-sided test, in (0, 0.5)
 */
public record OutcomeCheck(int seeds, OptionalInt epochs, SortedMap<String, Double> margins, double alpha) {

    /** The metrics an outcome check compares: the validation split after the last epoch. */
    public static final List<String> METRICS = List.of("eval_accuracy", "eval_loss");

    /** Copies the map and checks the components. */
    public OutcomeCheck {
        if (seeds < 1) {
            throw new IllegalArgumentException("seeds must be >= 1: " + seeds);
        }
        Objects.requireNonNull(epochs, "epochs");
        margins = Collections.unmodifiableSortedMap(new TreeMap<>(margins));
        if (margins.isEmpty() || !METRICS.containsAll(margins.keySet())) {
            throw new IllegalArgumentException("margins must name some of " + METRICS + ": " + margins.keySet());
        }
        margins.values().forEach(m -> {
            if (!(m > 0) || Double.isInfinite(m)) {
                throw new IllegalArgumentException("a margin must be a number > 0: " + m);
            }
        });
        if (!(alpha > 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha must be in (0, 0.5): " + alpha);
        }
    }

    /**
     * Returns the seeds of the runs.
     *
     * @param first the file's first seed
     * @return {@code first, first + 1, ...}, {@link #seeds} of them
     */
    public List<Long> seedList(long first) {
        return LongStream.range(first, first + seeds).boxed().toList();
    }
}
