package dev.replica.runner.sweep;

import dev.replica.api.UserException;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Runs a sweep's unfinished tasks on this machine, N processes at a time. */
public final class LocalRunner {

    private LocalRunner() {}

    /**
     * Runs every task that has not finished, each in its own process, and waits for all.
     *
     * @param sweep the sweep
     * @param parallel how many at a time, at least 1
     * @param env the environment of each process (REPLICA_DATA and the engine's cache go through)
     * @param plugins the plugins folder, or {@code null}
     * @param out where to say what started and ended
     * @return how many tasks ended with a non-zero status
     * @throws InterruptedException when interrupted while waiting
     */
    public static int run(Sweep sweep, int parallel, Map<String, String> env, Path plugins, PrintStream out)
            throws InterruptedException {
        if (parallel < 1) {
            throw new UserException("--local " + parallel + " is not allowed; allowed: 1 or more processes at a time");
        }
        List<Sweep.Task> todo = new ArrayList<>();
        for (Sweep.Task t : sweep.tasks()) {
            Sweep.State s = sweep.state(t);
            if (s != Sweep.State.FINISHED && s != Sweep.State.RUNNING) {
                todo.add(t);
            }
        }
        out.println(
                "Running " + todo.size() + " of " + sweep.tasks().size() + " runs here, " + parallel + " at a time");
        try {
            SafeFiles.folderIn(sweep.dir(), "logs"); // once, before the tasks start side by side
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Integer>> ends = new ArrayList<>();
            for (Sweep.Task t : todo) {
                ends.add(pool.submit(() -> runOne(sweep, t, env, plugins, out)));
            }
            int failed = 0;
            for (Future<Integer> f : ends) {
                try {
                    failed += f.get() == 0 ? 0 : 1;
                } catch (ExecutionException e) {
                    throw new UserException(
                            "cannot start a run of " + sweep.dir() + ": "
                                    + e.getCause().getMessage(),
                            e.getCause());
                }
            }
            return failed;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int runOne(Sweep sweep, Sweep.Task task, Map<String, String> env, Path plugins, PrintStream out) {
        try {
            SafeFiles.refuseLink(sweep.log(task)); // the redirect would follow it
            ProcessBuilder pb = new ProcessBuilder(TaskCommand.of(sweep.runFolder(task), plugins));
            pb.environment().putAll(TaskCommand.absolute(env));
            pb.environment().put("DJL_OFFLINE", "true");
            pb.redirectErrorStream(true).redirectOutput(sweep.log(task).toFile());
            synchronized (out) {
                out.println("  started " + task.folder());
            }
            Process child = pb.start();
            int status;
            try {
                status = child.waitFor();
            } catch (InterruptedException e) {
                // The sweep is stopping: the task stops too (SIGTERM: it checkpoints, like any run).
                child.destroy();
                Thread.currentThread().interrupt();
                return 1;
            }
            sweep.recordExit(task, status);
            synchronized (out) {
                out.println("  "
                        + (status == 0 ? "finished " : "failed (exit " + status + ", log " + sweep.log(task) + ") ")
                        + task.folder());
            }
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
