package dev.replica.engine.mxnet;

import ai.djl.engine.Engine;
import dev.replica.engine.djl.DeterminismProbe;
import dev.replica.engine.djl.DjlEnginePlugin;
import dev.replica.engine.djl.NativeEnvironment;
import java.util.Map;

/**
 * The {@code mxnet} engine: DJL's MXNet backend on the MKL natives from Maven Central. MXNet reads
 * {@code OMP_NUM_THREADS} and oneDNN's variables from the native environment when it loads; this plugin
 * sets them there first.
 */
public final class MxNetEnginePlugin extends DjlEnginePlugin {

    /** Creates the plugin (ServiceLoader). */
    public MxNetEnginePlugin() {}

    MxNetEnginePlugin(DeterminismProbe probe) {
        super(probe);
    }

    @Override
    public String name() {
        return "mxnet";
    }

    @Override
    public String description() {
        return "DJL MXNet engine (MXNet 1.9.1, MKL natives from Maven Central)";
    }

    @Override
    protected String djlEngineName() {
        return "MXNet";
    }

    @Override
    protected void requestThreads(int threads) {
        // MXNet reads OMP_NUM_THREADS from the native environment (nativeSettings) when it loads.
    }

    @Override
    protected String onednnPrefix() {
        return "DNNL_"; // MXNet 1.9.1 bundles oneDNN 2.4, which reads DNNL_ names only
    }

    @Override
    protected int observedThreads(Engine engine) {
        // What MXNet's OpenMP read when it loaded (Java's System.getenv is a copy from the JVM's start).
        String omp = NativeEnvironment.get("OMP_NUM_THREADS");
        try {
            return omp == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(omp.trim());
        } catch (NumberFormatException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    @Override
    protected Map<String, String> conventions() {
        return Map.of("batchnorm.running_var", "biased batch variance");
    }
}
