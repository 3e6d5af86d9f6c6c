package dev.replica.models.cifarresnet;

import dev.replica.api.ModelPlugin;
import dev.replica.testkit.ModelPluginContract;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * The model plugin contract, on both engines, for the 8-layer nets (n = 1): residual with option A
 * (75,290 parameters), residual with option B (78,042) and plain (75,290).
 */
class CifarResNetContractTest {

    @Nested
    class OptionA extends Contract {
        OptionA() {
            super(Map.of("depth", 8, "residual", true, "shortcut", "a"));
        }
    }

    @Nested
    class OptionB extends Contract {
        OptionB() {
            super(Map.of("depth", 8, "residual", true, "shortcut", "b"));
        }
    }

    @Nested
    class Plain extends Contract {
        Plain() {
            super(Map.of("depth", 8, "residual", false));
        }
    }

    abstract static class Contract extends ModelPluginContract {

        private final Map<String, Object> params;

        Contract(Map<String, Object> params) {
            this.params = params;
        }

        @Override
        protected ModelPlugin plugin() {
            return new CifarResNetPlugin();
        }

        @Override
        protected Map<String, Object> tinyParams() {
            return params;
        }
    }
}
