package dev.replica.core.config;

import dev.replica.api.UserException;
import java.util.List;

/**
 * Every problem of an experiment file (and its {@code --set} overrides), in file order. The message is
 * the layout users see and tests pin:
 *
 * <pre>
 * study.yaml: 2 problems
 *   models.resnet18.params.depth (7:46): 19 is not allowed; allowed: [18, 34]
 *   models.resnet18.params.widht (7:50): unknown key; did you mean 'width'?
 * </pre>
 */
public final class ExperimentException extends UserException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final List<ExperimentProblem> problems;

    /**
     * Creates the exception.
     *
     * @param file the file as the user gave it
     * @param problems the problems, at least one, in the order to show them
     */
    public ExperimentException(String file, List<ExperimentProblem> problems) {
        super(format(file, problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an ExperimentException needs at least one problem");
        }
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    /**
     * Returns the file as the user gave it.
     *
     * @return the file
     */
    public String file() {
        return file;
    }

    /**
     * Returns the problems in the order of the message.
     *
     * @return an unmodifiable list, never empty
     */
    public List<ExperimentProblem> problems() {
        return problems;
    }

    private static String format(String file, List<ExperimentProblem> problems) {
        StringBuilder out = new StringBuilder(file)
                .append(": ")
                .append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        for (ExperimentProblem p : problems) {
            out.append("\n  ").append(p);
        }
        return out.toString();
    }
}
