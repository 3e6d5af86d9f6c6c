package dev.replica.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Collects the problems of one load and knows where each node came from: the file (a line and column)
 * or a {@code --set} override. Problems come out sorted into file order; problems of the file as a
 * whole first, overrides last, ties in the order they were found. Only the first problem of a key
 * path at one place is kept, so that e.g. an unsupported tag is not reported again as a wrong type.
 */
public final class Problems {

    public static final String OVERRIDE = "--set";
    public static final String FILE = "file";

    private static final int RANK_FILE = 0;
    private static final int RANK_POSITION = 1;
    private static final int RANK_OVERRIDE = 2;

    private final Set<Node> fromOverrides = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Entry> entries = new ArrayList<>();
    private int reported;

    /** Records that a node and everything under it came from a {@code --set} override. */
    public void markOverride(Node node) {
        if (node == null || !fromOverrides.add(node)) {
            return;
        }
        if (node instanceof MappingNode) {
            for (NodeTuple t : ((MappingNode) node).getValue()) {
                markOverride(t.getKeyNode());
                markOverride(t.getValueNode());
            }
        } else if (node instanceof SequenceNode) {
            for (Node child : ((SequenceNode) node).getValue()) {
                markOverride(child);
            }
        }
    }

    /**
     * Returns where a node is, as the problem layout shows it: {@code line:column} or {@code --set}.
     */
    public String where(Node node) {
        Mark mark = node.getStartMark();
        if (fromOverrides.contains(node) || mark == null) {
            return OVERRIDE;
        }
        return position(mark);
    }

    /** Adds a problem located at a node. */
    public void at(String path, Node node, String message) {
        Mark mark = node.getStartMark();
        if (fromOverrides.contains(node) || mark == null) {
            override(path, message);
        } else {
            at(path, mark, message);
        }
    }

    /** Adds a problem located at a mark of the file. */
    public void at(String path, Mark mark, String message) {
        add(RANK_POSITION, mark.getLine(), mark.getColumn(), new ExperimentProblem(path, position(mark), message));
    }

    /** Adds a problem located at the first line and column of the file (e.g. an empty file). */
    public void atFileStart(String message) {
        add(RANK_POSITION, 0, 0, new ExperimentProblem("", "1:1", message));
    }

    /** Adds a problem of a {@code --set} override. */
    public void override(String path, String message) {
        add(RANK_OVERRIDE, 0, 0, new ExperimentProblem(path, OVERRIDE, message));
    }

    /** Adds a problem of the file as a whole. */
    public void file(String message) {
        add(RANK_FILE, 0, 0, new ExperimentProblem("", FILE, message));
    }

    /**
     * Returns how many problems were reported so far, kept or not: a step is clean when this did not
     * change while it ran.
     */
    public int count() {
        return reported;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Returns the problems in file order. */
    public List<ExperimentProblem> sorted() {
        List<Entry> copy = new ArrayList<>(entries);
        copy.sort(Comparator.comparingInt(Entry::rank)
                .thenComparingInt(Entry::line)
                .thenComparingInt(Entry::column)
                .thenComparingInt(Entry::sequence));
        List<ExperimentProblem> out = new ArrayList<>();
        for (Entry e : copy) {
            out.add(e.problem());
        }
        return out;
    }

    /** Throws every problem when there is one. */
    public void throwIfAny(String file) {
        if (!entries.isEmpty()) {
            throw new ExperimentException(file, sorted());
        }
    }

    /** Formats a SnakeYAML mark (0-based) as the 1-based {@code line:column}. */
    public static String position(Mark mark) {
        return (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
    }

    private void add(int rank, int line, int column, ExperimentProblem problem) {
        reported++;
        for (Entry e : entries) {
            if (e.problem().path().equals(problem.path()) && e.problem().where().equals(problem.where())) {
                return; // the first problem of a value is the one to fix; later ones follow from it
            }
        }
        entries.add(new Entry(rank, line, column, entries.size(), problem));
    }

    private record Entry(int rank, int line, int column, int sequence, ExperimentProblem problem) {}
}
