package dev.replica.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.state.EpochRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the two progress displays print for one short epoch. */
class ProgressDisplayTest {

    private static final EpochRecord EPOCH = new EpochRecord(1, 0.1, 1.5, 0.25, 1.25, 0.5, 2.0, 0.25, 64, 32);

    @Test
    void aTerminalGetsBarsThatGiveWayToTheEpochsLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress progress = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 16);
        for (int step = 1; step <= 4; step++) {
            progress.stepTrained("res", 1, step, 4);
            progress.step("res", 1, 2, step, 4, 1.5, 0.25);
        }
        progress.evaluation("res", "validation", 16, 32);
        progress.evaluation("res", "validation", 32, 32);
        progress.epoch("res", EPOCH, 2);
        String out = bytes.toString(StandardCharsets.UTF_8);
        // Bars are redrawn in place with carriage returns and cleared at the end, so the only finished
        // line is the epoch's.
        assertThat(out)
                .contains("\rres epoch 1/2 ", " steps", "loss 1.5000 acc 25.00%", "\rres validation ", " img")
                .endsWith("\rres epoch 1/2  lr 0.1  train loss 1.5000 acc 25.00%  val loss 1.2500 acc 50.00%  "
                        + "(2 s, 32.0 img/s)\n");
        assertThat(out.split("\n", -1)).hasSize(2);
    }

    @Test
    void otherOutputGetsPlainLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ConsoleProgress progress =
                new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 16, () -> now[0]);
        for (int step = 1; step <= 4; step++) {
            now[0] += 250_000_000L;
            progress.stepTrained("res", 1, step, 4);
            progress.step("res", 1, 2, step, 4, 1.5, 0.25);
        }
        // An evaluation shorter than 30 seconds prints nothing of its own.
        progress.evaluation("res", "validation", 16, 32);
        progress.evaluation("res", "validation", 32, 32);
        progress.epoch("res", EPOCH, 2);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out)
                .doesNotContain("\r")
                .matches(
                        "(?s)(  res epoch 1/2 step [23]/4  loss 1.5000  acc 25.00%  "
                                + "4.0 steps/s \\(64.0 img/s\\)  epoch ETA \\ds\n){2}"
                                + "res epoch 1/2  lr 0.1  train loss 1.5000 acc 25.00%  val loss 1.2500 acc 50.00%  \\(2 s, 32.0 img/s\\)\n");
    }

    @Test
    void theRateAtAnEpochsStartCountsWhenStepsTrainedNotWhenTheirFiguresWereRead() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ConsoleProgress progress =
                new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 128, () -> now[0]);
        // Eleven steps trained a tenth of a second apart; the loop reads their figures together, later.
        for (int step = 1; step <= 11; step++) {
            now[0] += 100_000_000L;
            progress.stepTrained("res", 6, step, 118);
        }
        now[0] += 500_000_000L;
        for (int step = 1; step <= 11; step++) {
            progress.step("res", 6, 6, step, 118, 1.5, 0.25);
            now[0] += 1_000L;
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("  res epoch 6/6 step 11/118  loss 1.5000  acc 25.00%  10.0 steps/s (1280.0 img/s)  "
                        + "epoch ETA 11s\n");
    }

    @Test
    void aResumedEpochsRateCountsFromItsFirstStep() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {5_000_000_000L};
        ConsoleProgress progress =
                new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 0, () -> now[0]);
        for (int step = 51; step <= 60; step++) {
            now[0] += 200_000_000L;
            progress.stepTrained("res", 2, step, 100);
            progress.step("res", 2, 3, step, 100, 1.5, 0.25);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("  res epoch 2/3 step 60/100  loss 1.5000  acc 25.00%  5.0 steps/s  epoch ETA 8s\n");
    }
}
