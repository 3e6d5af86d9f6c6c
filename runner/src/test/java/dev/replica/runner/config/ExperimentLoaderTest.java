package dev.replica.runner.config;

import static dev.replica.runner.config.StudyFile.LABEL;
import static dev.replica.runner.config.StudyFile.TEXT;
import static dev.replica.runner.config.StudyFile.load;
import static dev.replica.runner.config.StudyFile.one;
import static dev.replica.runner.config.StudyFile.problems;
import static dev.replica.runner.config.StudyFile.withLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.core.config.ExperimentException;
import dev.replica.core.training.Training;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExperimentLoaderTest {

    @TempDir
    Path dir;

    @Test
    void loadsTheStudyFileWithEveryDefaultFilledIn() {
        Experiment e = load(TEXT);

        assertThat(e.format()).isEqualTo(1);
        assertThat(e.name()).isEqualTo("resnet18-vs-vgg19bn-cifar10");
        assertThat(e.seeds()).containsExactly(0L);
        assertThat(e.engine().plugin()).isEqualTo("pytorch");
        assertThat(e.engine().params().asMap()).isEqualTo(Map.of("threads", 2, "device", "cpu"));
        assertThat(e.dataset().params().asMap())
                .containsExactly(Map.entry("validation", "test"), Map.entry("root", "data/cifar10"));
        assertThat(e.models().keySet()).containsExactly("resnet18", "vgg19bn");
        assertThat(e.models().get("resnet18").plugin()).isEqualTo("resnet");
        assertThat(e.models().get("resnet18").params().asMap()).isEqualTo(Map.of("depth", 18, "width", 64));
        assertThat(e.models().get("vgg19bn").params().asMap())
                .isEqualTo(Map.of("depth", 19, "batch_norm", true, "width_divisor", 1));
        assertThat(e.optimizer().params().asMap())
                .isEqualTo(Map.of("lr", 0.1, "momentum", 0.9, "weight_decay", 5.0e-4, "nesterov", false));
        assertThat(e.schedule().params().getIntList("milestones")).containsExactly(50, 75);
        assertThat(e.training()).isEqualTo(new Training(100, 128, 128));
    }

    @Test
    void keepsTheModelsInFileOrder() {
        String text = withLine(7, "  zeta: {plugin: resnet}\n  alpha: {plugin: resnet}\n  mid: {plugin: vgg}");

        assertThat(load(text.replace("  vgg19bn:  {plugin: vgg, params: {depth: 19, batch_norm: true}}\n", ""))
                        .models()
                        .keySet())
                .containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void defaultsToSeedZeroWhenTheFileGivesNone() {
        assertThat(load(withLine(3, "")).seeds()).containsExactly(0L);
    }

    @Test
    void readsSeveralSeedsInFileOrder() {
        assertThat(load(withLine(3, "seeds: [2, 0, 1]")).seeds()).containsExactly(2L, 0L, 1L);
    }

    @Test
    void readsAnExponentWithoutADotAsANumber() {
        String text = withLine(9, "optimizer: {plugin: sgd, params: {weight_decay: 5e-4, lr: '0.05'}}");

        assertThat(load(text).optimizer().params().getDouble("weight_decay")).isEqualTo(5.0e-4);
        assertThat(load(text).optimizer().params().getDouble("lr")).isEqualTo(0.05);
    }

    @Test
    void takesTheEvaluationBatchSizeFromTheFileWhenGiven() {
        String text = withLine(11, "training:  {epochs: 100, batch_size: 128, eval_batch_size: 500}");

        assertThat(load(text).training()).isEqualTo(new Training(100, 128, 500));
    }

    @Test
    void acceptsAPluginWithoutParams() {
        assertThat(load(withLine(10, "schedule: {plugin: constant}"))
                        .schedule()
                        .params()
                        .asMap())
                .isEmpty();
    }

    @Test
    void reportsAnUnknownKeyWithASuggestionAtTheKey() {
        String text = withLine(10, "schedule:  {plugin: multistep, params: {milestones: [50, 75], gama: 0.1}}");

        assertThat(problems(text)).isEqualTo(one("schedule.params.gama (10:63): unknown key; did you mean 'gamma'?"));
    }

    @Test
    void reportsAnUnknownKeyInABlockMappingAtTheKey() {
        String text = withLine(10, "schedule:\n  plugin: multistep\n  nmae: x\n  params: {milestones: [50, 75]}");

        assertThat(problems(text)).isEqualTo(one("schedule.nmae (12:3): unknown key; allowed: [plugin, params]"));
    }

    @Test
    void reportsAWrongTypeAtTheValue() {
        String text = withLine(11, "training:  {epochs: ten, batch_size: 128}");

        assertThat(problems(text)).isEqualTo(one("training.epochs (11:21): 'ten' is not an integer"));
    }

    @Test
    void reportsAValueOutOfRange() {
        String text = withLine(11, "training:  {epochs: 100, batch_size: 0}");

        assertThat(problems(text))
                .isEqualTo(one("training.batch_size (11:38): 0 is out of range; allowed: >= 1 and <= 65536"));
    }

    @Test
    void reportsAValueThatIsNotAllowed() {
        String text = withLine(7, "  resnet18: {plugin: resnet, params: {depth: 19, width: 64}}");

        assertThat(problems(text))
                .isEqualTo(one("models.resnet18.params.depth (7:46): 19 is not allowed; allowed: [18, 34]"));
    }

    @Test
    void reportsAListElementByIndex() {
        String text = withLine(10, "schedule:  {plugin: multistep, params: {milestones: [50, 0], gamma: 0.1}}");

        assertThat(problems(text))
                .isEqualTo(one("schedule.params.milestones[1] (10:58): 0 is out of range; allowed: >= 1"));
    }

    @Test
    void reportsAnUnknownPluginWithTheAvailableOnes() {
        String text = withLine(7, "  resnet18: {plugin: resnt, params: {depth: 18, width: 64}}");

        assertThat(problems(text))
                .isEqualTo(one("models.resnet18.plugin (7:22): unknown model plugin 'resnt'; available: [resnet, vgg]; "
                        + "did you mean 'resnet'?"));
    }

    @Test
    void reportsADuplicateKeyAtTheSecondKey() {
        String text = withLine(8, "  resnet18: {plugin: vgg}");

        assertThat(problems(text)).isEqualTo(one("models.resnet18 (8:3): duplicate key; first defined at 7:3"));
    }

    @Test
    void reportsAMissingSectionAtTheEnclosingMapping() {
        assertThat(problems(withLine(11, "")))
                .isEqualTo(
                        one(
                                "training (1:1): missing required key; allowed: {epochs: <integer >= 1>, batch_size: <integer >= 1>}"));
    }

    @Test
    void reportsBadYamlSyntaxWithSnakeYamlsPosition() {
        String text = withLine(7, "  resnet18: {plugin: resnet, params: {depth: 18, width: 64}");

        assertThat(problems(text))
                .isEqualTo(
                        one(
                                "(8:3): not valid YAML: while parsing a flow mapping at 7:13, expected ',' or '}', but got <scalar>"));
    }

    @Test
    void reportsAMissingFile() {
        Path file = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> new ExperimentLoader(FakePlugins.registry()).load(file, List.of()))
                .isInstanceOf(ExperimentException.class)
                .hasMessage(file + ": 1 problem\n  (file): no such file (looked for " + file.toAbsolutePath() + ")");
    }

    @Test
    void reportsAFileWhoseTopLevelIsNotAMapping() {
        assertThat(problems("- replica\n- 1\n"))
                .isEqualTo(one(
                        "(1:1): ['replica', 1] is not a mapping; allowed: a mapping with replica, name, seed or seeds, "
                                + "engine, dataset, models, optimizer, schedule and training"));
    }

    @Test
    void reportsAnEmptyFile() {
        assertThat(problems("# nothing yet\n"))
                .isEqualTo(one("(1:1): the file is empty; allowed: a mapping with replica, name, seed or seeds, "
                        + "engine, dataset, models, optimizer, schedule and training"));
    }

    @Test
    void reportsEveryProblemAtOnceInFileOrder() {
        String text = withLine(11, "training:  {epochs: ten, batch_size: 0}");
        text = text.replace("{depth: 18, width: 64}", "{depth: 19, widht: 64}");
        text = text.replace(
                "engine: {plugin: pytorch, threads: 2, device: cpu}",
                "engine: {plugin: pytorch, threads: 2, device: tpu}");
        text = text.replace("schedule:  {plugin: multistep", "schedule:  {plugin: multistpe");

        assertThat(problems(text))
                .isEqualTo(LABEL + ": 6 problems\n"
                        + "  engine.device (4:47): 'tpu' is not allowed; allowed: ['cpu', 'gpu', 'auto']\n"
                        + "  models.resnet18.params.depth (7:46): 19 is not allowed; allowed: [18, 34]\n"
                        + "  models.resnet18.params.widht (7:50): unknown key; did you mean 'width'?\n"
                        + "  schedule.plugin (10:21): unknown schedule plugin 'multistpe'; available: [constant, multistep]; "
                        + "did you mean 'multistep'?\n"
                        + "  training.epochs (11:21): 'ten' is not an integer\n"
                        + "  training.batch_size (11:38): 0 is out of range; allowed: >= 1 and <= 65536");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            a format version other than 1      | 1  | replica: 2                               | replica (1:10): 2 is not allowed; allowed: [1]
            a name with capitals               | 2  | name: ResNet                             | name (2:7): 'ResNet' is not allowed; allowed: a string matching [a-z0-9][a-z0-9._-]*
            a seed that is not an integer      | 3  | seed: 1.5                                | seed (3:7): 1.5 is not an integer
            a seed listed twice                | 3  | seeds: [0, 1, 0]                         | seeds[2] (3:15): 0 is already seeds[0]; allowed: distinct seeds
            an empty list of seeds             | 3  | seeds: []                                | seeds (3:8): an empty list is not allowed; allowed: one or more integers
            a section that is not a mapping    | 5  | dataset: cifar10                         | dataset (5:10): 'cifar10' is not a mapping; allowed: {plugin: <one of [cifar10, synthetic]>, params: {<parameter>: <value>, ...}}
            a section without a plugin         | 5  | dataset: {params: {validation: test}}    | dataset.plugin (5:10): missing required key; allowed: [cifar10, synthetic]
            a missing required parameter       | 5  | dataset: {plugin: synthetic}             | dataset.params.examples (5:10): missing required key; allowed: >= 1
            a parameter outside params         | 5  | dataset: {plugin: cifar10, root: /data}  | dataset.root (5:28): unknown key; 'root' is a parameter of cifar10: write it under params
            params that are not a mapping      | 5  | dataset: {plugin: cifar10, params: test} | dataset.params (5:36): 'test' is not a mapping; allowed: a mapping with keys from [validation, root]
            an engine key close to a parameter | 4  | engine: {plugin: pytorch, thread: 2}     | engine.thread (4:27): unknown key; did you mean 'threads'?
            engine parameters under params     | 4  | engine: {plugin: mxnet, params: {}}      | engine.params (4:25): unknown key; write the engine's parameters directly in engine, beside plugin
            an unknown engine                  | 4  | engine: {plugin: jax}                    | engine.plugin (4:18): unknown engine plugin 'jax'; available: [mxnet, pytorch]
            a model label with capitals        | 7  | "  ResNet18: {plugin: resnet}"           | models.ResNet18 (7:3): 'ResNet18' is not allowed; allowed: a label matching [a-z0-9][a-z0-9_-]*
            a cross-key rule of a schema       | 10 | schedule: {plugin: multistep, params: {milestones: [50, 40]}} | schedule.params.milestones[1] (10:57): 40 is not allowed; allowed: greater than 50
            an explicit tag                    | 11 | training:  {epochs: !!binary AAAA, batch_size: 128} | training.epochs (11:21): the tag !!binary is not supported; allowed: plain strings, numbers, booleans, null, lists and mappings
            """)
    void reportsAProblemWithItsPathPositionAndWhatIsAllowed(
            String what, int line, String replacement, String expected) {
        assertThat(problems(withLine(line, replacement))).isEqualTo(one(expected));
    }

    @Test
    void reportsAMisspelledSectionAsUnknownAndTheSectionAsMissing() {
        String text = withLine(11, "traning:  {epochs: 100, batch_size: 128}");

        assertThat(problems(text))
                .isEqualTo(LABEL + ": 2 problems\n"
                        + "  training (1:1): missing required key; allowed: "
                        + "{epochs: <integer >= 1>, batch_size: <integer >= 1>}\n"
                        + "  traning (11:1): unknown key; did you mean 'training'?");
    }

    @Test
    void reportsBothSeedAndSeedsAtTheLaterKey() {
        assertThat(problems(withLine(3, "seed: 0\nseeds: [1, 2]")))
                .isEqualTo(one("seeds (4:1): give either seed or seeds, not both"));
    }

    @Test
    void rejectsAliasesAtTheirPosition() {
        String text = TEXT.replace("params: {depth: 18, width: 64}", "params: &p {depth: 18, width: 64}")
                .replace("params: {depth: 19, batch_norm: true}", "params: *p");

        assertThat(problems(text))
                .isEqualTo(one("(8:35): aliases (*name) are not supported; write the value out in full"));
    }

    @Test
    void readsAFileFromDisk() throws IOException {
        Path file = dir.resolve("study.yaml");
        Files.writeString(file, TEXT);

        assertThat(new ExperimentLoader(FakePlugins.registry()).load(file, List.of()))
                .isEqualTo(load(TEXT));
    }
}
