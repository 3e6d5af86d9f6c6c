package dev.replica.engine.mxnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.engine.djl.NativeEnvironment;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class MxNetEnginePluginTest {

    private static final EngineContext CONTEXT = EngineContext.from(System.getenv());

    private final EnginePlugin plugin = new MxNetEnginePlugin();

    @Test
    void readsItsInputOnlyAsMadeAndSaysSo() {
        // MXNet's convolutions read NCHW arrays only; channels_last is a PyTorch layout.
        assertThat(plugin.schema()
                        .validate(Map.of("memory_format", "channels_last"))
                        .problems())
                .singleElement()
                .satisfies(p -> assertThat(p.key()).isEqualTo("memory_format"))
                .satisfies(p -> assertThat(p.message()).contains("channels_last", "contiguous"));
        assertThat(plugin.schema().defaults().getString("memory_format")).isEqualTo("contiguous");
        // Parameters validated for PyTorch (a check's two sides share them) are refused when MXNet opens.
        Params forPyTorch = ParameterSchema.of(
                        ParameterSpec.integer("threads", "").withDefault(2),
                        ParameterSpec.string("device", "").withDefault("cpu"),
                        ParameterSpec.string("isa", "").withDefault("auto"),
                        ParameterSpec.string("determinism", "").withDefault("strict"),
                        ParameterSpec.string("memory_format", "").withDefault("channels_last"))
                .defaults();
        assertThatThrownBy(() -> plugin.open(forPyTorch, CONTEXT))
                .isInstanceOf(UserException.class)
                .hasMessage("engine memory_format: 'channels_last' is not a layout mxnet reads; allowed: [contiguous]");
    }

    @Test
    void isFoundThroughMetaInfServices() {
        assertThat(ServiceLoader.load(EnginePlugin.class).stream()
                        .map(p -> p.get().name()))
                .contains("mxnet");
    }

    @Test
    void opensOnTheCpuWithTheNativeSettingsItSetBeforeLoading() {
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT)) {
            assertThat(session.device()).isEqualTo(Device.cpu());
            assertThat(session.engine().getEngineName()).isEqualTo("MXNet");
            // Nothing set OMP_NUM_THREADS for this JVM: the plugin did, before MXNet loaded.
            assertThat(System.getenv("OMP_NUM_THREADS")).isNull();
            assertThat(session.observedThreads()).isEqualTo(2);
            assertThat(NativeEnvironment.get("OMP_NUM_THREADS")).isEqualTo("2");
            // MXNet's oneDNN 2.4 reads DNNL_ names; the probe chose the cap on this machine.
            assertThat(session.determinism().bitIdentical())
                    .as(session.determinism().summary())
                    .isTrue();
            assertThat(NativeEnvironment.get("DNNL_MAX_CPU_ISA"))
                    .isEqualTo(session.determinism().used().onednnValue());
            assertThat(session.describe())
                    .containsEntry("plugin", "mxnet")
                    // The mxnet-native-mkl 1.9.1 jar holds a library that reports itself as 1.9.0.
                    .containsEntry("engine.version", "1.9.0")
                    .containsEntry("batchnorm.running_var", "biased batch variance");
        }
    }
}
