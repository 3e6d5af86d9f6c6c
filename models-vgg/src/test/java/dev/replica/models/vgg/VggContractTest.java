package dev.replica.models.vgg;

import dev.replica.api.ModelPlugin;
import dev.replica.testkit.ModelPluginContract;
import java.util.Map;

/**
 * The model plugin contract, on both engines, for a VGG11-BN with every width divided by 16 (convs of 4
 * to 32 channels, head 256; 113,434 parameters), with the default seeded dropout in the head.
 */
class VggContractTest extends ModelPluginContract {

    @Override
    protected ModelPlugin plugin() {
        return new VggPlugin();
    }

    @Override
    protected Map<String, Object> tinyParams() {
        return Map.of("depth", 11, "width_divisor", 16);
    }
}
