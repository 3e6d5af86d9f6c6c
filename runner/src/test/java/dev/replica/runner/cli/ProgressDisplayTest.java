package dev.replica.runner.cli;

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
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), 16);
        for (int step = 1; step <= 4; step++) {
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
                                + "[\\d.]+ steps/s \\([\\d.]+ img/s\\)  epoch ETA \\d+s\n){2}"
                                + "res epoch 1/2  lr 0.1  train loss 1.5000 acc 25.00%  val loss 1.2500 acc 50.00%  \\(2 s, 32.0 img/s\\)\n");
    }
}
