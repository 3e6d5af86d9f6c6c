package dev.replica.cli;

import dev.replica.core.state.EpochRecord;
import dev.replica.core.state.Numbers;
import dev.replica.core.training.ProgressListener;
import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress as plain periodic lines, for output that is not a terminal (CI logs, files): about ten per
 * epoch and at least one every 30 seconds, a line every 30 seconds of a long evaluation, then one line
 * per epoch. Reads the clock for display only.
 */
final class ConsoleProgress implements ProgressListener {

    private static final long INTERVAL_NANOS = 30_000_000_000L;

    private final PrintStream out;
    private final int batchSize;
    private final LongSupplier clock;
    private final StepRate rate;
    private long lastLine;
    private long evalStart;
    private long lastEvalLine;

    /**
     * Creates the display.
     *
     * @param out where lines go
     * @param batchSize training examples per step, for images per second; 0 leaves the rate out
     */
    ConsoleProgress(PrintStream out, int batchSize) {
        this(out, batchSize, System::nanoTime);
    }

    /**
     * Creates the display on a given clock, a seam for tests.
     *
     * @param out where lines go
     * @param batchSize training examples per step, for images per second; 0 leaves the rate out
     * @param clock nanoseconds
     */
    ConsoleProgress(PrintStream out, int batchSize, LongSupplier clock) {
        this.out = out;
        this.batchSize = batchSize;
        this.clock = clock;
        this.rate = new StepRate(clock);
    }

    @Override
    public void stepTrained(String label, int epoch, int step, int steps) {
        rate.trained(step);
    }

    @Override
    public void step(String label, int epoch, int epochs, int step, int steps, double meanLoss, double accuracy) {
        long now = clock.getAsLong();
        if (step == 1) {
            lastLine = now;
        }
        boolean tenth = step % Math.max(1, steps / 10) == 0;
        double stepsPerSecond = rate.perSecond();
        if (stepsPerSecond > 0 && step < steps && (tenth || now - lastLine > INTERVAL_NANOS)) {
            double eta = (steps - rate.lastStep()) / stepsPerSecond;
            out.printf(
                    "  %s epoch %d/%d step %d/%d  loss %s  acc %s%%  %.1f steps/s%s  epoch ETA %s%n",
                    label,
                    epoch,
                    epochs,
                    step,
                    steps,
                    Numbers.fixed(meanLoss, 4),
                    Numbers.fixed(100 * accuracy, 2),
                    stepsPerSecond,
                    batchSize > 0 ? String.format(" (%.1f img/s)", stepsPerSecond * batchSize) : "",
                    duration(eta));
            lastLine = now;
        }
    }

    @Override
    public void evaluation(String label, String split, int done, int total) {
        long now = clock.getAsLong();
        if (evalStart == 0) {
            evalStart = now;
            lastEvalLine = now;
        }
        if (done < total && now - lastEvalLine > INTERVAL_NANOS) {
            double elapsed = (now - evalStart) / 1e9;
            double rate = done / Math.max(elapsed, 1e-9);
            out.printf(
                    "  %s %s %d/%d images  %.1f img/s  ETA %s%n",
                    label, split, done, total, rate, duration((total - done) / Math.max(rate, 1e-9)));
            lastEvalLine = now;
        }
        if (done >= total) {
            evalStart = 0;
        }
    }

    @Override
    public void epoch(String label, EpochRecord r, int epochs) {
        out.printf(
                "%s epoch %d/%d  lr %s  train loss %s acc %s%%  val loss %s acc %s%%  (%.0f s, %.1f img/s)%n",
                label,
                r.epoch(),
                epochs,
                Numbers.significant(r.lr(), 4),
                Numbers.fixed(r.trainLoss(), 4),
                Numbers.fixed(100 * r.trainAccuracy(), 2),
                Numbers.fixed(r.valLoss(), 4),
                Numbers.fixed(100 * r.valAccuracy(), 2),
                r.trainSeconds() + r.evalSeconds(),
                r.trainExamples() / Math.max(r.trainSeconds(), 1e-9));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format("%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
