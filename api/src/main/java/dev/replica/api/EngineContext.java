package dev.replica.api;

import dev.replica.api.engine.DeterminismProbe;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine plugin is given besides its parameters when it opens; a record so that it can grow
 * without breaking plugins.
 *
 * @param verdictCache where the determinism probe keeps its verdicts for this machine
 */
public record EngineContext(Path verdictCache) {

    /** Checks that no component is {@code null}. */
    public EngineContext {
        Objects.requireNonNull(verdictCache, "verdictCache");
    }

    /**
     * The context of a process whose environment is {@code env}: verdicts under
     * {@code $XDG_CACHE_HOME/replica/determinism}, else {@code ~/.cache/replica/determinism}.
     *
     * @param env the environment variables
     * @return the context
     */
    public static EngineContext from(Map<String, String> env) {
        return new EngineContext(DeterminismProbe.defaultCacheFolder(env));
    }
}
