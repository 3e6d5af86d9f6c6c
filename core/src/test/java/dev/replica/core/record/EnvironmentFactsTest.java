package dev.replica.core.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Objects;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** The environment section holds the keys its readers name, with what this process really is. */
class EnvironmentFactsTest {

    @Test
    void theSectionHasEveryNamedKeyAndThisProcesssValues() {
        SortedMap<String, String> env = EnvironmentFacts.current();
        assertThat(env.keySet())
                .containsExactly(
                        EnvironmentFacts.CPU_CORES,
                        EnvironmentFacts.CPU_ISA_FLAGS,
                        EnvironmentFacts.CPU_MODEL,
                        EnvironmentFacts.DJL_OFFLINE,
                        EnvironmentFacts.LD_PRELOAD,
                        EnvironmentFacts.MALLOC_CONF,
                        EnvironmentFacts.JAVA_VENDOR,
                        EnvironmentFacts.JAVA_VERSION,
                        EnvironmentFacts.JAVA_VM,
                        EnvironmentFacts.OS);
        assertThat(env.get(EnvironmentFacts.JAVA_VERSION)).isEqualTo(System.getProperty("java.version"));
        assertThat(env.get(EnvironmentFacts.LD_PRELOAD)).isEqualTo(Objects.toString(System.getenv("LD_PRELOAD"), ""));
        assertThat(env.get(EnvironmentFacts.CPU_CORES))
                .isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
}
