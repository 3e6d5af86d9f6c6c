package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TarExtractorTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void extractsTheFilesDirectlyInsideTheFolderAndSkipsTheRest() throws Exception {
        String longName = "cifar-10-batches-bin/" + "a".repeat(120) + ".bin";
        byte[] tar = new TarBuilder()
                .folder("cifar-10-batches-bin/")
                .file("cifar-10-batches-bin/one.bin", bytes("one"))
                .file("cifar-10-batches-bin/nested/two.bin", bytes("two"))
                .file("other/three.bin", bytes("three"))
                .file("./cifar-10-batches-bin/four.bin", bytes("four"))
                .longNamedFile(longName, bytes("long"))
                .paxNamedFile("cifar-10-batches-bin/pax.bin", bytes("pax"))
                .tar();

        assertThat(TarExtractor.extract(new ByteArrayInputStream(tar), "cifar-10-batches-bin", dir))
                .containsExactly("one.bin", "four.bin", "a".repeat(120) + ".bin", "pax.bin");

        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()))
                    .containsExactlyInAnyOrder("one.bin", "four.bin", "a".repeat(120) + ".bin", "pax.bin");
        }
        assertThat(dir.resolve("pax.bin")).hasContent("pax");
        assertThat(dir.resolve("a".repeat(120) + ".bin")).hasContent("long");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "cifar-10-batches-bin/../../evil.bin|0||archive entry 'cifar-10-batches-bin/../../evil.bin' points outside "
                        + "the archive's folder; refused",
                "../evil.bin|0||archive entry '../evil.bin' points outside the archive's folder; refused",
                "/tmp/evil.bin|0||archive entry '/tmp/evil.bin' has an absolute or empty name; refused",
                "cifar-10-batches-bin/link.bin|2|/etc/passwd|archive entry 'cifar-10-batches-bin/link.bin' is a symbolic "
                        + "link; links are refused",
                "cifar-10-batches-bin/hard.bin|1|cifar-10-batches-bin/one.bin|archive entry 'cifar-10-batches-bin/hard.bin' "
                        + "is a hard link; links are refused",
                "cifar-10-batches-bin/dev|3||archive entry 'cifar-10-batches-bin/dev' has type '3' (not a file or folder); "
                        + "refused"
            })
    void refusesEntriesThatAreUnsafe(String name, char type, String link, String message) throws Exception {
        byte[] tar = new TarBuilder()
                .file("cifar-10-batches-bin/one.bin", bytes("one"))
                .entry(name, type, link == null ? "" : link, new byte[0])
                .tar();

        assertThatThrownBy(() -> TarExtractor.extract(new ByteArrayInputStream(tar), "cifar-10-batches-bin", dir))
                .isInstanceOf(TarExtractor.TarException.class)
                .hasMessage(message);
    }

    @Test
    void refusesAFileThatAppearsTwice() {
        byte[] tar = new TarBuilder()
                .file("cifar-10-batches-bin/one.bin", bytes("one"))
                .file("cifar-10-batches-bin/one.bin", bytes("evil"))
                .tar();

        assertThatThrownBy(() -> TarExtractor.extract(new ByteArrayInputStream(tar), "cifar-10-batches-bin", dir))
                .hasMessage("archive entry 'cifar-10-batches-bin/one.bin' appears twice or would overwrite a file; "
                        + "refused");
        assertThat(dir.resolve("one.bin")).hasContent("one");
    }

    @Test
    void refusesWhatIsNotATarArchive() {
        byte[] junk = new byte[2048];
        junk[0] = 'x';

        assertThatThrownBy(() -> TarExtractor.extract(new ByteArrayInputStream(junk), "cifar-10-batches-bin", dir))
                .hasMessage("not a tar archive, or a corrupt one: header checksum mismatch at entry 'x'");
        assertThatThrownBy(() -> TarExtractor.extract(new ByteArrayInputStream(new byte[0]), "f", dir))
                .hasMessage("the archive is empty");
    }
}
