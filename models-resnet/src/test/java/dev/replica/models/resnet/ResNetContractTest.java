package dev.replica.models.resnet;

import dev.replica.api.ModelPlugin;
import dev.replica.testkit.ModelPluginContract;
import java.util.Map;

/** The model plugin contract, on both engines, for a ResNet-18 of base width 4 (44,622 parameters). */
class ResNetContractTest extends ModelPluginContract {

    @Override
    protected ModelPlugin plugin() {
        return new ResNetPlugin();
    }

    @Override
    protected Map<String, Object> tinyParams() {
        return Map.of("depth", 18, "width", 4);
    }
}
