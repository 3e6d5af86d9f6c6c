package dev.replica.api.params;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ParameterSchemaTest {

    private static final ParameterSchema SCHEMA = ParameterSchema.of(
            ParameterSpec.integer("depth", "layers").withDefault(18).allowing(18, 34),
            ParameterSpec.integer("width", "base channels").withDefault(64).atLeast(1),
            ParameterSpec.real("lr", "rate").withDefault(0.1).greaterThan(0),
            ParameterSpec.real("dropout", "rate").withDefault(0.5).atLeast(0).atMost(0.99),
            ParameterSpec.bool("batch_norm", "BN").withDefault(true),
            ParameterSpec.string("device", "where").withDefault("cpu").allowing("cpu", "gpu"),
            ParameterSpec.integerList("milestones", "epochs")
                    .withDefault(List.of(50, 75))
                    .atLeast(1));

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("depth", 19, "depth", "19 is not allowed; allowed: [18, 34]"),
                Arguments.of("depth", "ten", "depth", "'ten' is not an integer"),
                Arguments.of("depth", 18.5, "depth", "18.5 is not an integer"),
                Arguments.of("width", 0, "width", "0 is out of range; allowed: >= 1"),
                Arguments.of("lr", 0, "lr", "0 is out of range; allowed: > 0"),
                Arguments.of("lr", "fast", "lr", "'fast' is not a number"),
                Arguments.of("dropout", 1.5, "dropout", "1.5 is out of range; allowed: >= 0 and <= 0.99"),
                Arguments.of("batch_norm", "yes", "batch_norm", "'yes' is not a boolean (true or false)"),
                Arguments.of("device", "tpu", "device", "'tpu' is not allowed; allowed: ['cpu', 'gpu']"),
                Arguments.of("milestones", 50, "milestones", "50 is not a list of integers"),
                Arguments.of("milestones", List.of(50, 0), "milestones[1]", "0 is out of range; allowed: >= 1"),
                Arguments.of("milestones", List.of(50, "x"), "milestones[1]", "'x' is not an integer"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void aBadValueNamesTheKeyTheValueAndWhatIsAllowed(String key, Object value, String problemKey, String message) {
        ParameterSchema.Validation v = SCHEMA.validate(Map.of(key, value));
        assertThat(v.valid()).isFalse();
        assertThat(v.problems()).containsExactly(new ParameterProblem(problemKey, message));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("depht", 18);
        raw.put("width", -1);
        raw.put("lr", "x");
        assertThat(SCHEMA.validate(raw).problems())
                .containsExactly(
                        new ParameterProblem("depht", "unknown key; did you mean 'depth'?"),
                        new ParameterProblem("width", "-1 is out of range; allowed: >= 1"),
                        new ParameterProblem("lr", "'x' is not a number"));
    }

    @Test
    void anUnknownKeyFarFromAnyListsTheAllowedKeys() {
        assertThat(SCHEMA.validate(Map.of("colour", 1)).problems())
                .containsExactly(new ParameterProblem(
                        "colour", "unknown key; allowed: [depth, width, lr, dropout, batch_norm, device, milestones]"));
    }

    @Test
    void defaultsFillInAndValuesAreTyped() {
        Params p = SCHEMA.validate(Map.of("width", 16, "lr", "5e-4")).orElseThrow();
        assertThat(p.getInt("depth")).isEqualTo(18);
        assertThat(p.getInt("width")).isEqualTo(16);
        assertThat(p.getDouble("lr")).isEqualTo(5e-4);
        assertThat(p.getDouble("dropout")).isEqualTo(0.5);
        assertThat(p.getIntList("milestones")).containsExactly(50, 75);
        assertThat(p.asMap().keySet())
                .containsExactly("depth", "width", "lr", "dropout", "batch_norm", "device", "milestones");
    }

    @Test
    void integersAreAcceptedAsNumbers() {
        assertThat(SCHEMA.validate(Map.of("lr", 1)).orElseThrow().getDouble("lr"))
                .isEqualTo(1.0);
    }

    @Test
    void aMissingRequiredKeyIsAProblem() {
        ParameterSchema required = ParameterSchema.of(
                ParameterSpec.integerList("milestones", "epochs").atLeast(1));
        assertThat(required.validate(Map.of()).problems())
                .containsExactly(new ParameterProblem("milestones", "missing required key; allowed: each >= 1"));
    }

    @Test
    void crossKeyChecksRunWhenEveryKeyIsValid() {
        ParameterSchema s = SCHEMA.withCheck(p -> p.getInt("width") > 32 && p.getInt("depth") == 34
                ? List.of(new ParameterProblem("width", "too wide for depth 34"))
                : List.of());
        assertThat(s.validate(Map.of("depth", 34)).problems())
                .containsExactly(new ParameterProblem("width", "too wide for depth 34"));
        assertThat(s.validate(Map.of("depth", 34, "width", 0)).problems())
                .containsExactly(new ParameterProblem("width", "0 is out of range; allowed: >= 1"));
    }

    @Test
    void askingForAnUndeclaredKeyOrTheWrongTypeIsAProgrammingError() {
        Params p = SCHEMA.defaults();
        assertThatThrownBy(() -> p.getInt("nope")).hasMessage("no parameter 'nope' in the schema");
        assertThatThrownBy(() -> p.getDouble("depth")).hasMessage("parameter 'depth' is an integer, not a number");
    }

    @Test
    void aDefaultOfTheWrongTypeIsRejectedWhenTheSchemaIsWritten() {
        assertThatThrownBy(() -> ParameterSpec.integer("n", "count").withDefault("many"))
                .hasMessage("default many of 'n' is not an integer");
    }
}
