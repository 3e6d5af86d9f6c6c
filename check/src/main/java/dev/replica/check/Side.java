package dev.replica.check;

import dev.replica.runner.config.Experiment;
import java.util.Objects;

/**
 * One side of a comparison: a name for the reports and file names, and the experiment it runs. The
 * public entry point makes two sides that differ only in their engine; tests may also make sides that
 * differ in anything else (another seed, another learning rate) to prove that the check catches it.
 *
 * @param name a name unique in the comparison, usable in a file name, e.g. {@code pytorch}
 * @param experiment what the side runs; its {@code engine} is the engine it runs on
 */
record Side(String name, Experiment experiment) {

    /** Checks the components. */
    Side {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(experiment, "experiment");
        if (!name.matches("[a-z0-9][a-z0-9_.-]*")) {
            throw new IllegalArgumentException("a side's name must be usable in a file name: " + name);
        }
    }

    /**
     * Returns the engine plugin's name.
     *
     * @return e.g. {@code mxnet}
     */
    String engine() {
        return experiment.engine().plugin();
    }
}
