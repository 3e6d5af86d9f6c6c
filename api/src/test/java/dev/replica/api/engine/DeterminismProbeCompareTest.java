package dev.replica.api.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.engine.DeterminismVerdict.Outcome;
import dev.replica.api.engine.DeterminismVerdict.Trial;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How two probe processes' traces compare, and what the verdict says about them. */
class DeterminismProbeCompareTest {

    private static final String ONE = Integer.toHexString(Float.floatToRawIntBits(2.3f));
    private static final String TWO = Integer.toHexString(Float.floatToRawIntBits(2.1f));

    @Test
    void equalTracesAreIdentical() {
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(ONE, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "b", "w"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.IDENTICAL);
        assertThat(t.describe()).isEqualTo("native: bit-identical");
    }

    @Test
    void aGradientThatDiffersIsNamedNearestTheOutputFirst() {
        // Step 1: the gradients of "conv" and "fc" differ; "fc" comes later in forward order, nearer the output.
        Trial t = DeterminismProbe.compare(
                InstructionSet.AVX2, trace(ONE, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "c", "w"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.DIFFERENT);
        assertThat(t.detail())
                .isEqualTo("first difference at step 1: the gradients of 2 parameters, nearest the output fc");
    }

    @Test
    void aLossThatDiffersIsAForwardDifference() {
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(ONE, TWO, "a", "b", "w"), trace(TWO, TWO, "a", "b", "w"), 1);
        assertThat(t.detail()).isEqualTo("first difference at step 0: the loss (forward pass)");
    }

    @Test
    void onlyTheFinalWeightsDiffering() {
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(ONE, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "b", "v"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.DIFFERENT);
        assertThat(t.detail()).isEqualTo("the final weights differ");
    }

    @Test
    void aNonFiniteLossInEitherProcessIsReportedFirst() {
        String nan = Integer.toHexString(Float.floatToRawIntBits(Float.NaN));
        String inf = Integer.toHexString(Float.floatToRawIntBits(Float.POSITIVE_INFINITY));
        assertThat(DeterminismProbe.compare(
                                InstructionSet.NATIVE,
                                trace(ONE, TWO, "a", "b", "w"),
                                trace(ONE, nan, "a", "b", "w"),
                                1)
                        .detail())
                .isEqualTo("loss NaN at step 1");
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(inf, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "b", "w"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.NON_FINITE);
        assertThat(t.detail()).isEqualTo("loss Infinity at step 0");
    }

    @Test
    void theVerdictSaysWhatItPinnedOrThatNothingWorked() {
        Trial nativeDiffers =
                new Trial(InstructionSet.NATIVE, Outcome.DIFFERENT, "first difference at step 0: x", 4, false);
        Trial avx2Same = new Trial(InstructionSet.AVX2, Outcome.IDENTICAL, "", 4, true);
        DeterminismVerdict pinned = new DeterminismVerdict(
                "pytorch", 2, InstructionSet.AUTO, InstructionSet.AVX2, List.of(nativeDiffers, avx2Same));
        assertThat(pinned.bitIdentical()).isTrue();
        assertThat(pinned.pinned()).isTrue();
        assertThat(pinned.summary())
                .isEqualTo("pytorch at 2 threads: oneDNN pinned to avx2, the widest setting that is "
                        + "bit-identical across processes here (native: different bits (first difference at step 0: x); "
                        + "avx2: bit-identical)");

        DeterminismVerdict none = new DeterminismVerdict(
                "mxnet", 1, InstructionSet.NATIVE, InstructionSet.NATIVE, List.of(nativeDiffers));
        assertThat(none.bitIdentical()).isFalse();
        assertThat(none.pinned()).isFalse();
        assertThat(none.summary())
                .isEqualTo("mxnet at 1 thread: not bit-identical across processes with any setting "
                        + "tried (native: different bits (first difference at step 0: x))");

        DeterminismVerdict plain = new DeterminismVerdict(
                "mxnet",
                2,
                InstructionSet.AUTO,
                InstructionSet.NATIVE,
                List.of(new Trial(InstructionSet.NATIVE, Outcome.IDENTICAL, "", 4, false)));
        assertThat(plain.pinned()).isFalse();
        assertThat(plain.summary())
                .isEqualTo("mxnet at 2 threads, instruction sets native: bit-identical across processes");
    }

    private static ProbeNetwork.Trace trace(
            String loss0, String loss1, String step0Fc, String step1Fc, String weights) {
        Map<String, String> s0 = new LinkedHashMap<>();
        s0.put("conv", "c0");
        s0.put("fc", step0Fc);
        Map<String, String> s1 = new LinkedHashMap<>();
        s1.put("conv", step1Fc.equals("b") ? "c1" : "c1x");
        s1.put("fc", step1Fc);
        return new ProbeNetwork.Trace(List.of(loss0, loss1), List.of(s0, s1), weights, true);
    }
}
