package dev.replica.runner.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.InCi;
import dev.replica.runner.TinyExperiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Slurm: a one-node cluster started on this machine ({@code tools/slurm/single-node.sh}, Debian's
 * slurm-wlm and munge, which CI installs), a small sweep submitted as a job array (tiny models, 2 seeds,
 * 2 engines), waited for, gathered, and checked against a {@code --local} run of the same sweep: every
 * run's history identical, and the same study table. Where Slurm is not installed it is skipped, saying
 * so, except in CI, where it fails.
 */
class SlurmSweepTest {

    @TempDir
    Path dir;

    private Path cluster;

    private static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(2, TimeUnit.MINUTES);
        return p.exitValue() == 0 ? out : null;
    }

    @AfterEach
    void stopTheCluster() throws Exception {
        if (cluster != null) {
            sh("../tools/slurm/single-node.sh", "stop", cluster.toString());
        }
    }

    @Test
    void aSweepOnSlurmEndsAsTheSameSweepRunHere() throws Exception {
        boolean installed = sh("bash", "-c", "command -v sbatch && command -v slurmctld && command -v munged") != null;
        InCi.skipUnlessAvailable(installed, "Slurm is not installed here (apt-get install slurm-wlm munge)");
        cluster = dir.resolve("slurm");
        String conf = sh("../tools/slurm/single-node.sh", "start", cluster.toString());
        assertThat(conf)
                .as("the one-node cluster started (see " + cluster.resolve("log") + ")")
                .isNotNull();

        Path file = dir.resolve("study.yaml");
        Files.writeString(
                file,
                SweepTest.study(
                        "  res: {plugin: resnet, params: {depth: 18, width: 4}}",
                        "cluster: {cpus: 1, memory: 1G, time: \"00:10:00\"}"));
        Map<String, String> env =
                new HashMap<>(TinyExperiment.env(dir.resolve("data").toString()));
        env.put("SLURM_CONF", conf.strip());

        TinyExperiment.Cli submitted = TinyExperiment.replica(
                env,
                "sweep",
                file.toString(),
                "--slurm",
                "--seeds",
                "0-1",
                "--engines",
                "pytorch,mxnet",
                "--out",
                dir.resolve("slurm-runs").toString());
        assertThat(submitted.exit()).as(submitted.out() + submitted.err()).isZero();
        Matcher id = Pattern.compile("Submitted job array (\\d+) \\(4 runs\\)").matcher(submitted.out());
        assertThat(id.find()).as(submitted.out()).isTrue();
        Path sweepDir =
                Files.list(dir.resolve("slurm-runs/tinysweep")).findFirst().orElseThrow();
        Sweep sweep = Sweep.open(sweepDir);

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!sweep.tasks().stream()
                .allMatch(t -> sweep.state(t) == Sweep.State.FINISHED || sweep.state(t) == Sweep.State.FAILED)) {
            assertThat(System.nanoTime())
                    .as("the job array did not end within 5 minutes")
                    .isLessThan(deadline);
            Thread.sleep(1000);
        }
        TinyExperiment.Cli status = TinyExperiment.replica(env, "sweep", "--status", sweepDir.toString());
        assertThat(status.out()).contains("4 finished of 4 runs; Slurm jobs " + id.group(1));
        TinyExperiment.Cli gathered = TinyExperiment.replica(env, "sweep", "--gather", sweepDir.toString());
        assertThat(gathered.exit()).as(gathered.err()).isZero();
        assertThat(gathered.out()).contains("| res (pytorch) | ", "| res (mxnet) | ");

        // Slurm records a job's completion a moment after its task has written its last file.
        Path completions = cluster.resolve("log/jobcomp.txt");
        while (!Files.isRegularFile(completions)
                || Files.readString(completions).split("JobState=", -1).length - 1
                        < sweep.tasks().size()) {
            assertThat(System.nanoTime())
                    .as("Slurm did not record the array's completions")
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
        String accounting = sh(
                "bash",
                "-c",
                "SLURM_CONF=" + conf.strip()
                        + " sacct -c --format=JobID,JobName%20,Partition,State,ExitCode,Start,End,NodeList 2>/dev/null");
        System.out.println("Slurm job array " + id.group(1) + ", sacct -c:\n" + accounting);
        assertThat(Files.readString(cluster.resolve("log/jobcomp.txt")))
                .containsPattern("(?s)(JobState=COMPLETED.*){4}")
                .doesNotContain("JobState=FAILED");

        TinyExperiment.Cli local = TinyExperiment.replica(
                env,
                "sweep",
                file.toString(),
                "--local",
                "2",
                "--seeds",
                "0-1",
                "--engines",
                "pytorch,mxnet",
                "--out",
                dir.resolve("local-runs").toString());
        assertThat(local.exit()).as(local.out() + local.err()).isZero();
        Path localDir =
                Files.list(dir.resolve("local-runs/tinysweep")).findFirst().orElseThrow();
        for (Sweep.Task t : sweep.tasks()) {
            assertThat(Files.readString(sweepDir.resolve(t.folder()).resolve("res/history.csv")))
                    .as(t.folder())
                    .isEqualTo(Files.readString(localDir.resolve(t.folder()).resolve("res/history.csv")));
        }
        assertThat(Files.readString(sweepDir.resolve("study.csv")))
                .isEqualTo(Files.readString(localDir.resolve("study.csv")));
    }
}
