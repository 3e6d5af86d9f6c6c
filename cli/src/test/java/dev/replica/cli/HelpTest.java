package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.Command;

/** Every subcommand answers -h and --help with its usage and exit status 0; the top level --version. */
class HelpTest {

    /** Every subcommand, hidden ones included, as ReplicaCli declares them. */
    static Stream<String> subcommands() {
        return Stream.of(ReplicaCli.class.getAnnotation(Command.class).subcommands())
                .map(c -> c.getAnnotation(Command.class).name());
    }

    /** The subcommand's own description, which its usage must show (and not the top level's). */
    private static String description(String name) {
        return Stream.of(ReplicaCli.class.getAnnotation(Command.class).subcommands())
                .map(c -> c.getAnnotation(Command.class))
                .filter(c -> c.name().equals(name))
                .flatMap(c -> Stream.of(c.description()))
                .findFirst()
                .orElse("");
    }

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ReplicaCli.execute(
                args,
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {
            String.valueOf(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
        };
    }

    @ParameterizedTest
    @MethodSource("subcommands")
    void everySubcommandPrintsItsUsageForDashDashHelp(String name) {
        String[] result = run(name, "--help");
        assertThat(result[2]).as("stderr of %s --help", name).isEmpty();
        assertThat(result[0]).as("exit status of %s --help", name).isEqualTo("0");
        assertThat(result[1]).startsWith("Usage: replica " + name).contains("-h, --help");
        // The usage wraps the description; compare them with every run of white space as one space.
        assertThat(result[1].replaceAll("\\s+", " ")).contains(description(name).replaceAll("\\s+", " "));
        assertThat(result[1]).doesNotContain("Seeded, deterministic");
    }

    @ParameterizedTest
    @MethodSource("subcommands")
    void everySubcommandPrintsItsUsageForDashH(String name) {
        String[] result = run(name, "-h");
        assertThat(result[0]).as("exit status of %s -h", name).isEqualTo("0");
        assertThat(result[1]).startsWith("Usage: replica " + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void theTopLevelPrintsItsUsage(String option) {
        String[] result = run(option);
        assertThat(result[0]).isEqualTo("0");
        assertThat(result[1]).startsWith("Usage: replica").contains("reproduce", "sweep", "doctor");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "-V"})
    void theTopLevelPrintsItsVersion(String option) {
        String[] result = run(option);
        assertThat(result[0]).isEqualTo("0");
        assertThat(result[1]).startsWith("replica ");
    }
}
