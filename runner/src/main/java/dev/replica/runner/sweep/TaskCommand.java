package dev.replica.runner.sweep;

import dev.replica.runner.ThisJava;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The command that trains one task: this very build's Java and class path running {@code replica run
 * --resume <run folder>}. A planned folder holds only its experiment, so the first attempt trains from
 * the start and a later one continues from the checkpoint: the same command serves both, here and on a
 * cluster whose nodes see the same paths.
 */
final class TaskCommand {

    private TaskCommand() {}

    /**
     * Returns the command for a run folder: this JVM's Java, options (heap size, system properties) and
     * class path, and the plugins folder when there is one.
     *
     * @param runFolder the task's run folder
     * @param plugins the folder of plugin jars this command loaded, or {@code null}
     * @return the program and its arguments
     */
    static List<String> of(Path runFolder, Path plugins) {
        return ThisJava.replica(
                plugins,
                List.of(
                        "run",
                        "--resume",
                        runFolder.toAbsolutePath().normalize().toString()));
    }

    /**
     * Returns an environment in which the folders Replica reads from variables are absolute, so a task
     * started in another working directory (a cluster node's) finds them.
     *
     * @param env the caller's environment
     * @return a copy with REPLICA_DATA and REPLICA_PLUGINS made absolute
     */
    static Map<String, String> absolute(Map<String, String> env) {
        Map<String, String> copy = new HashMap<>(env);
        for (String key : List.of("REPLICA_DATA", "REPLICA_PLUGINS")) {
            String value = copy.get(key);
            if (value != null && !value.isBlank()) {
                copy.put(key, Path.of(value).toAbsolutePath().normalize().toString());
            }
        }
        return copy;
    }

    /**
     * Quotes a word for a POSIX shell.
     *
     * @param word the word
     * @return it in single quotes
     */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
