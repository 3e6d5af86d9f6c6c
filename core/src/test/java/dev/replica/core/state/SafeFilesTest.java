package dev.replica.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.UserException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared write primitive refuses links planted where it writes, and names stay in their folder. */
class SafeFilesTest {

    @TempDir
    Path root;

    private Path victim() throws IOException {
        return Files.writeString(root.resolve("victim.txt"), "keep me\n");
    }

    @Test
    void aLinkedTemporarySiblingIsRefusedAndItsTargetKept() throws IOException {
        Path victim = victim();
        Path run = Files.createDirectory(root.resolve("run"));
        Files.createSymbolicLink(run.resolve("report.md.tmp"), victim);

        assertThatThrownBy(() -> SafeFiles.writeAtomically(run.resolve("report.md"), "hostile\n"))
                .isInstanceOf(UserException.class)
                .hasMessageContaining("report.md.tmp is a symbolic link");
        assertThat(victim).hasContent("keep me");
        assertThat(run.resolve("report.md")).doesNotExist();
    }

    @Test
    void aLinkedFileOrFolderIsRefused() throws IOException {
        Path victim = victim();
        Path run = Files.createDirectory(root.resolve("run"));
        Files.createSymbolicLink(run.resolve("summary.md"), victim);
        Path elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        Files.createSymbolicLink(run.resolve("eval"), elsewhere);

        assertThatThrownBy(() -> SafeFiles.writeAtomically(run.resolve("summary.md"), "x"))
                .hasMessageContaining("summary.md is a symbolic link");
        assertThatThrownBy(() -> SafeFiles.writeAtomically(run.resolve("eval").resolve("a.md"), "x"))
                .hasMessageContaining("eval is a symbolic link");
        assertThatThrownBy(() -> SafeFiles.folderIn(run, "eval")).hasMessageContaining("eval is a symbolic link");
        assertThat(victim).hasContent("keep me");
        try (var list = Files.list(elsewhere)) {
            assertThat(list).isEmpty();
        }
    }

    @Test
    void aStaleTemporaryFileIsReplaced() throws IOException {
        Path file = root.resolve("a.csv");
        Files.writeString(root.resolve("a.csv.tmp"), "half a file from a crash");
        SafeFiles.writeAtomically(file, "whole\n");
        assertThat(file).hasContent("whole");
        assertThat(root.resolve("a.csv.tmp")).doesNotExist();
    }

    @Test
    void namesThatLeaveTheirFolderAreRefused() {
        for (String name : new String[] {"..", ".", "", "h/../../x-loss.png", "a\\b", "a\nb"}) {
            assertThatThrownBy(() -> SafeFiles.fileIn(root, name))
                    .as(name)
                    .isInstanceOf(UserException.class)
                    .hasMessageContaining("is not a plain file name");
        }
        assertThat(SafeFiles.fileIn(root, "res-loss.png")).isEqualTo(root.resolve("res-loss.png"));
    }

    @Test
    void aLinkAnywhereInARunFolderIsRefused() throws IOException {
        Path run = Files.createDirectories(root.resolve("run/res/checkpoint"));
        SafeFiles.refuseLinksIn(root.resolve("run"), "run folder");
        Files.createSymbolicLink(run.resolve("progress.json"), victim());
        assertThatThrownBy(() -> SafeFiles.refuseLinksIn(root.resolve("run"), "run folder"))
                .hasMessageContaining("run/res/checkpoint/progress.json is a symbolic link");
    }

    @Test
    void readsTakeOnlyRegularFilesOfABoundedSize() throws IOException {
        assertThatThrownBy(() -> SafeFiles.readText(Path.of("/dev/zero"), "experiment file"))
                .isInstanceOf(UserException.class)
                .hasMessage("/dev/zero is not a regular file (it is a device, FIFO or socket); give the experiment "
                        + "file as a plain file");
        Path big = root.resolve("big.yaml");
        try (var f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(SafeFiles.TEXT_LIMIT + 1);
        }
        assertThatThrownBy(() -> SafeFiles.readText(big, "experiment file"))
                .hasMessageContaining("more than Replica reads as an experiment file");
    }

    /** Sweep tasks started side by side make the same folder: the one that loses the race uses it too. */
    @Test
    void aFolderMadeByAnotherThreadAtTheSameMomentIsUsed() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 300; round++) {
                Path sweep = Files.createDirectory(root.resolve("sweep-" + round));
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Path>> made = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    made.add(pool.submit(() -> {
                        start.await();
                        return SafeFiles.folderIn(sweep, "logs");
                    }));
                }
                for (Future<Path> f : made) {
                    assertThat(f.get()).isDirectory().isEqualTo(sweep.resolve("logs"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
