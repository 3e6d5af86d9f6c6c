package dev.replica.engine.pytorch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.replica.api.engine.DjlEnginePlugin;
import java.util.Map;

/**
 * The {@code pytorch} engine: DJL's PyTorch backend on the CPU natives from Maven Central. PyTorch reads
 * its thread counts once, when it loads; the launcher sets them, and this plugin sets them too when the
 * engine has not loaded yet in this JVM.
 */
public final class PyTorchEnginePlugin extends DjlEnginePlugin {

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
    protected int observedThreads(Engine engine) {
        return JniUtils.getNumThreads();
    }

    @Override
    protected Map<String, String> conventions() {
        return Map.of("batchnorm.running_var", "unbiased batch variance");
    }
}
