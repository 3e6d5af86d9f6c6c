package dev.replica.core.record;

import dev.replica.api.engine.CpuInfo;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the process and the machine were: the manifest's {@code environment} section. The keys are spelled
 * here once, for the run that writes them and for the reports and reproductions that read them back, as
 * {@code EngineFacts} spells the engine's.
 */
public final class EnvironmentFacts {

    /** Java's version. */
    public static final String JAVA_VERSION = "java.version";
    /** Java's vendor. */
    public static final String JAVA_VENDOR = "java.vendor";
    /** The JVM's name and version. */
    public static final String JAVA_VM = "java.vm";
    /** The operating system's name, version and architecture. */
    public static final String OS = "os";
    /** The processor's model name. */
    public static final String CPU_MODEL = "cpu.model";
    /** The processor's vector instruction-set flags. */
    public static final String CPU_ISA_FLAGS = "cpu.isa_flags";
    /** The processors the JVM may use. */
    public static final String CPU_CORES = "cpu.cores";
    /** The allocator the launcher preloaded, or empty for the system's. */
    public static final String LD_PRELOAD = "env.LD_PRELOAD";
    /** jemalloc's settings, or empty. */
    public static final String MALLOC_CONF = "env.MALLOC_CONF";
    /** Whether DJL ran offline. */
    public static final String DJL_OFFLINE = "env.DJL_OFFLINE";

    private EnvironmentFacts() {}

    /**
     * Describes this machine and process: Java, OS, the processor's model and instruction-set flags, and
     * the allocator the launcher chose. The engine describes its own native settings.
     *
     * @return sorted key-value pairs
     */
    public static SortedMap<String, String> current() {
        SortedMap<String, String> env = new TreeMap<>();
        env.put(JAVA_VERSION, System.getProperty("java.version"));
        env.put(JAVA_VENDOR, System.getProperty("java.vendor"));
        env.put(JAVA_VM, System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        env.put(
                OS,
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        CpuInfo cpu = CpuInfo.current();
        env.put(CPU_MODEL, cpu.model());
        env.put(CPU_ISA_FLAGS, cpu.vectorFlags());
        env.put(CPU_CORES, Integer.toString(Runtime.getRuntime().availableProcessors()));
        // Set before the JVM starts (by the launcher); the process cannot change them.
        for (String key : new String[] {LD_PRELOAD, MALLOC_CONF, DJL_OFFLINE}) {
            String v = System.getenv(key.substring("env.".length()));
            env.put(key, v == null ? "" : v);
        }
        return env;
    }
}
