package dev.replica.runner.cli;

import dev.replica.core.state.EpochRecord;
import dev.replica.core.training.ProgressListener;
import java.io.PrintStream;

/**
 * For the resume tests: after a given epoch's checkpoint is written, print {@code PAUSED} and wait
 * forever, so a test can kill the process with SIGKILL at a known point. It reaches the CLI through
 * {@link #main}, a test-only entry point, so no test hook ships in the product.
 */
public final class PauseForTests implements ProgressListener {

    /**
     * Runs the CLI like {@link ReplicaCli#main}, pausing after the epoch that the system property
     * {@code replica.pause.after} names as {@code <label>:<epoch>}.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        String spec = System.getProperty("replica.pause.after");
        System.exit(ReplicaCli.execute(
                args, System.getenv(), System.out, System.err, shown -> new PauseForTests(shown, spec, System.out)));
    }

    private final ProgressListener inner;
    private final String label;
    private final int epoch;
    private final PrintStream out;

    PauseForTests(ProgressListener inner, String spec, PrintStream out) {
        this.inner = inner;
        int colon = spec.lastIndexOf(':');
        this.label = spec.substring(0, colon);
        this.epoch = Integer.parseInt(spec.substring(colon + 1));
        this.out = out;
    }

    @Override
    public void step(String l, int e, int epochs, int step, int steps, double loss, double accuracy) {
        inner.step(l, e, epochs, step, steps, loss, accuracy);
    }

    @Override
    public void evaluation(String l, String split, int done, int total) {
        inner.evaluation(l, split, done, total);
    }

    @Override
    public void epoch(String l, EpochRecord record, int epochs) {
        inner.epoch(l, record, epochs);
        if (l.equals(label) && record.epoch() == epoch) {
            out.println("PAUSED after " + l + " epoch " + epoch);
            out.flush();
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
