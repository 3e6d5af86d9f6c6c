package dev.replica.api.params;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void suggestsTheNearestNameForATypo() {
        List<String> keys = List.of("name", "seed", "engine", "dataset", "models", "schedule", "training");
        assertThat(Values.closest("nmae", keys)).isEqualTo("name");
        assertThat(Values.closest("shedule", keys)).isEqualTo("schedule");
        assertThat(Values.closest("modles", keys)).isEqualTo("models");
        assertThat(Values.closest("colour", keys)).isNull();
    }

    @Test
    void rendersValuesAsMessagesShowThem() {
        assertThat(Values.render("a")).isEqualTo("'a'");
        assertThat(Values.render(List.of(1, "b"))).isEqualTo("[1, 'b']");
        assertThat(Values.render(5.0)).isEqualTo("5");
        assertThat(Values.render(5e-4)).isEqualTo("5.0e-4");
        assertThat(Values.render(null)).isEqualTo("null");
    }
}
