package dev.replica.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.engine.CpuInfo;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdicts follow the figures: a target passes or fails on its bound, and says what it could not measure. */
class BenchReportTest {

    /** A result with 10 steps of 128 per round: Replica at 1 s a round, the others as given. */
    private static LoopBenchmark.Result result(
            String engine, String plugin, Map<String, Object> params, double bareSeconds, Double peerSeconds) {
        return result(engine, plugin, params, bareSeconds, peerSeconds, "contiguous");
    }

    private static LoopBenchmark.Result result(
            String engine,
            String plugin,
            Map<String, Object> params,
            double bareSeconds,
            Double peerSeconds,
            String memoryFormat) {
        return new LoopBenchmark.Result(
                engine,
                plugin + params,
                plugin,
                params,
                "native",
                memoryFormat,
                2,
                128,
                1_000_000,
                2.5,
                50_000,
                2_000,
                0.1,
                0.1,
                4_000_000,
                3_000_000_000L,
                10,
                new double[] {1.0, 1.0, 1.0},
                new double[] {bareSeconds, bareSeconds, bareSeconds},
                peerSeconds == null ? null : new double[] {peerSeconds, peerSeconds, peerSeconds},
                peerSeconds == null ? "" : "PyTorch 1.13",
                0.005,
                3.0,
                33,
                true);
    }

    private static BenchReport.Verdict verdict(BenchReport report, String startOfTarget) {
        return report.verdicts().stream()
                .filter(v -> v.target().startsWith(startOfTarget))
                .findFirst()
                .orElseThrow();
    }

    private static final CpuInfo CPU = new CpuInfo("Test CPU", List.of("avx2", "avx512f"));

    @Test
    void theRatioToTheBareLoopPassesAt098AndFailsBelow() {
        Map<String, Object> w16 = Map.of("depth", 18, "width", 16);
        BenchReport fast = new BenchReport(CPU, List.of(result("pytorch", "resnet", w16, 0.99, 1.5)), List.of(), "");
        BenchReport slow = new BenchReport(CPU, List.of(result("pytorch", "resnet", w16, 0.97, 1.5)), List.of(), "");
        assertThat(verdict(fast, "Replica / bare").pass()).isTrue();
        assertThat(verdict(slow, "Replica / bare").pass()).isFalse();
        assertThat(verdict(slow, "Replica / bare").detail()).contains("lowest 0.970");
        // 1.5 s for PyTorch against Replica's 1 s is 1.5x: above 1.2.
        assertThat(verdict(fast, "Replica >= 1.2x").pass()).isTrue();
        assertThat(verdict(fast, "Replica >= 1.2x").detail()).isEqualTo("pytorch 1.50x (bare DJL 1.52x)");
    }

    @Test
    void aRowAtAnotherMemoryLayoutSaysWhichInTheTableAndTheCsv() {
        Map<String, Object> w16 = Map.of("depth", 18, "width", 16);
        BenchReport report = new BenchReport(
                CPU,
                List.of(
                        result("pytorch", "resnet", w16, 1.0, 1.5),
                        result("pytorch", "resnet", w16, 1.0, 1.5, "channels_last")),
                List.of(),
                "");
        assertThat(report.text())
                .contains("| pytorch, channels_last | resnet")
                .contains("| pytorch                | resnet");
        assertThat(report.csv().lines().toList()).first().asString().contains("isa,memory_format,threads");
        assertThat(report.csv().lines().skip(1).toList())
                .anySatisfy(l -> assertThat(l).contains(",native,channels_last,2,"))
                .anySatisfy(l -> assertThat(l).contains(",native,contiguous,2,"));
    }

    @Test
    void targetsWithoutTheirModelOrPeerSaySoInsteadOfPassing() {
        Map<String, Object> w8 = Map.of("depth", 18, "width", 8);
        BenchReport report = new BenchReport(
                CPU, List.of(result("mxnet", "resnet", w8, 1.0, null)), List.of(), "no python3 with torch here");
        assertThat(verdict(report, "Replica >= 1.2x").pass()).isNull();
        assertThat(verdict(report, "Replica >= 1.2x").detail()).isEqualTo("not measured: no python3 with torch here");
        assertThat(verdict(report, "peak RSS").pass()).isNull();
        assertThat(verdict(report, "the CPU-scale study").pass()).isNull();
        assertThat(report.text()).contains("N/A   Replica >= 1.2x").contains("Machine: Test CPU");
    }

    @Test
    void theStudyIsProjectedFromTrainingAndEvaluationSpeeds() {
        // Replica trains 1,280 img/s and evaluates 2,000 img/s: 16 x (50,000/1,280 + 10,000/2,000) s per model.
        BenchReport report = new BenchReport(
                CPU,
                List.of(
                        result("pytorch", "resnet", Map.of("depth", 18, "width", 16), 1.0, null),
                        result("pytorch", "vgg", Map.of("depth", 19, "width_divisor", 4), 1.0, null)),
                List.of(),
                "");
        double minutes = 2 * 16 * (50_000 / 1280.0 + 10_000 / 2000.0) / 60;
        BenchReport.Verdict v = verdict(report, "the CPU-scale study");
        assertThat(v.pass()).isEqualTo(minutes < 30);
        assertThat(v.detail()).startsWith(String.format(Locale.ROOT, "pytorch %.1f min", minutes));
    }

    @Test
    void memoryAndStartAndWaitAreJudgedOnTheirBounds() {
        Map<String, Object> full = Map.of("depth", 19, "width_divisor", 1);
        BenchReport report = new BenchReport(CPU, List.of(result("pytorch", "vgg", full, 1.0, null)), List.of(), "");
        // 3.0 GB < 4 GB; 2.5 s < 3 s; 0.005 s of waiting in 3 s of steps is 0.17% < 1%.
        assertThat(verdict(report, "peak RSS").pass()).isTrue();
        assertThat(verdict(report, "warm start").pass()).isTrue();
        assertThat(verdict(report, "the step never waits").pass()).isTrue();
        assertThat(report.csv().lines().count()).isEqualTo(2);
        assertThat(report.csv().lines().findFirst().orElseThrow()).startsWith("engine,model,plugin,isa");
    }

    @Test
    void theOperatorTableSetsReplicasOperatorsBesideThePeersWithTheTimeBetweenThem() {
        OperatorProfile replica = new OperatorProfile(
                10,
                2.0, // 200 ms a step
                650,
                Map.of(
                        "aten::mkldnn_convolution", new OperatorProfile.Operator(19, 60),
                        "aten::mul", new OperatorProfile.Operator(179, 3)));
        OperatorProfile peer = new OperatorProfile(
                10,
                1.5, // 150 ms a step
                0,
                Map.of(
                        "aten::mkldnn_convolution", new OperatorProfile.Operator(19, 40),
                        "Optimizer.step#SGD.step", new OperatorProfile.Operator(1, 1)));
        StepProfile profile = StepProfile.of("pytorch", "res", "cpu", 10, 2.0, "")
                .withOperators(new StepProfile.Operators(replica, peer, "PyTorch 1.13"));
        String text = new BenchReport(CPU, List.of(), List.of(), "", List.of(profile)).text();
        assertThat(text)
                .contains("Operators of a step, pytorch res (PyTorch's profiler")
                .containsPattern(
                        "\\| aten::mkldnn_convolution +\\| +19\\.0 +\\| +60\\.00 \\| +19\\.0 +\\| +40\\.00 \\| +\\+20\\.00 \\|")
                .containsPattern("\\| aten::mul +\\| +179\\.0 +\\| +3\\.00 \\| +\\| +0\\.00 \\| +\\+3\\.00 \\|")
                .containsPattern(
                        "\\| all operators +\\| +198\\.0 +\\| +63\\.00 \\| +20\\.0 +\\| +41\\.00 \\| +\\+22\\.00 \\|")
                .containsPattern(
                        "\\| between operators \\(Java or Python, JNI, waits\\) +\\| +\\| +137\\.00 \\| +\\| +109\\.00 \\|")
                .containsPattern(
                        "\\| minor page faults, profiler running \\(count\\) +\\| +\\| +650 \\| +\\| +0 \\| +\\+650 \\|")
                .doesNotContain("other operators")
                .containsPattern("\\| the step, profiled +\\| +\\| +200\\.00 \\| +\\| +150\\.00 \\| +\\+50\\.00 \\|");
    }
}
