package dev.replica.runner;

import dev.replica.api.EngineContext;
import dev.replica.api.engine.InstructionSet;
import java.nio.file.Path;
import java.util.Map;

/**
 * The settings a run reads from outside the experiment file, in one place so the manifest can record
 * them: where data lives, and where engines keep their determinism verdicts.
 *
 * @param dataRoot the folder datasets live under ({@code $REPLICA_DATA}, else a per-user data folder)
 * @param engine what engines are given when they open
 */
public record Environment(Path dataRoot, EngineContext engine) {

    /**
     * The environment with data under a folder and the engine context of this process.
     *
     * @param dataRoot the folder datasets live under
     */
    public Environment(Path dataRoot) {
        this(dataRoot, EngineContext.from(System.getenv()));
    }

    /**
     * Returns these settings for a command that goes on from a run folder (resume, eval, reproduce): {@code
     * engine.isa: auto} tries first the instruction set the folder's manifest records.
     *
     * @param runFolder the run folder
     * @return the settings; these when the folder records no setting
     */
    public Environment trainedLike(Path runFolder) {
        InstructionSet isa = RunAssembly.trainedAt(runFolder);
        return isa == null ? this : new Environment(dataRoot, engine.withTrainedAt(isa));
    }

    /**
     * Reads the settings from environment variables.
     *
     * @param env the environment, e.g. {@code System.getenv()}
     * @return the settings
     */
    public static Environment from(Map<String, String> env) {
        String data = env.get("REPLICA_DATA");
        if (data != null && !data.isBlank()) {
            return new Environment(Path.of(data).toAbsolutePath().normalize(), EngineContext.from(env));
        }
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return new Environment(base.resolve("replica").toAbsolutePath().normalize(), EngineContext.from(env));
    }
}
