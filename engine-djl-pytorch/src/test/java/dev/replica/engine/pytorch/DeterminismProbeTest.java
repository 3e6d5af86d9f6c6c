package dev.replica.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.EngineContext;
import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.DeterminismVerdict.Outcome;
import dev.replica.api.engine.InstructionSet;
import dev.replica.api.params.Params;
import dev.replica.engine.djl.DeterminismProbe;
import dev.replica.engine.djl.NativeEnvironment;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The determinism probe on the real PyTorch engine, in fresh processes: it finds a bit-identical setting
 * on this machine, whatever the machine; and it catches injected faults (one that differs per process,
 * one that only the AVX2 cap removes, a NaN), so a pass means something.
 */
class DeterminismProbeTest {

    private static final int THREADS = 2;
    private static final EngineContext CONTEXT = EngineContext.from(System.getenv());

    @TempDir
    Path cache;

    private final PyTorchEnginePlugin plugin = new PyTorchEnginePlugin();

    private String pinned;

    /** Auto's candidates are under test here; the suite's pin is for its shared JVMs' own engines. */
    @BeforeEach
    void unpinAuto() {
        pinned = System.clearProperty(InstructionSet.AUTO_PROPERTY);
    }

    @AfterEach
    void restorePin() {
        if (pinned != null) {
            System.setProperty(InstructionSet.AUTO_PROPERTY, pinned);
        }
    }

    @Test
    void autoFindsASettingThatIsBitIdenticalAcrossProcessesOnThisMachine() {
        DeterminismVerdict verdict = probe("").resolve(plugin, THREADS, "cpu", InstructionSet.AUTO, null, true);
        assertThat(verdict.bitIdentical()).as(verdict.summary()).isTrue();
        assertThat(verdict.trials())
                .last()
                .extracting(DeterminismVerdict.Trial::outcome)
                .isEqualTo(Outcome.IDENTICAL);
    }

    @Test
    void aFaultThatDiffersPerProcessIsCaughtAtTheFirstStep() {
        DeterminismVerdict verdict =
                probe("per-process").resolve(plugin, THREADS, "cpu", InstructionSet.SSE41, null, true);
        assertThat(verdict.bitIdentical()).isFalse();
        DeterminismVerdict.Trial trial = verdict.trials().get(0);
        assertThat(trial.outcome()).isEqualTo(Outcome.DIFFERENT);
        // The fault sits before the head: the loss differs, and the gradients nearest the output are the head's.
        assertThat(trial.detail())
                .startsWith(
                        "first difference in model probe-network, step 0: the loss (forward pass), and the gradients of ")
                .contains("nearest the output ")
                .contains("Linear");
        assertThat(verdict.summary())
                .isEqualTo("pytorch at 2 threads: not bit-identical across processes with any "
                        + "setting tried (sse41: different bits (" + trial.detail() + "))");
    }

    @Test
    void aFaultThatTheAvx2CapRemovesMakesAutoPinAvx2() {
        DeterminismVerdict verdict =
                probe("per-process-unless-avx2").resolve(plugin, THREADS, "cpu", InstructionSet.AUTO, null, true);
        // Where the real native kernels misbehave too (an AMD Zen 5), they may fail with a NaN first.
        assertThat(verdict.trials())
                .extracting(t -> t.isa() + " " + (t.outcome() == Outcome.IDENTICAL))
                .containsExactly("NATIVE false", "AVX512_CORE false", "AVX2 true");
        assertThat(verdict.used()).isEqualTo(InstructionSet.AVX2);
        assertThat(verdict.bitIdentical()).isTrue();
        assertThat(verdict.pinned()).isTrue();
        assertThat(verdict.summary())
                .startsWith("pytorch at 2 threads: oneDNN pinned to avx2, the widest setting bit-identical across two "
                        + "fresh processes on the probe's generic network (native: ");
    }

    @Test
    void aNonFiniteLossIsReportedWithItsStep() {
        DeterminismVerdict verdict =
                probe("nan-from-step-2").resolve(plugin, THREADS, "cpu", InstructionSet.SSE41, null, true);
        assertThat(verdict.trials()).singleElement().satisfies(t -> {
            assertThat(t.outcome()).isEqualTo(Outcome.NON_FINITE);
            assertThat(t.detail()).isEqualTo("model probe-network: loss NaN at step 2");
        });
    }

    @Test
    void verdictsAreKeptPerMachineAndSettingsAndOnlyThoseAreReused() {
        DeterminismVerdict first = probe("").resolve(plugin, THREADS, "cpu", InstructionSet.AVX2, null, false);
        assertThat(first.trials())
                .singleElement()
                .satisfies(t -> assertThat(t.cached()).isFalse());

        // A probe whose processes cannot even start: a kept verdict is used without starting any...
        DeterminismProbe broken = new DeterminismProbe(cache, "no.such.Main", List.of());
        DeterminismVerdict again = broken.resolve(plugin, THREADS, "cpu", InstructionSet.AVX2, null, false);
        assertThat(again.trials()).singleElement().satisfies(t -> {
            assertThat(t.cached()).isTrue();
            assertThat(t.outcome()).isEqualTo(first.trials().get(0).outcome());
        });
        // ...but another thread count is another key, so it probes, and here fails to run.
        DeterminismVerdict other = broken.resolve(plugin, 1, "cpu", InstructionSet.AVX2, null, false);
        assertThat(other.trials()).singleElement().satisfies(t -> {
            assertThat(t.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(t.detail())
                    .startsWith("a probe process ended with status 1: ")
                    .contains("no.such.Main");
        });
        // A failed probe is not kept: the machine has not been judged.
        assertThat(broken.resolve(plugin, 1, "cpu", InstructionSet.AVX2, null, false)
                        .trials()
                        .get(0)
                        .cached())
                .isFalse();
        // A test seam changes the kernels: under one, the verdict kept without it is not used.
        String seam = "replica.test.unused-seam";
        System.setProperty(seam, "on");
        try {
            assertThat(broken.resolve(plugin, THREADS, "cpu", InstructionSet.AVX2, null, false)
                            .trials()
                            .get(0)
                            .outcome())
                    .isEqualTo(Outcome.FAILED);
        } finally {
            System.clearProperty(seam);
        }
    }

    @Test
    void strictRefusesToOpenWhereTheProbeFailsAndRelaxedOpensAndRecordsIt() {
        // The setting the engine really runs with in this JVM, so this test loads nothing new.
        InstructionSet loaded = plugin.loadedInstructionSet(THREADS);
        InstructionSet used = loaded != null
                ? loaded
                : DeterminismProbe.at(CONTEXT.verdictCache())
                        .resolve(plugin, THREADS, "cpu", InstructionSet.AUTO, null, false)
                        .used();
        PyTorchEnginePlugin faulty = new PyTorchEnginePlugin(probe("per-process"));
        Map<String, Object> raw = Map.of("threads", THREADS, "isa", used.word());

        assertThatThrownBy(() -> faulty.open(params(raw, "strict"), CONTEXT))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith("pytorch is not bit-reproducible on this machine: pytorch at 2 threads: not "
                        + "bit-identical across processes with any setting tried (" + used.word() + ": different bits")
                .hasMessageEndingWith("Run 'replica doctor' for details; try engine.threads: 1, or set "
                        + "engine.determinism: relaxed to run anyway (the manifest and report then say the run is "
                        + "not bit-reproducible here)");

        try (EngineSession session = faulty.open(params(raw, "relaxed"), CONTEXT)) {
            assertThat(session.determinism().bitIdentical()).isFalse();
            assertThat(session.describe())
                    .containsEntry("determinism.bit_identical", "false")
                    .containsEntry("isa", used.word())
                    .containsEntry("native.ONEDNN_MAX_CPU_ISA", used.onednnValue())
                    .containsEntry("native.OMP_NUM_THREADS", "2");
        }
    }

    @Test
    void theEngineSetsItsNativeSettingsBeforeItsLibraryLoads() {
        try (EngineSession session = plugin.open(params(Map.of("threads", THREADS), "strict"), CONTEXT)) {
            assertThat(session.observedThreads()).isEqualTo(THREADS);
            assertThat(NativeEnvironment.get("OMP_NUM_THREADS")).isEqualTo("2");
            assertThat(NativeEnvironment.get("ONEDNN_MAX_CPU_ISA"))
                    .isEqualTo(session.determinism().used().onednnValue());
            assertThat(NativeEnvironment.get("ONEDNN_DEFAULT_FPMATH_MODE")).isEqualTo("STRICT");
            assertThat(session.describe())
                    .containsEntry("isa.requested", "auto")
                    .containsEntry("determinism.bit_identical", "true");
        }
    }

    private DeterminismProbe probe(String fault) {
        return fault.isEmpty()
                ? new DeterminismProbe(cache, DeterminismProbe.class.getName(), List.of())
                : new DeterminismProbe(cache, FaultyProbeMain.class.getName(), List.of("-Dprobe.fault=" + fault));
    }

    private Params params(Map<String, Object> raw, String determinism) {
        Map<String, Object> all = new HashMap<>(raw);
        all.put("determinism", determinism);
        return plugin.schema().validate(all).orElseThrow();
    }
}
