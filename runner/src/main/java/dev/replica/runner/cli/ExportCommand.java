package dev.replica.runner.cli;

import dev.replica.api.UserException;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.runner.Environment;
import dev.replica.runner.TrainedModel;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.output.RunLock;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code replica export RUN_DIR}: each model's weights, BatchNorm statistics included, under the names a
 * PyTorch {@code state_dict} of the same architecture uses, as safetensors or npz.
 */
@Command(
        name = "export",
        description = "Write each model's weights in PyTorch's names (safetensors or npz), for PyTorch and "
                + "for an experiment's models.<label>.weights.")
final class ExportCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @CommandLine.Mixin
    RunModels models;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "safetensors",
            description = "safetensors or npz; default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--out", paramLabel = "DIR", description = "where the files go (default: RUN_DIR/export)")
    Path out;

    @Override
    public Integer call() throws IOException {
        try (RunLock held = models.lock(true, "export")) {
            return export();
        }
    }

    private Integer export() throws IOException {
        WeightsFile file = switch (format.toLowerCase(Locale.ROOT)) {
            case "safetensors" -> WeightsFile.SAFETENSORS;
            case "npz" -> WeightsFile.NPZ;
            default -> throw new UserException("--format " + format + " is not allowed; allowed: safetensors, npz");
        };
        PluginRegistry registry = parent.registry();
        Experiment experiment = models.experiment(registry);
        Path dir = out == null ? models.run.resolve("export") : out;
        String seedPart = experiment.seeds().size() > 1
                ? "-seed-" + (models.seed == null ? experiment.seeds().get(0) : models.seed)
                : "";
        String finalPart = models.which() == TrainedModel.Weights.FINAL ? "-final" : "";
        for (String label : models.labels(experiment)) {
            Path target = dir.resolve(label + seedPart + finalPart + "." + file.extension());
            if (Files.exists(target)) {
                throw new UserException(target + " exists; remove it, or export to another --out");
            }
        }
        for (String label : models.labels(experiment)) {
            try (TrainedModel model = models.open(registry, Environment.from(parent.env()), experiment, label)) {
                Path target = dir.resolve(models.stem(experiment, model) + "." + file.extension());
                if (Files.exists(target)) {
                    throw new UserException(target + " exists; remove it, or export to another --out");
                }
                WeightsFile.Contents contents = model.pytorchWeights();
                Files.createDirectories(dir);
                file.write(target, contents);
                parent.out()
                        .println("Wrote " + target + ": " + contents.tensors().size() + " tensors of model '" + label
                                + "' (" + models.which().label() + " weights, epoch " + model.epoch() + ")");
            }
        }
        return 0;
    }
}
