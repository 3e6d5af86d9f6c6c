package dev.replica.api;

import dev.replica.api.params.Params;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/** Opens a labelled image dataset with its train, validation and test splits. */
public interface DatasetPlugin extends Plugin {

    /**
     * Opens the dataset; reads, checks or fetches files as needed.
     *
     * @param params the validated parameters, never {@code null}
     * @param context where data lives and the seed streams of the run, never {@code null}
     * @return the splits, never {@code null}
     * @throws UserException when the data is missing or corrupt, naming the files and what to do
     */
    DataSplits open(Params params, DataContext context);

    /**
     * Returns the number of classes these parameters give, when it is known without opening the data,
     * so that a model's output size can be checked against it when the experiment is validated.
     *
     * @param params the validated parameters, never {@code null}
     * @return the number of classes, or empty when only opening the data tells
     */
    default OptionalInt classes(Params params) {
        return OptionalInt.empty();
    }

    /**
     * Returns the class names when the parameters alone tell them, so a command that needs the names
     * but no example (e.g. {@code replica export}) need not open the data.
     *
     * @param params the validated parameters
     * @return the names by label, or empty when only the opened data tells them
     */
    default Optional<List<String>> classNames(Params params) {
        return Optional.empty();
    }

    /**
     * Returns how an image becomes an example, as {@link DataSplits#imageExample} of the opened data
     * makes it, when the parameters alone tell how: {@code replica predict} then need not open the data.
     *
     * @param params the validated parameters
     * @return the conversion, or empty when only the opened data can convert
     */
    default Optional<Function<BufferedImage, float[]>> imageExamples(Params params) {
        return Optional.empty();
    }
}
