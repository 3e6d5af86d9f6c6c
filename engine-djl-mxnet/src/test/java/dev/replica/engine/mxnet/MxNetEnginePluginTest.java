package dev.replica.engine.mxnet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class MxNetEnginePluginTest {

    private final EnginePlugin plugin = new MxNetEnginePlugin();

    @Test
    void isFoundThroughMetaInfServices() {
        assertThat(ServiceLoader.load(EnginePlugin.class).stream().map(p -> p.get().name())).contains("mxnet");
    }

    @Test
    void opensOnTheCpuAndReportsTheThreadsOfTheProcess() {
        try (EngineSession session = plugin.open(plugin.schema().defaults())) {
            assertThat(session.device()).isEqualTo(Device.cpu());
            assertThat(session.engine().getEngineName()).isEqualTo("MXNet");
            // Surefire starts this JVM with OMP_NUM_THREADS=2 (the root pom), as the launcher would.
            assertThat(session.observedThreads()).isEqualTo(2);
            assertThat(session.describe()).containsEntry("plugin", "mxnet")
                    // The mxnet-native-mkl 1.9.1 jar holds a library that reports itself as 1.9.0.
                    .containsEntry("engine.version", "1.9.0")
                    .containsEntry("batchnorm.running_var", "biased batch variance");
        }
    }
}
