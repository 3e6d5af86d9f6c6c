package dev.replica.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fresh process of this build runs with its parent's Replica settings, also those set at run time
 * (surefire sets a test JVM's instruction-set pins so; a sweep task without them probed every
 * instruction set, and at AVX2 on an AMD Zen 5 got a lucky pass that its own self-check then refuted).
 */
class ThisJavaTest {

    @Test
    void replicaSettingsSetAtRunTimeGoToTheChildAndOthersDoNot() {
        System.setProperty("replica.test.child-setting", "it's here");
        System.setProperty("unrelated.child-setting", "no");
        try {
            List<String> command = ThisJava.replica(null, List.of("run", "x.yaml"));

            assertThat(command).contains("-Dreplica.test.child-setting=it's here");
            assertThat(command).noneMatch(o -> o.startsWith("-Dunrelated.child-setting"));
            assertThat(command.subList(command.indexOf(ThisJava.MAIN_CLASS), command.size()))
                    .containsExactly(ThisJava.MAIN_CLASS, "run", "x.yaml");
            assertThat(command.indexOf("-Dreplica.test.child-setting=it's here"))
                    .isLessThan(command.indexOf("-cp"));
        } finally {
            System.clearProperty("replica.test.child-setting");
            System.clearProperty("unrelated.child-setting");
        }
    }

    @Test
    void theBuildsInstructionSetPinsReachTheChild() {
        // Set by surefire from the pom (replica.test.isa), not on this JVM's command line.
        String pin = System.getProperty("replica.isa.auto");
        assertThat(pin).as("the pom's pin").isNotBlank();

        List<String> command = ThisJava.replica(null, List.of("doctor"));

        assertThat(command.stream().filter(o -> o.startsWith("-Dreplica.isa.auto=")))
                .containsExactly("-Dreplica.isa.auto=" + pin);
    }
}
