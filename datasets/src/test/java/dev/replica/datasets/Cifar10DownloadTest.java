package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.UserException;
import dev.replica.api.seed.SeedStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The download path against a local HTTP server that serves archives the test builds. */
class Cifar10DownloadTest {

    private static final int PER_FILE = 2;
    private static final int TEST_RECORDS = 3;
    private static final String MISSING = "missing data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, "
            + "data_batch_4.bin, data_batch_5.bin, test_batch.bin; put the official binary files "
            + "(cifar-10-batches-bin) there or set dataset.params.root; ";

    @TempDir
    Path dir;

    private HttpServer server;
    private volatile byte[] served;
    private volatile int status = 200;
    private final AtomicInteger requests = new AtomicInteger();
    private URI uri;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", exchange -> {
            requests.incrementAndGet();
            byte[] body = status == 200 ? served : "no".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    /** An archive laid out as the official one, holding the fixture's files. */
    private static TarBuilder goodArchive() {
        TarBuilder tar = new TarBuilder().folder("cifar-10-batches-bin/");
        for (String name : Cifar10Files.REQUIRED) {
            tar.file("cifar-10-batches-bin/" + name, Cifar10Fixture.file(name, PER_FILE, TEST_RECORDS));
        }
        return tar.file("cifar-10-batches-bin/batches.meta.txt", Cifar10Fixture.META.getBytes(StandardCharsets.UTF_8))
                .file("cifar-10-batches-bin/readme.html", "<html></html>".getBytes(StandardCharsets.UTF_8));
    }

    private DataSplits open(Path root, String md5) {
        Cifar10Plugin plugin = new Cifar10Plugin(uri, md5);
        return plugin.open(
                plugin.schema().validate(Map.of("root", root.toString())).orElseThrow(),
                new DataContext(dir.resolve("unused"), SeedStream.root(0).child("data")));
    }

    private List<String> everythingUnder(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(p -> !p.equals(folder))
                    .map(p -> folder.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    @Test
    void aGoodArchiveIsCheckedUnpackedAndInstalled() throws Exception {
        served = goodArchive().tarGz();
        Path root = dir.resolve("data").resolve("cifar10");

        DataSplits data = open(root, Cifar10Fixture.md5(served));

        assertThat(everythingUnder(dir))
                .containsExactly(
                        "data",
                        "data/cifar10",
                        "data/cifar10/batches.meta.txt",
                        "data/cifar10/data_batch_1.bin",
                        "data/cifar10/data_batch_2.bin",
                        "data/cifar10/data_batch_3.bin",
                        "data/cifar10/data_batch_4.bin",
                        "data/cifar10/data_batch_5.bin",
                        "data/cifar10/readme.html",
                        "data/cifar10/test_batch.bin");
        for (String name : Cifar10Files.REQUIRED) {
            assertThat(root.resolve(name)).hasBinaryContent(Cifar10Fixture.file(name, PER_FILE, TEST_RECORDS));
            assertThat(data.provenance())
                    .containsEntry(
                            "cifar10.md5." + name,
                            Cifar10Fixture.md5(Cifar10Fixture.file(name, PER_FILE, TEST_RECORDS)));
        }
        assertThat(data.provenance()).containsEntry("cifar10.official", "false").containsEntry("cifar10.records", "13");
        assertThat(data.train().size()).isEqualTo(10);
        assertThat(data.test().size()).isEqualTo(3);

        open(root, Cifar10Fixture.md5(served));
        assertThat(requests).as("installed files are not downloaded again").hasValue(1);
    }

    @Test
    void anExistingEmptyFolderIsFilledWithoutTouchingWhatElseItHolds() throws Exception {
        served = goodArchive().tarGz();
        Path root = Files.createDirectories(dir.resolve("cifar10"));
        Files.writeString(root.resolve("readme.html"), "mine");

        open(root, Cifar10Fixture.md5(served));

        assertThat(root.resolve("readme.html")).hasContent("mine");
        assertThat(root.resolve("test_batch.bin")).exists();
        assertThat(everythingUnder(dir)).allMatch(p -> p.startsWith("cifar10"));
    }

    @Test
    void aWrongMd5IsRefusedAndLeavesNothingBehind() throws Exception {
        served = goodArchive().tarGz();
        Path root = dir.resolve("data").resolve("cifar10");
        String wrong = "0123456789abcdef0123456789abcdef";

        assertThatThrownBy(() -> open(root, wrong))
                .isInstanceOf(UserException.class)
                .hasMessage("CIFAR-10 not found in " + root + ": " + MISSING + "download failed: " + uri
                        + " gave an archive with md5 " + Cifar10Fixture.md5(served) + ", expected " + wrong
                        + "; refused, nothing was installed");
        assertThat(everythingUnder(dir)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cifar-10-batches-bin/../../evil.bin", "../evil.bin", "ABSOLUTE"})
    void anArchiveWithAnEntryOutsideItsFolderIsRefusedAndLeavesNothingBehind(String entry) throws Exception {
        String name = entry.equals("ABSOLUTE") ? dir.resolve("evil.bin").toString() : entry;
        served = goodArchive()
                .file(name, "evil".getBytes(StandardCharsets.UTF_8))
                .tarGz();
        Path root = dir.resolve("data").resolve("cifar10");
        String why = entry.equals("ABSOLUTE") ? "has an absolute or empty name" : "points outside the archive's folder";

        assertThatThrownBy(() -> open(root, Cifar10Fixture.md5(served)))
                .isInstanceOf(UserException.class)
                .hasMessage("CIFAR-10 not found in " + root + ": " + MISSING + "download failed: archive entry '" + name
                        + "' " + why + "; refused; nothing was installed");
        assertThat(everythingUnder(dir)).isEmpty();
        assertThat(dir.getParent().resolve("evil.bin")).doesNotExist();
    }

    @Test
    void anArchiveWithALinkIsRefusedAndLeavesNothingBehind() throws Exception {
        served = new TarBuilder()
                .link("cifar-10-batches-bin/data_batch_1.bin", '2', "/etc/passwd")
                .tarGz();
        Path root = dir.resolve("cifar10");

        assertThatThrownBy(() -> open(root, Cifar10Fixture.md5(served)))
                .hasMessageEndingWith("download failed: archive entry 'cifar-10-batches-bin/data_batch_1.bin' is a "
                        + "symbolic link; links are refused; nothing was installed");
        assertThat(everythingUnder(dir)).isEmpty();
    }

    @Test
    void anArchiveWithoutAllTheFilesIsRefused() throws Exception {
        served = new TarBuilder()
                .file("cifar-10-batches-bin/data_batch_1.bin", Cifar10Fixture.records(0, 1))
                .tarGz();
        Path root = dir.resolve("cifar10");

        assertThatThrownBy(() -> open(root, Cifar10Fixture.md5(served)))
                .hasMessageEndingWith("download failed: the archive from " + uri + " has no data_batch_2.bin, "
                        + "data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin in "
                        + "cifar-10-batches-bin/; nothing was installed");
        assertThat(everythingUnder(dir)).isEmpty();
    }

    @Test
    void anHttpErrorIsReported() {
        status = 404;
        Path root = dir.resolve("cifar10");

        assertThatThrownBy(() -> open(root, "0"))
                .hasMessage("CIFAR-10 not found in " + root + ": " + MISSING + "download failed: HTTP 404 from " + uri);
        assertThat(root).doesNotExist();
    }

    @Test
    void anUnreachableServerIsReported() throws Exception {
        server.stop(0);
        Path root = dir.resolve("cifar10");

        assertThatThrownBy(() -> open(root, "0"))
                .hasMessageStartingWith("CIFAR-10 not found in " + root + ": " + MISSING
                        + "download failed: cannot fetch or unpack " + uri + ": ConnectException");
        assertThat(everythingUnder(dir)).isEmpty();
    }

    @Test
    void whatIsNotGzipIsReported() throws Exception {
        served = "not an archive".getBytes(StandardCharsets.UTF_8);
        Path root = dir.resolve("cifar10");

        assertThatThrownBy(() -> open(root, Cifar10Fixture.md5(served)))
                .hasMessageEndingWith(
                        "download failed: cannot fetch or unpack " + uri + ": ZipException: Not in GZIP format");
        assertThat(everythingUnder(dir)).isEmpty();
    }
}
