package dev.replica.runner.config;

import java.util.List;
import java.util.Objects;
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
 *   tolerances:                        # default [{metric: loss, relative: 1.0e-3}]; [] demands identity
 *     - {metric: loss, relative: 1.0e-3, steps: [0, 20]}
 * </pre>
 *
 * @param engines exactly two engine plugin names, the reference first; may name one engine twice
 * @param steps the number of training steps to compare, or empty for one epoch (known once the data is open)
 * @param recordParamsEvery parameter differences are measured after steps 0, k, 2k, ... and the last
 * @param rerun whether to run the first engine a second time and demand bit-identity
 * @param tolerances the bands, in file order; empty means the runs must be bit-identical
 */
public record Check(
        List<String> engines, OptionalInt steps, int recordParamsEvery, boolean rerun, List<Tolerance> tolerances) {

    /** The engines compared when the file names none. */
    public static final List<String> DEFAULT_ENGINES = List.of("pytorch", "mxnet");

    /** The bands when the file gives none: the loss within 1e-3 relative at every step. */
    public static final List<Tolerance> DEFAULT_TOLERANCES =
            List.of(new Tolerance("loss", Tolerance.Bound.RELATIVE, 1.0e-3, null));

    /** The section of a file that has none: every default. */
    public static final Check DEFAULT = new Check(DEFAULT_ENGINES, OptionalInt.empty(), 1, true, DEFAULT_TOLERANCES);

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
    }
}
