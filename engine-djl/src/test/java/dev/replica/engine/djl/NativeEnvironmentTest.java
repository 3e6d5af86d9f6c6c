package dev.replica.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.UserException;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Settings reach the native environment (not Java's copy of it), and are fixed once an engine loaded. */
class NativeEnvironmentTest {

    @Test
    void settingsReachTheNativeEnvironmentAndNullUnsets() {
        NativeEnvironment.applyBeforeLoad("engine-a", settings("REPLICA_TEST_A", "1", "REPLICA_TEST_B", null));
        assertThat(NativeEnvironment.get("REPLICA_TEST_A")).isEqualTo("1");
        assertThat(NativeEnvironment.get("REPLICA_TEST_B")).isNull();
        assertThat(System.getenv("REPLICA_TEST_A"))
                .as("Java's copy, taken at start")
                .isNull();
    }

    @Test
    void anEngineThatLoadedKeepsItsSettingsAndOtherSettingsAreRefusedWithAMessage() {
        NativeEnvironment.applyBeforeLoad("engine-b", settings("REPLICA_TEST_C", "2", "REPLICA_TEST_D", null));
        NativeEnvironment.applyBeforeLoad("engine-b", settings("REPLICA_TEST_C", "2", "REPLICA_TEST_D", null));
        assertThatThrownBy(() -> NativeEnvironment.applyBeforeLoad(
                        "engine-b", settings("REPLICA_TEST_C", "3", "REPLICA_TEST_D", null)))
                .isInstanceOf(UserException.class)
                .hasMessage("engine 'engine-b' already loaded in this process with REPLICA_TEST_C=2, REPLICA_TEST_D "
                        + "unset; its native library read them once, so REPLICA_TEST_C=3, REPLICA_TEST_D unset cannot "
                        + "take effect now. Open it with the same settings, or use a new process (./replica starts "
                        + "one per command)");
        assertThat(NativeEnvironment.get("REPLICA_TEST_C")).isEqualTo("2");
    }

    private static SortedMap<String, String> settings(String k1, String v1, String k2, String v2) {
        SortedMap<String, String> s = new TreeMap<>();
        s.put(k1, v1);
        s.put(k2, v2);
        return s;
    }
}
