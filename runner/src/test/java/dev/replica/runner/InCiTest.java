package dev.replica.runner;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A test that needs what is missing is skipped outside CI, and fails in CI. */
class InCiTest {

    @Test
    void whatIsMissingFailsInCi() {
        assertThatThrownBy(() -> InCi.skipUnlessAvailable(false, "cannot mount a tmpfs here", Map.of("CI", "true")))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("cannot mount a tmpfs here, but CI must provide it");
    }

    @Test
    void whatIsMissingSkipsElsewhere() {
        assertThatThrownBy(() -> InCi.skipUnlessAvailable(false, "cannot mount a tmpfs here", Map.of()))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("cannot mount a tmpfs here; the test did not run");
    }

    @Test
    void whatIsThereRunsAnywhere() {
        assertThatCode(() -> InCi.skipUnlessAvailable(true, "-", Map.of("CI", "true")))
                .doesNotThrowAnyException();
    }
}
