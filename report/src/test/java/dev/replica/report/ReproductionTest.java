package dev.replica.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.engine.EngineFacts;
import dev.replica.core.record.RunManifest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReproductionTest {

    private static final Map<String, String> ENVIRONMENT = Map.of("java.version", "17.0.15", "cpu.model", "EPYC");

    private static TreeMap<String, String> engine(String isa, String words, String selfCheck) {
        TreeMap<String, String> e = new TreeMap<>();
        e.put("isa", isa);
        e.put("determinism.bit_identical", "true");
        e.put(EngineFacts.DETERMINISM, words);
        e.put(EngineFacts.SELF_CHECK + "res", selfCheck);
        return e;
    }

    private static RunManifest recorded(TreeMap<String, String> engine) {
        return RunManifest.start(
                        new RunManifest.Replica("0.1.0", 1, "run"),
                        new RunManifest.Experiment("tiny", "ab", List.of(0L)),
                        "",
                        new TreeMap<>(ENVIRONMENT),
                        new TreeMap<>())
                .withEngine(engine);
    }

    @Test
    void theSameDecisionOnOtherEvidenceIsNotAnotherMachine() {
        // Two probes pin avx2 but saw avx512_core fail in two ways (CI, Zen 5): the same engine setting.
        RunManifest run = recorded(engine("avx2", "pinned to avx2 (avx512_core: the probe could not run)", "ok"));
        List<String> lines = Reproduction.machineDifferences(
                run,
                ENVIRONMENT,
                engine("avx2", "pinned to avx2 (avx512_core: a non-finite loss)", "ok"),
                Map.of(),
                "0.1.0");
        assertThat(lines).isEmpty();
    }

    @Test
    void anotherDecisionOrMachineIsNamed() {
        RunManifest run = recorded(engine("avx2", "pinned to avx2", "ok"));
        List<String> lines = Reproduction.machineDifferences(
                run,
                Map.of("java.version", "21.0.2", "cpu.model", "EPYC"),
                engine("native", "native: bit-identical", "ok"),
                Map.of(),
                "0.2.0");
        assertThat(lines)
                .containsExactly(
                        "environment.java.version: recorded 17.0.15, now 21.0.2",
                        "engine.isa: recorded avx2, now native",
                        "replica.version: recorded 0.1.0, now 0.2.0");
    }
}
