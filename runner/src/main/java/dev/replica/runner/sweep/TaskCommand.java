package dev.replica.runner.sweep;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
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
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            boolean debugging = option.startsWith("-javaagent")
                    || option.startsWith("-agentlib")
                    || option.startsWith("-Xrunjdwp")
                    || option.equals("-Xdebug");
            if (!debugging && !option.equals("-Dai.djl.offline=true")) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.replica.runner.cli.ReplicaCli");
        if (plugins != null) {
            command.add("--plugins");
            command.add(plugins.toAbsolutePath().normalize().toString());
        }
        command.add("run");
        command.add("--resume");
        command.add(runFolder.toAbsolutePath().normalize().toString());
        return command;
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
