package dev.replica.runner.config;

import static dev.replica.runner.config.StudyFile.LABEL;
import static dev.replica.runner.config.StudyFile.TEXT;
import static dev.replica.runner.config.StudyFile.load;
import static dev.replica.runner.config.StudyFile.one;
import static dev.replica.runner.config.StudyFile.problems;
import static dev.replica.runner.config.StudyFile.withLine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.training.Training;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExperimentOverridesTest {

    @Test
    void setsAKeyThatTheFileHas() {
        Experiment e = load(TEXT, "models.resnet18.params.width=16", "training.epochs=2");

        assertThat(e.models().get("resnet18").params().getInt("width")).isEqualTo(16);
        assertThat(e.models().get("resnet18").params().getInt("depth")).isEqualTo(18);
        assertThat(e.training()).isEqualTo(new Training(2, 128, 128));
    }

    @Test
    void setsAParameterThatTheFileLeavesAtItsDefault() {
        Experiment e = load(TEXT, "optimizer.params.nesterov=true", "models.vgg19bn.params.width_divisor=4");

        assertThat(e.optimizer().params().getBoolean("nesterov")).isTrue();
        assertThat(e.models().get("vgg19bn").params().getInt("width_divisor")).isEqualTo(4);
    }

    @Test
    void createsTheParamsOfAPluginThatHasNone() {
        Experiment e = load(withLine(5, "dataset: {plugin: cifar10}"), "dataset.params.validation=holdout");

        assertThat(e.dataset().params().getString("validation")).isEqualTo("holdout");
    }

    @Test
    void setsAListElementByIndex() {
        Experiment e = load(TEXT, "schedule.params.milestones[1]=60");

        assertThat(e.schedule().params().getIntList("milestones")).containsExactly(50, 60);
    }

    @Test
    void setsAWholeListAndAWholeSection() {
        Experiment e = load(TEXT, "schedule.params.milestones=[2,3]", "training={epochs: 4, batch_size: 8}");

        assertThat(e.schedule().params().getIntList("milestones")).containsExactly(2, 3);
        assertThat(e.training()).isEqualTo(new Training(4, 8, 8));
    }

    @Test
    void appliesOverridesInOrderSoTheLastOneWins() {
        assertThat(load(TEXT, "training.epochs=2", "training.epochs=3")
                        .training()
                        .epochs())
                .isEqualTo(3);
    }

    @Test
    void replacesSeedsBySeedAndSeedBySeeds() {
        assertThat(load(TEXT, "seeds=[3, 4]").seeds()).containsExactly(3L, 4L);
        assertThat(load(withLine(3, "seeds: [0, 1, 2]"), "seed=7").seeds()).containsExactly(7L);
    }

    @Test
    void addsAModelThatTheFileDoesNotHave() {
        Experiment e = load(TEXT, "models.small={plugin: resnet, params: {width: 16}}");

        assertThat(e.models().keySet()).containsExactly("resnet18", "vgg19bn", "small");
    }

    @Test
    void reportsAnUnknownKeySetFromTheCommandLine() {
        assertThat(problems(TEXT, "training.epochz=2"))
                .isEqualTo(one("training.epochz (--set): unknown key; did you mean 'epochs'?"));
    }

    @Test
    void reportsABadValueSetFromTheCommandLine() {
        assertThat(problems(TEXT, "models.resnet18.params.depth=50"))
                .isEqualTo(one("models.resnet18.params.depth (--set): 50 is not allowed; allowed: [18, 34]"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            no '='                     | training.epochs                  | training.epochs (--set): missing '='; write --set training.epochs=<value>
            an empty key path          | =2                               | =2 (--set): malformed key path; write keys joined by dots, with [i] for a list element, e.g. models.resnet18.params.width=16
            two dots                   | training..epochs=2               | training..epochs (--set): malformed key path; write keys joined by dots, with [i] for a list element, e.g. models.resnet18.params.width=16
            an index out of range      | schedule.params.milestones[2]=9  | schedule.params.milestones[2] (--set): index 2 is out of range; schedule.params.milestones has 2 elements
            an index into a mapping    | training[0]=9                    | training[0] (--set): cannot set: training is {epochs: 100, batch_size: 128}, not a list
            a key under a value        | training.epochs.max=9            | training.epochs.max (--set): cannot set: training.epochs is 100, not a mapping
            a value that is not YAML   | training.epochs=[1               | training.epochs (--set): not valid YAML: while parsing a flow sequence, expected ',' or ']', but got <stream end>
            an empty value             | training.epochs=                 | training.epochs (--set): null is not an integer
            """)
    void reportsAMalformedOverride(String what, String override, String expected) {
        assertThat(problems(TEXT, override)).isEqualTo(one(expected));
    }

    @Test
    void refusesAKeyPathDeeperThanAFileMayNest() {
        // 60,000 levels overflowed the stack of the walks that follow the override.
        String deep = String.join(".", Collections.nCopies(60_000, "a"));
        assertThat(problems(TEXT, deep + "=1"))
                .isEqualTo(
                        one(deep.substring(0, 60) + "... (--set): a key path of 60000 steps; allowed: at most 50, as "
                                + "deep as an experiment file nests"));
    }

    @Test
    void listsTheFilesProblemsBeforeTheOverrides() {
        String text = withLine(11, "training:  {epochs: 100, batch_size: 0}");

        assertThat(problems(text, "training.epochs=0", "engine.threads=many"))
                .isEqualTo(LABEL + ": 3 problems\n"
                        + "  training.batch_size (11:38): 0 is out of range; allowed: >= 1 and <= 65536\n"
                        + "  engine.threads (--set): 'many' is not an integer\n"
                        + "  training.epochs (--set): 0 is out of range; allowed: >= 1 and <= 100000");
    }
}
