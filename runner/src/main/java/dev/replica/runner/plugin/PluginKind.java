package dev.replica.runner.plugin;

import dev.replica.api.DatasetPlugin;
import dev.replica.api.EnginePlugin;
import dev.replica.api.ModelPlugin;
import dev.replica.api.OptimizerPlugin;
import dev.replica.api.Plugin;
import dev.replica.api.SchedulePlugin;

/** The kinds of plugin, each with its SPI interface and the word experiment files and messages use. */
public enum PluginKind {
    /** Deep-learning backends. */
    ENGINE("engine", EnginePlugin.class),
    /** Datasets. */
    DATASET("dataset", DatasetPlugin.class),
    /** Network architectures. */
    MODEL("model", ModelPlugin.class),
    /** Update rules. */
    OPTIMIZER("optimizer", OptimizerPlugin.class),
    /** Learning-rate schedules. */
    SCHEDULE("schedule", SchedulePlugin.class);

    private final String word;
    private final Class<? extends Plugin> type;

    PluginKind(String word, Class<? extends Plugin> type) {
        this.word = word;
        this.type = type;
    }

    /**
     * Returns the lower-case word for messages, e.g. {@code model}.
     *
     * @return the word
     */
    public String word() {
        return word;
    }

    /**
     * Returns the SPI interface.
     *
     * @return the interface
     */
    public Class<? extends Plugin> type() {
        return type;
    }
}
