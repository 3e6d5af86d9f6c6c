package dev.replica.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Facts about blocks that the runner, the tests and plugin authors all need. */
public final class Blocks {

    private Blocks() {}

    /**
     * Counts the trainable parameters of an initialised block. DJL's own count includes BatchNorm's
     * running mean and variance, which are not trained; this counts only what has a gradient.
     *
     * @param block an initialised block
     * @return the number of trainable scalars
     */
    public static long trainableParameterCount(Block block) {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    /**
     * Lists the parameters whose initial values would come from the engine's random generator rather
     * than from a seed stream: every parameter must have a {@link SeededInitializer} or a constant one.
     *
     * @param block a block, initialised or not
     * @return the paths of offending parameters, in block order; empty when all are seeded
     */
    public static List<String> unseededParameters(Block block) {
        List<String> bad = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Initializer init = p.getValue().getInitializer();
            boolean seeded = init instanceof SeededInitializer
                    || init instanceof ConstantInitializer
                    || init == Initializer.ZEROS
                    || init == Initializer.ONES;
            if (!seeded) {
                bad.add(p.getKey());
            }
        }
        return bad;
    }

    /**
     * Initialises a block as {@link Block#initialize} does, but draws the seeded parameters' values on
     * every core. Each parameter has its own stream, so the values are those of a one-by-one
     * initialisation, bit for bit; only the order in time changes. A float32 block's seeded parameters are
     * first made as placeholders (their shapes are known only once the block has inferred them), then
     * their values are drawn in parallel and copied in with the engine's copy, which keeps the layout an
     * engine chose (as a checkpoint's restore does).
     *
     * @param block the block, not initialised
     * @param manager the manager of its parameters
     * @param dataType the parameters' type; other than float32, the block initialises one by one
     * @param inputShapes the input shapes
     */
    public static void initialize(Block block, NDManager manager, DataType dataType, Shape... inputShapes) {
        Map<Parameter, SeededInitializer> seeded = new LinkedHashMap<>();
        if (dataType == DataType.FLOAT32) {
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getValue().getInitializer() instanceof SeededInitializer s
                        && !p.getValue().isInitialized()) {
                    seeded.put(p.getValue(), s);
                    p.getValue().setInitializer(PLACEHOLDER);
                }
            }
        }
        try {
            block.initialize(manager, dataType, inputShapes);
        } finally {
            seeded.forEach(Parameter::setInitializer);
        }
        List<Parameter> parameters = new ArrayList<>(seeded.keySet());
        float[][] values = new float[parameters.size()][];
        IntStream.range(0, parameters.size())
                .parallel()
                .forEach(i -> values[i] =
                        seeded.get(parameters.get(i)).sample(parameters.get(i).getShape()));
        for (int i = 0; i < values.length; i++) {
            NDArray target = parameters.get(i).getArray();
            try (NDArray drawn = manager.create(values[i], target.getShape())) {
                drawn.copyTo(target);
            }
        }
    }

    /** Where a seeded parameter's values will go: memory of the right shape, filled right after. */
    private static final Initializer PLACEHOLDER = (manager, shape, dataType) -> manager.create(shape, dataType);
}
