package dev.replica.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.simple.SimpleLoggerContextFactory;
import org.junit.jupiter.api.Test;

/** A module's tests log through Log4j's implementation: none prints "could not find a logging provider". */
class LoggingProviderTest {

    @Test
    void log4jFindsItsProvider() {
        assertThat(LogManager.getFactory()).isNotInstanceOf(SimpleLoggerContextFactory.class);
    }
}
