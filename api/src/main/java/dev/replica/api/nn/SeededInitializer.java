package dev.replica.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;
import java.util.Objects;

/**
 * Initial values computed in Java from a named seed stream and copied into the engine, so one seed
 * gives bit-identical weights on every engine. Values fill the shape in row-major order. Attach one
 * per parameter, each with its own stream, e.g. {@code conv.setInitializer(SeededInitializer.heNormal(
 * seeds.child("stem/conv/weight"), Fan.IN), Parameter.Type.WEIGHT)}.
 */
public final class SeededInitializer implements Initializer {

    /** Which side of a weight tensor sets the scale, as in PyTorch's {@code mode}. */
    public enum Fan {
        /** Input channels times the kernel's area. */
        IN,
        /** Output channels times the kernel's area. */
        OUT
    }

    private enum Kind {
        HE_NORMAL,
        UNIFORM,
        UNIFORM_FAN_IN
    }

    private final SeedStream stream;
    private final Kind kind;
    private final Fan fan;
    private final double bound;

    private SeededInitializer(SeedStream stream, Kind kind, Fan fan, double bound) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.kind = kind;
        this.fan = fan;
        this.bound = bound;
    }

    /**
     * He (Kaiming) normal with ReLU gain: standard deviation {@code sqrt(2 / fan)}.
     *
     * @param stream the parameter's own stream
     * @param fan which fan sets the scale
     * @return the initializer
     */
    public static SeededInitializer heNormal(SeedStream stream, Fan fan) {
        return new SeededInitializer(stream, Kind.HE_NORMAL, Objects.requireNonNull(fan, "fan"), 0);
    }

    /**
     * Uniform in {@code [-bound, bound)}.
     *
     * @param stream the parameter's own stream
     * @param bound the half-width, positive
     * @return the initializer
     */
    public static SeededInitializer uniform(SeedStream stream, double bound) {
        if (!(bound > 0)) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return new SeededInitializer(stream, Kind.UNIFORM, Fan.IN, bound);
    }

    /**
     * PyTorch's default for a weight of a linear or convolution layer: uniform in
     * {@code +-1/sqrt(fan_in)}, with fan_in read from the weight's shape. For its bias, use
     * {@link #uniform} with the same bound ({@link #fanIn} computes it).
     *
     * @param stream the parameter's own stream
     * @return the initializer
     */
    public static SeededInitializer uniformFanIn(SeedStream stream) {
        return new SeededInitializer(stream, Kind.UNIFORM_FAN_IN, Fan.IN, 0);
    }

    /**
     * Returns the fan of a weight shape as PyTorch computes it: {@code (out, in, k...)} gives
     * {@code in * prod(k)} for IN and {@code out * prod(k)} for OUT.
     *
     * @param shape the weight shape, at least two dimensions
     * @param fan which fan
     * @return the fan
     */
    public static long fan(Shape shape, Fan fan) {
        if (shape.dimension() < 2) {
            throw new IllegalArgumentException("fan needs a weight of 2 or more dimensions: " + shape);
        }
        long receptive = 1;
        for (int i = 2; i < shape.dimension(); i++) {
            receptive *= shape.get(i);
        }
        return (fan == Fan.IN ? shape.get(1) : shape.get(0)) * receptive;
    }

    /**
     * Returns {@code fan(shape, IN)}.
     *
     * @param shape the weight shape
     * @return the fan-in
     */
    public static long fanIn(Shape shape) {
        return fan(shape, Fan.IN);
    }

    /**
     * Computes the values for a shape in pure Java; {@link #initialize} copies them into the engine.
     *
     * @param shape the parameter's shape
     * @return the values in row-major order
     */
    public float[] sample(Shape shape) {
        int n = Math.toIntExact(shape.size());
        float[] values = new float[n];
        RandomSource random = stream.random();
        switch (kind) {
            case HE_NORMAL:
                double std = Math.sqrt(2.0 / fan(shape, fan));
                for (int i = 0; i < n; i++) {
                    values[i] = (float) (std * random.nextGaussian());
                }
                break;
            case UNIFORM:
            case UNIFORM_FAN_IN:
                double b = kind == Kind.UNIFORM ? bound : 1.0 / Math.sqrt(fanIn(shape));
                for (int i = 0; i < n; i++) {
                    values[i] = (float) (b * (2.0 * random.nextDouble() - 1.0));
                }
                break;
            default:
                throw new IllegalStateException(kind.toString());
        }
        return values;
    }

    /**
     * Returns the stream the values come from.
     *
     * @return the stream
     */
    public SeedStream stream() {
        return stream;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        NDArray array = manager.create(sample(shape), shape);
        return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
    }

    @Override
    public String toString() {
        return kind + "(" + stream.path() + ")";
    }
}
