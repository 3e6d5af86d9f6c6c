package dev.replica.examples.preactresnet;

import dev.replica.api.ModelPlugin;
import dev.replica.testkit.ModelPluginContract;
import java.util.Map;

/**
 * The model plugin contract that every Replica model meets, on both engines, for a pre-activation
 * ResNet-18 of base width 4 (44,510 parameters), with seeded dropout 0.2 before the linear layer so that
 * the masks are checked across engines too.
 */
class PreActResNetContractTest extends ModelPluginContract {

    @Override
    protected ModelPlugin plugin() {
        return new PreActResNetPlugin();
    }

    @Override
    protected Map<String, Object> tinyParams() {
        return Map.of("depth", 18, "width", 4, "dropout", 0.2);
    }
}
