package dev.replica.api.engine;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the determinism probe trains to prove that an engine computes the same bits in two processes:
 * the experiment's own models, as their plugins build them, on the experiment's first batches (oneDNN
 * chooses its kernels by shape, so only the real models prove the real run). A child process runs
 * {@code childMain} with {@code childArgs} and then the instruction-set word, and prints its traces.
 *
 * @param signature what the proof is about (models, parameters, shapes, batch, seed): a verdict is kept
 *     for this signature and no other
 * @param description the signature in words, for messages
 * @param childMain the class whose {@code main} trains the workload in a child process
 * @param childArgs its arguments before the instruction-set word
 * @param steps how many first steps are traced
 * @param classPath class path entries the child needs besides this JVM's (plugin jars loaded from a
 *     folder)
 */
public record ProbeWorkload(
        String signature,
        String description,
        String childMain,
        List<String> childArgs,
        int steps,
        List<String> classPath) {

    /** What starts the line on which a probe process prints its traces (JSON, one per model). */
    public static final String ANSWER_MARK = "REPLICA-PROBE ";

    /**
     * What starts the line on which a probe process says that the workload itself is wrong (a user error
     * the run would stop with): the probe stops with that message instead of blaming the machine.
     */
    public static final String USER_ERROR_MARK = "REPLICA-PROBE-USER-ERROR ";

    /** Checks the components. */
    public ProbeWorkload {
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(childMain, "childMain");
        childArgs = List.copyOf(childArgs);
        classPath = List.copyOf(classPath);
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, was " + steps);
        }
    }

    /**
     * Returns the jars that a plugins folder added for a plugin: what a child process needs on its class
     * path to find it.
     *
     * @param plugin any plugin
     * @return file paths, empty for a plugin on the class path
     */
    public static List<String> classPathOf(Object plugin) {
        List<String> entries = new ArrayList<>();
        for (ClassLoader l = plugin.getClass().getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    if ("file".equals(url.getProtocol())) {
                        try {
                            entries.add(Path.of(url.toURI()).toString());
                        } catch (URISyntaxException | IllegalArgumentException e) {
                            entries.add(new File(url.getPath()).getPath());
                        }
                    }
                }
            }
        }
        return entries;
    }
}
