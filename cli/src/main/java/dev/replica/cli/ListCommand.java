package dev.replica.cli;

import dev.replica.api.Plugin;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code replica list}: every plugin by kind, with its version and description. */
@Command(name = "list", description = "List the plugins by kind, with versions and descriptions.")
final class ListCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PluginRegistry registry = parent.registry();
        PrintWriter out = spec.commandLine().getOut();
        int nameWidth = 4;
        int versionWidth = 7;
        for (PluginKind kind : PluginKind.values()) {
            for (Plugin p : registry.all(kind).values()) {
                nameWidth = Math.max(nameWidth, p.name().length());
                versionWidth = Math.max(versionWidth, p.version().length());
            }
        }
        String row = "  %-" + nameWidth + "s  %-" + versionWidth + "s  %s%n";
        boolean first = true;
        for (PluginKind kind : PluginKind.values()) {
            if (!first) {
                out.println();
            }
            first = false;
            out.println(kind.word() + " plugins:");
            if (registry.all(kind).isEmpty()) {
                out.println("  (none)");
            }
            for (Map.Entry<String, Plugin> e : registry.all(kind).entrySet()) {
                out.printf(row, e.getKey(), e.getValue().version(), e.getValue().description())
                        .flush();
            }
        }
        out.println();
        out.println("replica describe KIND/NAME shows a plugin's parameters.");
        out.flush();
        return 0;
    }
}
