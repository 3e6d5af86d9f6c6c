package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.Batch;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.seed.SeedStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyntheticPluginTest {

    private final SyntheticPlugin plugin = new SyntheticPlugin();

    private DataSplits open(Map<String, Object> params, long seed) {
        return plugin.open(
                plugin.schema().validate(params).orElseThrow(),
                new DataContext(Path.of("unused"), SeedStream.root(seed).child("data")));
    }

    private static Batch all(ExampleSet set) {
        int[] indices = new int[set.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = i;
        }
        return set.batch(indices, null);
    }

    @Test
    void followsTheParameters() {
        DataSplits data = open(Map.of("train_size", 20, "test_size", 8, "classes", 4, "image_size", 8), 0);

        assertThat(data.classes()).isEqualTo(4);
        assertThat(data.exampleShape()).isEqualTo(new Shape(3, 8, 8));
        assertThat(data.train().size()).isEqualTo(20);
        assertThat(data.test().size()).isEqualTo(8);
        assertThat(data.validation()).isSameAs(data.test());
        assertThat(data.validationSource()).isEqualTo("test");
        Batch test = all(data.test());
        assertThat(test.shape()).isEqualTo(new Shape(8, 3, 8, 8));
        assertThat(test.labels()).containsExactly(0, 1, 2, 3, 0, 1, 2, 3);
    }

    @Test
    void theSameSeedMakesTheSameDataAndAnotherSeedOtherData() {
        Map<String, Object> params = Map.of("train_size", 30, "test_size", 10);

        DataSplits a = open(params, 11);
        DataSplits b = open(params, 11);
        DataSplits c = open(params, 12);

        assertThat(all(a.train()).features()).isEqualTo(all(b.train()).features());
        assertThat(all(a.test()).features()).isEqualTo(all(b.test()).features());
        assertThat(a.provenance()).isEqualTo(b.provenance());
        assertThat(all(a.train()).features()).isNotEqualTo(all(c.train()).features());
        assertThat(a.provenance().get("synthetic.md5"))
                .isNotEqualTo(c.provenance().get("synthetic.md5"));
    }

    @Test
    void theGeneratorIsPinnedByTheMd5OfWhatItMakes() {
        assertThat(open(Map.of(), 0).provenance())
                .containsExactly(
                        Map.entry("synthetic.generator", "prototype-wave-noise-1"),
                        Map.entry("synthetic.md5", "17e81b95f139820e2527b556388343ea"));
    }

    @Test
    void isLearnableANearestClassMeanClassifierIsFarAboveChance() {
        DataSplits data = open(Map.of(), 0);
        Batch train = all(data.train());
        Batch test = all(data.test());
        int pixels = 3 * 32 * 32;
        double[][] means = new double[10][pixels];
        int[] counts = new int[10];
        for (int k = 0; k < train.size(); k++) {
            counts[train.labels()[k]]++;
            for (int j = 0; j < pixels; j++) {
                means[train.labels()[k]][j] += train.features()[k * pixels + j];
            }
        }
        int right = 0;
        for (int k = 0; k < test.size(); k++) {
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int c = 0; c < 10; c++) {
                double d = 0;
                for (int j = 0; j < pixels; j++) {
                    double e = test.features()[k * pixels + j] - means[c][j] / counts[c];
                    d += e * e;
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = c;
                }
            }
            right += best == test.labels()[k] ? 1 : 0;
        }
        assertThat(right / (double) test.size()).isGreaterThan(0.9);
    }

    @Test
    void holdsOutValidationExamplesFromTraining() {
        DataSplits data = open(Map.of("train_size", 40, "validation", "holdout", "holdout", 10), 3);

        assertThat(data.train().size()).isEqualTo(30);
        assertThat(data.validation().size()).isEqualTo(10);
        assertThat(data.validationSource()).isEqualTo("holdout:10");
        Holdout expected = Holdout.draw(40, 10, SeedStream.root(3).child("data").child("holdout"));
        DataSplits whole = open(Map.of("train_size", 40), 3);
        assertThat(all(data.validation()).features())
                .isEqualTo(whole.train().batch(expected.validation(), null).features());
        assertThat(plugin.schema()
                        .validate(Map.of("train_size", 10, "validation", "holdout"))
                        .problems())
                .containsExactly(new ParameterProblem("holdout", "32 is out of range; allowed: < train_size (10)"));
    }

    @Test
    void schemaDefaultsArePinned() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("train_size", 256);
        expected.put("test_size", 64);
        expected.put("classes", 10);
        expected.put("image_size", 32);
        expected.put("validation", "test");
        expected.put("holdout", 32);
        expected.put("augment", false);
        assertThat(plugin.schema().defaults().asMap()).containsExactlyEntriesOf(expected);
        assertThat(plugin.name()).isEqualTo("synthetic");
    }
}
