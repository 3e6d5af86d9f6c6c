package dev.replica.api.seed;

/**
 * The names of the seed streams a run derives from its root seed (docs/design.md, section 4), in one place:
 * every stream is a pure function of the root seed and these names, so renaming one changes every
 * result that depends on it. Golden-value tests pin them.
 */
public final class SeedNames {

    /** The dataset's streams (holdout split, synthetic data); {@code data/order} and {@code data/augment} below. */
    public static final String DATA = "data";
    /** The order of the training examples in an epoch, {@code data/order/<epoch>}. */
    public static final String ORDER = "data/order";
    /** Crop offsets and flips of an epoch, {@code data/augment/<epoch>/<example>}. */
    public static final String AUGMENT = "data/augment";

    private SeedNames() {}

    /**
     * Returns the stream a model's initial weights come from.
     *
     * @param label the model's label in the experiment
     * @return {@code init/<label>}
     */
    public static String init(String label) {
        return "init/" + label;
    }

    /**
     * Returns the stream a model's dropout masks come from.
     *
     * @param label the model's label
     * @return {@code dropout/<label>}
     */
    public static String dropout(String label) {
        return "dropout/" + label;
    }

    /**
     * Returns the stream that seeds the engine's own generator for a model.
     *
     * @param label the model's label
     * @return {@code engine/<label>}
     */
    public static String engine(String label) {
        return "engine/" + label;
    }
}
