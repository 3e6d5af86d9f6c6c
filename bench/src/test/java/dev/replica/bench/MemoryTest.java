package dev.replica.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The process's memory facts follow what it does. */
class MemoryTest {

    @Test
    void touchingMemoryNotUsedBeforeCountsAsPageFaults() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "Linux's /proc says how many");
        long before = Memory.minorPageFaults();
        ByteBuffer touched = ByteBuffer.allocateDirect(64 << 20); // zeroed: every one of its 16,384 pages touched
        long after = Memory.minorPageFaults();
        assertThat(touched.capacity()).isEqualTo(64 << 20);
        assertThat(after - before).isGreaterThan(8_000);
    }
}
