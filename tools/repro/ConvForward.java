import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;

/**
 * The smallest reproduction of issue 25's finding: one 3x3 convolution of the CIFAR nets' shapes, forward
 * and forward with backward, through DJL's PyTorch engine (libtorch 2.7.1); conv_forward.py times the same
 * in Python's torch. Run both alternately, with the launcher's allocator and 2 threads:
 *
 * <pre>
 * export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
 * export OMP_NUM_THREADS=2
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp cli/target/replica-cli.jar tools/repro/ConvForward.java 200
 * python3 tools/repro/conv_forward.py 200
 * </pre>
 */
public final class ConvForward {
    private static final int[][] SHAPES = {{128, 16, 16, 32}, {128, 32, 32, 16}, {128, 64, 64, 8}};

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = engine.newBaseManager()) {
            engine.setRandomSeed(0);
            for (int[] s : SHAPES) {
                NDArray x = manager.randomNormal(new Shape(s[0], s[1], s[3], s[3]));
                NDArray w = manager.randomNormal(new Shape(s[2], s[1], 3, 3));
                x.setRequiresGradient(true);
                w.setRequiresGradient(true);
                for (boolean backward : new boolean[] {false, true}) {
                    long start = 0;
                    for (int r = 0; r < 10 + reps; r++) {
                        if (r == 10) {
                            start = System.nanoTime();
                        }
                        try (NDManager step = manager.newSubManager();
                                GradientCollector collector = engine.newGradientCollector()) {
                            NDArray y = Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1)
                                    .singletonOrThrow();
                            y.attach(step);
                            if (backward) {
                                NDArray sum = y.sum();
                                sum.attach(step);
                                collector.backward(sum);
                            }
                        }
                    }
                    System.out.printf(
                            "libtorch %s %dx%d->%d %dx%d %s: %.3f ms%n",
                            engine.getVersion(), s[0], s[1], s[2], s[3], s[3],
                            backward ? "fwd+bwd" : "fwd", (System.nanoTime() - start) / 1e6 / reps);
                }
            }
        }
    }
}
