package dev.replica.engine.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.LambdaBlock;
import dev.replica.engine.djl.DeterminismProbe;
import dev.replica.engine.djl.NativeEnvironment;

/**
 * A determinism-probe process with a fault injected before the network's head, chosen by the system
 * property {@code probe.fault}:
 * <ul>
 *   <li>{@code per-process}: adds an offset that differs in every process (a kernel whose result depends
 *       on the process, as on the AVX-512 machine of docs/design.md, section 5);</li>
 *   <li>{@code per-process-unless-avx2}: the same, except when oneDNN is capped to AVX2 (a fault that the
 *       cap removes);</li>
 *   <li>{@code nan-from-step-2}: multiplies by NaN from the third training step on.</li>
 * </ul>
 */
public final class FaultyProbeMain {

    // Read from the clock once per process: the same in every step of one process, different in the next.
    private static final float PER_PROCESS = 1e-4f * (1 + (System.nanoTime() % 1_000_003) / 1_000_003f);

    private FaultyProbeMain() {}

    public static void main(String[] args) {
        String fault = System.getProperty("probe.fault", "");
        DeterminismProbe.child(
                args,
                step -> new LambdaBlock(list -> {
                    NDArray x = list.singletonOrThrow();
                    switch (fault) {
                        case "per-process":
                            return new NDList(x.add(PER_PROCESS));
                        case "per-process-unless-avx2":
                            return new NDList(
                                    "AVX2".equals(NativeEnvironment.get("ONEDNN_MAX_CPU_ISA"))
                                            ? x
                                            : x.add(PER_PROCESS));
                        case "nan-from-step-2":
                            return new NDList(step.getAsLong() >= 2 ? x.mul(Float.NaN) : x);
                        default:
                            throw new IllegalArgumentException("unknown probe.fault '" + fault + "'");
                    }
                }));
    }
}
