package dev.replica.check.config;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code check} section: what {@code replica check} compares. Every key is optional:
 *
 * <pre>
 * check:
 *   engines: [pytorch, mxnet]          # the two engines; the first is the reference, and the one rerun
 *   steps: 30                          # training steps compared; default one epoch
 *   record_params_every: 1             # parameter differences after every k-th step (and the last)
 *   rerun: true                        # rerun the first engine and demand bit-identity
 *   tolerances:                        # default: loss, update, running_mean within noise_floor 100;
 *     - {metric: update, noise_floor: 100}   # [] demands identity
 *     - {metric: loss, relative: 1.0e-3, steps: [0, 20]}
 *   outcome: {seeds: 5, epochs: 3, margins: {eval_accuracy: 0.03}}   # optional: see OutcomeCheck
 * </pre>
 *
 * @param engines exactly two engine plugin names, the reference first; may name one engine twice
 * @param steps the number of training steps to compare, or empty for one epoch (known once the data is open)
 * @param recordParamsEvery parameter differences are measured after steps 0, k, 2k, ... and the last
 * @param rerun whether to run the first engine a second time and demand bit-identity
 * @param tolerances the bands, in file order; empty means the runs must be bit-identical
 * @param outcome the outcome level over seeds, or empty when the file has none
 */
public record Check(
        List<String> engines,
        OptionalInt steps,
        int recordParamsEvery,
        boolean rerun,
        List<Tolerance> tolerances,
        Optional<OutcomeCheck> outcome) {

    /**
     * A section without an outcome level.
     *
     * @param engines the two engines
     * @param steps the steps compared, or empty for one epoch
     * @param recordParamsEvery parameter differences after every k-th step
     * @param rerun whether to rerun the first engine
     * @param tolerances the bands
     */
    public Check(
            List<String> engines, OptionalInt steps, int recordParamsEvery, boolean rerun, List<Tolerance> tolerances) {
        this(engines, steps, recordParamsEvery, rerun, tolerances, Optional.empty());
    }

    /**
     * Returns the engines compared when the file names none: the experiment's engine as the reference,
     * against the first other engine plugin there is (by name). No engine is named here.
     *
     * @param engine the experiment's engine
     * @param registered every engine plugin's name, sorted
     * @return the two engines, or a list of one when there is no other engine
     */
    public static List<String> defaultEngines(String engine, Collection<String> registered) {
        for (String other : registered) {
            if (!other.equals(engine)) {
                return List.of(engine, other);
            }
        }
        return List.of(engine);
    }

    /**
     * Says why there is no default pair of engines, for a file that names none where only one exists.
     *
     * @param engine the experiment's engine
     * @param registered every engine plugin's name
     * @return the message, with what is allowed
     */
    public static String noOtherEngine(String engine, Collection<String> registered) {
        return "the default compares engine '" + engine + "' with another engine plugin, and there is none; "
                + "allowed: two engine plugins from " + registered;
    }

    /**
     * Returns the section a file without one gets: every default, comparing these engines.
     *
     * @param engines the two engines
     * @return the section
     */
    public static Check defaults(List<String> engines) {
        return new Check(engines, OptionalInt.empty(), 1, true, DEFAULT_TOLERANCES);
    }

    /**
     * The bands when the file gives none: every replayed step's loss, update and BatchNorm running means
     * within 100 times the noise floor. The running variances are left out: MXNet's biased convention
     * differs from PyTorch's by design (docs/design.md, section 5).
     */
    public static final List<Tolerance> DEFAULT_TOLERANCES = List.of(
            new Tolerance("loss", Tolerance.Bound.NOISE_FLOOR, 100, null),
            new Tolerance("update", Tolerance.Bound.NOISE_FLOOR, 100, null),
            new Tolerance("running_mean", Tolerance.Bound.NOISE_FLOOR, 100, null));

    /**
     * Returns whether a band judges against the noise floor, which needs every step replayed.
     *
     * @return {@code true} when some band is a {@code noise_floor} band
     */
    public boolean replays() {
        return tolerances.stream().anyMatch(Tolerance::againstNoiseFloor);
    }

    /** Copies the lists and checks the components. */
    public Check {
        engines = List.copyOf(engines);
        if (engines.size() != 2) {
            throw new IllegalArgumentException("a check compares two engines: " + engines);
        }
        Objects.requireNonNull(steps, "steps");
        if (steps.isPresent() && steps.getAsInt() < 1) {
            throw new IllegalArgumentException("steps must be >= 1: " + steps);
        }
        if (recordParamsEvery < 1) {
            throw new IllegalArgumentException("record_params_every must be >= 1: " + recordParamsEvery);
        }
        tolerances = List.copyOf(tolerances);
        Objects.requireNonNull(outcome, "outcome");
    }
}
