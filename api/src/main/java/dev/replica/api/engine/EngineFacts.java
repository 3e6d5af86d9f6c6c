package dev.replica.api.engine;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an engine says of itself, and what a run adds about it: the manifest's {@code engine} section. The
 * keys are spelled here once, for the engines that write them and for the reports, checks and
 * reproductions that read them back; an engine may add keys of its own.
 *
 * @param all every fact by key
 */
public record EngineFacts(SortedMap<String, String> all) {

    /** The engine plugin's name. */
    public static final String PLUGIN = "plugin";
    /** DJL's version. */
    public static final String DJL_VERSION = "djl.version";
    /** The DJL engine's own name (PyTorch, MXNet). */
    public static final String ENGINE_NAME = "engine.name";
    /** The native library's version. */
    public static final String ENGINE_VERSION = "engine.version";
    /** The device the engine computes on. */
    public static final String DEVICE = "device";
    /** The threads the engine was seen to use. */
    public static final String THREADS = "threads";
    /** The threads the experiment asked for (added by the runner). */
    public static final String THREADS_REQUESTED = "threads.requested";
    /** The instruction-set setting the experiment asked for. */
    public static final String ISA_REQUESTED = "isa.requested";
    /** The instruction-set setting the engine used: the determinism decision. */
    public static final String ISA = "isa";

    /**
     * The memory layout of a model's input that the kernels read: also the engine parameter that sets it.
     */
    public static final String MEMORY_FORMAT = "memory_format";

    /** The layout every engine reads, and the default: a model's input as the data makes it (NCHW, row-major). */
    public static final String CONTIGUOUS = "contiguous";
    /** The determinism decision in words, with its evidence. */
    public static final String DETERMINISM = "determinism";
    /** Whether the probe proved the setting bit-identical across processes. */
    public static final String BIT_IDENTICAL = "determinism.bit_identical";
    /** The prefix of each model's self-check against the probe. */
    public static final String SELF_CHECK = "determinism.self_check.";
    /** The prefix of each native setting as the natives see it. */
    public static final String NATIVE = "native.";

    /** Copies the facts. */
    public EngineFacts {
        all = Collections.unmodifiableSortedMap(new TreeMap<>(all));
    }

    /**
     * Says whether a key explains or results from a run rather than describing the machine: the decision's
     * words (the evidence differs from one probe to the next while the decision, {@link #ISA} and {@link
     * #BIT_IDENTICAL}, does not) and the self-checks. A reproduction that differs there is not on another
     * machine for that reason.
     *
     * @param key a key
     * @return whether it is run evidence
     */
    public static boolean isRunEvidence(String key) {
        return key.equals(DETERMINISM) || key.startsWith(SELF_CHECK);
    }

    /**
     * Returns one fact.
     *
     * @param key its key
     * @return the value, or {@code null} when the engine did not say
     */
    public String get(String key) {
        return all.get(key);
    }

    /**
     * Returns the facts whose keys start with a prefix, the prefix taken off.
     *
     * @param prefix e.g. {@link #NATIVE}
     * @return the facts, by the rest of their keys
     */
    public SortedMap<String, String> withPrefix(String prefix) {
        SortedMap<String, String> out = new TreeMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
