package dev.replica.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the training steps' time went, from a sampling profiler's stacks (async-profiler's collapsed
 * output, one line per stack, {@code [thread tid=N];root;...;leaf count}): each sample is put in the part
 * that its leaf-most known frame belongs to, so native kernels, the engine's own operators, layout reorders,
 * the allocator, the operating system, JNI and Java each get their share, on every thread of the process.
 *
 * @param engine the engine plugin
 * @param model the model's label
 * @param event the profiler's event ({@code cpu}, or {@code itimer} where perf events are not allowed)
 * @param steps the steps profiled
 * @param seconds their wall time, profiler running
 * @param samples samples by part, in {@link #PARTS} order
 * @param operators the engine's own profile of the same steps' operators beside the plain PyTorch loop's,
 *     or {@code null} where the engine has no such profiler
 */
public record StepProfile(
        String engine,
        String model,
        String event,
        int steps,
        double seconds,
        Map<String, Long> samples,
        Operators operators) {

    /**
     * Replica's operators and the plain PyTorch loop's, each from PyTorch's own profiler over as many steps.
     *
     * @param replica Replica's loop's
     * @param peer the plain PyTorch loop's, or {@code null} without the peer
     * @param peerVersion the peer's torch version, or why it is missing
     */
    public record Operators(OperatorProfile replica, OperatorProfile peer, String peerVersion) {}

    /** oneDNN's convolutions (forward, backward data and weights): JIT kernels and their drivers. */
    public static final String CONVOLUTION = "oneDNN convolution";
    /** oneDNN's reorders: layout conversions between plain tensors and blocked formats. */
    public static final String REORDER = "oneDNN reorder";
    /** The rest of oneDNN (batch norm, pooling, eltwise, inner product, its thread pool). */
    public static final String ONEDNN = "oneDNN other";
    /** libtorch's own kernels (ATen: elementwise loops, batch norm, reductions) and autograd. */
    public static final String ATEN = "libtorch (ATen, autograd)";
    /** MXNet's operators and engine. */
    public static final String MXNET = "MXNet operators and engine";
    /** OpenMP and threads waiting or waking each other. */
    public static final String THREADS = "OpenMP, locks, waits";
    /** libc's memcpy, memset and memmove: copies and fills outside the kernels. */
    public static final String COPIES = "memcpy, memset";
    /** malloc and free (jemalloc or glibc). */
    public static final String ALLOCATOR = "allocator";
    /** The operating system: page faults, system calls. */
    public static final String KERNEL = "kernel (page faults, system calls)";
    /** DJL's Java classes and its JNI glue. */
    public static final String DJL = "DJL (Java and JNI)";
    /** Replica's own Java code. */
    public static final String REPLICA = "Replica (Java)";
    /** The JDK, the JIT compilers, the garbage collector. */
    public static final String JVM = "JVM (JDK, JIT, GC)";
    /** The thread that makes the next batches. */
    public static final String DATA = "data thread";
    /**
     * Native code the profiler could not walk: JIT-generated kernels without frame pointers (oneDNN's
     * AVX-512 brgemm kernels), seen as a thread of unknown frames or as a DJL native method with nothing
     * below it.
     */
    public static final String UNWOUND = "native, not unwound (JIT kernels)";
    /** Native code none of the above names (frames without symbols, other libraries). */
    public static final String OTHER = "other native";

    private static final Pattern ALLOCATOR_CALL = Pattern.compile(
            "(__libc_)?(malloc|free|calloc|realloc|posix_memalign|aligned_alloc|_int_malloc|_int_free|cfree)");

    /** Every part, in the order tables show them. */
    public static final List<String> PARTS = List.of(
            CONVOLUTION,
            REORDER,
            ONEDNN,
            ATEN,
            MXNET,
            THREADS,
            COPIES,
            ALLOCATOR,
            KERNEL,
            DJL,
            REPLICA,
            JVM,
            DATA,
            UNWOUND,
            OTHER);

    /** Copies the samples into {@link #PARTS} order; a part not among them is a mistake, not dropped. */
    public StepProfile {
        if (!PARTS.containsAll(samples.keySet())) {
            throw new IllegalArgumentException("parts not in PARTS: " + samples.keySet());
        }
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (String p : PARTS) {
            ordered.put(p, samples.getOrDefault(p, 0L));
        }
        samples = Collections.unmodifiableMap(ordered);
    }

    /**
     * Reads a profile from collapsed stacks.
     *
     * @param engine the engine plugin
     * @param model the model's label
     * @param event the profiler's event
     * @param steps the steps profiled
     * @param seconds their wall time
     * @param collapsed the profiler's collapsed output, with thread frames
     * @return the profile
     */
    public static StepProfile of(
            String engine, String model, String event, int steps, double seconds, String collapsed) {
        Map<String, Long> samples = new LinkedHashMap<>();
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            long count;
            try {
                count = Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue; // not a stack line
            }
            samples.merge(part(List.of(line.substring(0, space).split(";"))), count, Long::sum);
        }
        return new StepProfile(engine, model, event, steps, seconds, samples, null);
    }

    /**
     * Returns this profile with the steps' operators.
     *
     * @param operators Replica's and the peer's operators
     * @return the profile with them
     */
    public StepProfile withOperators(Operators operators) {
        return new StepProfile(engine, model, event, steps, seconds, samples, operators);
    }

    /**
     * Returns every sample counted.
     *
     * @return the total
     */
    public long total() {
        return samples.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Returns a part's share of the samples.
     *
     * @param part one of {@link #PARTS}
     * @return 0 to 1; NaN when there are no samples
     */
    public double share(String part) {
        long total = total();
        return total == 0 ? Double.NaN : (double) samples.getOrDefault(part, 0L) / total;
    }

    /**
     * Says what kind of code a part is.
     *
     * @param part one of {@link #PARTS}
     * @return {@code native}, {@code kernel} or {@code Java}
     */
    public static String code(String part) {
        return switch (part) {
            case KERNEL -> "kernel";
            case DJL, REPLICA, JVM, DATA -> "Java";
            default -> "native";
        };
    }

    /**
     * Returns the part of one stack.
     *
     * @param frames the thread frame first, then root to leaf
     * @return one of {@link #PARTS}
     */
    static String part(List<String> frames) {
        String thread = frames.isEmpty() ? "" : frames.get(0);
        if (thread.startsWith("[replica-batches")) {
            return DATA;
        }
        if (thread.matches("\\[(C1|C2) CompilerThre.*|\\[GC Thread.*|\\[G1 .*|\\[VM Thread.*")) {
            return JVM;
        }
        List<String> stack = new ArrayList<>(frames.subList(thread.startsWith("[") ? 1 : 0, frames.size()));
        if (stack.stream().allMatch(f -> f.equals("[unknown]") || f.isEmpty())) {
            return UNWOUND;
        }
        String leaf = stack.get(stack.size() - 1);
        if (isJava(leaf) && leaf.startsWith("ai/djl/") && leaf.contains("/jni/")) {
            return UNWOUND; // in a JNI method, and nothing native below it: a walk that failed
        }
        for (int i = stack.size() - 1; i >= 0; i--) {
            String f = stack.get(i);
            if (f.equals("[unknown]") || f.isEmpty()) {
                continue; // JIT-generated native code (oneDNN's kernels): its callers say whose it is
            }
            if (f.endsWith("_[k]")) {
                return KERNEL;
            }
            if (isJava(f)) {
                return f.startsWith("dev/replica/")
                        ? REPLICA
                        : f.startsWith("ai/djl/") || f.startsWith("com/sun/jna/") ? DJL : JVM;
            }
            String part = nativePart(f);
            if (ONEDNN.equals(part)) {
                // The primitive is named somewhere in oneDNN's frames above the kernel.
                for (int j = i; j >= 0 && !isJava(stack.get(j)); j--) {
                    String g = stack.get(j).toLowerCase(Locale.ROOT);
                    if (g.contains("reorder") || g.contains("direct_copy")) {
                        return REORDER;
                    }
                    if (g.contains("conv")) {
                        return CONVOLUTION;
                    }
                }
                return ONEDNN;
            }
            if (part != null) {
                return part;
            }
        }
        return OTHER;
    }

    /** A Java frame, as async-profiler annotates them ({@code _[j]} compiled, {@code _[i]} inlined, ...). */
    private static boolean isJava(String f) {
        return f.endsWith("_[j]") || f.endsWith("_[i]") || f.endsWith("_[0]") || f.endsWith("_[1]");
    }

    /** The part a named native frame belongs to, or {@code null} when its name says nothing. */
    private static String nativePart(String f) {
        if (f.contains("dnnl") || f.contains("mkldnn") || f.contains("ideep")) {
            return ONEDNN;
        }
        if (f.contains("mxnet") || f.contains("MXNet") || f.startsWith("MX")) {
            return MXNET;
        }
        if (f.startsWith("Java_ai_djl") || f.contains("djl_")) {
            return DJL;
        }
        if (f.contains("at::")
                || f.contains("c10::")
                || f.contains("torch::")
                || f.contains("_ZN2at")
                || f.contains("_ZN3c10")
                || f.contains("_ZN5torch")
                || f.contains("libtorch")) {
            return ATEN;
        }
        if (f.contains("gomp")
                || f.contains("iomp")
                || f.contains("__kmp")
                || f.contains("futex")
                || f.contains("pthread_cond")
                || f.contains("sched_yield")
                || f.contains("__lll_lock")) {
            return THREADS;
        }
        if (f.contains("memcpy") || f.contains("memset") || f.contains("memmove")) {
            return COPIES;
        }
        if (f.contains("jemalloc")
                || f.startsWith("je_")
                || ALLOCATOR_CALL.matcher(f).matches()) {
            return ALLOCATOR;
        }
        return null;
    }
}
