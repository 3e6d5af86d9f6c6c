package dev.replica.core.training;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.DataSplits;
import dev.replica.api.ExampleSet;
import java.util.Map;

/** Splits of two classes and one-value examples, every split the same set: for tests of the loop's plumbing. */
final class FakeSplits {

    private FakeSplits() {}

    static DataSplits of(ExampleSet set) {
        return new DataSplits() {
            @Override
            public int classes() {
                return 2;
            }

            @Override
            public Shape exampleShape() {
                return new Shape(1);
            }

            @Override
            public ExampleSet train() {
                return set;
            }

            @Override
            public ExampleSet validation() {
                return set;
            }

            @Override
            public ExampleSet test() {
                return set;
            }

            @Override
            public String validationSource() {
                return "test";
            }

            @Override
            public Map<String, String> provenance() {
                return Map.of();
            }
        };
    }
}
