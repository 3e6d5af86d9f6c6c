package dev.replica.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.replica.core.training.KernelFault;
import dev.replica.engine.djl.NativeEnvironment;
import java.util.Arrays;
import java.util.List;

/**
 * Makes the native kernels misbehave on purpose, so that the determinism probe, a run's self-check and
 * the cross-engine check can be proved to catch what they exist to catch on any machine, including one
 * whose kernels behave. Chosen by the system property {@value #PROPERTY} (a comma-separated list; the
 * probe and {@code FreshJvm} pass {@code replica.*} properties on to their processes):
 *
 * <ul>
 *   <li>{@code native-noise}: where oneDNN may use every instruction set the processor has, the first
 *       gradient of every step gets an offset that differs in every process (as on the AMD Zen 5 of the
 *       determinism issue); a cap such as avx2 removes it;</li>
 *   <li>{@code native-nan}: where oneDNN runs at native, the first gradient of every step is NaN;</li>
 *   <li>{@code unprobed-noise}: an offset that differs per process at any setting, but not in the probe's
 *       own processes: a fault that the probe misses and only the run's self-check can see;</li>
 *   <li>{@code float32-noise-pytorch}: an offset in PyTorch's float32 gradients only, at any setting (a
 *       float32 kernel that is wrong while the float64 one is right);</li>
 *   <li>{@code float32-wrong-pytorch}: PyTorch's first float32 gradient 1.5 times what it is, at any setting
 *       and the same in every process: a kernel that is deterministic and wrong, as the AVX2 convolution
 *       gradients of the AMD Zen 5 were.</li>
 * </ul>
 *
 * <p>Only test class paths hold this class ({@code META-INF/services} of the testkit jar).
 */
public final class MisbehavingKernels implements KernelFault {

    /** The system property that chooses the faults. */
    public static final String PROPERTY = "replica.test.fault";

    /** Set in the probe's own processes. */
    public static final String PROBE_PROCESS = "replica.probe.process";

    // Different in every process, the same in every step of one process.
    private static final float PER_PROCESS =
            1e-3f * (1 + ((System.nanoTime() ^ ProcessHandle.current().pid()) & 0xFFFFF) / (float) 0x100000);

    @Override
    public void afterBackward(NDList gradients) {
        List<String> faults = faults();
        if (faults.isEmpty() || gradients.isEmpty()) {
            return;
        }
        NDArray first = gradients.get(0);
        boolean atNative = "ALL".equals(NativeEnvironment.get(onednnPrefix(first) + "MAX_CPU_ISA"));
        boolean inProbe = Boolean.getBoolean(PROBE_PROCESS);
        if (atNative && faults.contains("native-noise")
                || !inProbe && faults.contains("unprobed-noise")
                || float32PyTorch(first) && faults.contains("float32-noise-pytorch")) {
            first.addi(PER_PROCESS);
        }
        if (float32PyTorch(first) && faults.contains("float32-wrong-pytorch")) {
            first.muli(1.5f);
        }
        if (atNative && faults.contains("native-nan")) {
            first.muli(Float.NaN);
        }
    }

    private static boolean float32PyTorch(NDArray a) {
        return a.getDataType() == DataType.FLOAT32
                && "PyTorch".equals(a.getManager().getEngine().getEngineName());
    }

    private static String onednnPrefix(NDArray a) {
        // PyTorch's oneDNN 3.x reads ONEDNN_ names, MXNet's oneDNN 2.x DNNL_ ones (the engine plugins').
        return "PyTorch".equals(a.getManager().getEngine().getEngineName()) ? "ONEDNN_" : "DNNL_";
    }

    private static List<String> faults() {
        String value = System.getProperty(PROPERTY, "").strip();
        return value.isEmpty()
                ? List.of()
                : Arrays.stream(value.split(",")).map(String::strip).toList();
    }
}
