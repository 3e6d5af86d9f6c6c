package dev.replica.cli;

import dev.replica.api.Plugin;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Values;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code replica describe NAME}: a plugin's parameters from its schema (key, type, default, allowed
 * values, description). A name that several kinds use must be written {@code KIND/NAME}.
 */
@Command(
        name = "describe",
        description = "Show a plugin's parameters: key, type, default, allowed values, description.")
final class DescribeCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "a plugin's name, or KIND/NAME, e.g. model/resnet")
    String name;

    @Override
    public Integer call() {
        PluginRegistry registry = parent.registry();
        PluginKind kind = find(registry);
        Plugin plugin = registry.get(kind, name.substring(name.indexOf('/') + 1));
        PrintWriter out = spec.commandLine().getOut();
        out.println(kind.word() + "/" + plugin.name() + " (version " + plugin.version() + ", "
                + plugin.getClass().getName() + ")");
        if (!plugin.description().isEmpty()) {
            out.println("  " + plugin.description());
        }
        out.println();
        List<ParameterSpec> specs = plugin.schema().specs();
        if (specs.isEmpty()) {
            out.println("No parameters.");
            out.flush();
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"key", "type", "default", "allowed", "description"});
        for (ParameterSpec s : specs) {
            rows.add(new String[] {
                s.key(),
                s.type().shortName(),
                s.required() ? "(required)" : Values.render(s.defaultValue()),
                allowed(s),
                s.description()
            });
        }
        int[] widths = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < widths.length; i++) {
                line.append(String.format("%-" + widths[i] + "s  ", r[i]));
            }
            out.println(line.append(r[4]).toString().stripTrailing());
        }
        out.flush();
        return 0;
    }

    /** The kind that {@code name} means, or a user error naming the matches or what exists. */
    private PluginKind find(PluginRegistry registry) {
        int slash = name.indexOf('/');
        if (slash >= 0) {
            String word = name.substring(0, slash);
            for (PluginKind k : PluginKind.values()) {
                if (k.word().equals(word)) {
                    if (!registry.has(k, name.substring(slash + 1))) {
                        throw new UserException(registry.unknownMessage(k, name.substring(slash + 1)));
                    }
                    return k;
                }
            }
            List<String> words = new ArrayList<>();
            for (PluginKind k : PluginKind.values()) {
                words.add(k.word());
            }
            throw new UserException("unknown plugin kind '" + word + "' in '" + name + "'; allowed: " + words);
        }
        List<PluginKind> matches = new ArrayList<>();
        for (PluginKind k : PluginKind.values()) {
            if (registry.has(k, name)) {
                matches.add(k);
            }
        }
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new UserException("unknown plugin '" + name + "'; available: " + all(registry));
        }
        List<String> qualified = new ArrayList<>();
        for (PluginKind k : matches) {
            qualified.add(k.word() + "/" + name);
        }
        throw new UserException("'" + name + "' names " + matches.size() + " plugins: " + String.join(", ", qualified)
                + "; write KIND/NAME, e.g. replica describe " + qualified.get(0));
    }

    private static String allowed(ParameterSpec s) {
        return s.allowed().isEmpty() && s.min() == null && s.max() == null ? "any" : s.allowedText();
    }

    private static List<String> all(PluginRegistry registry) {
        List<String> names = new ArrayList<>();
        for (PluginKind k : PluginKind.values()) {
            for (String n : registry.all(k).keySet()) {
                names.add(k.word() + "/" + n);
            }
        }
        return names;
    }
}
