package dev.replica.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Inverted dropout whose masks are drawn in Java from {@code stream.child(step)}, so both engines drop
 * the same units at the same step, and a resumed run draws the same masks again. DJL's own
 * {@code Dropout} draws from the engine's generator. In evaluation it is the identity.
 */
public final class SeededDropout extends AbstractBlock {

    private static final byte VERSION = 1;

    private final double rate;
    private final SeedStream stream;
    private final LongSupplier step;

    /**
     * Creates the block.
     *
     * @param rate the probability of dropping a unit, in {@code [0, 1)}
     * @param stream the layer's own stream, e.g. {@code dropout/vgg19bn/head/1}
     * @param step the global training step
     */
    public SeededDropout(double rate, SeedStream stream, LongSupplier step) {
        super(VERSION);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1): " + rate);
        }
        this.rate = rate;
        this.stream = Objects.requireNonNull(stream, "stream");
        this.step = Objects.requireNonNull(step, "step");
    }

    /**
     * Returns the mask of a step as Java values: 0 for a dropped unit, {@code 1/(1-rate)} otherwise.
     *
     * @param step the global training step
     * @param size the number of units
     * @return the mask
     */
    public float[] mask(long step, int size) {
        float keep = (float) (1.0 / (1.0 - rate));
        float[] mask = new float[size];
        RandomSource random = stream.child(step).random();
        for (int i = 0; i < size; i++) {
            mask[i] = random.nextDouble() < rate ? 0f : keep;
        }
        return mask;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (!training || rate == 0) {
            return new NDList(x);
        }
        NDArray mask = x.getManager().create(mask(step.getAsLong(), Math.toIntExact(x.size())), x.getShape());
        // In the check's float64 lanes the activations are float64; MXNet multiplies only equal types.
        return new NDList(x.mul(mask.getDataType() == x.getDataType() ? mask : mask.toType(x.getDataType(), false)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    public String toString() {
        return "SeededDropout(" + rate + ", " + stream.path() + ")";
    }
}
