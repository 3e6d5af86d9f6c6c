package dev.replica.runner;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The command line of a fresh process of this very build: this JVM's Java, its options (heap size,
 * system properties, those of Replica's settings set at run time too; not debugging agents) and class
 * path, running the {@code replica} command line.
 * A sweep's tasks and the benchmark's workers start this way.
 *
 * <p>The entry point is named, not imported: it is in the cli module, above this one, and every process
 * that starts sweeps or benchmarks runs the command line, so it is on the class path.
 */
public final class ThisJava {

    /** The command line's main class (the cli module's). */
    static final String MAIN_CLASS = "dev.replica.cli.ReplicaCli";

    /** The prefix of the system properties that are Replica's settings, e.g. {@code replica.isa.auto}. */
    static final String SETTINGS_PREFIX = "replica.";

    private ThisJava() {}

    /**
     * Returns the command for a {@code replica} command line in a fresh JVM.
     *
     * @param plugins the folder of plugin jars this process loaded, or {@code null}
     * @param args the subcommand and its arguments
     * @return the program and its arguments
     */
    public static List<String> replica(Path plugins, List<String> args) {
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
        // Replica's own settings set in this JVM without being options (as surefire sets a test JVM's pins on
        // the instruction sets): a task or worker of this build runs as configured as its parent.
        List<String> given = List.copyOf(command);
        new TreeMap<>(System.getProperties()).forEach((key, value) -> {
            String name = String.valueOf(key);
            if (name.startsWith(SETTINGS_PREFIX) && given.stream().noneMatch(o -> o.startsWith("-D" + name + "="))) {
                command.add("-D" + name + "=" + value);
            }
        });
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        if (plugins != null) {
            command.add("--plugins");
            command.add(plugins.toAbsolutePath().normalize().toString());
        }
        command.addAll(args);
        return command;
    }
}
