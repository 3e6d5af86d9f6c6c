package dev.replica.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.replica.check.config.Tolerance;
import dev.replica.core.training.Evaluation;
import dev.replica.runner.config.Experiment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Verdicts from hand-made measurements: which step diverges first, and the exact message. */
class JudgeTest {

    private static final Experiment EXPERIMENT = TinyCheck.load(TinyCheck.yaml("steps: 4"));
    private static final Side A = new Side("pytorch", EXPERIMENT);
    private static final Side B = new Side("mxnet", EXPERIMENT);
    private static final String SHA = "ab".repeat(32);
    private static final Evaluation EVAL = new Evaluation(0.5, 0.75, 24);

    private static Tolerance band(String metric, Tolerance.Bound bound, double limit, Integer first, Integer last) {
        return new Tolerance(metric, bound, limit, first == null ? null : new Tolerance.StepRange(first, last));
    }

    private static List<StepMetrics> steps(double... losses) {
        List<StepMetrics> steps = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            steps.add(new StepMetrics(i, 1, 0.05, losses[i], 0.5, 10.0));
        }
        return steps;
    }

    private static SortedMap<Integer, ParameterDifference> zeroDifferences(int steps) {
        SortedMap<Integer, ParameterDifference> d = new TreeMap<>();
        for (int i = 0; i < steps; i++) {
            d.put(i, difference(0, 0));
        }
        return d;
    }

    /** A difference whose global relative difference is {@code global} and largest element differs by {@code abs}. */
    private static ParameterDifference difference(double global, float abs) {
        ParameterDifference.Tensor t = new ParameterDifference.Tensor("01Conv2d_weight", global * 10, 10, 10);
        ParameterDifference.Element e = new ParameterDifference.Element("01Conv2d_weight", 7, 1f, 1f + abs);
        ParameterDifference.Set params = new ParameterDifference.Set(1, 10, 10, global, t.relative(), t, e);
        ParameterDifference.Set buffers = new ParameterDifference.Set(0, 0, 0, 0, 0, null, null);
        return new ParameterDifference(params, buffers);
    }

    private static ModelComparison comparison(
            List<StepMetrics> a,
            List<StepMetrics> b,
            SortedMap<Integer, ParameterDifference> differences,
            ModelComparison.Rerun rerun) {
        return comparison(a, b, differences, rerun, List.of());
    }

    private static ModelComparison comparison(
            List<StepMetrics> a,
            List<StepMetrics> b,
            SortedMap<Integer, ParameterDifference> differences,
            ModelComparison.Rerun rerun,
            List<ReplayedStep> replayed) {
        boolean same = a.equals(b);
        return new ModelComparison(
                "res",
                A,
                B,
                SHA,
                SHA,
                a,
                b,
                differences,
                SHA,
                same ? SHA : "cd".repeat(32),
                new ModelComparison.FinalEvaluation(
                        "validation split (test, 24 examples)",
                        EVAL,
                        same ? EVAL : new Evaluation(0.51, 0.75, 24),
                        new Evaluation(0.5001, 0.75, 24),
                        4),
                rerun,
                replayed);
    }

    @Test
    void bitIdenticalSidesAndRerunAreIdentical() {
        List<StepMetrics> s = steps(1.0, 0.9, 0.8);
        ModelComparison c = comparison(s, s, zeroDifferences(3), new ModelComparison.Rerun(s, SHA));

        assertThat(Judge.judge(c, List.of()).toString()).isEqualTo("identical");
        assertThat(Judge.judge(c, List.of(band("loss", Tolerance.Bound.RELATIVE, 0, null, null)))
                        .toString())
                .isEqualTo("identical");
    }

    @Test
    void sidesThatDifferInsideEveryBandAreWithinTolerance() {
        ModelComparison c = comparison(steps(1.0, 0.9, 0.8), steps(1.0, 0.9001, 0.8002), zeroDifferences(3), null);

        Verdict v = Judge.judge(c, List.of(band("loss", Tolerance.Bound.RELATIVE, 1e-3, null, null)));

        assertThat(v.toString()).isEqualTo("within tolerance");
        assertThat(v.passed()).isTrue();
    }

    @Test
    void theFirstStepOutsideABandIsTheDivergenceWithBothValuesAndTheBand() {
        ModelComparison c =
                comparison(steps(1.0, 0.9, 0.8, 0.7), steps(1.0, 0.9001, 0.81, 0.75), zeroDifferences(4), null);

        Verdict v = Judge.judge(c, List.of(band("loss", Tolerance.Bound.RELATIVE, 1e-3, 0, 3)));

        assertThat(v.toString()).isEqualTo("diverged at step 2");
        assertThat(v.passed()).isFalse();
        assertThat(v.metric()).isEqualTo("loss");
        assertThat(v.detail())
                .isEqualTo("loss 0.8 (pytorch) vs 0.81 (mxnet): relative difference 1.23e-02 outside "
                        + "the band {metric: loss, relative: 0.001, steps: [0, 3]}");
    }

    @Test
    void aBandAppliesOnlyToItsSteps() {
        ModelComparison c = comparison(steps(1.0, 0.9, 0.8, 0.7), steps(1.0, 0.9, 0.9, 0.9), zeroDifferences(4), null);

        assertThat(Judge.judge(c, List.of(band("loss", Tolerance.Bound.ABSOLUTE, 0.01, 0, 1)))
                        .toString())
                .isEqualTo("within tolerance");
        assertThat(Judge.judge(
                                c,
                                List.of(
                                        band("loss", Tolerance.Bound.ABSOLUTE, 0.01, 0, 1),
                                        band("loss", Tolerance.Bound.ABSOLUTE, 0.15, 2, 3)))
                        .toString())
                .isEqualTo("diverged at step 3");
    }

    @Test
    void theEarliestStepWinsOverTheOrderOfTheBands() {
        SortedMap<Integer, ParameterDifference> d = zeroDifferences(4);
        d.put(1, difference(0.5, 0.25f));
        ModelComparison c = comparison(steps(1.0, 0.9, 0.8, 0.7), steps(1.0, 0.9, 0.8, 0.9), d, null);

        Verdict v = Judge.judge(
                c,
                List.of(
                        band("loss", Tolerance.Bound.RELATIVE, 1e-3, null, null),
                        band("params", Tolerance.Bound.RELATIVE, 1e-3, null, null)));

        assertThat(v.toString()).isEqualTo("diverged at step 1");
        assertThat(v.detail())
                .isEqualTo("params: ||pytorch|| 10 vs ||mxnet|| 10, relative difference 5.00e-01 of all "
                        + "1 tensors as one vector (largest per tensor: 5.00e-01 at 01Conv2d_weight) outside the band "
                        + "{metric: params, relative: 0.001}");
    }

    @Test
    void anAbsoluteParameterBandNamesTheElement() {
        SortedMap<Integer, ParameterDifference> d = zeroDifferences(2);
        d.put(1, difference(1e-9, 0.25f));
        ModelComparison c = comparison(steps(1.0, 0.9), steps(1.0, 0.9), d, null);

        Verdict v = Judge.judge(c, List.of(band("params", Tolerance.Bound.ABSOLUTE, 0.1, null, null)));

        assertThat(v.detail())
                .isEqualTo("params: 01Conv2d_weight[7] 1 (pytorch) vs 1.25 (mxnet): absolute difference "
                        + "2.50e-01 outside the band {metric: params, absolute: 0.1}");
    }

    @Test
    void evaluationBandsJudgeTheRawOrTheAlignedComparisonAfterTheLastStep() {
        ModelComparison c = comparison(steps(1.0, 0.9, 0.8), steps(1.0, 0.9001, 0.8001), zeroDifferences(3), null);

        // raw: 0.5 vs 0.51; aligned: 0.5 vs 0.5001
        assertThat(Judge.judge(
                                c,
                                List.of(
                                        band("eval_loss", Tolerance.Bound.ABSOLUTE, 0.02, null, null),
                                        band("eval_loss_aligned", Tolerance.Bound.ABSOLUTE, 1e-3, null, null)))
                        .toString())
                .isEqualTo("within tolerance");
        Verdict raw = Judge.judge(c, List.of(band("eval_loss", Tolerance.Bound.ABSOLUTE, 1e-3, null, null)));
        assertThat(raw.toString()).isEqualTo("diverged at step 2");
        assertThat(raw.detail())
                .isEqualTo("eval_loss after the last step 0.5 (pytorch) vs 0.51 (mxnet): absolute "
                        + "difference 1.00e-02 outside the band {metric: eval_loss, absolute: 0.001}");
        Verdict aligned =
                Judge.judge(c, List.of(band("eval_loss_aligned", Tolerance.Bound.ABSOLUTE, 1e-5, null, null)));
        assertThat(aligned.detail())
                .isEqualTo("eval_loss_aligned after the last step 0.5 (pytorch) vs 0.5001 (mxnet "
                        + "with pytorch's BatchNorm statistics): absolute difference 1.00e-04 outside the band "
                        + "{metric: eval_loss_aligned, absolute: 1.0e-5}");
    }

    @Test
    void withoutBandsTheSidesMustBeBitIdentical() {
        ModelComparison c =
                comparison(steps(1.0, 0.9, 0.8), steps(1.0, Math.nextUp(0.9), 0.8), zeroDifferences(3), null);

        Verdict v = Judge.judge(c, List.of());

        assertThat(v.toString()).isEqualTo("diverged at step 1");
        assertThat(v.detail())
                .isEqualTo("loss 0.9 (pytorch) vs 0.9 (mxnet): not bit-identical, and the file declares "
                        + "no bands (tolerances: []), which demands identity");
    }

    @Test
    void differentInitialWeightsDivergeAtStepZeroWhateverTheBands() {
        List<StepMetrics> s = steps(1.0, 0.9);
        ModelComparison c = new ModelComparison(
                "res",
                A,
                B,
                SHA,
                "cd".repeat(32),
                s,
                s,
                zeroDifferences(2),
                SHA,
                SHA,
                new ModelComparison.FinalEvaluation("validation split", EVAL, EVAL, EVAL, 0),
                null,
                List.of());

        Verdict v = Judge.judge(c, List.of(band("loss", Tolerance.Bound.RELATIVE, 1, null, null)));

        assertThat(v.toString()).isEqualTo("diverged at step 0");
        assertThat(v.metric()).isEqualTo("initial weights");
        assertThat(v.detail())
                .startsWith("initial weights differ: sha256 abababababab (pytorch) vs cdcdcdcdcdcd (mxnet)");
    }

    @Test
    void aRerunThatIsNotBitIdenticalDiverges() {
        List<StepMetrics> s = steps(1.0, 0.9, 0.8);
        ModelComparison rerunDiffers = comparison(
                s, s, zeroDifferences(3), new ModelComparison.Rerun(steps(1.0, 0.9, Math.nextDown(0.8)), SHA));
        ModelComparison weightsDiffer =
                comparison(s, s, zeroDifferences(3), new ModelComparison.Rerun(s, "ef".repeat(32)));

        Verdict v = Judge.judge(rerunDiffers, List.of(band("loss", Tolerance.Bound.RELATIVE, 1, null, null)));
        assertThat(v.toString()).isEqualTo("diverged at step 2");
        assertThat(v.metric()).isEqualTo("rerun");
        assertThat(v.detail())
                .isEqualTo("rerun on pytorch: loss 0.8, param_norm 10 in the first run vs loss 0.8, "
                        + "param_norm 10 in the rerun: not bit-identical");
        assertThat(Judge.judge(weightsDiffer, List.of()).detail())
                .isEqualTo(
                        "rerun on pytorch: final weights sha256 abababababab in the first run vs efefefefefef in the rerun");
    }

    @Test
    void aNanLossIsOutsideEveryBand() {
        ModelComparison c = comparison(steps(1.0, 0.9), steps(1.0, Double.NaN), zeroDifferences(2), null);

        assertThat(Judge.judge(c, List.of(band("loss", Tolerance.Bound.ABSOLUTE, 1e9, null, null)))
                        .toString())
                .isEqualTo("diverged at step 1");
    }

    @Test
    void theRelativeDifferenceIsSymmetricAndZeroForEqualNumbers() {
        assertThat(Weights.relative(2, 1)).isEqualTo(0.5);
        assertThat(Weights.relative(1, 2)).isEqualTo(0.5);
        assertThat(Weights.relative(0, 0)).isZero();
        assertThat(Weights.relative(-1, 1)).isEqualTo(2);
        assertThat(Weights.relative(1, Double.NaN)).isNaN();
    }

    /** A replayed step whose worst update is {@code ratio} times a floor of 1e-6, and whose loss sits at its floor. */
    private static ReplayedStep replayed(int step, double ratio) {
        FloorDifference update = new FloorDifference("09Linear_weight", ratio * 1e-6, 1e-9, 1e-6, 0.5e-6, 1e-5);
        FloorDifference loss = new FloorDifference("loss", 2e-7, 1e-12, 2e-7, 1e-7, 1e-5);
        return new ReplayedStep(
                step, loss, Map.of(Tolerance.Metric.UPDATE, update), Map.of(Tolerance.Metric.UPDATE, update));
    }

    @Test
    void aNoiseFloorBandJudgesTheReplayedStepsAndNamesTheTensorItsDifferenceAndItsFloor() {
        List<StepMetrics> s = steps(1.0, 0.9, 0.8);
        ModelComparison c = comparison(
                s, s, zeroDifferences(3), null, List.of(replayed(0, 1.5), replayed(1, 250), replayed(2, 3000)));

        Verdict v = Judge.judge(c, List.of(band("update", Tolerance.Bound.NOISE_FLOOR, 100, null, null)));

        assertThat(v).hasToString("diverged at step 1");
        assertThat(v.metric()).isEqualTo("update");
        assertThat(v.detail())
                .isEqualTo("update of 09Linear_weight: mxnet from pytorch's state differs by 2.50e-04 relative in "
                        + "float32 and 1.00e-09 in float64, 250x its noise floor 1.00e-06 (each engine's float32 step "
                        + "against its own float64 step, at most 1.00e-05, what float32 rounding explains); outside "
                        + "the band {metric: update, noise_floor: 100}");
        // The loss sits at its floor, and a band past step 1 sees only step 2.
        assertThat(Judge.judge(c, List.of(band("loss", Tolerance.Bound.NOISE_FLOOR, 1, null, null))))
                .hasToString("within tolerance");
        assertThat(Judge.judge(c, List.of(band("update", Tolerance.Bound.NOISE_FLOOR, 100, 2, 2))))
                .hasToString("diverged at step 2");
        assertThat(Judge.judge(c, List.of(band("update", Tolerance.Bound.NOISE_FLOOR, 5000, null, null))))
                .hasToString("within tolerance");
    }

    @Test
    void aFloat32StepFurtherFromItsFloat64StepThanRoundingExplainsDoesNotRaiseTheFloor() {
        // Pytorch's float32 step is 0.5 from its float64 step, where rounding explains at most 1e-5.
        FloorDifference wrong = new FloorDifference("01Conv2d_weight", 0.5, 1e-9, 0.5, 1e-6, 1e-5);
        List<StepMetrics> s = steps(1.0, 0.9);
        ModelComparison c = comparison(
                s,
                s,
                zeroDifferences(2),
                null,
                List.of(new ReplayedStep(0, wrong, Map.of(Tolerance.Metric.UPDATE, wrong), Map.of())));

        Verdict v = Judge.judge(c, List.of(band("update", Tolerance.Bound.NOISE_FLOOR, 100, null, null)));

        assertThat(wrong.floor()).isEqualTo(1e-5);
        assertThat(v).hasToString("diverged at step 0");
        assertThat(v.detail())
                .contains("50000x its noise floor 1.00e-05", "pytorch's float32 step is 5.00e-01 from its float64 step")
                .doesNotContain("mxnet's float32 step");
    }

    @Test
    void theFloat64StepsOfTheTwoEnginesAreJudgedAgainstTheFloorToo() {
        // The float32 results agree, but the reference lanes do not: the floor's yardstick is not one step.
        FloorDifference apart = new FloorDifference("09Linear_bias", 1e-6, 1e-3, 1e-6, 1e-6, 1e-5);

        assertThat(apart.ratio()).isCloseTo(1000, within(1e-9));
        assertThat(new FloorDifference("09Linear_bias", 1e-6, 1e-9, 1e-6, 1e-6, 1e-5).ratio())
                .isEqualTo(1);
    }

    @Test
    void aTensorThatIsOnlyRoundingNoiseInBothEnginesKeepsTheirRoundingAsItsFloor() {
        // A convolution's bias right before BatchNorm: its exact update is zero, both float32 steps are noise.
        FloorDifference noise = new FloorDifference("05Conv2d_bias", 1.3, 1.7, 0.6, 1.0, 1e-5);

        // The smaller rounding is what float32 demonstrably does here: it is the floor, not the cap.
        assertThat(noise.floor()).isEqualTo(0.6);
        assertThat(noise.ratio()).isLessThan(3);
        assertThat(noise.beyondRounding(true)).isFalse();
    }

    @Test
    void theCapIsFloat32sRoundingOfTheStoredValueAndOfTheSumsOfTheChange() {
        // w = 3, Δ = 1: storing rounds by u (3 + 1) / 1; 10,000 terms by 100 u.
        assertThat(FloorDifference.cap(10_000, 3, 1)).isEqualTo(0x1p-24 * 104);
        assertThat(FloorDifference.cap(10_000, 3, 0)).isInfinite();
    }
}
