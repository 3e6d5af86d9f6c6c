package dev.replica.engine.mxnet;

import ai.djl.engine.Engine;
import dev.replica.api.engine.DjlEnginePlugin;
import java.util.Map;

/**
 * The {@code mxnet} engine: DJL's MXNet backend on the MKL natives from Maven Central. MXNet reads
 * {@code OMP_NUM_THREADS} from the environment when it loads, so only the launcher can set its threads;
 * this plugin reports what the process has.
 */
public final class MxNetEnginePlugin extends DjlEnginePlugin {

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
        // Fixed by OMP_NUM_THREADS before the JVM starts; nothing can change it from inside.
    }

    @Override
    protected int observedThreads(Engine engine) {
        String omp = System.getenv("OMP_NUM_THREADS");
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
