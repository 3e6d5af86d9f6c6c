package dev.replica.runner.output;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The git commit a run's provenance records (docs/design.md, section 4). The machine's facts are core's
 * {@code EnvironmentFacts}, the manifest itself core's {@code RunManifest}.
 */
public final class Manifest {

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
