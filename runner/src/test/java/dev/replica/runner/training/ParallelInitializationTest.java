package dev.replica.runner.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.nn.Blocks;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Drawing the seeded weights on every core gives the weights of a one-by-one initialisation, bit for
 * bit, for the built-in models on both engines.
 */
class ParallelInitializationTest {

    @ParameterizedTest
    @CsvSource({"PyTorch, resnet", "PyTorch, vgg", "MXNet, resnet", "MXNet, vgg"})
    void parallelDrawsGiveTheOneByOneWeights(String engine, String model) {
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        ModelPlugin plugin = registry.model(model);
        Map<String, Object> values = model.equals("resnet")
                ? Map.of("depth", 18, "width", 8, "classes", 10)
                : Map.of("depth", 11, "width_divisor", 8, "classes", 10);
        Shape input = new Shape(1, 3, 32, 32);
        try (NDManager manager = Engine.getEngine(engine).newBaseManager()) {
            Block oneByOne = plugin.create(
                    plugin.schema().validate(values).orElseThrow(), ModelContext.of("m", 9, new Shape(3, 32, 32), 10));
            oneByOne.initialize(manager, DataType.FLOAT32, input);
            Block parallel = plugin.create(
                    plugin.schema().validate(values).orElseThrow(), ModelContext.of("m", 9, new Shape(3, 32, 32), 10));
            Blocks.initialize(parallel, manager, DataType.FLOAT32, input);
            List<Pair<String, Parameter>> a = oneByOne.getParameters().stream().toList();
            List<Pair<String, Parameter>> b = parallel.getParameters().stream().toList();
            assertThat(b).hasSameSizeAs(a);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).getKey()).isEqualTo(a.get(i).getKey());
                assertThat(b.get(i).getValue().getArray().toFloatArray())
                        .as(a.get(i).getKey())
                        .isEqualTo(a.get(i).getValue().getArray().toFloatArray());
                assertThat(b.get(i).getValue().getArray().hasGradient())
                        .isEqualTo(a.get(i).getValue().requiresGradient());
            }
        }
    }
}
