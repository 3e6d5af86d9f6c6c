package dev.replica.core.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Reading manifest.json into records: both dataset layouts, older check manifests, missing sections. */
class RunManifestTest {

    private static final String RUN = """
            {"replica": {"command": "run", "format": 1, "version": "0.1.0"},
             "experiment": {"name": "tiny", "seeds": [0], "sha256": "ab12"},
             "git": {"commit": "c0ffee"},
             "environment": {"cpu.model": "AMD EPYC", "env.LD_PRELOAD": ""},
             "plugins": {"model.resnet": {"class": "x.ResNetPlugin", "source": "file:/r.jar", "version": "1"}},
             "engine": {"plugin": "pytorch", "threads": "2", "native.OMP_NUM_THREADS": "2"},
             "dataset": {"classes": 4, "example_shape": "(3, 32, 32)", "train": 48, "validation": 24,
                         "validation_source": "test", "test": 24, "provenance": {"kind": "synthetic"}},
             "weights.sha256": {"res": "aa", "vgg": "bb"}}""";

    @Test
    void aFinishedRunReadsIntoItsRecords() {
        RunManifest m = RunManifest.read(JsonParser.parseString(RUN).getAsJsonObject());
        assertThat(m.replica()).isEqualTo(new RunManifest.Replica("0.1.0", 1, "run"));
        assertThat(m.experiment()).isEqualTo(new RunManifest.Experiment("tiny", "ab12", List.of(0L)));
        assertThat(m.gitCommit()).isEqualTo("c0ffee");
        assertThat(m.environment()).containsEntry("cpu.model", "AMD EPYC");
        assertThat(m.plugins())
                .containsEntry("model.resnet", new RunManifest.PluginFacts("1", "x.ResNetPlugin", "file:/r.jar"));
        assertThat(m.engine()).containsEntry("native.OMP_NUM_THREADS", "2");
        assertThat(m.datasets()).containsOnlyKeys("0");
        assertThat(m.datasets().get("0").train()).isEqualTo(48);
        assertThat(m.datasets().get("0").provenance()).isEqualTo(Map.of("kind", "synthetic"));
        assertThat(m.weights()).containsExactly(Map.entry("res", "aa"), Map.entry("vgg", "bb"));
        assertThat(m.finished()).isTrue();
    }

    @Test
    void severalSeedsKeyTheDatasetBySeedAndAnOlderCheckManifestHasOneSeed() {
        String several = RUN.replace("\"seeds\": [0]", "\"seeds\": [0, 1]")
                .replace("\"dataset\": {\"classes\"", "\"dataset\": {\"0\": {\"classes\"")
                .replace("{\"kind\": \"synthetic\"}},", "{\"kind\": \"synthetic\"}}, \"1\": {\"train\": 48}},");
        RunManifest m = RunManifest.read(JsonParser.parseString(several).getAsJsonObject());
        assertThat(m.experiment().seeds()).containsExactly(0L, 1L);
        assertThat(m.datasets()).containsOnlyKeys("0", "1");

        RunManifest check = RunManifest.read(JsonParser.parseString(
                        "{\"experiment\": {\"name\": \"c\", \"seed\": 7}, \"engines\": {\"mxnet\": {\"threads\": \"2\"}}}")
                .getAsJsonObject());
        assertThat(check.experiment().seeds()).containsExactly(7L);
        assertThat(check.engines().get("mxnet")).containsEntry("threads", "2");
    }

    @Test
    void missingOrMalformedSectionsAreEmptyNotErrors() {
        RunManifest m = RunManifest.read(JsonParser.parseString("{\"engine\": 3, \"weights.sha256\": []}")
                .getAsJsonObject());
        assertThat(m.engine()).isEmpty();
        assertThat(m.weights()).isEmpty();
        assertThat(m.finished()).isFalse();
        assertThat(m.gitCommit()).isEqualTo("unknown");
        assertThat(m.replica().version()).isNull();
    }

    @Test
    void handEditedSeedsThatAreNotWholeNumbersAreLeftOut() {
        RunManifest m =
                RunManifest.read(JsonParser.parseString("{\"experiment\": {\"seeds\": [\"x\", null, [1], 1.5, 3]}}")
                        .getAsJsonObject());
        assertThat(m.experiment().seeds()).containsExactly(3L);
        RunManifest one = RunManifest.read(
                JsonParser.parseString("{\"experiment\": {\"seed\": \"x\"}}").getAsJsonObject());
        assertThat(one.experiment().seeds()).isEmpty();
    }

    @Test
    void whatAManifestWritesReadsBackEqualAndKeepsTheFilesLayout() {
        RunManifest.DatasetFacts facts = new RunManifest.DatasetFacts(
                4, "(3, 32, 32)", 48, 24, "test", 24, new TreeMap<>(Map.of("kind", "synthetic")));
        RunManifest one = RunManifest.start(
                        new RunManifest.Replica("0.1.0", 1, "run"),
                        new RunManifest.Experiment("tiny", "ab12", List.of(0L)),
                        "c0ffee",
                        new TreeMap<>(Map.of("cpu.model", "AMD EPYC")),
                        new TreeMap<>(Map.of("model.resnet", new RunManifest.PluginFacts("1", "x.R", "f"))))
                .withEngine(new TreeMap<>(Map.of("plugin", "pytorch")))
                .withDatasets(new TreeMap<>(Map.of("0", facts)))
                .withWeights(new TreeMap<>(Map.of("res", "aa")));
        assertThat(RunManifest.read(one.toJson())).isEqualTo(one);
        // One seed: the dataset section is the facts themselves, numbers as numbers.
        assertThat(one.toJson()
                        .getAsJsonObject("dataset")
                        .get("train")
                        .getAsJsonPrimitive()
                        .isNumber())
                .isTrue();
        assertThat(one.toJson().keySet())
                .containsExactly(
                        "replica",
                        "experiment",
                        "git",
                        "environment",
                        "plugins",
                        "engine",
                        "dataset",
                        "weights.sha256");

        RunManifest two = new RunManifest(
                one.replica(),
                new RunManifest.Experiment("tiny", "ab12", List.of(0L, 1L)),
                one.gitCommit(),
                one.environment(),
                one.plugins(),
                one.engine(),
                one.engines(),
                new TreeMap<>(Map.of("0", facts, "1", facts)),
                one.weights(),
                new TreeMap<>(),
                new TreeMap<>(Map.of("res", "ab12  /w/res.safetensors")));
        assertThat(two.toJson().getAsJsonObject("dataset").keySet()).containsExactly("0", "1");
        assertThat(RunManifest.read(two.toJson())).isEqualTo(two);
    }

    @Test
    void aChecksFindingsAreTypedAndWrittenAsTheSectionAlwaysWas() {
        RunManifest.CheckedModel res = new RunManifest.CheckedModel(
                "identical",
                new TreeMap<>(Map.of("mxnet", "b0", "pytorch", "a0")),
                new TreeMap<>(Map.of("mxnet", "b1", "pytorch", "a1")),
                "a1",
                null,
                new TreeMap<>());
        RunManifest check = RunManifest.start(
                        new RunManifest.Replica("0.1.0", 1, "check"),
                        new RunManifest.Experiment("tiny", "ab12", List.of(0L)),
                        "c0ffee",
                        new TreeMap<>(),
                        new TreeMap<>())
                .withCheck(new TreeMap<>(
                        Map.of("res", res.withOutcome("equivalent", Map.of("eval_loss", "within 0.1")), "vgg", res)));
        // The keys of a model's entry, sorted, as the untyped maps wrote them before.
        assertThat(check.toJson().getAsJsonObject("check").toString())
                .isEqualTo("{\"res\":{\"final.sha256\":{\"mxnet\":\"b1\",\"pytorch\":\"a1\"},"
                        + "\"initial.sha256\":{\"mxnet\":\"b0\",\"pytorch\":\"a0\"},"
                        + "\"outcome.detail\":{\"eval_loss\":\"within 0.1\"},\"outcome.verdict\":\"equivalent\","
                        + "\"rerun.final.sha256\":\"a1\",\"verdict\":\"identical\"},"
                        + "\"vgg\":{\"final.sha256\":{\"mxnet\":\"b1\",\"pytorch\":\"a1\"},"
                        + "\"initial.sha256\":{\"mxnet\":\"b0\",\"pytorch\":\"a0\"},"
                        + "\"rerun.final.sha256\":\"a1\",\"verdict\":\"identical\"}}");
        RunManifest read = RunManifest.read(check.toJson());
        assertThat(read).isEqualTo(check);
        assertThat(read.check().get("res").outcomeDetail()).containsEntry("eval_loss", "within 0.1");
        assertThat(read.check().get("vgg").outcomeVerdict()).isNull();
        // A run has no check section, and a hand-edited one that is not an object reads as none.
        assertThat(RunManifest.read(JsonParser.parseString("{\"check\": [1]}").getAsJsonObject())
                        .check())
                .isEmpty();
    }
}
