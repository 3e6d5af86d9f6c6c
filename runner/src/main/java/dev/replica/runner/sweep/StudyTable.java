package dev.replica.runner.sweep;

import dev.replica.api.UserException;
import dev.replica.core.record.RunFolder;
import dev.replica.runner.output.SeedSummaryTable;
import dev.replica.runner.output.SummaryTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A finished sweep's study table: one row per model and engine, labelled {@code <model> (<engine>)}, with
 * mean, sample standard deviation and per-seed values over the seeds, as a multi-seed run's summary has
 * them ({@link SeedSummaryTable}); a single seed gives the study's plain table.
 */
public final class StudyTable {

    private final String markdown;
    private final String csv;

    private StudyTable(String markdown, String csv) {
        this.markdown = markdown;
        this.csv = csv;
    }

    /**
     * Gathers the runs' summaries.
     *
     * @param sweep the sweep
     * @return the table
     * @throws UserException when a run has not finished, naming those that have not
     */
    public static StudyTable gather(Sweep sweep) {
        List<String> unfinished = new ArrayList<>();
        for (Sweep.Task t : sweep.tasks()) {
            if (!sweep.finished(t)) {
                unfinished.add(t.folder() + " (" + sweep.state(t).name().toLowerCase(Locale.ROOT) + ")");
            }
        }
        if (!unfinished.isEmpty()) {
            throw new UserException(unfinished.size() + " of " + sweep.tasks().size() + " runs of " + sweep.dir()
                    + " have not finished: " + String.join(", ", unfinished)
                    + "; 'replica sweep --status' shows them, --resubmit-failed continues the stopped and failed ones");
        }
        List<SummaryTable> perSeed = new ArrayList<>();
        for (long seed : sweep.seeds()) {
            List<SummaryTable.Row> rows = new ArrayList<>();
            for (String model : sweep.models()) {
                for (String engine : sweep.engines()) {
                    Sweep.Task t = sweep.tasks().stream()
                            .filter(x -> x.model().equals(model) && x.engine().equals(engine) && x.seed() == seed)
                            .findFirst()
                            .orElseThrow();
                    SummaryTable.Row r = SummaryTable.read(sweep.runFolder(t).resolve(RunFolder.SUMMARY_CSV))
                            .rows()
                            .get(0);
                    rows.add(new SummaryTable.Row(
                            model + " (" + engine + ")",
                            r.testLoss(),
                            r.testAccuracy(),
                            r.parameters(),
                            r.bestValAccuracy(),
                            r.bestEpoch()));
                }
            }
            perSeed.add(new SummaryTable(rows));
        }
        if (sweep.seeds().size() == 1) {
            return new StudyTable(perSeed.get(0).markdown(), perSeed.get(0).csv());
        }
        SeedSummaryTable table = new SeedSummaryTable(sweep.seeds(), perSeed);
        return new StudyTable(table.markdown(), table.csv());
    }

    /**
     * Returns the table as Markdown.
     *
     * @return the text
     */
    public String markdown() {
        return markdown;
    }

    /**
     * Returns the table as CSV.
     *
     * @return the text
     */
    public String csv() {
        return csv;
    }
}
