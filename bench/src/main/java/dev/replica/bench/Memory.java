package dev.replica.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's memory as Linux reports it: its peak resident size, its page faults. */
final class Memory {

    private Memory() {}

    /**
     * Returns the peak resident set size of this process so far ({@code VmHWM}), or -1 where the
     * system does not report it.
     *
     * @return bytes
     */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Returns this process's minor page faults so far ({@code minflt} of {@code /proc/self/stat}): its first
     * touches of memory pages.
     *
     * @return the count, or -1 where the system does not report it
     */
    static long minorPageFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            // After the command's closing parenthesis: state, ppid, pgrp, session, tty, tpgid, flags, minflt.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
