package dev.replica.bench;

import dev.replica.api.UserException;
import java.io.IOException;
import one.profiler.AsyncProfiler;

/**
 * async-profiler in this process, sampling every thread's Java and native stacks once a millisecond of
 * CPU time: the {@code cpu} event (perf events), or {@code itimer} where the kernel does not allow perf
 * events to this process (a container's {@code perf_event_paranoid}).
 */
final class SamplingProfiler {

    private final AsyncProfiler profiler;
    private final String event;

    private SamplingProfiler(AsyncProfiler profiler, String event) {
        this.profiler = profiler;
        this.event = event;
    }

    /**
     * Starts sampling.
     *
     * @return the running profiler
     * @throws UserException when async-profiler cannot load on this platform
     */
    static SamplingProfiler start() throws IOException {
        AsyncProfiler profiler;
        try {
            profiler = AsyncProfiler.getInstance();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new UserException("bench --profile: async-profiler cannot load here (" + e.getMessage()
                    + "); it has native libraries for Linux (x64, arm64) and macOS");
        }
        IllegalStateException refused = null;
        for (String event : new String[] {"cpu", "itimer"}) {
            try {
                profiler.execute("start,event=" + event + ",interval=1ms,threads,cstack=vm");
                return new SamplingProfiler(profiler, event);
            } catch (IllegalStateException e) {
                refused = e; // perf events not allowed here: the timer signal works everywhere
            }
        }
        throw new UserException("bench --profile: async-profiler could not start: " + refused.getMessage());
    }

    /**
     * Returns the event it samples on.
     *
     * @return {@code cpu} or {@code itimer}
     */
    String event() {
        return event;
    }

    /**
     * Stops sampling.
     *
     * @return the samples as collapsed stacks, a thread frame first, Java frames annotated
     * @throws IOException when the profiler cannot dump them
     */
    String stop() throws IOException {
        profiler.execute("stop");
        return profiler.execute("collapsed,ann");
    }
}
