package dev.replica.testkit;

import dev.replica.api.ModelPlugin;
import java.util.Map;

/** A correct plugin passes the whole contract (so the failures of the broken ones are theirs). */
class TinyPluginContractTest extends ModelPluginContract {

    @Override
    protected ModelPlugin plugin() {
        return new TinyPlugin(TinyPlugin.Flaw.NONE);
    }

    @Override
    protected Map<String, Object> tinyParams() {
        return Map.of();
    }
}
