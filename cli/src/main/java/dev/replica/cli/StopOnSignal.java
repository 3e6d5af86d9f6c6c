package dev.replica.cli;

import dev.replica.core.training.StopRequest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM while a run or a check trains: the first asks the loop to stop at the next
 * step boundary (a run writes a checkpoint of that step); the second stops the process at once, losing at
 * most the step under way (the last checkpoint is complete: every file is written to a temporary name
 * and renamed). The JVM's own handling would end the process while native engine threads still work
 * (MXNet's then crash in the exiting process). The exit status is the shell's, 128 + the signal's
 * number: 130 for SIGINT, 143 for SIGTERM.
 */
final class StopOnSignal implements AutoCloseable {

    /** The signals handled, by name, with their numbers. */
    static final Map<String, Integer> SIGNALS = Map.of("INT", 2, "TERM", 15);

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private StopOnSignal(StopRequest stop, PrintStream out, String stopping, String kept) {
        for (Map.Entry<String, Integer> e : SIGNALS.entrySet()) {
            Signal signal = new Signal(e.getKey());
            try {
                previous.add(Signal.handle(signal, s -> {
                    if (stop.requested()) {
                        out.println("\nStopping now (SIG" + e.getKey() + " again): " + kept + ".");
                        out.flush();
                        Runtime.getRuntime().halt(exitStatus("SIG" + e.getKey()));
                    }
                    stop.request("SIG" + e.getKey());
                    out.println("\nSIG" + e.getKey() + ": " + stopping + " (again to stop at once) ...");
                    out.flush();
                }));
                signals.add(signal);
            } catch (IllegalArgumentException ex) {
                // The JVM keeps this signal (e.g. started with -Xrs): the default stays.
            }
        }
    }

    /**
     * Handles SIGINT and SIGTERM until closed.
     *
     * @param stop where the first signal asks for a stop
     * @param out where to say so
     * @return the handlers; closing restores the previous ones
     */
    static StopOnSignal install(StopRequest stop, PrintStream out) {
        return install(stop, out, "stopping after this step, with a checkpoint of it", "the last checkpoint is kept");
    }

    /**
     * Handles SIGINT and SIGTERM until closed, saying what a stop does.
     *
     * @param stop where the first signal asks for a stop
     * @param out where to say so
     * @param stopping what the first signal does, e.g. {@code stopping after this step}
     * @param kept what a second signal leaves, e.g. {@code the last checkpoint is kept}
     * @return the handlers; closing restores the previous ones
     */
    static StopOnSignal install(StopRequest stop, PrintStream out, String stopping, String kept) {
        return new StopOnSignal(stop, out, stopping, kept);
    }

    /**
     * Returns the shell's exit status for a stop's reason.
     *
     * @param reason e.g. {@code SIGINT}
     * @return 128 + the signal's number
     */
    static int exitStatus(String reason) {
        Integer number = reason != null && reason.startsWith("SIG") ? SIGNALS.get(reason.substring(3)) : null;
        return 128 + (number == null ? SIGNALS.get("INT") : number);
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
