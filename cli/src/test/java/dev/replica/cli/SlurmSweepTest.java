package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.InCi;
import dev.replica.runner.TinyExperiment;
import dev.replica.runner.sweep.Sweep;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
        Map<String, String> env = cluster();
        Path file = dir.resolve("study.yaml");
        Files.writeString(
                file,
                SweepTest.study(
                        "  res: {plugin: resnet, params: {depth: 18, width: 4}}",
                        "cluster: {cpus: 1, memory: 1G, time: \"00:10:00\"}"));
        Submitted submitted = submit(env, file, "0-1", "pytorch,mxnet", 4);
        Matcher id = submitted.id();
        Path sweepDir = submitted.sweepDir();
        Sweep sweep = Sweep.open(sweepDir);

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!sweep.tasks().stream()
                .allMatch(t -> sweep.state(t) == Sweep.State.FINISHED || sweep.state(t) == Sweep.State.FAILED)) {
            assertThat(System.nanoTime())
                    .as("the job array did not end within 5 minutes")
                    .isLessThan(deadline);
            Thread.sleep(1000);
        }
        CliRun.Result status = CliRun.replica(env, "sweep", "--status", sweepDir.toString());
        assertThat(status.out())
                .as("the tasks' logs:%n%s", logs(sweep))
                .contains("4 finished of 4 runs; Slurm jobs " + id.group(1));
        CliRun.Result gathered = CliRun.replica(env, "sweep", "--gather", sweepDir.toString());
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
        String accounting = slurm(
                env, "sacct -c --format=JobID,JobName%20,Partition,State,ExitCode,Start,End,NodeList 2>/dev/null");
        System.out.println("Slurm job array " + id.group(1) + ", sacct -c:\n" + accounting);
        assertThat(Files.readString(cluster.resolve("log/jobcomp.txt")))
                .containsPattern("(?s)(JobState=COMPLETED.*){4}")
                .doesNotContain("JobState=FAILED");

        Path localDir = sweepHere(env, file, "0-1", "pytorch,mxnet");
        for (Sweep.Task t : sweep.tasks()) {
            assertThat(Files.readString(sweepDir.resolve(t.folder()).resolve("res/history.csv")))
                    .as(t.folder())
                    .isEqualTo(Files.readString(localDir.resolve(t.folder()).resolve("res/history.csv")));
        }
        assertThat(Files.readString(sweepDir.resolve("study.csv")))
                .isEqualTo(Files.readString(localDir.resolve("study.csv")));
    }

    /** Every task's log, for a failure's message. */
    private static String logs(Sweep sweep) throws IOException {
        StringBuilder s = new StringBuilder();
        for (Sweep.Task t : sweep.tasks()) {
            Path log = sweep.log(t);
            s.append("--- ").append(log).append('\n');
            s.append(Files.isRegularFile(log) ? Files.readString(log) : "(none)\n");
        }
        return s.toString();
    }

    /** Starts the one-node cluster, skipping (or failing in CI) where Slurm is not installed. */
    private Map<String, String> cluster() throws Exception {
        boolean installed = sh("bash", "-c", "command -v sbatch && command -v slurmctld && command -v munged") != null;
        InCi.skipUnlessAvailable(installed, "Slurm is not installed here (apt-get install slurm-wlm munge)");
        cluster = dir.resolve("slurm");
        String conf = sh("../tools/slurm/single-node.sh", "start", cluster.toString());
        assertThat(conf)
                .as("the one-node cluster started (see " + cluster.resolve("log") + ")")
                .isNotNull();
        Map<String, String> env =
                new HashMap<>(TinyExperiment.env(dir.resolve("data").toString()));
        env.put("SLURM_CONF", conf.strip());
        return env;
    }

    /** A submitted sweep: the "Submitted job array" line matched (group 1 the job id) and its folder. */
    private record Submitted(Matcher id, Path sweepDir) {}

    private Submitted submit(Map<String, String> env, Path file, String seeds, String engines, int runs)
            throws IOException {
        CliRun.Result submitted = sweep(env, file, seeds, engines, "slurm-runs", "--slurm");
        Matcher id = Pattern.compile("Submitted job array (\\d+) \\(" + runs + " runs\\)")
                .matcher(submitted.out());
        assertThat(id.find()).as(submitted.out()).isTrue();
        return new Submitted(id, only(dir.resolve("slurm-runs/tinysweep")));
    }

    /** The same sweep run here ({@code --local 2}): its folder. */
    private Path sweepHere(Map<String, String> env, Path file, String seeds, String engines) throws IOException {
        sweep(env, file, seeds, engines, "local-runs", "--local", "2");
        return only(dir.resolve("local-runs/tinysweep"));
    }

    private CliRun.Result sweep(
            Map<String, String> env, Path file, String seeds, String engines, String out, String... where) {
        List<String> args = new ArrayList<>(List.of("sweep", file.toString()));
        args.addAll(List.of(where));
        args.addAll(List.of(
                "--seeds",
                seeds,
                "--engines",
                engines,
                "--out",
                dir.resolve(out).toString()));
        CliRun.Result r = CliRun.replica(env, args.toArray(new String[0]));
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        return r;
    }

    private static Path only(Path folder) throws IOException {
        try (Stream<Path> sweeps = Files.list(folder)) {
            return sweeps.findFirst().orElseThrow();
        }
    }

    /** A Slurm command on the test's cluster: its output, or null when it failed. */
    private static String slurm(Map<String, String> env, String command) throws Exception {
        return sh("bash", "-c", "SLURM_CONF=" + env.get("SLURM_CONF") + " " + command);
    }

    private static void await(String what, long deadline, Check done) throws Exception {
        while (!done.holds()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    /** The epoch of a model's checkpoint, 0 before its first. */
    private static int checkpointEpoch(Path run) throws IOException {
        Path progress = run.resolve("res/checkpoint/progress.json");
        if (!Files.isRegularFile(progress)) {
            return 0;
        }
        Matcher m = Pattern.compile("\"epoch\":\\s*(\\d+)").matcher(Files.readString(progress));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The two ways a task ends early on a cluster, on the real one: SIGTERM to the batch shell (as Slurm
     * sends it before a time limit) is passed on to the run, which stops with a checkpoint (exit 143); a
     * task resubmitted and then preempted by a job of a higher partition is requeued by Slurm, and its next
     * attempt resumes from its checkpoint. It ends as the same sweep run here, uninterrupted.
     */
    @Test
    void aTaskStoppedBySigtermOrPreemptedResumesFromItsCheckpoint() throws Exception {
        Map<String, String> env = cluster();
        Path file = dir.resolve("long.yaml");
        Files.writeString(
                file,
                SweepTest.study("  res: {plugin: resnet, params: {depth: 18, width: 4}}", "cluster: {cpus: 1}")
                        .replace("train_size: 48", "train_size: 320")
                        .replace("epochs: 2", "epochs: 8"));
        // MXNet: PyTorch's native kernels gave this model a NaN gradient in epoch 2 on an AMD Zen 5.
        Submitted submitted = submit(env, file, "0", "mxnet", 1);
        Matcher id = submitted.id();
        Path sweepDir = submitted.sweepDir();
        Sweep sweep = Sweep.open(sweepDir);
        Sweep.Task task = sweep.tasks().get(0);
        Path run = sweepDir.resolve(task.folder());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);

        // SIGTERM to the batch shell only (B:), once the run has a checkpoint: the shell passes it on.
        await("a first checkpoint", deadline, () -> checkpointEpoch(run) >= 1);
        String shell = slurm(env, "scancel --batch --signal=TERM " + id.group(1) + "_" + task.index());
        assertThat(shell).as("scancel --batch --signal=TERM").isNotNull();
        Path exit = sweepDir.resolve("exit").resolve(Integer.toString(task.index()));
        await(
                "the task's exit status",
                deadline,
                () -> Files.isRegularFile(exit) && sweep.state(task) != Sweep.State.RUNNING);
        assertThat(Files.readString(exit).strip()).isEqualTo("143");
        assertThat(sweep.state(task)).isEqualTo(Sweep.State.STOPPED);
        String log = Files.readString(sweepDir.resolve("logs").resolve(task.index() + ".out"));
        assertThat(log).contains("SIGTERM: stopping after this step", "Stopped: model 'res' stopped (SIGTERM)");
        int stoppedAt = checkpointEpoch(run);
        assertThat(stoppedAt).isLessThan(8);

        // Resubmitted, then preempted by an 'urgent' job that needs the whole node: requeued, and resumed.
        CliRun.Result again = CliRun.replica(env, "sweep", "--resubmit-failed", sweepDir.toString(), "--slurm");
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        Matcher second = Pattern.compile("Submitted job array (\\d+)").matcher(again.out());
        assertThat(second.find()).as(again.out()).isTrue();
        String job = second.group(1) + "_" + task.index();
        await("a checkpoint of the resubmitted task", deadline, () -> checkpointEpoch(run) > stoppedAt);
        String urgent = slurm(
                env,
                "sbatch --parsable --partition=urgent --exclusive --job-name=urgent --output=/dev/null --wrap 'sleep 2'");
        assertThat(urgent).as("the urgent job was submitted").isNotNull();
        Path completions = cluster.resolve("log/jobcomp.txt");
        await("Slurm preempted and requeued the task", deadline, () -> {
            String shown = slurm(env, "scontrol -o show job " + job);
            return shown != null
                    && Pattern.compile("Restarts=[1-9]").matcher(shown).find();
        });
        int preemptedAt = checkpointEpoch(run);
        // A requeued job waits two minutes before it may start again (from when its first attempt has ended,
        // which may be after the requeue is shown): bring its start forward until it has started.
        await("the requeued task to start again", deadline, () -> {
            String shown = slurm(env, "scontrol -o show job " + job);
            if (shown != null && shown.contains("Reason=BeginTime")) {
                slurm(env, "scontrol update jobid=" + job + " starttime=now");
            }
            return shown == null || !shown.contains("JobState=PENDING");
        });
        await("the requeued task to finish", deadline, () -> sweep.state(task) == Sweep.State.FINISHED);
        String requeued = Files.readString(sweepDir.resolve("logs").resolve(task.index() + ".out"));
        assertThat(requeued)
                .as("the requeued attempt resumed from the checkpoint")
                .contains("Resuming " + run);
        System.out.println("Stopped by SIGTERM after epoch " + stoppedAt + ", preempted after epoch " + preemptedAt
                + "; job completions:\n" + (Files.isRegularFile(completions) ? Files.readString(completions) : ""));

        Path localDir = sweepHere(env, file, "0", "mxnet");
        assertThat(Files.readString(run.resolve("res/history.csv")))
                .isEqualTo(Files.readString(localDir.resolve(task.folder()).resolve("res/history.csv")));
    }
}
