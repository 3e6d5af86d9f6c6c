package dev.replica.engine.pytorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.engine.InstructionSet;
import dev.replica.api.engine.OperatorProfiler;
import dev.replica.engine.djl.DeterminismProbe;
import dev.replica.engine.djl.DjlEnginePlugin;
import dev.replica.engine.djl.NativeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The {@code pytorch} engine: DJL's PyTorch backend on the CPU natives from Maven Central. PyTorch reads
 * its thread counts and oneDNN its settings once, when they load: this plugin sets them first, in the
 * JVM it runs in.
 */
public final class PyTorchEnginePlugin extends DjlEnginePlugin {

    /** The memory layout of PyTorch's {@code torch.channels_last}: NCHW values stored NHWC. */
    public static final String CHANNELS_LAST = "channels_last";

    /** Creates the plugin (ServiceLoader). */
    public PyTorchEnginePlugin() {}

    PyTorchEnginePlugin(DeterminismProbe probe) {
        super(probe);
    }

    @Override
    public String name() {
        return "pytorch";
    }

    @Override
    public String description() {
        return "DJL PyTorch engine (libtorch 2.7.1, CPU natives from Maven Central)";
    }

    @Override
    protected String djlEngineName() {
        return "PyTorch";
    }

    @Override
    protected void requestThreads(int threads) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    @Override
    protected List<String> memoryFormats() {
        return List.of(EngineFacts.CONTIGUOUS, CHANNELS_LAST);
    }

    @Override
    protected UnaryOperator<NDArray> inputLayout(String memoryFormat) {
        return CHANNELS_LAST.equals(memoryFormat) ? PyTorchEnginePlugin::channelsLast : super.inputLayout(memoryFormat);
    }

    /**
     * Stores an NCHW batch in NHWC order, PyTorch's {@code channels_last}: the shape and every value stay,
     * and convolutions, BatchNorm, ReLU and additions then keep the layout, so oneDNN reads and writes
     * activations without reordering them. DJL has no call for a memory format: a reshape cannot view the
     * NHWC permutation of NCHW memory as one row, so it copies it in that order, and the permutation back
     * is a view.
     *
     * @param x a batch, {@code (N, C, H, W)}; another rank is returned as it is
     * @return the batch in NHWC memory
     */
    static NDArray channelsLast(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            return x;
        }
        return x.transpose(0, 2, 3, 1)
                .reshape(s.get(0), -1)
                .reshape(s.get(0), s.get(2), s.get(3), s.get(1))
                .transpose(0, 3, 1, 2);
    }

    @Override
    protected String onednnPrefix() {
        // libtorch's oneDNN 3.x reads ONEDNN_ names first (DNNL_ only as a fallback), so its settings leave
        // MXNet's oneDNN 2.x, which reads DNNL_ names, alone when both engines share a process.
        return "ONEDNN_";
    }

    @Override
    protected SortedMap<String, String> nativeSettings(int threads, InstructionSet isa) {
        SortedMap<String, String> env = super.nativeSettings(threads, isa);
        env.put("ATEN_CPU_CAPABILITY", null); // unset: ATen's own kernels take the processor's widest
        return env;
    }

    @Override
    protected void afterFirstLoad(Engine engine) {
        turnNnpackOff();
        // DJL's copy op makes libtorch print, once per process, that AutoNonVariableTypeMode is deprecated:
        // nothing a user can act on. Spend that one warning here, unseen.
        NativeEnvironment.withNativeStderrSilenced(() -> {
            try (NDManager manager = engine.newBaseManager()) {
                manager.zeros(new Shape(1)).copyTo(manager.zeros(new Shape(1)));
            }
        });
    }

    /**
     * libtorch asks NNPACK whether it supports the processor before every float64 convolution and, where
     * it does not (an AMD Zen 5), prints "Could not initialize NNPACK!" each time. Off, it neither warns
     * nor lets the choice of a convolution kernel depend on whether NNPACK likes this processor. DJL has
     * no switch for it: this calls libtorch's own {@code at::globalContext().setUserEnabledNNPACK(false)}.
     */
    private static void turnNnpackOff() {
        libtorchContext()
                .ifPresent(c -> c.torch()
                        .getFunction("_ZN2at7Context20setUserEnabledNNPACKEb")
                        .invokeVoid(new Object[] {c.context(), false}));
    }

    /** What libtorch's {@code at::globalContext().userEnabledNNPACK()} says, if it can be asked here. */
    static Optional<Boolean> nnpackEnabled() {
        return libtorchContext()
                .map(c -> (c.torch()
                                        .getFunction("_ZNK2at7Context17userEnabledNNPACKEv")
                                        .invokeInt(new Object[] {c.context()})
                                & 0xff)
                        != 0);
    }

    private record LibtorchContext(NativeLibrary torch, Pointer context) {}

    /** libtorch's global context (Linux's library name; elsewhere empty: nothing is changed there). */
    private static Optional<LibtorchContext> libtorchContext() {
        Path library = Path.of(LibUtils.getLibtorchPath(), "libtorch_cpu.so");
        if (!Files.isRegularFile(library)) {
            return Optional.empty();
        }
        NativeLibrary torch = NativeLibrary.getInstance(library.toString());
        return Optional.of(new LibtorchContext(
                torch, torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0])));
    }

    @Override
    protected Optional<OperatorProfiler> operatorProfiler() {
        return Optional.of(new OperatorProfiler() {
            @Override
            public void start() {
                // Shapes and memory off: they cost time in every call, which would be measured too.
                JniUtils.startProfile(false, false, false);
            }

            @Override
            public void stop(Path trace) throws IOException {
                if (Files.exists(trace, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(trace + " exists; a trace is written to a new file only");
                }
                JniUtils.stopProfile(trace.toString());
                if (!Files.isRegularFile(trace, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("libtorch's profiler wrote no trace to " + trace);
                }
            }
        });
    }

    @Override
    protected int observedThreads(Engine engine) {
        return JniUtils.getNumThreads();
    }

    @Override
    protected Map<String, String> conventions() {
        SortedMap<String, String> facts = new TreeMap<>(Map.of("batchnorm.running_var", "unbiased batch variance"));
        nnpackEnabled().ifPresent(on -> facts.put("nnpack", on ? "on" : "off"));
        return facts;
    }
}
