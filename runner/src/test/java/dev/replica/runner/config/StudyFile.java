package dev.replica.runner.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.core.config.ExperimentException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The study's experiment file (docs/design.md, section 3), with helpers to change one line and load it
 * against {@link FakePlugins}; public for the tests of sections other modules own.
 */
public final class StudyFile {

    public static final String LABEL = "experiments/cifar10.yaml";

    /** Line numbers below are 1-based, as in problem messages. */
    public static final String TEXT = """
            replica: 1
            name: resnet18-vs-vgg19bn-cifar10
            seed: 0
            engine: {plugin: pytorch, threads: 2, device: cpu}
            dataset: {plugin: cifar10, params: {validation: test}}
            models:
              resnet18: {plugin: resnet, params: {depth: 18, width: 64}}
              vgg19bn:  {plugin: vgg, params: {depth: 19, batch_norm: true}}
            optimizer: {plugin: sgd, params: {lr: 0.1, momentum: 0.9, weight_decay: 5.0e-4}}
            schedule:  {plugin: multistep, params: {milestones: [50, 75], gamma: 0.1}}
            training:  {epochs: 100, batch_size: 128}
            """;

    private StudyFile() {}

    /** Returns the file with line {@code line} replaced; an empty replacement removes the line. */
    public static String withLine(int line, String replacement) {
        List<String> lines = new ArrayList<>(Arrays.asList(TEXT.split("\n", -1)));
        if (replacement.isEmpty()) {
            lines.remove(line - 1);
        } else {
            lines.set(line - 1, replacement);
        }
        return String.join("\n", lines);
    }

    public static Experiment load(String text, String... overrides) {
        return new ExperimentLoader(FakePlugins.registry()).read(LABEL, text, List.of(overrides));
    }

    /** Loads text that must fail and returns the exception's message. */
    public static String problems(String text, String... overrides) {
        String[] message = new String[1];
        assertThatThrownBy(() -> load(text, overrides))
                .isInstanceOfSatisfying(ExperimentException.class, e -> message[0] = e.getMessage());
        return message[0];
    }

    /** The message of a file with exactly one problem. */
    public static String one(String line) {
        return LABEL + ": 1 problem\n  " + line;
    }
}
