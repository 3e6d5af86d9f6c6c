package dev.replica.check;

import dev.replica.check.config.OutcomeCheck;
import dev.replica.core.training.Evaluation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The outcome level of one model: each side trained from each seed of the {@code outcome} section and
 * evaluated on the validation split after its last epoch, and per compared metric the equivalence of
 * the two sides' means against the file's margin.
 *
 * @param label the model's label
 * @param a the reference side
 * @param b the other side
 * @param spec the file's outcome section
 * @param seeds the seeds, in run order
 * @param epochs the epochs each run trained
 * @param runsA the reference's final evaluation per seed, in seed order
 * @param runsB the other side's, in seed order
 * @param verdicts per metric of {@code spec.margins()}, in key order
 */
public record OutcomeComparison(
        String label,
        Side a,
        Side b,
        OutcomeCheck spec,
        List<Long> seeds,
        int epochs,
        List<Evaluation> runsA,
        List<Evaluation> runsB,
        SortedMap<String, Equivalence> verdicts) {

    /** Copies the collections. */
    public OutcomeComparison {
        seeds = List.copyOf(seeds);
        runsA = List.copyOf(runsA);
        runsB = List.copyOf(runsB);
        verdicts = Collections.unmodifiableSortedMap(new TreeMap<>(verdicts));
    }

    /**
     * Compares the runs of the two sides.
     *
     * @param label the model
     * @param a the reference side
     * @param b the other side
     * @param spec the outcome section
     * @param seeds the seeds
     * @param epochs the epochs each run trained
     * @param runsA the reference's evaluations, one per seed
     * @param runsB the other side's
     * @return the comparison
     */
    static OutcomeComparison of(
            String label,
            Side a,
            Side b,
            OutcomeCheck spec,
            List<Long> seeds,
            int epochs,
            List<Evaluation> runsA,
            List<Evaluation> runsB) {
        SortedMap<String, Equivalence> verdicts = new TreeMap<>();
        for (Map.Entry<String, Double> m : spec.margins().entrySet()) {
            List<Double> x = values(runsA, metric(m.getKey()));
            List<Double> y = values(runsB, metric(m.getKey()));
            if (x.stream().allMatch(Double::isFinite) && y.stream().allMatch(Double::isFinite)) {
                verdicts.put(m.getKey(), Equivalence.of(x, y, m.getValue(), spec.alpha()));
            }
        }
        return new OutcomeComparison(label, a, b, spec, seeds, epochs, runsA, runsB, verdicts);
    }

    /**
     * Returns a metric's reader.
     *
     * @param key {@code eval_accuracy} or {@code eval_loss}
     * @return the reader
     */
    static ToDoubleFunction<Evaluation> metric(String key) {
        return "eval_loss".equals(key) ? Evaluation::loss : Evaluation::accuracy;
    }

    /**
     * Returns one metric of every run, in seed order.
     *
     * @param runs the runs
     * @param metric the reader
     * @return the values
     */
    static List<Double> values(List<Evaluation> runs, ToDoubleFunction<Evaluation> metric) {
        List<Double> values = new ArrayList<>();
        runs.forEach(r -> values.add(metric.applyAsDouble(r)));
        return values;
    }

    /**
     * Returns the verdict of the outcome level: {@code different} when a metric is (or a run ended
     * with a value that is not finite), else {@code not enough seeds to tell} when one is, else
     * {@code equivalent}.
     *
     * @return the verdict
     */
    public Equivalence.Outcome verdict() {
        if (verdicts.size() < spec.margins().size()
                || verdicts.values().stream().anyMatch(v -> v.outcome() == Equivalence.Outcome.DIFFERENT)) {
            return Equivalence.Outcome.DIFFERENT;
        }
        return verdicts.values().stream().anyMatch(v -> v.outcome() == Equivalence.Outcome.NOT_ENOUGH_SEEDS)
                ? Equivalence.Outcome.NOT_ENOUGH_SEEDS
                : Equivalence.Outcome.EQUIVALENT;
    }

    /**
     * Renders a verdict as reports show it.
     *
     * @param outcome the verdict
     * @return {@code equivalent}, {@code different} or {@code not enough seeds to tell}
     */
    public static String text(Equivalence.Outcome outcome) {
        switch (outcome) {
            case EQUIVALENT:
                return "equivalent";
            case DIFFERENT:
                return "different";
            default:
                return "not enough seeds to tell";
        }
    }

    /**
     * Says, per metric, what decided: the description of its comparison, or that a run did not end
     * with a finite value.
     *
     * @return the lines by metric, in key order
     */
    public Map<String, String> details() {
        Map<String, String> lines = new LinkedHashMap<>();
        for (String metric : spec.margins().keySet()) {
            Equivalence e = verdicts.get(metric);
            lines.put(
                    metric,
                    e == null
                            ? "different: a run ended with a " + metric + " that is not a finite number"
                            : e.describe());
        }
        return lines;
    }
}
