package dev.replica.api.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The processor this process runs on, as {@code /proc/cpuinfo} names it: the model and the instruction-set
 * flags. Native kernels choose their code by these flags, so results are comparable only between runs
 * whose flags agree.
 *
 * @param model the model name, e.g. {@code AMD EPYC}, or the architecture where no model is known
 * @param flags the flags, sorted, e.g. {@code avx2 avx512f ...}; empty where unknown
 */
public record CpuInfo(String model, List<String> flags) {

    /**
     * Reads this machine's processor.
     *
     * @return the processor, never {@code null}
     */
    public static CpuInfo current() {
        return parse(readCpuinfo(Path.of("/proc/cpuinfo")), System.getProperty("os.arch"));
    }

    /**
     * Parses the text of {@code /proc/cpuinfo} (the first processor's lines).
     *
     * @param text the file's text, or {@code null} when there is none
     * @param fallbackModel what to call the model when the text names none
     * @return the processor
     */
    static CpuInfo parse(String text, String fallbackModel) {
        String model = null;
        List<String> flags = List.of();
        if (text != null) {
            for (String line : text.split("\n")) {
                String key = line.contains(":")
                        ? line.substring(0, line.indexOf(':')).trim().toLowerCase(Locale.ROOT)
                        : "";
                String value = line.contains(":")
                        ? line.substring(line.indexOf(':') + 1).trim()
                        : "";
                if (model == null && key.equals("model name")) {
                    model = value;
                } else if (flags.isEmpty() && key.equals("flags")) {
                    flags = Arrays.stream(value.split("\\s+"))
                            .filter(f -> !f.isEmpty())
                            .sorted()
                            .toList();
                }
            }
        }
        return new CpuInfo(model == null ? fallbackModel : model, flags);
    }

    /**
     * Returns the flags that name vector instruction sets (SSE, AVX, AVX-512, AMX, FMA, F16C), the ones
     * that decide which kernels the natives run.
     *
     * @return the flags, space-separated
     */
    public String vectorFlags() {
        return flags.stream()
                .filter(f -> f.startsWith("sse")
                        || f.startsWith("ssse")
                        || f.startsWith("avx")
                        || f.startsWith("amx")
                        || f.equals("fma")
                        || f.equals("f16c"))
                .collect(Collectors.joining(" "));
    }

    private static String readCpuinfo(Path file) {
        try {
            return Files.isReadable(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
