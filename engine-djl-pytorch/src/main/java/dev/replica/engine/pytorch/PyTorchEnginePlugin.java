package dev.replica.engine.pytorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.replica.api.engine.InstructionSet;
import dev.replica.engine.djl.DeterminismProbe;
import dev.replica.engine.djl.DjlEnginePlugin;
import dev.replica.engine.djl.NativeEnvironment;
import java.util.Map;
import java.util.SortedMap;

/**
 * The {@code pytorch} engine: DJL's PyTorch backend on the CPU natives from Maven Central. PyTorch reads
 * its thread counts and oneDNN its settings once, when they load: this plugin sets them first, in the
 * JVM it runs in.
 */
public final class PyTorchEnginePlugin extends DjlEnginePlugin {

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
        // DJL's copy op makes libtorch print, once per process, that AutoNonVariableTypeMode is deprecated:
        // nothing a user can act on. Spend that one warning here, unseen.
        NativeEnvironment.withNativeStderrSilenced(() -> {
            try (NDManager manager = engine.newBaseManager()) {
                manager.zeros(new Shape(1)).copyTo(manager.zeros(new Shape(1)));
            }
        });
    }

    @Override
    protected int observedThreads(Engine engine) {
        return JniUtils.getNumThreads();
    }

    @Override
    protected Map<String, String> conventions() {
        return Map.of("batchnorm.running_var", "unbiased batch variance");
    }
}
