package dev.replica.api.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import dev.replica.api.EnginePlugin;
import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.params.ParameterSchema;
import dev.replica.api.params.ParameterSpec;
import dev.replica.api.params.Params;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The part of an engine plugin that every DJL backend shares: offline loading by name, device choice,
 * seeding and the manifest's description. A backend names its DJL engine and says how it reads its
 * thread count.
 */
public abstract class DjlEnginePlugin implements EnginePlugin {

    /** The devices a user may ask for. */
    public static final String DEVICE_CPU = "cpu";

    private static final ParameterSchema SCHEMA =
            ParameterSchema.of(
                    ParameterSpec.integer("threads", "intra-op threads of the engine; the launcher "
                                    + "sets them before the JVM starts")
                            .withDefault(2)
                            .atLeast(1),
                    ParameterSpec.string("device", "where to run: cpu, gpu (fails if none is usable) "
                                    + "or auto (gpu when one is usable, else cpu)")
                            .withDefault(DEVICE_CPU)
                            .allowing("cpu", "gpu", "auto"));

    /**
     * Returns DJL's name of the engine, e.g. {@code PyTorch}.
     *
     * @return the DJL engine name
     */
    protected abstract String djlEngineName();

    /**
     * Asks for a thread count before the engine loads (where the backend reads it at load time).
     *
     * @param threads the requested count
     */
    protected abstract void requestThreads(int threads);

    /**
     * Returns the number of intra-op threads the loaded engine runs with.
     *
     * @param engine the loaded engine
     * @return the thread count
     */
    protected abstract int observedThreads(Engine engine);

    /**
     * Returns the engine's numeric conventions that matter when comparing engines.
     *
     * @return sorted key-value pairs
     */
    protected abstract Map<String, String> conventions();

    @Override
    public ParameterSchema schema() {
        return SCHEMA;
    }

    @Override
    public EngineSession open(Params params) {
        // DJL makes a network call when it first loads an engine unless told it is offline.
        System.setProperty("ai.djl.offline", "true");
        int threads = params.getInt("threads");
        requestThreads(threads);
        Engine engine;
        try {
            engine = Engine.getEngine(djlEngineName());
        } catch (EngineException | IllegalArgumentException e) {
            throw new UserException(
                    "engine '" + name() + "' could not be loaded (" + e.getMessage() + "); its native "
                            + "library ships in the replica-engine-djl-" + name() + " module", e);
        }
        Device device = chooseDevice(engine, params.getString("device"));
        return new Session(engine, device, observedThreads(engine));
    }

    private Device chooseDevice(Engine engine, String requested) {
        if (DEVICE_CPU.equals(requested)) {
            return Device.cpu();
        }
        int gpus = engine.getGpuCount();
        switch (requested) {
            case "gpu":
                if (gpus == 0) {
                    throw new UserException(
                            "engine.device: gpu was asked for, but " + djlEngineName() + " sees no "
                                    + "usable GPU on this machine; allowed: cpu, gpu, auto. The CUDA "
                                    + "native libraries are not on Maven Central: README.md, section "
                                    + "'Running on a GPU', says how to add them.");
                }
                return Device.gpu();
            case "auto":
                return gpus > 0 ? Device.gpu() : Device.cpu();
            default:
                return Device.cpu();
        }
    }

    private final class Session implements EngineSession {
        private final Engine engine;
        private final Device device;
        private final int threads;

        Session(Engine engine, Device device, int threads) {
            this.engine = engine;
            this.device = device;
            this.threads = threads;
        }

        @Override
        public Engine engine() {
            return engine;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public NDManager newManager() {
            return engine.newBaseManager(device);
        }

        @Override
        public void seed(int seed) {
            engine.setRandomSeed(seed);
        }

        @Override
        public int observedThreads() {
            return threads;
        }

        @Override
        public SortedMap<String, String> describe() {
            SortedMap<String, String> d = new TreeMap<>(conventions());
            d.put("plugin", name());
            d.put("djl.version", Engine.getDjlVersion());
            d.put("engine.name", engine.getEngineName());
            d.put("engine.version", engine.getVersion());
            d.put("device", device.toString());
            d.put("threads", Integer.toString(threads));
            return d;
        }

        @Override
        public void close() {
            // DJL engines are process-wide and stay loaded; nothing to release here.
        }
    }
}
