package dev.replica.cli;

import dev.replica.api.UserException;
import dev.replica.core.exchange.WeightsFile;
import dev.replica.core.state.SafeFiles;
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
        Path dir = out == null ? models.run.resolve("export") : out;
        models.forEach(
                parent,
                "export",
                true,
                experiment -> {
                    WeightsFile file = format();
                    // Every target is checked before any is written: an export is all or nothing.
                    for (String label : models.labels(experiment)) {
                        Path target = dir.resolve(models.stem(experiment, label) + "." + file.extension());
                        if (Files.exists(target)) {
                            throw new UserException(target + " exists; remove it, or export to another --out");
                        }
                    }
                },
                (experiment, model) -> {
                    WeightsFile file = format();
                    Path target = dir.resolve(models.stem(experiment, model.label()) + "." + file.extension());
                    WeightsFile.Contents contents = model.pytorchWeights();
                    if (out == null) {
                        SafeFiles.folderIn(models.run, "export");
                    } else {
                        Files.createDirectories(dir);
                    }
                    file.write(target, contents);
                    parent.out()
                            .println("Wrote " + target + ": "
                                    + contents.tensors().size() + " tensors of model '"
                                    + model.label() + "' (" + models.which().label() + " weights, epoch "
                                    + model.epoch() + ")");
                });
        return 0;
    }

    private WeightsFile format() {
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "safetensors" -> WeightsFile.SAFETENSORS;
            case "npz" -> WeightsFile.NPZ;
            default -> throw new UserException("--format " + format + " is not allowed; allowed: safetensors, npz");
        };
    }
}
