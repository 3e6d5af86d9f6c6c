package dev.replica.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.runner.TinyExperiment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The project's own corpus of bad input, {@code bad-inputs.txt}: experiment files (a YAML bomb, deep
 * nesting, unsafe tags, duplicate keys, wrong types, out-of-range values, unknown plugins, missing or
 * misplaced files) and command lines (missing files, folders for files, overrides that do not parse).
 * Each must exit 2 with exactly its message, print no stack trace, and leave every file as it was.
 *
 * <p>A case is {@code === name}, then optional {@code --- setup} lines ({@code mkdir P}, {@code touch P},
 * {@code bytes P HEX}, {@code copy FROM TO}; run after the file is written), an optional {@code --- file}
 * (written to {@code {file}}), {@code --- args} and
 * {@code --- stderr}. {@code {dir}} is the case's folder and {@code {file}} its {@code case.yaml}. A stderr
 * ending in a line {@code ...} is a prefix (picocli follows its message with the usage).
 */
class BadInputCorpusTest {

    @TempDir
    Path root;

    /** One case of the corpus. */
    record Case(String name, List<String> setup, String file, String args, String stderr) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() throws IOException {
        String text;
        try (InputStream in = BadInputCorpusTest.class.getResourceAsStream("/bad-inputs.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> cases = new ArrayList<>();
        for (String block : text.split("(?m)^=== ")) {
            if (!block.contains("\n--- args\n")) {
                continue; // the header's comments
            }
            String name = block.substring(0, block.indexOf('\n')).strip();
            Map<String, String> parts = new TreeMap<>();
            String[] sections = block.substring(block.indexOf('\n') + 1).split("(?m)^--- ");
            for (String section : sections) {
                if (section.isEmpty()) {
                    continue;
                }
                int eol = section.indexOf('\n');
                parts.put(section.substring(0, eol).strip(), section.substring(eol + 1));
            }
            cases.add(new Case(
                    name,
                    parts.containsKey("setup")
                            ? parts.get("setup").strip().lines().toList()
                            : List.of(),
                    parts.containsKey("file") ? parts.get("file") : null,
                    parts.get("args").strip(),
                    parts.get("stderr").stripTrailing()));
        }
        return cases;
    }

    @Test
    void theCorpusHasAtLeastFortyCasesEachWithAMessage() throws IOException {
        List<Case> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
        assertThat(cases).allSatisfy(c -> assertThat(c.stderr()).as(c.name()).isNotBlank());
        assertThat(cases.stream().map(Case::name)).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachBadInputExitsTwoWithItsMessageAndWritesNothing(Case c) throws Exception {
        Path dir = Files.createDirectory(root.resolve(c.name()));
        Path file = dir.resolve("case.yaml");
        if (c.file() != null) {
            Files.writeString(file, fill(c.file(), dir, file), StandardCharsets.UTF_8);
        }
        for (String step : c.setup()) {
            String[] words = fill(step, dir, file).split(" ");
            switch (words[0]) {
                case "mkdir" -> Files.createDirectories(Path.of(words[1]));
                case "touch" -> Files.writeString(Path.of(words[1]), "");
                case "bytes" -> Files.write(Path.of(words[1]), HexFormat.of().parseHex(words[2]));
                case "copy" -> Files.copy(Path.of(words[1]), Path.of(words[2]));
                default -> throw new AssertionError("unknown setup step " + step);
            }
        }
        Map<String, String> before = snapshot(dir);

        TinyExperiment.Cli r = TinyExperiment.replica(
                dir.resolve("data"), fill(c.args(), dir, file).split(" "));

        String expected = fill(c.stderr(), dir, file);
        String actual = r.err().stripTrailing();
        assertThat(r.exit()).as(c.name() + ": " + r.err() + r.out()).isEqualTo(2);
        if (expected.endsWith("\n...")) {
            assertThat(actual).startsWith(expected.substring(0, expected.length() - 4));
        } else {
            assertThat(actual).isEqualTo(expected);
        }
        assertThat(r.err()).doesNotContain("\tat ", "Exception in thread");
        assertThat(snapshot(dir)).as("files after " + c.name()).isEqualTo(before);
    }

    private static String fill(String text, Path dir, Path file) {
        return text.replace("{file}", file.toString()).replace("{dir}", dir.toString());
    }

    /** Every path under the folder, with a file's size and a hash of its bytes. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                files.put(
                        dir.relativize(p).toString(),
                        Files.isRegularFile(p)
                                ? Files.size(p) + ":" + Arrays.hashCode(Files.readAllBytes(p))
                                : "folder");
            }
        }
        return files;
    }
}
