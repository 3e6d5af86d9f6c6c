package dev.replica.cli;

import dev.replica.core.state.EpochRecord;
import dev.replica.core.training.ProgressListener;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import sun.misc.Signal;

/**
 * For the tests of stopping and resuming: runs the CLI and, at a known point of training, sends a signal
 * to its own process, so the real handlers (or the kernel, for SIGKILL) act on it exactly there. It
 * reaches the CLI through {@link #main}, a test-only entry point, and the progress seam of {@link
 * ReplicaCli#execute}: the product ships no test hook.
 *
 * <p>The point is the system property {@code replica.test.signal} = {@code <label>:<epoch>:<step>:<what>},
 * step 0 meaning after the epoch's checkpoint, and what one of {@code INT}, {@code TERM}, {@code KILL},
 * {@code INT2} (two SIGINTs: stop at once) or {@code HOLD} (wait, holding the run folder, until a file
 * named {@code release} appears in the working directory).
 */
public final class SignalsForTests implements ProgressListener {

    /**
     * Runs the CLI like {@link ReplicaCli#main}, signalling itself at the point the property names.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        String spec = System.getProperty("replica.test.signal");
        System.exit(ReplicaCli.execute(
                args, System.getenv(), System.out, System.err, shown -> new SignalsForTests(shown, spec, System.out)));
    }

    private final ProgressListener inner;
    private final String label;
    private final int epoch;
    private final int step;
    private final String what;
    private final PrintStream out;
    private boolean sent;

    SignalsForTests(ProgressListener inner, String spec, PrintStream out) {
        this.inner = inner;
        String[] parts = spec.split(":");
        this.label = parts[0];
        this.epoch = Integer.parseInt(parts[1]);
        this.step = Integer.parseInt(parts[2]);
        this.what = parts[3];
        this.out = out;
    }

    @Override
    public void stepTrained(String l, int e, int s, int steps) {
        inner.stepTrained(l, e, s, steps);
        if (l.equals(label) && e == epoch && s == step) {
            send();
        }
    }

    @Override
    public void step(String l, int e, int epochs, int s, int steps, double loss, double accuracy) {
        inner.step(l, e, epochs, s, steps, loss, accuracy);
    }

    @Override
    public void evaluation(String l, String split, int done, int total) {
        inner.evaluation(l, split, done, total);
    }

    @Override
    public void epoch(String l, EpochRecord record, int epochs) {
        inner.epoch(l, record, epochs);
        if (l.equals(label) && record.epoch() == epoch && step == 0) {
            send();
        }
    }

    /** Sends the signal, then waits long enough for its handler to act before training goes on. */
    private void send() {
        if (sent) {
            return;
        }
        sent = true;
        out.println(
                (what.equals("HOLD") ? "" : "SIGNAL ") + what + " at " + label + " epoch " + epoch + " step " + step);
        out.flush();
        if (what.equals("HOLD")) {
            // Keep the run (and its lock) alive until the test creates a file named 'release'.
            for (int i = 0; i < 1200 && !Files.exists(Path.of("release")); i++) {
                pause();
            }
            return;
        }
        if (what.equals("KILL")) {
            // The JVM cannot raise SIGKILL through Signal; the kernel's kill does, as a user's kill -9 would.
            try {
                new ProcessBuilder(
                                "kill",
                                "-9",
                                Long.toString(ProcessHandle.current().pid()))
                        .start()
                        .waitFor();
                pause();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new AssertionError("still alive after kill -9");
        }
        String name = what.equals("INT2") ? "INT" : what;
        Signal.raise(new Signal(name));
        pause();
        if (what.equals("INT2")) {
            Signal.raise(new Signal(name));
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
