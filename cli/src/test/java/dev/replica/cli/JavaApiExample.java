package dev.replica.cli;

import dev.replica.core.training.Evaluation;
import dev.replica.core.training.ProgressListener;
import dev.replica.runner.Replica;
import dev.replica.runner.TrainedModel;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.output.SummaryTable;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The example of docs/java-api.md, which shows the code between the markers word for word. */
final class JavaApiExample {

    /** What the example computed, for the test to check. */
    record Seen(Replica.Run run, SummaryTable.Row row, Evaluation test, List<TrainedModel.Prediction> top) {}

    private JavaApiExample() {}

    static Seen run(Path dataRoot, Path out, BufferedImage image) throws IOException {
        // begin example
        Replica replica = Replica.withDataRoot(dataRoot);

        // An experiment written in code is checked as a file is; overrides work as --set does.
        Experiment experiment = replica.parse(
                String.join(
                        "\n",
                        "replica: 1",
                        "name: from-java",
                        "seed: 0",
                        "engine: {plugin: pytorch, threads: 2}",
                        "dataset: {plugin: synthetic, params: {train_size: 64, test_size: 32, classes: 4}}",
                        "models:",
                        "  small: {plugin: resnet, params: {depth: 18, width: 4}}",
                        "optimizer: {plugin: sgd, params: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}",
                        "schedule: {plugin: constant}",
                        "training: {epochs: 2, batch_size: 16}"),
                "seed=1");

        // A run folder, as 'replica run' writes it: history, checkpoints, summary, manifest, report.
        Replica.Run run = replica.run(experiment, out);
        SummaryTable.Row row = run.summary().rows().get(0);
        System.out.printf(
                "%s: test accuracy %.2f%% after %d epochs%n",
                row.label(),
                100 * row.testAccuracy(),
                run.histories().get("small").get(1L).size());

        // The trained model, on the run's engine and data: evaluate it, or classify an image.
        try (TrainedModel model = replica.model(run.folder(), "small")) {
            Evaluation test = model.evaluate("test", ProgressListener.SILENT, null);
            List<TrainedModel.Prediction> top = model.predict(image, 3);
            System.out.println(
                    top.get(0).name() + " with probability " + top.get(0).probability());
            // end example
            return new Seen(run, row, test, top);
        }
    }
}
