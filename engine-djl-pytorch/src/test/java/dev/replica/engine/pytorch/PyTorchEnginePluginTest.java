package dev.replica.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.engine.InstructionSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class PyTorchEnginePluginTest {

    private static final EngineContext CONTEXT = EngineContext.from(System.getenv());

    private final EnginePlugin plugin = new PyTorchEnginePlugin();

    @Test
    void isFoundThroughMetaInfServices() {
        assertThat(ServiceLoader.load(EnginePlugin.class).stream()
                        .map(p -> p.get().name()))
                .contains("pytorch");
    }

    @Test
    void opensOnTheCpuWithTheRequestedThreadsAndDescribesItself() {
        try (EngineSession session =
                plugin.open(plugin.schema().validate(Map.of("threads", 2)).orElseThrow(), CONTEXT)) {
            assertThat(session.device()).isEqualTo(Device.cpu());
            assertThat(session.engine().getEngineName()).isEqualTo("PyTorch");
            assertThat(session.observedThreads()).isEqualTo(2);
            assertThat(session.describe())
                    .containsEntry("plugin", "pytorch")
                    .containsEntry("djl.version", "0.36.0")
                    .containsEntry("engine.version", "2.7.1")
                    .containsEntry("batchnorm.running_var", "unbiased batch variance")
                    .containsKeys("device", "threads");
        }
    }

    @Test
    void blocksInferTheirShapesOnThisEngineWhateverDjlsDefaultWas() {
        // DJL's LambdaBlock infers its shape on a dummy input of DJL's default engine: MXNet wherever it is
        // installed. Its oneDNN would start a second OpenMP pool in libtorch's libgomp and slow every step.
        String property = "ai.djl.default_engine";
        String before = System.getProperty(property);
        plugin.open(plugin.schema().defaults(), CONTEXT).close(); // DJL checks its default when it first loads
        System.setProperty(property, "NoSuchEngine");
        List<String> inferredOn = new ArrayList<>();
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT);
                NDManager manager = session.newManager()) {
            SequentialBlock block = new SequentialBlock()
                    .add(new LambdaBlock(x -> {
                        inferredOn.add(x.head().getManager().getEngine().getEngineName());
                        return x;
                    }))
                    .add(Linear.builder().setUnits(2).build());
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
        assertThat(inferredOn).isNotEmpty().containsOnly("PyTorch");
    }

    @Test
    void nnpackIsOffOnceTheEngineIsOpenAndTheManifestSaysSo() {
        // libtorch enables NNPACK by default: only the plugin's call turns it off.
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT)) {
            assertThat(PyTorchEnginePlugin.nnpackEnabled()).contains(false);
            assertThat(session.describe()).containsEntry("nnpack", "off");
        }
    }

    @Test
    void aBadAutoCandidatesPropertyIsAUserErrorNamingThePropertyAndTheAllowedSettings() {
        String property = InstructionSet.AUTO_PROPERTY + ".pytorch";
        String before = System.getProperty(property);
        System.setProperty(property, "avx2,avx9000");
        try {
            assertThatThrownBy(() -> plugin.open(plugin.schema().defaults(), CONTEXT))
                    .isInstanceOf(UserException.class)
                    .hasMessage("-Dreplica.isa.auto[.pytorch]: unknown instruction set 'avx9000'; allowed: "
                            + Arrays.toString(InstructionSet.words()));
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    @Test
    void askingForAGpuWhereNoneIsUsableFailsSayingWhatToDo() {
        assertThatThrownBy(() -> plugin.open(
                        plugin.schema().validate(Map.of("device", "gpu")).orElseThrow(), CONTEXT))
                .isInstanceOf(UserException.class)
                .hasMessage("engine.device: gpu was asked for, but PyTorch sees no usable GPU on this machine; "
                        + "allowed: cpu, gpu, auto. The CUDA native libraries are not on Maven Central: README.md, "
                        + "section 'Running on a GPU', says how to add them.");
    }

    @Test
    void autoFallsBackToTheCpu() {
        try (EngineSession session =
                plugin.open(plugin.schema().validate(Map.of("device", "auto")).orElseThrow(), CONTEXT)) {
            assertThat(session.device()).isEqualTo(Device.cpu());
        }
    }

    @Test
    void anUnknownDeviceIsRejectedByTheSchema() {
        assertThat(plugin.schema().validate(Map.of("device", "tpu")).problems())
                .extracting(p -> p.message())
                .containsExactly("'tpu' is not allowed; allowed: ['cpu', 'gpu', 'auto']");
    }

    @Test
    void seedsThatAFoldOfTheHalvesWouldCollideDrawDifferentNumbers() {
        // seed ^ (seed >>> 32) maps 1 and 2^32 (and k and k << 32 ^ k ...) to the same int.
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT)) {
            assertThat(draws(session, 1L)).isEqualTo(draws(session, 1L)).isNotEqualTo(draws(session, 1L << 32));
            assertThat(draws(session, 7L)).isNotEqualTo(draws(session, (7L << 32) ^ 7L ^ 7L));
            assertThat(draws(session, 0L)).isNotEqualTo(draws(session, 0x1_0000_0001L));
        }
    }

    private static float[] draws(EngineSession session, long seed) {
        session.seed(seed);
        try (NDManager manager = session.newManager()) {
            return manager.randomUniform(0, 1, new Shape(8)).toFloatArray();
        }
    }
}
