package dev.replica.api.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

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
}
