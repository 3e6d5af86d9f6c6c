package dev.replica.check;

import ai.djl.ndarray.types.DataType;
import dev.replica.core.state.ModelState;
import dev.replica.core.training.Evaluation;
import dev.replica.core.training.StopRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Runs one model on two sides step by step in lockstep, so that their parameters can be compared at
 * any step without storing them, then evaluates both and, when asked, runs the first side again from
 * scratch and keeps what the rerun measured.
 */
final class Lockstep {

    private final Lanes lanes;

    /** Makes a fresh lane for a side, a model label and a precision. */
    @FunctionalInterface
    interface Lanes {
        Lane apply(Side side, String label, DataType precision);

        default Lane apply(Side side, String label) {
            return apply(side, label, DataType.FLOAT32);
        }
    }

    private final CheckProgress progress;
    private final StopRequest stop;

    /**
     * Creates the runner.
     *
     * @param lanes makes a fresh lane for a side and a model label
     * @param progress progress display
     * @param stop a request to stop after the step under way
     */
    Lockstep(Lanes lanes, CheckProgress progress, StopRequest stop) {
        this.lanes = lanes;
        this.progress = progress;
        this.stop = stop;
    }

    /**
     * Compares one model.
     *
     * @param label the model's label
     * @param a the reference side
     * @param b the other side
     * @param steps how many steps to train
     * @param every parameter differences are measured after steps 0, every, 2*every, ... and the last
     * @param rerun whether to run {@code a} again
     * @param replay whether to replay every step of {@code a} on the noise-floor lanes
     * @return what was measured
     */
    ModelComparison compare(String label, Side a, Side b, int steps, int every, boolean rerun, boolean replay) {
        List<StepMetrics> stepsA = new ArrayList<>();
        List<StepMetrics> stepsB = new ArrayList<>();
        SortedMap<Integer, ParameterDifference> differences = new TreeMap<>();
        String initialA;
        String initialB;
        String finalA;
        String finalB;
        ModelComparison.FinalEvaluation evaluation;
        List<ReplayedStep> replayed = new ArrayList<>();
        progress.phase(
                label,
                a.name() + " vs " + b.name() + ", " + steps + " steps in lockstep"
                        + (replay ? ", each replayed from " + a.name() + "'s state against the noise floor" : ""));
        try (Lane laneA = lanes.apply(a, label);
                Lane laneB = lanes.apply(b, label);
                Replay floor = replay ? Replay.open(lanes, a, b, label) : null) {
            initialA = ModelState.checksum(laneA.trainer().block());
            initialB = ModelState.checksum(laneB.trainer().block());
            for (int s = 0; s < steps; s++) {
                boolean record = s % every == 0 || s == steps - 1;
                Lane.State before = floor == null ? null : laneA.state();
                StepMetrics ma = laneA.step(s, !record);
                if (floor != null) {
                    replayed.add(floor.step(s, before, laneA, ma.loss()));
                }
                StepMetrics mb = laneB.step(s, !record);
                if (record) {
                    ParameterDifference d = Weights.compare(
                            laneA.trainer().block(), laneB.trainer().block());
                    differences.put(s, d);
                    ma = withNorm(ma, d.params().normA());
                    mb = withNorm(mb, d.params().normB());
                }
                stepsA.add(ma);
                stepsB.add(mb);
                progress.step(label, s, steps, ma.loss(), mb.loss());
                CheckStoppedException.ifRequested(stop, label, "in lockstep", s, steps);
            }
            finalA = ModelState.checksum(laneA.trainer().block());
            finalB = ModelState.checksum(laneB.trainer().block());
            progress.phase(label, "evaluating both");
            evaluation = evaluate(laneA, laneB);
        }
        ModelComparison.Rerun again = null;
        if (rerun) {
            progress.phase(label, "rerun of " + a.name() + ", " + steps + " steps");
            try (Lane lane = lanes.apply(a, label)) {
                List<StepMetrics> stepsR = new ArrayList<>();
                for (int s = 0; s < steps; s++) {
                    stepsR.add(lane.step(s, true));
                    progress.step(label, s, steps, stepsR.get(s).loss());
                    CheckStoppedException.ifRequested(stop, label, "rerun of " + a.name(), s, steps);
                }
                again = new ModelComparison.Rerun(
                        stepsR, ModelState.checksum(lane.trainer().block()));
            }
        }
        return new ModelComparison(
                label,
                a,
                b,
                initialA,
                initialB,
                stepsA,
                stepsB,
                differences,
                finalA,
                finalB,
                evaluation,
                again,
                replayed);
    }

    /**
     * Evaluates both sides as they are, then again with the reference's running statistics copied into
     * the other side: MXNet's BatchNorm updates its running variance with the biased batch variance and
     * PyTorch's with the unbiased one (docs/design.md, section 5), so the raw comparison mixes that convention
     * into the difference.
     */
    private static ModelComparison.FinalEvaluation evaluate(Lane a, Lane b) {
        var split = a.setup().data().validation();
        Evaluation ea = a.trainer().evaluate(split);
        Evaluation eb = b.trainer().evaluate(b.setup().data().validation());
        int copied =
                Weights.copyRunningStatistics(a.trainer().block(), b.trainer().block());
        Evaluation aligned = b.trainer().evaluate(b.setup().data().validation());
        String name = "validation split (" + a.setup().data().validationSource() + ", " + split.size() + " examples)";
        return new ModelComparison.FinalEvaluation(name, ea, eb, aligned, copied);
    }

    private static StepMetrics withNorm(StepMetrics m, double norm) {
        return new StepMetrics(m.step(), m.epoch(), m.lr(), m.loss(), m.accuracy(), norm);
    }
}
