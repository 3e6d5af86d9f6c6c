package dev.replica.api.engine;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one process computed in the first training steps of one model: per step the loss's bits, a
 * digest of every trainable parameter's gradient (before the update) and a digest of the weights after
 * it. Two processes that compute the same bits give equal traces; the run's own first steps give the
 * trace again, which is how a run checks itself against its probe.
 *
 * @param model the model's label
 * @param losses each step's loss, as the bits of a double in hex
 * @param gradients per step, the gradient digest of each trainable parameter, in the model's order
 * @param weights per step, the digest of every weight after the update
 * @param inexactness how far the float32 kernels are from float64 ones: the relative difference of the first
 *     step's loss or of one of its gradients against a float64 twin trained from the same weights and batch,
 *     where it most exceeds what rounding explains; negative when not measured
 * @param inexactTensor where that difference was, or empty
 * @param roundingNoise float32's rounding noise there: how far the same float32 step moves when every
 *     weight is moved one ulp
 */
public record ProbeTrace(
        String model,
        List<String> losses,
        List<Map<String, String>> gradients,
        List<String> weights,
        double inexactness,
        String inexactTensor,
        double roundingNoise) {

    /**
     * The difference from float64 that float32 rounding explains on any network. Measured at batch 128 on
     * CIFAR-10 (AMD EPYC, family 26): honest kernels reach 0.035 (MXNet's BatchNorm shift gradients, a float32
     * sum over 131,072 values per channel; PyTorch's stay below 0.01), the faulty kernels of DJL's PyTorch on
     * that CPU were 0.25 to 1.5 off. The bound sits between, about three times from each.
     */
    public static final double INEXACTNESS_BOUND = 0.1;

    private static final Gson ANSWER_JSON =
            new GsonBuilder().serializeSpecialFloatingPointValues().create();

    /**
     * How many times float32's own rounding noise a difference may be: a network that amplifies rounding (a
     * deep plain net: 20% of a gradient from weights moved one ulp) is as far from float64 as that noise.
     */
    public static final double NOISE_FACTOR = 10;

    /** Copies the lists. */
    public ProbeTrace {
        Objects.requireNonNull(model, "model");
        losses = List.copyOf(losses);
        gradients = List.copyOf(gradients);
        weights = List.copyOf(weights);
        inexactTensor = inexactTensor == null ? "" : inexactTensor;
    }

    /**
     * A trace whose float32 kernels were not measured against float64.
     *
     * @param model the model's label
     * @param losses each step's loss
     * @param gradients per step, the gradient digests
     * @param weights per step, the weights' digest
     */
    public ProbeTrace(String model, List<String> losses, List<Map<String, String>> gradients, List<String> weights) {
        this(model, losses, gradients, weights, -1, "", 0);
    }

    /**
     * Returns this trace with its float32-against-float64 measurement.
     *
     * @param distance the relative difference from float64
     * @param tensor where
     * @param noise float32's rounding noise there, relative like the distance
     * @return the trace
     */
    public ProbeTrace withInexactness(double distance, String tensor, double noise) {
        return new ProbeTrace(model, losses, gradients, weights, distance, tensor, noise);
    }

    /**
     * Returns how many times what rounding explains the difference from float64 is: above 1 the kernels
     * are inexact. What rounding explains is {@link #INEXACTNESS_BOUND}, or {@link #NOISE_FACTOR} times the
     * rounding noise where that is more.
     *
     * @return the ratio; 0 when not measured, infinite when the distance or the noise is not a finite number
     *     (nothing then explains the difference)
     */
    public double excess() {
        if (inexactness < 0) {
            return 0;
        }
        if (Double.isNaN(inexactness) || !Double.isFinite(roundingNoise)) {
            return Double.POSITIVE_INFINITY;
        }
        return inexactness / Math.max(INEXACTNESS_BOUND, NOISE_FACTOR * roundingNoise);
    }

    /**
     * Says whether the float32 kernels computed a first step that float32 rounding cannot explain.
     *
     * @return the finding in words, or {@code null} when they did not (or it was not measured)
     */
    public String inexact() {
        if (!(excess() > 1)) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "model %s: float32 is %.2g away from float64 (relative, %s), more than float32 rounding "
                        + "explains (%.0e, or %.0f times the %.2g that weights moved one ulp give)",
                model,
                inexactness,
                inexactTensor,
                INEXACTNESS_BOUND,
                NOISE_FACTOR,
                roundingNoise);
    }

    /**
     * Returns the number of steps traced.
     *
     * @return the steps
     */
    public int steps() {
        return losses.size();
    }

    /**
     * Returns a step's loss.
     *
     * @param step the step, from 0
     * @return the loss
     */
    public double loss(int step) {
        return Double.longBitsToDouble(Long.parseUnsignedLong(losses.get(step), 16));
    }

    /**
     * Returns whether every traced loss is finite (a non-finite gradient ends the trace with a non-finite
     * loss entry too).
     *
     * @return true when finite
     */
    public boolean finite() {
        for (int s = 0; s < steps(); s++) {
            if (!Double.isFinite(loss(s))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Says where two traces first differ: the step, the loss (the forward pass) and the differing
     * gradient nearest the output (gradients flow back from the output, so it names the operation to
     * suspect).
     *
     * @param other the other trace
     * @return the first difference, or {@code null} when the traces are equal
     */
    public String firstDifference(ProbeTrace other) {
        int steps = Math.min(steps(), other.steps());
        for (int step = 0; step < steps; step++) {
            List<String> differing = new ArrayList<>();
            Map<String, String> mine = step < gradients.size() ? gradients.get(step) : Map.of();
            Map<String, String> theirs = step < other.gradients.size() ? other.gradients.get(step) : Map.of();
            for (Map.Entry<String, String> g : mine.entrySet()) {
                if (!Objects.equals(g.getValue(), theirs.get(g.getKey()))) {
                    differing.add(g.getKey());
                }
            }
            boolean lossDiffers = !losses.get(step).equals(other.losses.get(step));
            boolean weightsDiffer = step < weights.size()
                    && step < other.weights.size()
                    && !weights.get(step).equals(other.weights.get(step));
            if (lossDiffers || !differing.isEmpty() || weightsDiffer) {
                StringBuilder d = new StringBuilder("model " + model + ", step " + step + ":");
                if (lossDiffers) {
                    d.append(" the loss (forward pass)");
                }
                if (!differing.isEmpty()) {
                    d.append(lossDiffers ? ", and" : "")
                            .append(" the gradients of ")
                            .append(differing.size())
                            .append(" parameter")
                            .append(differing.size() == 1 ? "" : "s")
                            .append(", nearest the output ")
                            .append(differing.get(differing.size() - 1));
                } else if (!lossDiffers) {
                    d.append(" the weights after the update");
                }
                return d.toString();
            }
        }
        if (steps() != other.steps()) {
            return "model " + model + ": " + steps() + " steps traced against " + other.steps();
        }
        return null;
    }

    /**
     * Returns one digest of the whole trace, which names exactly what was proved.
     *
     * @return 16 hex digits
     */
    public String fingerprint() {
        MessageDigest all = sha256();
        all.update(model.getBytes(StandardCharsets.UTF_8));
        for (int s = 0; s < steps(); s++) {
            all.update(losses.get(s).getBytes(StandardCharsets.US_ASCII));
            if (s < gradients.size()) {
                gradients.get(s).forEach((k, v) -> all.update((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
            }
            if (s < weights.size()) {
                all.update(weights.get(s).getBytes(StandardCharsets.US_ASCII));
            }
        }
        return HexFormat.of().formatHex(all.digest(), 0, 8);
    }

    /**
     * Digests an array's float bits (little-endian), to 16 hex digits.
     *
     * @param values the values
     * @return the digest
     */
    public static String digest(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putInt(Float.floatToRawIntBits(v));
        }
        return HexFormat.of().formatHex(sha256().digest(bytes.array()), 0, 8);
    }

    /**
     * Digests an array's double bits (little-endian), to 16 hex digits.
     *
     * @param values the values
     * @return the digest
     */
    public static String digest(double[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            bytes.putLong(Double.doubleToRawLongBits(v));
        }
        return HexFormat.of().formatHex(sha256().digest(bytes.array()), 0, 8);
    }

    /**
     * Returns a digest of digests, in order.
     *
     * @param digests the parts
     * @return 16 hex digits
     */
    public static String combine(List<String> digests) {
        MessageDigest all = sha256();
        for (String d : digests) {
            all.update(d.getBytes(StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(all.digest(), 0, 8);
    }

    /** Builds a trace step by step. */
    public static final class Recorder {
        private final String model;
        private final List<String> losses = new ArrayList<>();
        private final List<Map<String, String>> gradients = new ArrayList<>();
        private final List<String> weights = new ArrayList<>();
        private Map<String, String> pendingGradients = new LinkedHashMap<>();

        /**
         * Creates a recorder.
         *
         * @param model the model's label
         */
        public Recorder(String model) {
            this.model = model;
        }

        /**
         * Records a gradient of the current step (before the update).
         *
         * @param path the parameter's path
         * @param digest its digest
         */
        public void gradient(String path, String digest) {
            pendingGradients.put(path, digest);
        }

        /**
         * Ends a step.
         *
         * @param loss the step's loss
         * @param weightsDigest the digest of the weights after the update
         */
        public void endStep(double loss, String weightsDigest) {
            losses.add(Long.toHexString(Double.doubleToRawLongBits(loss)));
            gradients.add(pendingGradients);
            weights.add(weightsDigest);
            pendingGradients = new LinkedHashMap<>();
        }

        /**
         * Returns the number of steps recorded.
         *
         * @return the steps
         */
        public int steps() {
            return losses.size();
        }

        /**
         * Returns the trace so far.
         *
         * @return the trace
         */
        public ProbeTrace trace() {
            return new ProbeTrace(model, losses, gradients, weights);
        }
    }

    /**
     * Returns the line on which a probe process answers: {@link ProbeWorkload#ANSWER_MARK}, then the traces as
     * JSON. NaN and infinities are kept: a faulty kernel's distance from float64 can be one, and is the answer.
     *
     * @param traces one trace per model
     * @return the line, without its line end
     */
    public static String answerLine(List<ProbeTrace> traces) {
        return ProbeWorkload.ANSWER_MARK + ANSWER_JSON.toJson(traces);
    }

    /**
     * Reads an {@link #answerLine}.
     *
     * @param line the line, mark included
     * @return the traces
     * @throws com.google.gson.JsonParseException if the line is not an answer
     */
    public static List<ProbeTrace> readAnswer(String line) {
        if (!line.startsWith(ProbeWorkload.ANSWER_MARK)) {
            throw new IllegalArgumentException("not a probe answer: " + line);
        }
        ProbeTrace[] traces =
                ANSWER_JSON.fromJson(line.substring(ProbeWorkload.ANSWER_MARK.length()), ProbeTrace[].class);
        return traces == null ? List.of() : List.of(traces);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
