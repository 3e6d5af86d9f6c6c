package dev.replica.api;

import dev.replica.api.params.Params;
import java.util.OptionalInt;

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
}
