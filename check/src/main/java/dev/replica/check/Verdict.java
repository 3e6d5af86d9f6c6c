package dev.replica.check;

import java.util.Objects;

/**
 * The outcome of comparing one model: {@code identical}, {@code within tolerance}, or
 * {@code diverged at step N}, with the first divergence.
 *
 * @param kind which of the three
 * @param step the first step outside a band, or -1 when none is
 * @param metric what diverged there, e.g. {@code loss}, {@code initial weights} or {@code rerun}; empty
 *     when nothing did
 * @param detail both values and the band, e.g. {@code loss 2.30 (pytorch) vs 2.31 (mxnet): ...}; empty
 *     when nothing diverged
 */
public record Verdict(Kind kind, int step, String metric, String detail) {

    /** The three outcomes. */
    public enum Kind {
        /** Every compared number is bit-identical, and so are the weights. */
        IDENTICAL,
        /** Not identical, but every band of the file holds. */
        WITHIN_TOLERANCE,
        /** Some band does not hold, or the rerun is not bit-identical. */
        DIVERGED
    }

    /** Checks the components. */
    public Verdict {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(detail, "detail");
    }

    static Verdict identical() {
        return new Verdict(Kind.IDENTICAL, -1, "", "");
    }

    static Verdict withinTolerance() {
        return new Verdict(Kind.WITHIN_TOLERANCE, -1, "", "");
    }

    /**
     * Returns whether the model passed: identical or within tolerance.
     *
     * @return {@code false} when it diverged
     */
    public boolean passed() {
        return kind != Kind.DIVERGED;
    }

    /**
     * Renders the verdict as reports show it.
     *
     * @return {@code identical}, {@code within tolerance} or {@code diverged at step N}
     */
    @Override
    public String toString() {
        switch (kind) {
            case IDENTICAL:
                return "identical";
            case WITHIN_TOLERANCE:
                return "within tolerance";
            default:
                return "diverged at step " + step;
        }
    }
}
