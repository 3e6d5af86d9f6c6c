package dev.replica.cli;

import dev.replica.core.state.EpochRecord;
import dev.replica.core.state.Numbers;
import dev.replica.core.training.ProgressListener;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars for a terminal: one per epoch of training (steps, ETA, images per second, loss and
 * accuracy so far) and one per evaluation (images, rate, ETA). A bar is cleared when it ends and the
 * epoch's line, as {@link ConsoleProgress} writes it, stays. Reads the clock for display only.
 */
final class TerminalProgress implements ProgressListener {

    private final PrintStream out;
    private final int batchSize;
    private final ConsoleProgress lines;
    private final ProgressBarStyle style;
    private Bar training;
    private Bar evaluation;
    private final StepRate rate = new StepRate(System::nanoTime);

    TerminalProgress(PrintStream out, int batchSize) {
        this.out = out;
        this.batchSize = batchSize;
        this.lines = new ConsoleProgress(out, batchSize);
        this.style = StandardCharsets.UTF_8.equals(Charset.defaultCharset())
                ? ProgressBarStyle.UNICODE_BLOCK
                : ProgressBarStyle.ASCII;
    }

    @Override
    public void stepTrained(String label, int epoch, int step, int steps) {
        rate.trained(step);
    }

    @Override
    public void step(String label, int epoch, int epochs, int step, int steps, double meanLoss, double accuracy) {
        if (step == 1 || training == null) {
            closeTraining();
            training = new Bar(label + " epoch " + epoch + "/" + epochs, steps, " steps", false);
        }
        training.bar.stepTo(step);
        double perSecond = rate.perSecond();
        String images = perSecond > 0 ? Numbers.fixed(perSecond * batchSize, 1) + " img/s" : "";
        training.bar.setExtraMessage(
                " loss " + Numbers.fixed(meanLoss, 4) + " acc " + Numbers.fixed(100 * accuracy, 2) + "% " + images);
        if (step == steps) {
            closeTraining();
        }
    }

    @Override
    public void evaluation(String label, String split, int done, int total) {
        if (evaluation == null) {
            evaluation = new Bar(label + " " + split, total, " img", true);
        }
        evaluation.bar.stepTo(done);
        if (done >= total) {
            evaluation.close();
            evaluation = null;
        }
    }

    @Override
    public void epoch(String label, EpochRecord record, int epochs) {
        closeTraining();
        lines.epoch(label, record, epochs);
    }

    private void closeTraining() {
        if (training != null) {
            training.close();
            training = null;
        }
    }

    /** A bar redrawn in place on one line, which is blanked when the bar ends. */
    private final class Bar {
        private final SameLineConsumer line = new SameLineConsumer(out);
        private final ProgressBar bar;

        Bar(String task, long max, String unit, boolean speed) {
            ProgressBarBuilder b = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(max)
                    .setStyle(style)
                    .setUpdateIntervalMillis(500)
                    .setUnit(unit, 1)
                    .setConsumer(line);
            if (speed) {
                b.showSpeed();
            }
            bar = b.build();
        }

        void close() {
            bar.close();
            // A bar closed before its first scheduled redraw does not close its consumer: blank the line here.
            line.close();
        }
    }

    /** Prints each redraw after a carriage return; closing blanks the line and leaves the cursor at its start. */
    private static final class SameLineConsumer extends ConsoleProgressBarConsumer {
        private final PrintStream stream;
        private boolean open = true;

        SameLineConsumer(PrintStream stream) {
            super(stream);
            this.stream = stream;
        }

        @Override
        public synchronized void accept(String rendered) {
            if (open) {
                super.accept(rendered);
            }
        }

        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                stream.print("\r" + " ".repeat(Math.max(0, getMaxRenderedLength())) + "\r");
                stream.flush();
            }
        }
    }
}
