package dev.replica.runner.output;

import dev.replica.api.engine.CpuInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Facts for a run's provenance that come from the process and the machine (docs/design.md, section 4): Java,
 * OS, processor, allocator, the git commit. The manifest itself is core's {@code RunManifest}.
 */
public final class Manifest {

    /**
     * Describes this machine and process: Java, OS, the processor's model and instruction-set flags, and
     * the allocator the launcher chose. The engine describes its own native settings.
     *
     * @return sorted key-value pairs
     */
    public static SortedMap<String, String> environment() {
        SortedMap<String, String> env = new TreeMap<>();
        env.put("java.version", System.getProperty("java.version"));
        env.put("java.vendor", System.getProperty("java.vendor"));
        env.put("java.vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        env.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        CpuInfo cpu = CpuInfo.current();
        env.put("cpu.model", cpu.model());
        env.put("cpu.isa_flags", cpu.vectorFlags());
        env.put("cpu.cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        // Set before the JVM starts (by the launcher); the process cannot change them.
        for (String var : new String[] {"LD_PRELOAD", "MALLOC_CONF", "DJL_OFFLINE"}) {
            String v = System.getenv(var);
            env.put("env." + var, v == null ? "" : v);
        }
        return env;
    }

    /**
     * Returns the git commit of the working directory's checkout, with {@code -dirty} when it has
     * uncommitted changes, or {@code unknown}.
     *
     * @param dir a folder inside the checkout
     * @return the commit
     */
    public static String gitCommit(Path dir) {
        String head = run(dir, "git", "rev-parse", "HEAD");
        if (head == null || head.isEmpty()) {
            return "unknown";
        }
        String status = run(dir, "git", "status", "--porcelain", "--untracked-files=no");
        return head + (status != null && !status.isEmpty() ? "-dirty" : "");
    }

    private static String run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
