package dev.replica.cli;

import dev.replica.api.UserException;
import dev.replica.core.state.Numbers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code replica predict RUN_DIR IMAGE...}: the most probable classes of PNG or JPEG images, each image
 * made into an example as the dataset makes its own (scaled and cropped to its size, normalised).
 */
@Command(name = "predict", description = "Classify PNG or JPEG images with a run's models.")
final class PredictCommand implements Callable<Integer> {

    @CommandLine.ParentCommand
    ReplicaCli parent;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "PNG or JPEG files")
    List<Path> images;

    @CommandLine.Mixin
    RunModels models;

    @Option(
            names = "--top",
            paramLabel = "K",
            defaultValue = "3",
            description = "how many classes to show per image; default: ${DEFAULT-VALUE}")
    int top;

    @Override
    public Integer call() throws IOException {
        List<BufferedImage> decoded = new ArrayList<>();
        models.forEach(
                parent,
                "predict",
                false,
                experiment -> {
                    if (top < 1) {
                        throw new UserException("--top " + top + " is not allowed; allowed: 1 or more");
                    }
                    for (Path image : images) {
                        decoded.add(decode(image));
                    }
                },
                (experiment, model) -> {
                    for (int i = 0; i < images.size(); i++) {
                        String classes = model.predict(decoded.get(i), top).stream()
                                .map(p -> p.name() + " " + Numbers.fixed(p.probability(), 4))
                                .collect(Collectors.joining(", "));
                        parent.out()
                                .println(
                                        images.get(i) + "  " + models.stem(experiment, model.label()) + ": " + classes);
                    }
                });
        return 0;
    }

    private static BufferedImage decode(Path image) {
        if (Files.isDirectory(image)) {
            throw new UserException(image + " is a folder; allowed: PNG or JPEG files");
        }
        if (!Files.exists(image)) {
            throw new UserException(image + ": no such file");
        }
        if (!Files.isRegularFile(image)) {
            throw new UserException(image + " is a device, FIFO or socket; allowed: PNG or JPEG files");
        }
        try {
            BufferedImage decoded = ImageIO.read(image.toFile());
            if (decoded == null) {
                throw new UserException(image + " is not a PNG or JPEG image");
            }
            return decoded;
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserException u) {
                throw u;
            }
            // A malformed file makes ImageIO's decoders throw anything (IllegalArgumentException, index errors).
            throw new UserException(image + " cannot be read as an image: " + e, e);
        }
    }
}
