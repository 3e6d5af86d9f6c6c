package dev.replica.runner.config;

import ai.djl.nn.Block;
import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.DatasetPlugin;
import dev.replica.api.EngineContext;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ModelContext;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerContext;
import dev.replica.api.OptimizerPlugin;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.UpdateRule;
import dev.replica.api.params.ParameterProblem;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made plugins whose schemas mimic the real ones, so that these tests do not depend on the
 * engine, model or built-in plugin modules. Their factories are never called.
 */
public final class FakePlugins {

    private FakePlugins() {}

    public static PluginRegistry registry() {
        ParameterSchema engine = ParameterSchema.of(
                ParameterSpec.integer("threads", "intra-op threads")
                        .withDefault(2)
                        .atLeast(1),
                ParameterSpec.string("device", "where to run")
                        .withDefault("cpu")
                        .allowing("cpu", "gpu", "auto"));
        return PluginRegistry.builder()
                .add(PluginKind.ENGINE, new Engine("pytorch", engine))
                .add(PluginKind.ENGINE, new Engine("mxnet", engine))
                .add(
                        PluginKind.DATASET,
                        new Dataset(
                                "cifar10",
                                ParameterSchema.of(
                                        ParameterSpec.string("validation", "validation split")
                                                .withDefault("test")
                                                .allowing("test", "holdout"),
                                        ParameterSpec.string("root", "data folder")
                                                .withDefault("data/cifar10"))))
                .add(
                        PluginKind.DATASET,
                        new Dataset(
                                "synthetic",
                                ParameterSchema.of(
                                        ParameterSpec.integer("examples", "number of examples")
                                                .atLeast(1),
                                        ParameterSpec.integer("classes", "number of classes")
                                                .withDefault(10)
                                                .atLeast(2))))
                .add(
                        PluginKind.MODEL,
                        new Model(
                                "resnet",
                                ParameterSchema.of(
                                        ParameterSpec.integer("depth", "number of layers")
                                                .withDefault(18)
                                                .allowing(18, 34),
                                        ParameterSpec.integer("width", "base width")
                                                .withDefault(64)
                                                .atLeast(1))))
                .add(
                        PluginKind.MODEL,
                        new Model(
                                "vgg",
                                ParameterSchema.of(
                                        ParameterSpec.integer("depth", "number of layers")
                                                .withDefault(19)
                                                .allowing(11, 13, 16, 19),
                                        ParameterSpec.bool("batch_norm", "batch norm after each conv")
                                                .withDefault(true),
                                        ParameterSpec.integer("width_divisor", "divides every width")
                                                .withDefault(1)
                                                .atLeast(1))))
                .add(
                        PluginKind.OPTIMIZER,
                        new Optimizer(
                                "sgd",
                                ParameterSchema.of(
                                        ParameterSpec.real("lr", "learning rate")
                                                .withDefault(0.1)
                                                .greaterThan(0),
                                        ParameterSpec.real("momentum", "momentum")
                                                .withDefault(0.9)
                                                .atLeast(0)
                                                .atMost(0.999999),
                                        ParameterSpec.real("weight_decay", "L2 penalty")
                                                .withDefault(5.0e-4)
                                                .atLeast(0),
                                        ParameterSpec.bool("nesterov", "Nesterov momentum")
                                                .withDefault(false))))
                .add(
                        PluginKind.SCHEDULE,
                        new Schedule(
                                "multistep",
                                ParameterSchema.of(
                                                ParameterSpec.integerList(
                                                                "milestones", "epochs after which the rate drops")
                                                        .atLeast(1),
                                                ParameterSpec.real("gamma", "factor at each milestone")
                                                        .withDefault(0.1)
                                                        .greaterThan(0))
                                        .withCheck(FakePlugins::increasing)))
                .add(PluginKind.SCHEDULE, new Schedule("constant", ParameterSchema.empty()))
                .build();
    }

    private static List<ParameterProblem> increasing(Params p) {
        List<ParameterProblem> problems = new ArrayList<>();
        List<Integer> m = p.getIntList("milestones");
        for (int i = 1; i < m.size(); i++) {
            if (m.get(i) <= m.get(i - 1)) {
                problems.add(new ParameterProblem(
                        "milestones[" + i + "]", m.get(i) + " is not allowed; allowed: greater than " + m.get(i - 1)));
            }
        }
        return problems;
    }

    record Engine(String name, ParameterSchema schema) implements EnginePlugin {
        @Override
        public EngineSession open(Params params, EngineContext context) {
            throw new UnsupportedOperationException();
        }
    }

    record Dataset(String name, ParameterSchema schema) implements DatasetPlugin {
        @Override
        public DataSplits open(Params params, DataContext context) {
            throw new UnsupportedOperationException();
        }
    }

    record Model(String name, ParameterSchema schema) implements ModelPlugin {
        @Override
        public Block create(Params params, ModelContext context) {
            throw new UnsupportedOperationException();
        }
    }

    record Optimizer(String name, ParameterSchema schema) implements OptimizerPlugin {
        @Override
        public UpdateRule create(Params params, OptimizerContext context) {
            throw new UnsupportedOperationException();
        }
    }

    record Schedule(String name, ParameterSchema schema) implements SchedulePlugin {
        @Override
        public LearningRateSchedule create(Params params, ScheduleContext context) {
            throw new UnsupportedOperationException();
        }
    }
}
