package dev.replica.api;

import dev.replica.api.seed.SeedStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a dataset plugin receives from the run.
 *
 * @param dataRoot the folder datasets live under by default ({@code $REPLICA_DATA})
 * @param seeds the stream {@code data} of the run, for anything fixed for the whole run (e.g. which
 *     examples are held out for validation)
 */
public record DataContext(Path dataRoot, SeedStream seeds) {

    /** Checks that no component is {@code null}. */
    public DataContext {
        Objects.requireNonNull(dataRoot, "dataRoot");
        Objects.requireNonNull(seeds, "seeds");
    }
}
