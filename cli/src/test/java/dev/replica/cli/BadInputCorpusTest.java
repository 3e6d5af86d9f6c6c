package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The project's own corpora of bad input, {@code bad-inputs.txt} and {@code hostile-inputs.txt}:
 * experiment files (a YAML bomb, deep nesting, unsafe tags, duplicate keys, wrong types, out-of-range
 * values, unknown plugins, missing or misplaced files) and command lines (missing files, folders for
 * files, overrides that do not parse); and
 * hostile files and run folders (links planted where Replica writes, labels that climb out of the folder,
 * values that would inject lines into a job script, files that inflate, overflowing numbers, edited state
 * files). Each must exit 2 with exactly its message, print no stack trace, and leave every file under the
 * test's temporary folder as it was, the neighbours of every planted link included.
 *
 * <p>A case is {@code === name}, then optional {@code --- setup} lines ({@code mkdir P}, {@code touch P},
 * {@code bytes P HEX}, {@code copy FROM TO}, {@code write P TEXT} with {@code \n} for a line end,
 * {@code link P TARGET}, {@code fifo P}, {@code sparse P BYTES}; run after the file is written), an optional
 * {@code --- file}
 * (written to {@code {file}}), {@code --- args} and
 * {@code --- stderr}. {@code {dir}} is the case's folder, {@code {file}} its {@code case.yaml} and
 * {@code {root}} the temporary folder around it, where victims of planted links live. A stderr
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
        List<Case> cases = new ArrayList<>(cases("/bad-inputs.txt"));
        cases.addAll(cases("/hostile-inputs.txt"));
        return cases;
    }

    static List<Case> cases(String resource) throws IOException {
        String text;
        try (InputStream in = BadInputCorpusTest.class.getResourceAsStream(resource)) {
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
    void theHostileCorpusHasAtLeastFortyCases() throws IOException {
        assertThat(cases("/hostile-inputs.txt")).hasSizeGreaterThanOrEqualTo(40);
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
            String[] words = fill(step, dir, file).split(" ", 3);
            Path p = Path.of(words[1]);
            switch (words[0]) {
                case "mkdir" -> Files.createDirectories(p);
                case "touch" -> Files.writeString(p, "");
                case "bytes" -> Files.write(p, HexFormat.of().parseHex(words[2]));
                case "copy" -> Files.copy(p, Path.of(words[2]));
                case "write" -> Files.writeString(p, words[2].replace("\\n", "\n"), StandardCharsets.UTF_8);
                case "link" -> Files.createSymbolicLink(p, Path.of(words[2]));
                case "fifo" ->
                    assertThat(new ProcessBuilder("mkfifo", p.toString())
                                    .start()
                                    .waitFor())
                            .isZero();
                case "sparse" -> {
                    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                        f.setLength(Long.parseLong(words[2]));
                    }
                }
                default -> throw new AssertionError("unknown setup step " + step);
            }
        }
        Map<String, String> before = snapshot(root);

        CliRun.Result r = CliRun.replica(
                dir.resolve("data"),
                Stream.of(fill(c.args(), dir, file).split(" "))
                        .map(a -> a.replace("\\n", "\n"))
                        .toArray(String[]::new));
        Map<String, String> after = snapshot(root);

        String expected = fill(c.stderr(), dir, file);
        String actual = r.err().stripTrailing();
        assertThat(r.exit()).as(c.name() + ": " + r.err() + r.out()).isEqualTo(2);
        if (expected.endsWith("\n...")) {
            assertThat(actual).startsWith(expected.substring(0, expected.length() - 4));
        } else {
            assertThat(actual).isEqualTo(expected);
        }
        assertThat(r.err()).doesNotContain("\tat ", "Exception in thread");
        assertThat(after).as("files after " + c.name()).isEqualTo(before);
    }

    private String fill(String text, Path dir, Path file) {
        return text.replace("{file}", file.toString())
                .replace("{dir}", dir.toString())
                .replace("{root}", root.toString());
    }

    /**
     * Every path under the folder, links not followed: a link with its target, a file with its size and
     * a hash of its bytes (a sparse file's holes hashed as they are read), a folder, FIFO or device by kind.
     */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "link to " + Files.readSymbolicLink(p);
                } else if (Files.isRegularFile(p)) {
                    // A planted sparse file is gigabytes of holes: its size and time stand for its bytes.
                    what = Files.size(p) > (64 << 20)
                            ? Files.size(p) + ":" + Files.getLastModifiedTime(p)
                            : Files.size(p) + ":" + SafeFiles.sha256(p);
                } else {
                    what = Files.isDirectory(p) ? "folder" : "special";
                }
                files.put(dir.relativize(p).toString(), what);
            }
        }
        return files;
    }
}
