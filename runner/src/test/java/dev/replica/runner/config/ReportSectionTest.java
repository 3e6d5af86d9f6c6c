package dev.replica.runner.config;

import static dev.replica.runner.config.StudyFile.TEXT;
import static dev.replica.runner.config.StudyFile.load;
import static dev.replica.runner.config.StudyFile.one;
import static dev.replica.runner.config.StudyFile.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.core.config.ExperimentException;
import dev.replica.report.ReportSection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The optional {@code report} section: what it reads, every problem with its place, writing it back. */
class ReportSectionTest {

    /** The study file with a report section from line 12 on. */
    private static String withReport(String... lines) {
        return TEXT + String.join("\n", lines) + "\n";
    }

    @Test
    void aFileWithoutAReportSectionHasNone() {
        assertThat(load(TEXT).report()).isNull();
    }

    @Test
    void readsADepthStudyInFileOrderAndWritesItBack() {
        Experiment e = load(withReport(
                "report:",
                "  depth_study:",
                "    title: He et al. 2016, Figure 6",
                "    groups:",
                "      wide: [vgg19bn]",
                "      residual: [resnet18]",
                "    published_test_error: {resnet18: 5.01, vgg19bn: 7.13}"));

        ReportSection.DepthStudy study = e.report().depthStudy();
        assertThat(study.title()).isEqualTo("He et al. 2016, Figure 6");
        assertThat(study.groups())
                .containsExactly(Map.entry("wide", List.of("vgg19bn")), Map.entry("residual", List.of("resnet18")));
        assertThat(study.publishedTestError()).containsExactly(Map.entry("resnet18", 5.01), Map.entry("vgg19bn", 7.13));

        String yaml = ExperimentWriter.toYaml(e);
        assertThat(yaml).endsWith("""
                report:
                  depth_study:
                    title: He et al. 2016, Figure 6
                    groups:
                      wide: [vgg19bn]
                      residual: [resnet18]
                    published_test_error: {resnet18: 5.01, vgg19bn: 7.13}
                """);
        assertThat(load(yaml)).isEqualTo(e);
        // replica report reads the recorded file by the same rules, without the plugins.
        assertThat(ReportSection.ofRecorded(Path.of("experiment.yaml"), yaml, Set.of("resnet18", "vgg19bn")))
                .isEqualTo(e.report());
    }

    @Test
    void aStudyWithoutTitleOrPublishedErrorsTakesTheDefaults() {
        ReportSection.DepthStudy study = load(withReport("report: {depth_study: {groups: {all: [resnet18, vgg19bn]}}}"))
                .report()
                .depthStudy();
        assertThat(study.title()).isEqualTo("Depth study");
        assertThat(study.publishedTestError()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not a mapping                | report: 5                                                   | report (12:9): 5 is not a mapping; allowed: a mapping with keys [depth_study]
            an unknown key               | report: {depth: {}}                                         | report.depth (12:10): unknown key; allowed: [depth_study]
            no groups                    | report: {depth_study: {title: x}}                          | report.depth_study.groups (12:23): missing required key; allowed: a mapping of group names to lists of model labels, each list from shallow to deep
            empty groups                 | report: {depth_study: {groups: {}}}                         | report.depth_study.groups (12:32): an empty mapping is not allowed; allowed: a mapping of group names to lists of model labels, each list from shallow to deep
            a group that is no list      | report: {depth_study: {groups: {plain: resnet18}}}          | report.depth_study.groups.plain (12:40): 'resnet18' is not allowed; allowed: a list of one or more model labels, from shallow to deep
            an unknown model             | report: {depth_study: {groups: {plain: [resnet18, vgg16]}}} | report.depth_study.groups.plain[1] (12:51): 'vgg16' is not a model of this file; allowed: one of [resnet18, vgg19bn]
            a model in two groups        | report: {depth_study: {groups: {a: [resnet18], b: [resnet18]}}} | report.depth_study.groups.b[0] (12:52): model 'resnet18' is already in group 'a'; allowed: each model in one group, once
            a group name that is a path  | report: {depth_study: {groups: {../x: [resnet18]}}}         | report.depth_study.groups.../x (12:33): the group name '../x' is not allowed; allowed: a name matching [A-Za-z0-9][A-Za-z0-9_-]{0,39} (it names the group's plot)
            an error above 100           | report: {depth_study: {groups: {a: [resnet18]}, published_test_error: {resnet18: 120}}} | report.depth_study.published_test_error.resnet18 (12:82): 120 is not allowed; allowed: a number from 0 to 100, the error in percent
            an error that is text        | report: {depth_study: {groups: {a: [resnet18]}, published_test_error: {resnet18: low}}} | report.depth_study.published_test_error.resnet18 (12:82): 'low' is not allowed; allowed: a number from 0 to 100, the error in percent
            an error of an unknown model | report: {depth_study: {groups: {a: [resnet18]}, published_test_error: {resnet20: 8.75}}} | report.depth_study.published_test_error.resnet20 (12:72): 'resnet20' is not a model of this file; allowed: one of [resnet18, vgg19bn]
            a blank title                | report: {depth_study: {title: '', groups: {a: [resnet18]}}} | report.depth_study.title (12:31): '' is not allowed; allowed: a line of text of 1 to 200 characters
            """)
    void reportsAProblemWithItsPathPositionAndWhatIsAllowed(String what, String line, String expected) {
        assertThat(problems(withReport(line))).isEqualTo(one(expected));
    }

    @Test
    void anEditedRecordedSectionIsRefusedNamingTheFile() {
        String edited = "name: x\nreport: {depth_study: {groups: {a: [res, gone]}}}\n";

        assertThatThrownBy(() -> ReportSection.ofRecorded(Path.of("run/experiment.yaml"), edited, Set.of("res")))
                .isInstanceOf(ExperimentException.class)
                .hasMessageContaining("run/experiment.yaml")
                .hasMessageContaining("report.depth_study.groups.a[1] (2:42): 'gone' is not a model of this file");
    }
}
