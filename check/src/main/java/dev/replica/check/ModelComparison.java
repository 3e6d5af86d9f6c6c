package dev.replica.check;

import dev.replica.core.training.Evaluation;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything measured for one model on the two sides (and the rerun of the first).
 *
 * @param label the model's label
 * @param a the reference side
 * @param b the other side
 * @param initialA the SHA-256 of every parameter of the reference before the first step
 * @param initialB the same for the other side
 * @param stepsA the reference's steps, in order
 * @param stepsB the other side's steps, in order
 * @param differences parameter differences after the recorded steps, by step
 * @param finalA the SHA-256 of every parameter of the reference after the last step
 * @param finalB the same for the other side
 * @param evaluation both sides evaluated after the last step
 * @param rerun the reference run a second time, or {@code null} when the check has no rerun
 * @param replayed every step replayed from the reference's state against the noise floor, in order;
 *     empty when no band asks for it
 */
record ModelComparison(
        String label,
        Side a,
        Side b,
        String initialA,
        String initialB,
        List<StepMetrics> stepsA,
        List<StepMetrics> stepsB,
        SortedMap<Integer, ParameterDifference> differences,
        String finalA,
        String finalB,
        FinalEvaluation evaluation,
        Rerun rerun,
        List<ReplayedStep> replayed) {

    /** Copies the lists. */
    ModelComparison {
        replayed = List.copyOf(replayed);
        stepsA = List.copyOf(stepsA);
        stepsB = List.copyOf(stepsB);
        differences = Collections.unmodifiableSortedMap(new TreeMap<>(differences));
    }

    /**
     * Returns the number of steps compared.
     *
     * @return the step count
     */
    int steps() {
        return stepsA.size();
    }

    /**
     * The evaluation of both sides after the last step, in inference mode (BatchNorm uses its running
     * statistics).
     *
     * @param split where the examples come from, e.g. {@code validation (test, 2000 examples)}
     * @param a the reference with its own statistics
     * @param b the other side with its own statistics (the raw comparison)
     * @param bAligned the other side with the reference's running statistics copied in
     * @param statisticsCopied how many running-statistics tensors were copied
     */
    record FinalEvaluation(String split, Evaluation a, Evaluation b, Evaluation bAligned, int statisticsCopied) {}

    /**
     * The reference side run a second time in the same JVM.
     *
     * @param steps its steps, in order
     * @param finalChecksum the SHA-256 of every parameter after the last step
     */
    record Rerun(List<StepMetrics> steps, String finalChecksum) {

        /** Copies the list. */
        Rerun {
            steps = List.copyOf(steps);
        }
    }
}
