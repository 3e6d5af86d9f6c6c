package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replica doctor}: which verdict it reaches depends on this processor, but not how its lines and
 * its exit status follow from one another: 0 exactly when every engine's line says bit-identical, 4
 * otherwise, each engine's line backed by the trial it names.
 */
class DoctorTest {

    private static final Pattern IDENTICAL = Pattern.compile(
            "(\\w+) at 2 threads, instruction sets (\\S+): bit-identical across two fresh processes on .+");
    private static final Pattern PINNED = Pattern.compile("(\\w+) at 2 threads: oneDNN pinned to (\\S+), the widest "
            + "setting bit-identical across two fresh processes on .+? \\((.+)\\)");
    private static final Pattern NOT_IDENTICAL = Pattern.compile(
            "(\\w+) at 2 threads: not bit-identical across processes with any setting tried \\((.+)\\)");
    private static final Pattern TRIAL =
            Pattern.compile("  (\\S+): (bit-identical|different bits|a non-finite loss|the probe could not run"
                    + "|float32 kernels that disagree with float64|the workload was refused)"
                    + "(?: \\(.*\\))?  \\[(?:probed now|kept from an earlier probe), \\d+\\.\\d s\\]");

    @TempDir
    Path dir;

    @Test
    void itsExitStatusFollowsFromEachEnginesLine() {
        CliRun.Result r = CliRun.replica(dir.resolve("data"), "doctor");
        assertThat(r.err()).as("doctor's stderr").isEmpty();
        String[] lines = r.out().split("\n", -1);
        assertThat(lines[0]).startsWith("Machine: ").endsWith(" cores");
        assertThat(lines[1]).startsWith("Instruction sets: ");
        assertThat(lines[2]).startsWith("Allocator: ");
        assertThat(lines[3]).startsWith("Verdicts kept in: ");

        List<String> engines = new ArrayList<>();
        boolean every = true;
        int i = 4;
        while (i < lines.length - 3) {
            assertThat(lines[i]).as("a blank line before each engine").isEmpty();
            String summary = lines[i + 1];
            List<String> identicalTrials = new ArrayList<>();
            int t = i + 2;
            for (; lines[t].startsWith("  ") && !lines[t].startsWith("  native settings: "); t++) {
                Matcher trial = TRIAL.matcher(lines[t]);
                assertThat(trial.matches()).as("a trial line: %s", lines[t]).isTrue();
                if (trial.group(2).equals("bit-identical")) {
                    identicalTrials.add(trial.group(1));
                }
            }
            assertThat(t).as("%s has at least one trial", summary).isGreaterThan(i + 2);
            assertThat(lines[t]).startsWith("  native settings: ");
            Matcher identical = IDENTICAL.matcher(summary);
            Matcher pinned = PINNED.matcher(summary);
            Matcher not = NOT_IDENTICAL.matcher(summary);
            if (identical.matches() || pinned.matches()) {
                Matcher m = identical.matches() ? identical : pinned;
                engines.add(m.group(1));
                assertThat(identicalTrials).as("the trial behind: %s", summary).contains(m.group(2));
            } else {
                assertThat(not.matches()).as("an engine's verdict: %s", summary).isTrue();
                engines.add(not.group(1));
                every = false;
            }
            i = t + 1;
        }
        assertThat(engines).containsExactly("mxnet", "pytorch");
        assertThat(lines[i]).isEmpty();
        assertThat(lines[i + 1])
                .isEqualTo(
                        every
                                ? "Every engine probed is bit-identical across processes here."
                                : "Some engine is not bit-identical across processes here: runs stop unless "
                                        + "engine.determinism is relaxed. Try engine.threads: 1, or another engine.isa.");
        assertThat(lines[i + 2]).isEmpty();
        assertThat(r.exit())
                .as("exit status when every engine is bit-identical: %s", every)
                .isEqualTo(every ? 0 : 4);
    }
}
