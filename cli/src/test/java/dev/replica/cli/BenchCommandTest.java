package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.replica.runner.TinyExperiment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replica bench} from the command line, on a tiny model: every worker runs in its own JVM, the
 * report has both tables, the determinism pin's cost and a verdict on every target, the bare DJL loop
 * computes Replica's very losses, and the CSV and the plot are written.
 */
class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void benchMeasuresBothEnginesAndJudgesEveryTarget() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 1);
        Path out = dir.resolve("bench");
        CliRun.Result r = CliRun.replica(
                dir,
                "bench",
                file.toString(),
                "--models",
                "res",
                "--rounds",
                "2",
                "--round-seconds",
                "0.2",
                "--isa-model",
                "res",
                "--profile",
                "4",
                "--out",
                out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Machine: ")
                .contains("PyTorch peer: ")
                .contains(
                        "Training loop (img/s, median of interleaved rounds; ratios: median (quartiles) of the rounds')")
                .contains("Around the loop")
                .contains("The determinism pin (isa avx2) against native")
                .containsPattern("\\| pytorch \\| res +\\|")
                .containsPattern("\\| mxnet +\\| res +\\|");
        // The bare loop trains the same block on the same batches with the same update: the same bits.
        assertThat(r.out().lines().filter(l -> l.contains("| res ") && l.endsWith("steps) |")))
                .hasSize(2)
                .allMatch(l -> l.contains("yes ("));
        List<String> verdicts = r.out()
                .lines()
                .dropWhile(l -> !l.equals("Targets"))
                .skip(1)
                .takeWhile(l -> l.startsWith("  "))
                .toList();
        assertThat(verdicts).hasSize(9).allMatch(l -> l.matches("  (PASS|FAIL|N/A ) {2}.+: .+"));
        Path folder;
        try (Stream<Path> folders = Files.list(out)) {
            folder = folders.findFirst().orElseThrow();
        }
        List<String> csv = Files.readAllLines(folder.resolve("bench.csv"), StandardCharsets.UTF_8);
        assertThat(csv).hasSize(3);
        // No --engines: every engine installed, by name.
        assertThat(csv.get(1)).startsWith("mxnet,res,resnet,");
        assertThat(csv.get(2)).startsWith("pytorch,res,resnet,");
        assertThat(Files.size(folder.resolve("bench.png"))).isPositive();
        assertThat(Files.readString(folder.resolve("bench.txt"))).contains("Targets");
        assertThat(folder.resolve("experiment.yaml")).isRegularFile();

        // --profile: a part per row, a share per engine; each column's shares make the whole.
        List<String> profile = r.out()
                .lines()
                .dropWhile(l -> !l.startsWith("Where a step's time goes"))
                .skip(5) // title, header, rule, two ms/step rows
                .takeWhile(l -> l.startsWith("| "))
                .toList();
        assertThat(profile).isNotEmpty().allMatch(l -> l.matches("\\| [a-zA-Z].*\\|.*%.*%.*\\|"));
        for (int column = 0; column < 2; column++) {
            int c = column;
            double sum = profile.stream()
                    .mapToDouble(l ->
                            Double.parseDouble(l.split("\\|")[3 + c].strip().replace("%", "")))
                    .sum();
            assertThat(sum).as("column " + c).isCloseTo(100, within(1.0));
        }
        List<String> samples = Files.readAllLines(folder.resolve("profile.csv"), StandardCharsets.UTF_8);
        assertThat(samples).hasSize(3);
        assertThat(samples.get(0)).startsWith("engine,model,event,steps,seconds,samples,oneDNN convolution,");
        assertThat(folder.resolve("profiles").resolve("pytorch-res.collapsed")).isNotEmptyFile();

        // PyTorch's own profiler names the operators of a step; MXNet has none to ask.
        assertThat(r.out()).contains("Operators of a step, pytorch res").doesNotContain("Operators of a step, mxnet");
        List<String> operators = r.out()
                .lines()
                .dropWhile(l -> !l.startsWith("Operators of a step, pytorch res"))
                .skip(3)
                .takeWhile(l -> l.startsWith("| "))
                .toList();
        assertThat(operators).anyMatch(l -> l.startsWith("| aten::"));
        double all = replicaMs(operators, "| all operators ");
        double between = replicaMs(operators, "| between operators ");
        double step = replicaMs(operators, "| the step, profiled ");
        assertThat(all).isPositive();
        assertThat(all + between).isCloseTo(step, within(0.02));
        List<String> perOperator = Files.readAllLines(folder.resolve("operators.csv"), StandardCharsets.UTF_8);
        assertThat(perOperator.get(0)).isEqualTo("engine,model,operator,replica_calls,replica_ms,peer_calls,peer_ms");
        assertThat(perOperator.subList(1, perOperator.size())).isNotEmpty().allMatch(l -> l.startsWith("pytorch,res,"));
    }

    /** The Replica ms of an operator table's row. */
    private static double replicaMs(List<String> table, String row) {
        String line = table.stream().filter(l -> l.startsWith(row)).findFirst().orElseThrow();
        return Double.parseDouble(line.split("\\|")[3].strip());
    }

    @Test
    void anUnknownModelIsAUserError() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 1);
        CliRun.Result r = CliRun.replica(
                dir,
                "bench",
                file.toString(),
                "--models",
                "nope",
                "--out",
                dir.resolve("b").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("replica: --models: no model 'nope' in " + file + "; its models: [res, vgg]\n");
        assertThat(dir.resolve("b")).doesNotExist();
    }

    @Test
    void badOptionsAndAnOptimizerTheBareLoopCannotWriteAreUserErrors() throws Exception {
        Path file = TinyExperiment.write(dir, "pytorch", 0, 1);
        CliRun.Result rounds = CliRun.replica(dir, "bench", file.toString(), "--rounds", "0");
        assertThat(rounds.exit()).isEqualTo(2);
        assertThat(rounds.err()).isEqualTo("replica: --rounds 0: it must be 1 or more\n");
        CliRun.Result nesterov = CliRun.replica(
                dir, "bench", file.toString(), "--set", "optimizer.params.nesterov=true", "--out", dir.toString());
        assertThat(nesterov.exit()).isEqualTo(2);
        assertThat(nesterov.err())
                .isEqualTo("replica: " + file + ": optimizer.params.nesterov is true; bench compares with a bare loop "
                        + "of PyTorch's SGD without Nesterov, so it needs nesterov: false\n");
    }

    @Test
    void aUserErrorInAWorkerIsItsMessageAlone() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("not-a-folder"), "x");
        String yaml = Files.readString(TinyExperiment.write(dir, "pytorch", 0, 1))
                .replaceAll("dataset: .*", "dataset: {plugin: cifar10, params: {root: " + notAFolder + "}}")
                .replace(", classes: 4", "");
        Path file = Files.writeString(dir.resolve("cifar.yaml"), yaml);
        CliRun.Result r = CliRun.replica(
                dir,
                "bench",
                file.toString(),
                "--models",
                "res",
                "--engines",
                "pytorch",
                "--no-peer",
                "--isa-model",
                "none",
                "--out",
                dir.resolve("b").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err())
                .startsWith("replica: CIFAR-10's folder " + notAFolder + " is a file; give the folder that holds")
                .doesNotContain("\tat ")
                .doesNotContain("the benchmark of");
    }
}
