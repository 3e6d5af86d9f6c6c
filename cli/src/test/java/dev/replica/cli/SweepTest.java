package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.UserException;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.plugin.PluginRegistry;
import dev.replica.runner.sweep.SeedList;
import dev.replica.runner.sweep.SlurmJob;
import dev.replica.runner.sweep.Sweep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep expands a study into one run per model, engine and seed, writes a job array script with the
 * file's cluster resources, and runs here to a study table; a run that lost its results is run again by
 * --resubmit-failed and comes out as before.
 */
class SweepTest {

    @TempDir
    Path dir;

    static String study(String models, String cluster) {
        return String.join(
                "\n",
                "replica: 1",
                "name: tinysweep",
                "seed: 0",
                "engine: {plugin: pytorch, threads: 2, device: cpu}", // the shipped count
                "dataset: {plugin: synthetic, params: {train_size: 48, test_size: 24, classes: 4}}",
                "models:",
                models,
                "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                "schedule: {plugin: constant}",
                "training: {epochs: 2, batch_size: 16}",
                cluster,
                "");
    }

    static final String TWO_MODELS = "  res: {plugin: resnet, params: {depth: 18, width: 4}}\n"
            + "  vgg: {plugin: vgg, params: {depth: 11, width_divisor: 32}}";

    @Test
    void aStudyExpandsIntoOneRunPerModelEngineAndSeedAndOneJobArray() throws Exception {
        Path file = dir.resolve("study.yaml");
        Files.writeString(
                file,
                study(TWO_MODELS, "cluster: {partition: gpu, time: \"36:00:00\", cpus: 4, memory: 16G, gpus: 1}"));
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        ExperimentLoader loader = new ExperimentLoader(registry);
        ExperimentLoader.Study study = loader.loadStudy(file, List.of());
        Experiment base = study.experiment();
        var cluster = study.cluster();
        Sweep sweep =
                Sweep.plan(base, List.of(0L, 1L), List.of("pytorch", "mxnet"), cluster.asMap(), dir.resolve("out"));

        assertThat(sweep.tasks()).hasSize(8);
        assertThat(sweep.tasks().stream().map(Sweep.Task::folder))
                .containsExactly(
                        "runs/res-pytorch-seed0",
                        "runs/res-pytorch-seed1",
                        "runs/res-mxnet-seed0",
                        "runs/res-mxnet-seed1",
                        "runs/vgg-pytorch-seed0",
                        "runs/vgg-pytorch-seed1",
                        "runs/vgg-mxnet-seed0",
                        "runs/vgg-mxnet-seed1");
        Experiment task = loader.load(sweep.runFolder(sweep.tasks().get(6)).resolve("experiment.yaml"), List.of());
        assertThat(task.models().keySet()).containsExactly("vgg");
        assertThat(task.engine().plugin()).isEqualTo("mxnet");
        assertThat(task.seeds()).containsExactly(0L);
        assertThat(task.training()).isEqualTo(base.training());
        assertThat(Sweep.open(sweep.dir()).tasks()).isEqualTo(sweep.tasks());
        assertThat(sweep.tasks().stream().map(sweep::state)).containsOnly(Sweep.State.PENDING);

        String script = Files.readString(SlurmJob.write(sweep, sweep.tasks(), cluster, null));
        assertThat(Sweep.open(sweep.dir()).cluster())
                .containsEntry("partition", "gpu")
                .containsEntry("cpus", 4);
        assertThat(script)
                .contains(
                        "#SBATCH --array=0,1,2,3,4,5,6,7\n",
                        "#SBATCH --cpus-per-task=4\n",
                        "#SBATCH --partition=gpu\n",
                        "#SBATCH --time=36:00:00\n",
                        "#SBATCH --mem=16G\n",
                        "#SBATCH --gres=gpu:1\n",
                        "  6) run='" + sweep.runFolder(sweep.tasks().get(6)).toAbsolutePath() + "' ;;\n",
                        "'dev.replica.cli.ReplicaCli' 'run' '--resume' \"$run\" &\n",
                        "#SBATCH --signal=B:TERM@120\n",
                        "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM\n");
    }

    @Test
    void seedsAreListsRangesOrBoth() {
        assertThat(SeedList.parse("0-4")).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(SeedList.parse("0-2,9")).containsExactly(0L, 1L, 2L, 9L);
        assertThatThrownBy(() -> SeedList.parse("0,x"))
                .isInstanceOf(UserException.class)
                .hasMessage("--seeds 0,x: 'x' is not a seed or a range; allowed: e.g. 0-4, 0,2,7 or 0-2,9");
        assertThatThrownBy(() -> SeedList.parse("1,1")).hasMessageContaining("names a seed twice");
    }

    @Test
    void aLocalSweepGathersTheStudyAndResubmittingRunsAgainOnlyWhatIsMissing() throws Exception {
        Path file = dir.resolve("study.yaml");
        Files.writeString(file, study("  res: {plugin: resnet, params: {depth: 18, width: 4}}", ""));
        CliRun.Result r = CliRun.replica(
                dir.resolve("data"),
                "sweep",
                file.toString(),
                "--seeds",
                "0-1",
                "--engines",
                "pytorch,mxnet",
                "--local",
                "2",
                "--out",
                dir.resolve("out").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out())
                .contains("4 runs (1 models x 2 engines x 2 seeds)", "Running 4 of 4 runs here, 2 at a time")
                .contains("| res (pytorch) | ", "| res (mxnet) | ", "Seeds: 0, 1 (n = 2)");
        Path sweepDir = Files.list(dir.resolve("out/tinysweep")).findFirst().orElseThrow();
        String study = Files.readString(sweepDir.resolve("study.csv"));
        Sweep sweep = Sweep.open(sweepDir);
        Sweep.Task lost = sweep.tasks().get(2);
        Path run = sweep.runFolder(lost);
        String history = Files.readString(run.resolve("res/history.csv"));

        // A run that lost its results (its node died, say): status says so, gather refuses, resubmit redoes it.
        for (String name : List.of("res", "summary.csv", "summary.md", "manifest.json")) {
            Path p = run.resolve(name);
            if (Files.isDirectory(p)) {
                try (var walk = Files.walk(p)) {
                    walk.sorted(Comparator.reverseOrder())
                            .forEach(q -> q.toFile().delete());
                }
            } else {
                Files.delete(p);
            }
        }
        Files.writeString(sweep.exitFile(lost), "137\n");
        CliRun.Result status = CliRun.replica(dir.resolve("data"), "sweep", "--status", sweepDir.toString());
        assertThat(status.out()).contains("| 2 | res | mxnet | 0 | failed | 137 |", "3 finished, 1 failed of 4 runs");
        CliRun.Result gather = CliRun.replica(dir.resolve("data"), "sweep", "--gather", sweepDir.toString());
        assertThat(gather.exit()).isEqualTo(2);
        assertThat(gather.err())
                .contains("1 of 4 runs of " + sweepDir + " have not finished: runs/res-mxnet-seed0 (failed)");

        CliRun.Result again =
                CliRun.replica(dir.resolve("data"), "sweep", "--resubmit-failed", sweepDir.toString(), "--local", "1");
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("Running 1 of 4 runs here, 1 at a time");
        assertThat(Files.readString(run.resolve("res/history.csv"))).isEqualTo(history);
        assertThat(Files.readString(sweepDir.resolve("study.csv"))).isEqualTo(study);
    }

    @Test
    void resubmittingAfterASlurmSubmissionLeavesPendingRunsToTheirQueue() throws Exception {
        Path file = dir.resolve("study.yaml");
        Files.writeString(file, study("  res: {plugin: resnet, params: {depth: 18, width: 4}}", ""));
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        ExperimentLoader loader = new ExperimentLoader(registry);
        ExperimentLoader.Study study = loader.loadStudy(file, List.of());
        Sweep sweep = Sweep.plan(
                study.experiment(),
                List.of(0L),
                List.of("pytorch"),
                study.cluster().asMap(),
                dir.resolve("out"));
        Files.writeString(sweep.dir().resolve("jobs.tsv"), "41\tsweep.sbatch\n");
        CliRun.Result again = CliRun.replica(
                dir.resolve("data"), "sweep", "--resubmit-failed", sweep.dir().toString(), "--local", "1");
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("Every run of " + sweep.dir() + " has finished or is running; nothing to run");
        assertThat(sweep.state(sweep.tasks().get(0))).isEqualTo(Sweep.State.PENDING);
    }

    @Test
    void badUseIsNamed() throws Exception {
        CliRun.Result none = CliRun.replica(dir.resolve("data"), "sweep");
        assertThat(none.err())
                .isEqualTo(
                        "replica: sweep needs exactly one of FILE, --status DIR, --gather DIR or --resubmit-failed DIR\n");
        CliRun.Result notSweep = CliRun.replica(dir.resolve("data"), "sweep", "--status", dir.toString());
        assertThat(notSweep.err()).isEqualTo("replica: " + dir + " is not a sweep folder: it has no sweep.json\n");
        Path file = dir.resolve("study.yaml");
        Files.writeString(file, study("  res: {plugin: resnet, params: {depth: 18, width: 4}}", "cluster: {cpus: 0}"));
        CliRun.Result badCluster = CliRun.replica(dir.resolve("data"), "sweep", file.toString());
        assertThat(badCluster.exit()).isEqualTo(2);
        assertThat(badCluster.err()).contains("cluster.cpus (11:17): 0 is out of range; allowed: >= 1");
        Files.writeString(file, study("  res: {plugin: resnet, params: {depth: 18, width: 4}}", ""));
        CliRun.Result engine =
                CliRun.replica(dir.resolve("data"), "sweep", file.toString(), "--engines", "pytorch,jax");
        assertThat(engine.exit()).isEqualTo(2);
        assertThat(engine.err()).startsWith("replica: unknown engine plugin 'jax'");
        assertThat(dir.resolve("runs")).doesNotExist();
    }
}
