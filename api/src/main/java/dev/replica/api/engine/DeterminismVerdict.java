package dev.replica.api.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the determinism probe found for one engine and thread count on this machine: each instruction-set
 * setting it tried, and the one the engine runs with.
 *
 * @param engine the engine's name
 * @param threads the intra-op threads
 * @param requested the setting the experiment asked for ({@code auto} lets the probe choose)
 * @param used the setting the engine runs with
 * @param trials what each tried setting gave, in the order tried
 * @param workload what the probe trained, in words (the experiment's models, or the generic network)
 */
public record DeterminismVerdict(
        String engine,
        int threads,
        InstructionSet requested,
        InstructionSet used,
        List<Trial> trials,
        String workload) {

    /** How two processes that trained the probe's workload compared. */
    public enum Outcome {
        /** Every loss, gradient and final weight had the same bits. */
        IDENTICAL("bit-identical"),
        /** Some bits differed between the two processes. */
        DIFFERENT("different bits"),
        /** A loss was NaN or infinite. */
        NON_FINITE("a non-finite loss"),
        /** The float32 kernels computed a step that float32 rounding cannot explain (against float64). */
        INEXACT("float32 kernels that disagree with float64"),
        /** A probe process refused the workload itself (missing data, a bad weights file): the user's error. */
        REFUSED("the workload was refused"),
        /** A probe process failed or did not answer. */
        FAILED("the probe could not run");

        private final String words;

        Outcome(String words) {
            this.words = words;
        }

        /**
         * Returns the outcome in words, e.g. {@code bit-identical}.
         *
         * @return the words
         */
        public String words() {
            return words;
        }
    }

    /**
     * One tried setting.
     *
     * @param isa the instruction-set setting
     * @param outcome how the two processes compared
     * @param detail where they first differed, or why the probe failed; empty when identical
     * @param seconds the time both processes took (as measured when the trial ran)
     * @param cached whether this came from the per-machine cache rather than a run now
     * @param traces what the first process computed, one trace per model (empty when it failed): a run
     *     with this setting must compute them again
     */
    public record Trial(
            InstructionSet isa,
            Outcome outcome,
            String detail,
            double seconds,
            boolean cached,
            List<ProbeTrace> traces) {

        /** Copies the traces. */
        public Trial {
            traces = traces == null ? List.of() : List.copyOf(traces);
        }

        /**
         * A trial without traces.
         *
         * @param isa the setting
         * @param outcome how it compared
         * @param detail where or why
         * @param seconds how long
         * @param cached whether cached
         */
        public Trial(InstructionSet isa, Outcome outcome, String detail, double seconds, boolean cached) {
            this(isa, outcome, detail, seconds, cached, List.of());
        }

        /**
         * Describes the trial in one phrase, e.g. {@code native: different bits (step 0: ...)}.
         *
         * @return the phrase
         */
        public String describe() {
            return isa.word() + ": " + outcome.words() + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    /**
     * Creates the verdict.
     */
    public DeterminismVerdict {
        trials = List.copyOf(trials);
    }

    /**
     * A verdict that proves nothing: the probe's own processes, and engines opened with a setting that
     * nobody probed.
     *
     * @param engine the engine
     * @param threads the threads
     * @param used the setting it runs with
     * @param why why nothing was proved
     * @return the verdict
     */
    public static DeterminismVerdict unproved(String engine, int threads, InstructionSet used, String why) {
        return new DeterminismVerdict(
                engine, threads, used, used, List.of(new Trial(used, Outcome.FAILED, why, 0, false)), "nothing");
    }

    /**
     * Returns what the probe's first process computed with the setting the engine runs with, for the
     * run to compute again.
     *
     * @param model the model's label
     * @return its trace, or {@code null} when the probe traced no such model with that setting
     */
    public ProbeTrace expected(String model) {
        for (Trial t : trials) {
            if (t.isa() == used && t.outcome() == Outcome.IDENTICAL) {
                for (ProbeTrace trace : t.traces()) {
                    if (trace.model().equals(model)) {
                        return trace;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Names a kernel fault: a setting whose steps were not finite while a narrower one's were. The
     * learning rate is the same in both, so the fault is the wider kernels', not the user's.
     *
     * @return the fault in words, or empty when there was none
     */
    public String kernelFault() {
        if (!bitIdentical()) {
            return "";
        }
        List<String> faulty = new ArrayList<>();
        for (Trial t : trials) {
            if (t.outcome() == Outcome.NON_FINITE || t.outcome() == Outcome.INEXACT) {
                faulty.add(t.isa().word());
            }
        }
        return faulty.isEmpty()
                ? ""
                : "a kernel fault: " + String.join(", ", faulty) + " gave a non-finite or inexact step where "
                        + used.word() + " was finite, exact and bit-identical";
    }

    /**
     * Whether the setting the engine runs with was proved bit-identical across processes here.
     *
     * @return true when proved
     */
    public boolean bitIdentical() {
        return trials.stream().anyMatch(t -> t.isa() == used && t.outcome() == Outcome.IDENTICAL);
    }

    /**
     * Whether no trial could run at all (a probe process failed or hung): nothing was learned about the
     * machine.
     *
     * @return true when every trial failed to run
     */
    public boolean couldNotRun() {
        return trials.stream().allMatch(t -> t.outcome() == Outcome.FAILED || t.outcome() == Outcome.REFUSED);
    }

    /**
     * Whether no setting tried gave finite first steps: the model diverges by itself, whatever the kernels.
     *
     * @return true when every trial was non-finite
     */
    public boolean nowhereFinite() {
        return !trials.isEmpty() && trials.stream().allMatch(t -> t.outcome() == Outcome.NON_FINITE);
    }

    /**
     * Whether the probe had to narrow the instruction set to get bit-identical results.
     *
     * @return true when {@code auto} chose a cap
     */
    public boolean pinned() {
        // Only when a wider setting was tried and failed: a candidate list narrowed by hand pins nothing.
        return requested == InstructionSet.AUTO
                && used != InstructionSet.NATIVE
                && bitIdentical()
                && trials.stream().anyMatch(t -> t.isa() != used);
    }

    /**
     * Describes the verdict in one line for the console and the manifest.
     *
     * @return the line
     */
    public String summary() {
        String who = String.format(Locale.ROOT, "%s at %d thread%s", engine, threads, threads == 1 ? "" : "s");
        String tried = trials.stream().map(Trial::describe).collect(Collectors.joining("; "));
        if (!bitIdentical()) {
            return who + ": not bit-identical across processes with any setting tried (" + tried + ")";
        }
        String proved = "bit-identical across two fresh processes on " + workload;
        if (pinned()) {
            String fault = kernelFault();
            return who + ": oneDNN pinned to " + used.word() + ", the widest setting " + proved + " (" + tried
                    + (fault.isEmpty() ? "" : "; " + fault) + ")";
        }
        return who + ", instruction sets " + used.word() + ": " + proved;
    }
}
