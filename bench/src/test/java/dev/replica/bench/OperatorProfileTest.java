package dev.replica.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator calls from PyTorch's Chrome traces become self times per step, nested calls subtracted per thread. */
class OperatorProfileTest {

    @TempDir
    Path dir;

    private static OperatorProfile.Call call(String name, String thread, double start, double duration) {
        return new OperatorProfile.Call(name, thread, start, duration);
    }

    @Test
    void aCallsSelfTimeIsItsTimeLessThatOfTheCallsInsideItOnItsThread() {
        OperatorProfile p = OperatorProfile.of(
                List.of(
                        call("aten::conv2d", "1", 0, 100),
                        call("aten::mkldnn_convolution", "1", 10, 30),
                        call("aten::empty", "1", 15, 10),
                        call("aten::add_", "1", 50, 10),
                        call("aten::add_", "1", 200, 20), // after conv2d ended: not inside it
                        call("aten::mkldnn_convolution", "2", 0, 30)), // another thread: not inside conv2d
                2,
                0.001,
                40);
        // Microseconds over 2 steps, in milliseconds per step.
        assertThat(p.get("aten::conv2d").selfMs()).isCloseTo(0.030, within(1e-12)); // 100 - 30 - 10
        assertThat(p.get("aten::mkldnn_convolution").selfMs()).isCloseTo(0.025, within(1e-12)); // (30-10+30)/2
        assertThat(p.get("aten::empty").selfMs()).isCloseTo(0.005, within(1e-12));
        assertThat(p.get("aten::add_").selfMs()).isCloseTo(0.015, within(1e-12));
        assertThat(p.get("aten::add_").calls()).isEqualTo(1.0);
        assertThat(p.get("aten::mkldnn_convolution").calls()).isEqualTo(1.0);
        // The self times add up to the calls' time outside one another.
        assertThat(p.operatorMs()).isCloseTo((100 + 20 + 30) / 1000.0 / 2, within(1e-12));
        assertThat(p.stepMs()).isCloseTo(0.5, within(1e-12));
        assertThat(p.pageFaults()).isEqualTo(20.0);
        assertThat(p.get("never called")).isEqualTo(new OperatorProfile.Operator(0, 0));
        assertThat(p.operators().keySet())
                .containsExactly("aten::conv2d", "aten::mkldnn_convolution", "aten::add_", "aten::empty");
    }

    @Test
    void bothShapesOfATraceAreReadAndOnlyCompleteEventsCount() throws IOException {
        String events = "[{\"name\": \"aten::relu\", \"ph\": \"X\", \"ts\": 10.5, \"dur\": 4.0, \"tid\": 1,"
                + " \"pid\": \"CPU Functions\", \"args\": {\"nested\": [1, {\"x\": 2}]}, \"shape\": [[128, 16]]},"
                + " {\"name\": \"flow\", \"ph\": \"s\", \"ts\": 11, \"tid\": 1},"
                + " {\"name\": \"aten::relu\", \"ph\": \"X\", \"ts\": 20, \"dur\": 6, \"tid\": \"7\"}]";
        Path libtorch = dir.resolve("libtorch.json");
        Files.writeString(libtorch, events, StandardCharsets.UTF_8);
        Path python = dir.resolve("python.json");
        Files.writeString(
                python,
                "{\"schemaVersion\": 1, \"traceEvents\": " + events + ", \"deviceProperties\": []}",
                StandardCharsets.UTF_8);
        for (Path trace : List.of(libtorch, python)) {
            OperatorProfile p = OperatorProfile.read(trace, 1, 0.5, -1);
            assertThat(p.pageFaults()).isNaN(); // unknown, not zero
            assertThat(p.operators()).containsOnlyKeys("aten::relu");
            assertThat(p.get("aten::relu").calls()).isEqualTo(2.0);
            assertThat(p.get("aten::relu").selfMs()).isCloseTo(0.010, within(1e-12));
        }
    }

    @Test
    void aFileThatIsNotATraceIsNamedInTheError() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"traceEvents\": [{\"name\": \"x\", \"ts\": \"soon\"}]}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> OperatorProfile.read(bad, 1, 1.0, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(bad.toString());
    }
}
