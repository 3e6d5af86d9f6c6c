package dev.replica.runner;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a fresh process of this very build: this JVM's Java, its options (heap size,
 * system properties; not debugging agents) and class path, running the {@code replica} command line.
 * A sweep's tasks and the benchmark's workers start this way.
 *
 * <p>The entry point is named, not imported: it is in the cli module, above this one, and every process
 * that starts sweeps or benchmarks runs the command line, so it is on the class path.
 */
public final class ThisJava {

    /** The command line's main class (the cli module's). */
    static final String MAIN_CLASS = "dev.replica.cli.ReplicaCli";

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
