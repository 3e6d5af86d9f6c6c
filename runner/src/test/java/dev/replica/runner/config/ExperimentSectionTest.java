package dev.replica.runner.config;

import static dev.replica.runner.config.StudyFile.LABEL;
import static dev.replica.runner.config.StudyFile.TEXT;
import static dev.replica.runner.config.StudyFile.load;
import static dev.replica.runner.config.StudyFile.one;
import static dev.replica.runner.config.StudyFile.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A section a tool owns is read, kept and written by its owner; without the owner its key is unknown. */
class ExperimentSectionTest {

    private static final FakeToolSection FAKE = new FakeToolSection();

    @Test
    void anInstalledSectionIsReadByItsOwnerAndWrittenBackResolved() {
        Experiment e = load(TEXT + "fake_tool: 2\n");
        assertThat(e.section(FAKE)).contains(2);
        String yaml = ExperimentWriter.toYaml(e);
        assertThat(yaml).contains("\nfake_tool: 2\n");
        Experiment again = new ExperimentLoader(FakePlugins.registry()).read(LABEL, yaml, List.of());
        assertThat(again).isEqualTo(e);
        assertThat(e.withSection(FAKE, null).section(FAKE)).isEmpty();
    }

    @Test
    void theOwnerSeesTheModelsAndItsProblemsAreTheFilesProblems() {
        assertThat(problems(TEXT + "fake_tool: 3\n"))
                .isEqualTo(one("fake_tool (12:12): 3 is not allowed; allowed: a count of at most 2 " + "models"));
    }

    @Test
    void aSectionWhoseOwnerIsNotInstalledIsAnUnknownKey() {
        // The check module owns check:, and is not on the runner's class path.
        assertThat(problems(TEXT + "check: {engines: [pytorch, mxnet]}\n"))
                .isEqualTo(one("check (12:1): unknown key; allowed: [replica, name, seed, seeds, engine, dataset, "
                        + "models, optimizer, schedule, training, report, cluster, fake_tool]"));
    }
}
