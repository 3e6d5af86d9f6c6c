package dev.replica.runner.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that trains one task: this very build's Java and class path running {@code replica run
 * --resume <run folder>}. A planned folder holds only its experiment, so the first attempt trains from
 * the start and a later one continues from the checkpoint: the same command serves both, here and on a
 * cluster whose nodes see the same paths.
 */
final class TaskCommand {

    private TaskCommand() {}

    /**
     * Returns the command for a run folder.
     *
     * @param runFolder the task's run folder
     * @return the program and its arguments
     */
    static List<String> of(Path runFolder) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.replica.runner.cli.ReplicaCli");
        command.add("run");
        command.add("--resume");
        command.add(runFolder.toAbsolutePath().normalize().toString());
        return command;
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
