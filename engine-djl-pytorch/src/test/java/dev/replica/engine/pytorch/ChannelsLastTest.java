package dev.replica.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.MemoryOrder;
import dev.replica.api.EngineContext;
import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterSchema;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code memory_format: channels_last}: the same values stored NHWC, a layout convolutions then keep. */
class ChannelsLastTest {

    private static final EngineContext CONTEXT = EngineContext.from(System.getenv());

    private final PyTorchEnginePlugin plugin = new PyTorchEnginePlugin();

    @Test
    void aBatchKeepsItsShapeAndValuesAndLiesInMemoryChannelsLast() {
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT);
                NDManager manager = session.newManager()) {
            NDArray x = manager.arange(2 * 3 * 4 * 5f).reshape(2, 3, 4, 5);
            NDArray stored = PyTorchEnginePlugin.channelsLast(x);

            assertThat(stored.getShape()).isEqualTo(new Shape(2, 3, 4, 5));
            assertThat(stored.toFloatArray()).isEqualTo(x.toFloatArray());
            assertThat(MemoryOrder.rowMajor(x)).isTrue();
            assertThat(MemoryOrder.rowMajor(stored)).isFalse();
            assertThat(MemoryOrder.rowMajor(stored.transpose(0, 2, 3, 1))).isTrue();
            // The contiguous setting changes nothing.
            assertThat(session.inKernelLayout(x)).isSameAs(x);
        }
    }

    @Test
    void aConvolutionKeepsTheLayoutAndComputesTheSameFunction() {
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT);
                NDManager manager = session.newManager()) {
            NDArray x = manager.arange(4 * 8 * 6 * 6f).reshape(4, 8, 6, 6).sin();
            NDArray weight = manager.arange(16 * 8 * 3 * 3f)
                    .reshape(16, 8, 3, 3)
                    .mul(0.37f)
                    .cos();
            NDArray plain = conv(x, weight);
            NDArray nhwc = conv(PyTorchEnginePlugin.channelsLast(x), weight);

            assertThat(MemoryOrder.rowMajor(plain)).isTrue();
            assertThat(MemoryOrder.rowMajor(nhwc)).isFalse();
            assertThat(MemoryOrder.rowMajor(nhwc.transpose(0, 2, 3, 1))).isTrue();
            float scale = plain.abs().max().getFloat();
            assertThat(plain.sub(nhwc).abs().max().getFloat()).isLessThanOrEqualTo(1e-5f * scale);
        }
    }

    private static NDArray conv(NDArray x, NDArray weight) {
        Shape one = new Shape(1, 1);
        return Conv2d.conv2d(x, weight, null, one, one, one).singletonOrThrow();
    }

    @Test
    void isAllowedOnPyTorchAndNamedInTheDescription() {
        ParameterSchema.Validation v = plugin.schema().validate(Map.of("memory_format", "channels_last"));
        assertThat(v.problems()).isEmpty();
        assertThat(plugin.schema().validate(Map.of("memory_format", "nhwc")).problems())
                .singleElement()
                .satisfies(p -> assertThat(p.key()).isEqualTo("memory_format"))
                .satisfies(p -> assertThat(p.message()).contains("contiguous", "channels_last"));
        try (EngineSession session = plugin.open(plugin.schema().defaults(), CONTEXT)) {
            assertThat(session.describe()).containsEntry("memory_format", "contiguous");
        }
    }

    @Test
    void withoutAnExperimentToProveItOnItIsRefused() {
        // The probe's generic network reads its input as made: it would prove another layout than the one asked.
        assertThatThrownBy(() -> plugin.open(
                        plugin.schema()
                                .validate(Map.of("memory_format", "channels_last"))
                                .orElseThrow(),
                        CONTEXT))
                .isInstanceOf(UserException.class)
                .hasMessageContaining("memory_format: channels_last is proved on an experiment's own models");
    }
}
