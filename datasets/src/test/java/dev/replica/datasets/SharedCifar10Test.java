package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.seed.SeedStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reads the project's shared copy of CIFAR-10 when it is there (skipped otherwise). */
class SharedCifar10Test {

    private static final Path SHARED =
            Path.of("../../shared/data/cifar10").toAbsolutePath().normalize();

    @Test
    void theSharedCopyHasTheOfficialTestFileAndJpegRoundTrippedTrainingFiles() {
        assumeTrue(Cifar10Files.missing(SHARED).isEmpty(), "no CIFAR-10 in " + SHARED);
        Cifar10Plugin plugin = new Cifar10Plugin();

        DataSplits data = plugin.open(
                plugin.schema()
                        .validate(Map.of("root", SHARED.toString(), "limit", 256, "test_limit", 256, "download", false))
                        .orElseThrow(),
                new DataContext(Path.of("unused"), SeedStream.root(0).child("data")));

        assertThat(data.provenance())
                .containsEntry("cifar10.md5.test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d")
                .containsEntry("cifar10.md5.data_batch_1.bin", "e0387cb7cbf1a587c898a2970cea3573")
                .containsEntry("cifar10.md5.data_batch_5.bin", "dab8a30bedbeb1cc769f5049bf960bd0")
                .containsEntry("cifar10.official", "false")
                .containsEntry(
                        "cifar10.unofficial_files",
                        "data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin")
                .containsEntry("cifar10.files", "6")
                .containsEntry("cifar10.records", "60000");
        assertThat(data.train().size()).isEqualTo(256);
        assertThat(data.test().size()).isEqualTo(256);
        // the first official test image is a cat
        assertThat(data.test().batch(new int[] {0}, null).labels()).containsExactly(3);
    }
}
