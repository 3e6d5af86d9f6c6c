package dev.replica.runner;

import dev.replica.api.UserException;
import dev.replica.core.record.RunFolder;
import dev.replica.core.record.RunLock;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.StopRequest;
import dev.replica.core.training.TrainingStoppedException;
import dev.replica.core.training.WriteFailedException;
import dev.replica.report.Report;
import dev.replica.runner.config.Experiment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The one way an experiment trains into its run folder, for {@code run}, {@code run --resume}, {@code
 * reproduce}, a sweep's tasks (which are {@code run --resume} in a process of their own) and the Java API:
 * the folder is locked while it trains; a stop request stops at the next step with a checkpoint; a folder
 * that was just started and trained nothing before a user error is removed, with the folders starting it
 * made; a finished run gets its report.
 */
public final class RunLifecycle {

    /** What a front end says as a run goes; every method does nothing by default. */
    public interface Events {
        /**
         * The lock was taken over from a process that ended without releasing it.
         *
         * @param previous the process that held it, as its lock file says
         */
        default void tookOverLock(String previous) {}

        /**
         * A new folder that trained nothing was removed after a user error.
         *
         * @param folder the folder
         */
        default void removedUnstarted(Path folder) {}
    }

    /**
     * What a finished run left.
     *
     * @param outcome the trained run: folder, table, checksums
     * @param report the report written into the folder
     */
    public record Finished(ExperimentRunner.Outcome outcome, Report.Written report) {}

    private final ExperimentRunner runner;

    /**
     * Creates the lifecycle around a runner.
     *
     * @param runner the runner
     */
    public RunLifecycle(ExperimentRunner runner) {
        this.runner = Objects.requireNonNull(runner, "runner");
    }

    /**
     * Trains an experiment to its end in its run folder, under the folder's exclusive lock, and writes the
     * report.
     *
     * @param experiment the experiment
     * @param folder its run folder, {@code experiment.yaml} written
     * @param holder the command, as the lock names it (e.g. {@code run}, {@code reproduce})
     * @param started whether the folder was just started, and may be removed if nothing trained
     * @param listener told of every step, evaluation and epoch
     * @param stop asked at every step
     * @param events told of what a user should hear
     * @return the finished run
     * @throws TrainingStoppedException when {@code stop} was requested: a checkpoint is written, the folder
     *     kept, and {@code run --resume} goes on
     * @throws WriteFailedException when a file could not be written: the folder is kept, to resume
     * @throws UserException for any other user error; a started folder that trained nothing is gone
     * @throws IOException when writing fails
     */
    public Finished train(
            Experiment experiment,
            RunFolder folder,
            String holder,
            boolean started,
            ProgressListener listener,
            StopRequest stop,
            Events events)
            throws IOException {
        RunLock lock;
        try {
            lock = RunLock.exclusive(folder.path(), holder);
        } catch (UserException e) {
            if (started) {
                folder.deleteIfOnlyStarted();
            }
            throw e;
        }
        try (lock) {
            lock.takenOverFrom().ifPresent(events::tookOverLock);
            ExperimentRunner.Outcome outcome;
            try {
                outcome = runner.run(experiment, folder, listener, stop);
            } catch (WriteFailedException e) {
                throw e; // the folder holds what trained: free space and resume
            } catch (UserException e) {
                lock.close(); // before the folder, and its lock file, may go
                if (started && folder.deleteIfOnlyStarted()) {
                    events.removedUnstarted(folder.path());
                }
                throw e;
            }
            return new Finished(outcome, Report.write(folder.path()));
        }
    }
}
