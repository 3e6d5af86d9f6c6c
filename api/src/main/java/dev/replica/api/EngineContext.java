package dev.replica.api;

import dev.replica.api.engine.InstructionSet;
import dev.replica.api.engine.ProbeWorkload;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine plugin is given besides its parameters when it opens; a record so that it can grow
 * without breaking plugins.
 *
 * @param verdictCache where the determinism probe keeps its verdicts for this machine
 * @param workload what the probe trains: the experiment's own models, or {@code null} for the engine's
 *     small generic network (a library user who opens an engine without an experiment)
 * @param probeProcess whether this process is one of the probe's own: it loads with the instruction set
 *     it was given and proves nothing
 * @param fresh whether to probe again, ignoring kept verdicts ({@code replica doctor --fresh})
 * @param trainedAt the instruction set {@code engine.isa: auto} tries first, or {@code null}: the one a run
 *     folder's manifest records, so that resuming, evaluating or reproducing a run computes with the kernels
 *     that trained it (a process whose {@code auto} would choose otherwise, e.g. after a verdict was withdrawn)
 */
public record EngineContext(
        Path verdictCache, ProbeWorkload workload, boolean probeProcess, boolean fresh, InstructionSet trainedAt) {

    /** Checks that the cache folder is given, and that a run's setting is a setting. */
    public EngineContext {
        Objects.requireNonNull(verdictCache, "verdictCache");
        if (trainedAt == InstructionSet.AUTO) {
            throw new IllegalArgumentException("trainedAt: a run records the setting it used, never auto");
        }
    }

    /**
     * The context with the generic probe network.
     *
     * @param verdictCache where verdicts are kept
     */
    public EngineContext(Path verdictCache) {
        this(verdictCache, null, false, false, null);
    }

    /**
     * The context of a process whose environment is {@code env}: verdicts under
     * {@code $XDG_CACHE_HOME/replica/determinism}, else {@code ~/.cache/replica/determinism}.
     *
     * @param env the environment variables
     * @return the context
     */
    public static EngineContext from(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new EngineContext(base.resolve("replica").resolve("determinism"));
    }

    /**
     * Returns this context with a workload for the probe.
     *
     * @param probed what the probe trains
     * @return the context
     */
    public EngineContext withWorkload(ProbeWorkload probed) {
        return new EngineContext(verdictCache, probed, probeProcess, fresh, trainedAt);
    }

    /**
     * Returns this context with kept verdicts ignored: the probe runs again.
     *
     * @return the context
     */
    public EngineContext probingAgain() {
        return new EngineContext(verdictCache, workload, probeProcess, true, trainedAt);
    }

    /**
     * Returns this context for one of the probe's own processes.
     *
     * @return the context
     */
    public EngineContext inProbeProcess() {
        return new EngineContext(verdictCache, workload, true, fresh, trainedAt);
    }

    /**
     * Returns this context for a run that trained at an instruction set: {@code auto} tries it first.
     *
     * @param isa the setting the run's manifest records, or {@code null} for none
     * @return the context
     */
    public EngineContext withTrainedAt(InstructionSet isa) {
        return new EngineContext(verdictCache, workload, probeProcess, fresh, isa);
    }
}
