package dev.replica.runner;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.replica.api.ModelPlugin;
import dev.replica.api.Plugin;
import dev.replica.runner.plugin.PluginKind;
import dev.replica.runner.plugin.PluginRegistry;
import java.util.Map;

/** Wires the runner: the registry, the model plugins by name, the environment. Plugins know nothing of Guice. */
public final class RunnerModule extends AbstractModule {

    private final PluginRegistry registry;
    private final Environment environment;

    /**
     * Creates the module.
     *
     * @param registry every discovered plugin
     * @param environment settings from outside the experiment file
     */
    public RunnerModule(PluginRegistry registry, Environment environment) {
        this.registry = registry;
        this.environment = environment;
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        bind(Environment.class).toInstance(environment);
        MapBinder<String, ModelPlugin> models = MapBinder.newMapBinder(binder(), String.class, ModelPlugin.class);
        for (Map.Entry<String, Plugin> e : registry.all(PluginKind.MODEL).entrySet()) {
            models.addBinding(e.getKey()).toInstance((ModelPlugin) e.getValue());
        }
    }
}
