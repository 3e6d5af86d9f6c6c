package dev.replica.check;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * Norms and differences of two models' parameters, computed in Java in double precision, tensor by
 * tensor in block order, so the same weights always give the same bits whatever the engine.
 *
 * <p>Trainable parameters ({@link Parameter#requiresGradient()}) are the {@code params}; the others
 * (BatchNorm running mean and variance) are the {@code buffers}. Only one pair of tensors is held in
 * Java at a time.
 */
final class Weights {

    private Weights() {}

    /**
     * Returns the L2 norm of every trainable parameter taken as one vector.
     *
     * @param block an initialised block
     * @return the norm
     */
    static double norm(Block block) {
        double sum = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                sum += sumOfSquares(p.getValue().getArray().toFloatArray());
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Compares the parameters of two blocks of the same architecture, possibly on different engines.
     *
     * @param a the reference
     * @param b the other
     * @return the differences of the trainable parameters and of the buffers
     * @throws IllegalArgumentException when the blocks' parameters differ in paths or sizes
     */
    static ParameterDifference compare(Block a, Block b) {
        PairList<String, Parameter> pa = a.getParameters();
        PairList<String, Parameter> pb = b.getParameters();
        if (!pa.keys().equals(pb.keys())) {
            throw new IllegalArgumentException(
                    "the models have different parameters: " + pa.keys() + " and " + pb.keys());
        }
        Accumulator params = new Accumulator();
        Accumulator buffers = new Accumulator();
        for (int i = 0; i < pa.size(); i++) {
            float[] x = pa.get(i).getValue().getArray().toFloatArray();
            float[] y = pb.get(i).getValue().getArray().toFloatArray();
            if (x.length != y.length) {
                throw new IllegalArgumentException("parameter " + pa.get(i).getKey() + " has " + x.length
                        + " values in one model and " + y.length + " in the other");
            }
            (pa.get(i).getValue().requiresGradient() ? params : buffers)
                    .add(pa.get(i).getKey(), x, y);
        }
        return new ParameterDifference(params.result(), buffers.result());
    }

    /**
     * Copies the BatchNorm running statistics (every parameter that is not trained) of one block into
     * another of the same architecture, e.g. from the PyTorch model into the MXNet one.
     *
     * @param from the source
     * @param to the target
     * @return how many tensors were copied
     */
    static int copyRunningStatistics(Block from, Block to) {
        PairList<String, Parameter> source = from.getParameters();
        PairList<String, Parameter> target = to.getParameters();
        if (!source.keys().equals(target.keys())) {
            throw new IllegalArgumentException("the models have different parameters");
        }
        int copied = 0;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).getValue().requiresGradient()) {
                continue;
            }
            NDArray t = target.get(i).getValue().getArray();
            // A copy op, not set(): MXNet may keep arrays in an MKLDNN layout that set() cannot write.
            try (NDArray values =
                    t.getManager().create(source.get(i).getValue().getArray().toFloatArray(), t.getShape())) {
                values.copyTo(t);
            }
            copied++;
        }
        return copied;
    }

    /**
     * Returns the relative difference of two numbers, {@code |a - b| / max(|a|, |b|)}: 0 when they are
     * equal (also both 0), NaN when either is NaN.
     *
     * @param a one number
     * @param b another
     * @return the difference, in [0, 2]
     */
    static double relative(double a, double b) {
        if (a == b) {
            return 0;
        }
        return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    }

    private static double sumOfSquares(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += (double) v * v;
        }
        return sum;
    }

    /** Sums over tensors in block order. */
    private static final class Accumulator {
        private final List<Double> relatives = new ArrayList<>();
        private double squaresA;
        private double squaresB;
        private double squaresDiff;
        private ParameterDifference.Tensor worst;
        private ParameterDifference.Element largest;

        void add(String path, float[] x, float[] y) {
            double diff = 0;
            int at = 0;
            double max = -1;
            for (int i = 0; i < x.length; i++) {
                double d = (double) x[i] - y[i];
                diff += d * d;
                if (Math.abs(d) > max || Double.isNaN(d)) {
                    max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.abs(d);
                    at = i;
                }
            }
            double ssA = sumOfSquares(x);
            double ssB = sumOfSquares(y);
            squaresA += ssA;
            squaresB += ssB;
            squaresDiff += diff;
            ParameterDifference.Tensor t =
                    new ParameterDifference.Tensor(path, Math.sqrt(diff), Math.sqrt(ssA), Math.sqrt(ssB));
            relatives.add(t.relative());
            if (worst == null || t.relative() > worst.relative() || Double.isNaN(t.relative())) {
                worst = t;
            }
            if (x.length > 0 && (largest == null || max > largest.absolute())) {
                largest = new ParameterDifference.Element(path, at, x[at], y[at]);
            }
        }

        ParameterDifference.Set result() {
            double mean = 0;
            for (double r : relatives) {
                mean += r;
            }
            mean = relatives.isEmpty() ? 0 : mean / relatives.size();
            double normA = Math.sqrt(squaresA);
            double normB = Math.sqrt(squaresB);
            double global = squaresDiff == 0 ? 0 : Math.sqrt(squaresDiff) / Math.max(normA, normB);
            return new ParameterDifference.Set(relatives.size(), normA, normB, global, mean, worst, largest);
        }
    }
}
