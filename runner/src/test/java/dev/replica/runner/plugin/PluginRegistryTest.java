package dev.replica.runner.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.LearningRateSchedule;
import dev.replica.api.ScheduleContext;
import dev.replica.api.SchedulePlugin;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.Params;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class PluginRegistryTest {

    /** A schedule plugin with a given name. */
    static class FakeSchedule implements SchedulePlugin {
        private final String name;

        FakeSchedule(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ParameterSchema schema() {
            return ParameterSchema.empty();
        }

        @Override
        public LearningRateSchedule create(Params params, ScheduleContext context) {
            return (e, s) -> 1;
        }
    }

    /** Another class, so that a clash names two different classes. */
    static final class OtherFakeSchedule extends FakeSchedule {
        OtherFakeSchedule(String name) {
            super(name);
        }
    }

    @Test
    void discoveryFindsEveryBuiltInPluginThroughMetaInfServices() {
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader());
        assertThat(registry.all(PluginKind.ENGINE)).containsKeys("mxnet", "pytorch");
        assertThat(registry.all(PluginKind.OPTIMIZER)).containsKeys("sgd");
        assertThat(registry.all(PluginKind.SCHEDULE)).containsKeys("constant", "cosine", "multistep");
        assertThat(new ArrayList<>(registry.all(PluginKind.SCHEDULE).keySet())).isSorted();
    }

    @Test
    void anUnknownNameListsTheAvailableOnes() {
        PluginRegistry registry = PluginRegistry.builder()
                .add(PluginKind.SCHEDULE, new FakeSchedule("multistep"))
                .add(PluginKind.SCHEDULE, new FakeSchedule("constant"))
                .build();
        assertThatThrownBy(() -> registry.get(PluginKind.SCHEDULE, "multstep"))
                .isInstanceOf(UserException.class)
                .hasMessage("unknown schedule plugin 'multstep'; available: [constant, multistep]");
    }

    @Test
    void aTypedLookupGivesThatKindsInterfaceAndAnUnknownNameStaysAUserError() {
        FakeSchedule steps = new FakeSchedule("multistep");
        PluginRegistry registry =
                PluginRegistry.builder().add(PluginKind.SCHEDULE, steps).build();
        SchedulePlugin found = registry.schedule("multistep");
        assertThat(found).isSameAs(steps);
        assertThatThrownBy(() -> registry.model("multistep"))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith("unknown model plugin 'multistep'");
    }

    @Test
    void twoPluginsOfOneNameFailNamingBothClasses() {
        PluginRegistry.Builder builder = PluginRegistry.builder().add(PluginKind.SCHEDULE, new FakeSchedule("steps"));
        String location = FakeSchedule.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toString();
        assertThatThrownBy(() -> builder.add(PluginKind.SCHEDULE, new OtherFakeSchedule("steps")))
                .isInstanceOf(UserException.class)
                .hasMessage("two schedule plugins are named 'steps': "
                        + FakeSchedule.class.getName() + " (" + location + ") and "
                        + OtherFakeSchedule.class.getName() + " (" + location
                        + "); remove one of them from the class path or the plugins folder");
    }

    @Test
    void namesMustBeLowerCaseWords() {
        assertThatThrownBy(() -> PluginRegistry.builder().add(PluginKind.SCHEDULE, new FakeSchedule("MultiStep")))
                .isInstanceOf(UserException.class)
                .hasMessage("schedule plugin " + FakeSchedule.class.getName()
                        + " has the name 'MultiStep'; names must match [a-z][a-z0-9-]*");
    }

    @Test
    void theSummaryListsEveryKindInASteadyOrder() {
        PluginRegistry registry = PluginRegistry.builder()
                .add(PluginKind.SCHEDULE, new FakeSchedule("b"))
                .add(PluginKind.SCHEDULE, new FakeSchedule("a"))
                .build();
        assertThat(registry.summary()).isEqualTo("engine []; dataset []; model []; optimizer []; schedule [a, b]");
    }
}
