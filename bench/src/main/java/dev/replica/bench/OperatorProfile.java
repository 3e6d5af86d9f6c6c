package dev.replica.bench;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The operators of some training steps, read from a Chrome trace of PyTorch's profiler (libtorch's in
 * Replica's loop, Python's in the plain PyTorch loop, so the two name their operators alike): per operator,
 * calls and self time per step. Self time is an operator's time less that of the operators it called on
 * the same thread, so the operators' self times add up to the time spent in operators, and what is left of
 * a step is the time between them: Java or Python, JNI, waits.
 *
 * @param steps the steps traced
 * @param seconds their wall time, profiler running
 * @param pageFaults the process's minor page faults per step (its first touches of memory pages), or
 *     NaN where the system does not say
 * @param operators calls and self milliseconds per step, by operator name, the most expensive first
 */
public record OperatorProfile(int steps, double seconds, double pageFaults, Map<String, Operator> operators) {

    /**
     * One operator's share of a step.
     *
     * @param calls calls per step
     * @param selfMs self milliseconds per step
     */
    public record Operator(double calls, double selfMs) {}

    /** One complete event of a trace: an operator call on a thread, in microseconds. */
    record Call(String name, String thread, double start, double duration) {
        double end() {
            return start + duration;
        }
    }

    /** Keeps the operators in order, the most expensive first. */
    public OperatorProfile {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, not " + steps);
        }
        Map<String, Operator> ordered = new LinkedHashMap<>();
        operators.entrySet().stream()
                .sorted(Map.Entry.<String, Operator>comparingByValue(
                                Comparator.comparingDouble(Operator::selfMs).reversed())
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        operators = Collections.unmodifiableMap(ordered);
    }

    /**
     * Reads a trace that PyTorch's profiler wrote: a JSON array of events, or an object with a {@code
     * traceEvents} array. Complete events ({@code "ph": "X"}) are operator calls; the rest is skipped.
     *
     * @param trace the trace file
     * @param steps the steps it covers
     * @param seconds their wall time
     * @param pageFaults the minor page faults of those steps, or a negative number where unknown
     * @return the operators per step
     * @throws IOException when the trace cannot be read or is not such a trace
     */
    public static OperatorProfile read(Path trace, int steps, double seconds, long pageFaults) throws IOException {
        List<Call> calls = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(trace, StandardCharsets.UTF_8);
                JsonReader json = new JsonReader(in)) {
            if (json.peek() == JsonToken.BEGIN_OBJECT) {
                json.beginObject();
                while (json.hasNext()) {
                    if (json.nextName().equals("traceEvents")) {
                        readEvents(json, calls);
                    } else {
                        json.skipValue();
                    }
                }
                json.endObject();
            } else {
                readEvents(json, calls);
            }
        } catch (IllegalStateException | NumberFormatException e) {
            throw new IOException(trace + " is not a Chrome trace of PyTorch's profiler: " + e.getMessage(), e);
        }
        return of(calls, steps, seconds, pageFaults);
    }

    private static void readEvents(JsonReader json, List<Call> calls) throws IOException {
        json.beginArray();
        while (json.hasNext()) {
            String name = null;
            String phase = null;
            String thread = "";
            double start = Double.NaN;
            double duration = Double.NaN;
            json.beginObject();
            while (json.hasNext()) {
                switch (json.nextName()) {
                    case "name" -> name = json.nextString();
                    case "ph" -> phase = json.nextString();
                    case "tid" -> thread = json.nextString(); // numbers are read as their text
                    case "ts" -> start = json.nextDouble();
                    case "dur" -> duration = json.nextDouble();
                    default -> json.skipValue();
                }
            }
            json.endObject();
            if ("X".equals(phase) && name != null && Double.isFinite(start) && duration >= 0) {
                calls.add(new Call(name, thread, start, duration));
            }
        }
        json.endArray();
    }

    /**
     * Adds up operator calls: each call's self time is its duration less that of the calls nested in it
     * on its thread (a call nests in another when it starts before the other ends).
     *
     * @param calls the calls, in any order
     * @param steps the steps they cover
     * @param seconds their wall time
     * @param pageFaults the minor page faults of those steps, or a negative number where unknown
     * @return the operators per step
     */
    static OperatorProfile of(List<Call> calls, int steps, double seconds, long pageFaults) {
        Map<String, List<Call>> byThread = new TreeMap<>();
        for (Call c : calls) {
            byThread.computeIfAbsent(c.thread(), t -> new ArrayList<>()).add(c);
        }
        Map<String, double[]> sums = new TreeMap<>(); // name -> {calls, self microseconds}
        for (List<Call> thread : byThread.values()) {
            thread.sort(Comparator.comparingDouble(Call::start)
                    .thenComparing(Comparator.comparingDouble(Call::duration).reversed()));
            Deque<Call> open = new ArrayDeque<>();
            for (Call c : thread) {
                while (!open.isEmpty() && open.peek().end() <= c.start()) {
                    open.pop();
                }
                if (!open.isEmpty()) {
                    sums.get(open.peek().name())[1] -= c.duration();
                }
                double[] s = sums.computeIfAbsent(c.name(), n -> new double[2]);
                s[0]++;
                s[1] += c.duration();
                open.push(c);
            }
        }
        Map<String, Operator> operators = new TreeMap<>();
        sums.forEach((name, s) -> operators.put(name, new Operator(s[0] / steps, s[1] / 1000 / steps)));
        return new OperatorProfile(
                steps, seconds, pageFaults < 0 ? Double.NaN : (double) pageFaults / steps, operators);
    }

    /**
     * Returns a step's wall time, profiler running.
     *
     * @return milliseconds per step
     */
    public double stepMs() {
        return 1000 * seconds / steps;
    }

    /**
     * Returns the time a step spends in operators: every operator's self time.
     *
     * @return milliseconds per step
     */
    public double operatorMs() {
        return operators.values().stream().mapToDouble(Operator::selfMs).sum();
    }

    /**
     * Returns an operator's share of a step, or none when it was not called.
     *
     * @param name the operator's name, e.g. {@code aten::native_batch_norm}
     * @return its calls and self time per step
     */
    public Operator get(String name) {
        return operators.getOrDefault(name, new Operator(0, 0));
    }
}
