package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.Batch;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.Params;
import dev.replica.api.seed.SeedStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10PluginTest {

    private static final int PER_FILE = 3;
    private static final int TEST_RECORDS = 4;
    private static final int PIXELS = 3 * 32 * 32;

    @TempDir
    Path dir;

    /** A plugin whose download would go nowhere: none of these tests may reach it. */
    private final Cifar10Plugin plugin = new Cifar10Plugin(URI.create("http://127.0.0.1:9/none.tar.gz"), "0");

    private DataSplits open(Path root, Map<String, Object> params) {
        return open(root, params, 0);
    }

    private DataSplits open(Path root, Map<String, Object> params, long seed) {
        Map<String, Object> all = new LinkedHashMap<>(params);
        all.put("root", root.toString());
        Params p = plugin.schema().validate(all).orElseThrow();
        return plugin.open(
                p,
                new DataContext(dir.resolve("data-root"), SeedStream.root(seed).child("data")));
    }

    /** The global record number of each example of a split, read back from its first pixel. */
    private static List<Integer> records(ExampleSet set) {
        int[] all = new int[set.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Batch b = set.batch(all, null);
        List<Integer> records = new ArrayList<>();
        for (int k = 0; k < b.size(); k++) {
            float first = b.features()[k * PIXELS];
            int g = 0;
            while (Cifar10Fixture.normalised(0, g) != first) {
                g++;
            }
            records.add(g);
        }
        return records;
    }

    @Test
    void decodesLabelsAndChannelPlanesAndNormalisesWithTheStudysConstants() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        DataSplits data = open(root, Map.of("augment", false));

        int[] examples = {0, 4, 14};
        Batch batch = data.train().batch(examples, null);

        assertThat(batch.shape()).isEqualTo(new Shape(3, 3, 32, 32));
        assertThat(batch.labels())
                .containsExactly(Cifar10Fixture.label(0), Cifar10Fixture.label(4), Cifar10Fixture.label(14));
        for (int k = 0; k < examples.length; k++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int pixel = Cifar10Fixture.pixel(examples[k], c, y, x);
                        assertThat(batch.features()[k * PIXELS + c * 1024 + y * 32 + x])
                                .as("example %d channel %d (%d, %d)", examples[k], c, y, x)
                                .isEqualTo(Cifar10Fixture.normalised(c, pixel));
                    }
                }
            }
        }
        Batch test = data.test().batch(new int[] {1}, null);
        assertThat(test.labels()).containsExactly(Cifar10Fixture.label(5 * PER_FILE + 1));
        assertThat(test.features()[0]).isEqualTo(Cifar10Fixture.normalised(0, 5 * PER_FILE + 1));
    }

    @Test
    void normalisesInFloatArithmeticAsTorchvisionDoes() {
        Normalization n = Normalization.CIFAR10;
        assertThat(n.value(0, 0)).isEqualTo(-0.4914f / 0.2470f);
        assertThat(n.value(1, 255)).isEqualTo((1f - 0.4822f) / 0.2435f);
        assertThat(n.value(2, 128)).isEqualTo((128f / 255f - 0.4465f) / 0.2616f);
        assertThat(n.value(0, 0)).isEqualTo(-1.9894737f);
    }

    @Test
    void describesTheSplitsShapesAndClasses() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        DataSplits data = open(root, Map.of());
        assertThat(data.classNames())
                .containsExactly(
                        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

        assertThat(data.classes()).isEqualTo(10);
        assertThat(data.exampleShape()).isEqualTo(new Shape(3, 32, 32));
        assertThat(data.train().size()).isEqualTo(5 * PER_FILE);
        assertThat(data.test().size()).isEqualTo(TEST_RECORDS);
        assertThat(data.validation()).isSameAs(data.test());
        assertThat(data.validationSource()).isEqualTo("test");
    }

    @Test
    void limitKeepsOnlyTheFirstTrainingExamplesAndTestLimitTheFirstTestExamples() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);

        DataSplits data = open(root, Map.of("limit", 4, "test_limit", 2));
        assertThat(records(data.train())).containsExactly(0, 1, 2, 3);
        assertThat(records(data.test())).containsExactly(15, 16);

        DataSplits more = open(root, Map.of("limit", 1000));
        assertThat(more.train().size()).isEqualTo(5 * PER_FILE);
    }

    @Test
    void holdoutIsAPureFunctionOfTheSeedAndDisjointFromTraining() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        Map<String, Object> params = Map.of("validation", "holdout", "holdout", 5, "augment", false);

        DataSplits first = open(root, params, 7);
        DataSplits again = open(root, params, 7);
        DataSplits other = open(root, params, 8);

        List<Integer> held = records(first.validation());
        List<Integer> kept = records(first.train());
        assertThat(first.validationSource()).isEqualTo("holdout:5");
        assertThat(held).hasSize(5).isSorted();
        assertThat(kept).hasSize(10).isSorted().doesNotContainAnyElementsOf(held);
        Set<Integer> union = new HashSet<>(held);
        union.addAll(kept);
        assertThat(union).hasSize(15).allMatch(g -> g < 15);
        assertThat(records(again.validation())).isEqualTo(held);
        assertThat(records(other.validation())).isNotEqualTo(held);
        assertThat(records(first.test())).containsExactly(15, 16, 17, 18);

        Holdout expected = Holdout.draw(15, 5, SeedStream.root(7).child("data").child("holdout"));
        assertThat(held)
                .containsExactlyElementsOf(
                        Arrays.stream(expected.validation()).boxed().toList());
    }

    @Test
    void holdoutMustLeaveTrainingExamples() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);

        assertThat(plugin.schema()
                        .validate(Map.of("validation", "holdout", "limit", 1000))
                        .problems())
                .containsExactly(new ParameterProblem("holdout", "5000 is out of range; allowed: < limit (1000)"));
        assertThatThrownBy(() -> open(root, Map.of("validation", "holdout")))
                .isInstanceOf(UserException.class)
                .hasMessage("dataset.params.holdout is 5000 but only 15 training examples are used; "
                        + "allowed: fewer than the training examples");
    }

    @Test
    void missingFilesAreNamedWithTheFolderAndWhatToDo() throws IOException {
        Path root = dir.resolve("empty");

        assertThatThrownBy(() -> open(root, Map.of("download", false)))
                .isInstanceOf(UserException.class)
                .hasMessage("CIFAR-10 not found in " + root + ": missing data_batch_1.bin, data_batch_2.bin, "
                        + "data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin; put the official "
                        + "binary files (cifar-10-batches-bin) there or set dataset.params.root; download is off "
                        + "(dataset.params.download: false)");
        assertThat(root).doesNotExist();
    }

    @Test
    void missingFilesUnderTheDataRootPointAtReplicaData() {
        Params p = plugin.schema().validate(Map.of("download", false)).orElseThrow();
        Path dataRoot = dir.resolve("data-root");

        assertThatThrownBy(() -> plugin.open(
                        p, new DataContext(dataRoot, SeedStream.root(0).child("data"))))
                .isInstanceOf(UserException.class)
                .hasMessage("CIFAR-10 not found in " + dataRoot.resolve("cifar10") + ": missing data_batch_1.bin, "
                        + "data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin; "
                        + "put the official binary files (cifar-10-batches-bin) there, set dataset.params.root, "
                        + "or set REPLICA_DATA; download is off (dataset.params.download: false)");
    }

    @Test
    void aFolderWithSomeOfTheFilesIsNotDownloadedInto() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        Files.delete(root.resolve("data_batch_2.bin"));
        Files.delete(root.resolve("data_batch_4.bin"));

        assertThatThrownBy(() -> open(root, Map.of()))
                .isInstanceOf(UserException.class)
                .hasMessage("CIFAR-10 not found in " + root + ": missing data_batch_2.bin, data_batch_4.bin; put "
                        + "the official binary files (cifar-10-batches-bin) there or set dataset.params.root; no "
                        + "download: the folder already holds data_batch_1.bin, data_batch_3.bin, data_batch_5.bin, "
                        + "test_batch.bin; add the missing files or empty the folder");
    }

    @Test
    void provenanceRecordsEachFilesMd5TheRecordsAndWhetherTheyAreOfficial() throws Exception {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);

        DataSplits data = open(root, Map.of("limit", 2, "test_limit", 1));

        Map<String, String> expected = new TreeMap<>();
        for (String name : Cifar10Files.REQUIRED) {
            expected.put("cifar10.md5." + name, Cifar10Fixture.md5(Files.readAllBytes(root.resolve(name))));
        }
        expected.put("cifar10.files", "6");
        expected.put("cifar10.official", "false");
        expected.put("cifar10.records", "19");
        expected.put("cifar10.root", root.toString());
        expected.put(
                "cifar10.unofficial_files",
                "data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, "
                        + "data_batch_4.bin, data_batch_5.bin, test_batch.bin");
        assertThat(data.provenance()).containsExactlyEntriesOf(expected);
    }

    @Test
    void readsTheFolderWithoutChangingIt() throws Exception {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        Map<String, String> before = snapshot(root);

        open(root, Map.of("validation", "holdout", "holdout", 3))
                .train()
                .batch(
                        new int[] {0, 1},
                        SeedStream.root(0).child("data/augment").child(1));

        assertThat(snapshot(root)).isEqualTo(before);
    }

    private static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                files.put(
                        p.getFileName().toString(),
                        Cifar10Fixture.md5(Files.readAllBytes(p)) + " " + Files.getLastModifiedTime(p));
            }
        }
        return files;
    }

    @Test
    void refusesAFileThatIsNotAWholeNumberOfRecords() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        Path bad = root.resolve("data_batch_3.bin");
        Files.write(bad, new byte[Cifar10Fixture.RECORD + 5]);

        assertThatThrownBy(() -> open(root, Map.of()))
                .isInstanceOf(UserException.class)
                .hasMessage(bad + " has 3078 bytes, not a whole number of 3073-byte records (1 label byte + 3072 "
                        + "pixels); it is truncated or not CIFAR-10 binary");
    }

    @Test
    void refusesALabelOutsideTheTenClasses() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        byte[] test = Files.readAllBytes(root.resolve("test_batch.bin"));
        test[2 * Cifar10Fixture.RECORD] = 12;
        Files.write(root.resolve("test_batch.bin"), test);

        assertThatThrownBy(() -> open(root, Map.of()))
                .isInstanceOf(UserException.class)
                .hasMessage(root.resolve("test_batch.bin") + " record 2 has label 12; CIFAR-10 labels are 0-9: the "
                        + "file is corrupt or not CIFAR-10 binary");
    }

    @Test
    void refusesBadFilesBeforeTrainingNamingEachAndWhatIsWrong() throws IOException {
        Path root = Cifar10Fixture.write(dir.resolve("c"), PER_FILE, TEST_RECORDS);
        Path batch = root.resolve("data_batch_2.bin");
        byte[] good = Files.readAllBytes(batch);

        Files.write(batch, new byte[0]);
        assertThatThrownBy(() -> open(root, Map.of()))
                .hasMessage(batch + " is empty; it should hold CIFAR-10 records of 3073 bytes");

        Files.write(batch, new byte[3074 * 3]); // CIFAR-100's records: coarse and fine label bytes
        assertThatThrownBy(() -> open(root, Map.of()))
                .hasMessage(batch + " has 9222 bytes, not a whole number of 3073-byte records (1 label byte + 3072 "
                        + "pixels); its size fits 3074-byte records: CIFAR-100's layout (2 label bytes), not "
                        + "CIFAR-10's");

        Files.write(batch, Arrays.copyOf(good, good.length - 100)); // truncated inside a record
        assertThatThrownBy(() -> open(root, Map.of()))
                .hasMessageEndingWith(
                        "-byte records (1 label byte + 3072 pixels); it is truncated or not CIFAR-10 " + "binary");

        Files.write(batch, new byte[Cifar10Fixture.RECORD * 10_001]); // oversized
        assertThatThrownBy(() -> open(root, Map.of()))
                .hasMessage(batch + " has 10001 records; a CIFAR-10 binary file holds 10000: it is oversized, or "
                        + "several files joined into one");

        Files.delete(batch);
        Files.createDirectory(batch);
        assertThatThrownBy(() -> open(root, Map.of()))
                .isInstanceOf(UserException.class)
                .hasMessage(batch + " is a folder; CIFAR-10 needs the binary file of that name there");
    }

    @Test
    void aFileWhereTheFolderShouldBeIsNamed() throws IOException {
        Path file = dir.resolve("cifar.tar");
        Files.writeString(file, "not a folder");
        assertThatThrownBy(() -> open(file, Map.of()))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith(
                        "CIFAR-10's folder " + file + " is a file; give the folder that holds " + "data_batch_1.bin, ");
    }

    @Test
    void schemaDefaultsArePinned() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("root", "");
        expected.put("limit", 0);
        expected.put("test_limit", 0);
        expected.put("validation", "test");
        expected.put("holdout", 5000);
        expected.put("augment", true);
        expected.put("download", true);
        expected.put("normalization", "mean_std");
        assertThat(new Cifar10Plugin().schema().defaults().asMap()).containsExactlyEntriesOf(expected);
        assertThat(new Cifar10Plugin().name()).isEqualTo("cifar10");
    }
}
