package dev.replica.api.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The widest instruction set oneDNN's kernels may use (convolutions, BatchNorm, pooling and reorders on
 * both engines). Kernels of different widths sum in different orders, so this setting changes bits;
 * on some processors a kernel family is not even bit-identical between two processes (docs/design.md,
 * section 5), and capping it is the remedy.
 */
public enum InstructionSet {
    /** Whatever the determinism probe proved bit-identical here, widest first. */
    AUTO("auto", null),
    /** Every instruction set the processor has. */
    NATIVE("native", "ALL"),
    /** AVX-512 (foundation, DQ, BW, VL), without VNNI, BF16 or AMX. */
    AVX512_CORE("avx512_core", "AVX512_CORE"),
    /** AVX2 with FMA. */
    AVX2("avx2", "AVX2"),
    /** SSE4.1. */
    SSE41("sse41", "SSE41");

    /** The settings {@link #AUTO} tries, in this order: the fastest that is bit-identical wins. */
    public static final List<InstructionSet> AUTO_CANDIDATES = List.of(NATIVE, AVX512_CORE, AVX2, SSE41);

    /**
     * The system property that narrows what {@link #AUTO} tries, e.g. {@code avx2} or {@code
     * avx512_core,avx2}. The test suite sets it for its shared JVMs, whose natives load once for many
     * experiments; the probe still proves whatever is left.
     */
    public static final String AUTO_PROPERTY = "replica.isa.auto";

    private final String word;
    private final String onednn;

    InstructionSet(String word, String onednn) {
        this.word = word;
        this.onednn = onednn;
    }

    /**
     * Returns the settings {@link #AUTO} tries here: {@link #AUTO_CANDIDATES}, or those that {@value
     * #AUTO_PROPERTY} names.
     *
     * @return the settings, widest first
     * @throws IllegalArgumentException when the property names an unknown setting or auto
     */
    public static List<InstructionSet> autoCandidates() {
        return autoCandidates(null);
    }

    /**
     * Returns the settings {@link #AUTO} tries for one engine: those that {@value #AUTO_PROPERTY}{@code
     * .<engine>} names, else {@link #autoCandidates()}.
     *
     * @param engine the engine's name, or {@code null}
     * @return the settings, widest first
     * @throws IllegalArgumentException when a property names an unknown setting or auto
     */
    public static List<InstructionSet> autoCandidates(String engine) {
        String value = engine == null
                ? ""
                : System.getProperty(AUTO_PROPERTY + "." + engine, "").strip();
        if (value.isEmpty()) {
            value = System.getProperty(AUTO_PROPERTY, "").strip();
        }
        if (value.isEmpty()) {
            return AUTO_CANDIDATES;
        }
        List<InstructionSet> chosen =
                Arrays.stream(value.split(",")).map(w -> of(w.strip())).toList();
        if (chosen.contains(AUTO)) {
            throw new IllegalArgumentException(AUTO_PROPERTY + " names settings to try; auto is not one");
        }
        return chosen;
    }

    /**
     * Returns the word used in experiment files.
     *
     * @return e.g. {@code avx2}
     */
    public String word() {
        return word;
    }

    /**
     * Returns the value of oneDNN's {@code MAX_CPU_ISA} variable for this setting.
     *
     * @return e.g. {@code AVX2}; {@code ALL} for {@link #NATIVE}
     * @throws IllegalStateException for {@link #AUTO}, which must be resolved first
     */
    public String onednnValue() {
        if (onednn == null) {
            throw new IllegalStateException("auto is resolved by the determinism probe before the engine loads");
        }
        return onednn;
    }

    /**
     * Returns the words allowed in experiment files.
     *
     * @return the words, in declaration order
     */
    public static String[] words() {
        return Arrays.stream(values()).map(InstructionSet::word).toArray(String[]::new);
    }

    /**
     * Finds a setting by its word.
     *
     * @param word e.g. {@code avx2}
     * @return the setting
     * @throws IllegalArgumentException for an unknown word
     */
    public static InstructionSet of(String word) {
        for (InstructionSet s : values()) {
            if (s.word.equals(word.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "unknown instruction set '" + word + "'; allowed: " + Arrays.toString(words()));
    }
}
