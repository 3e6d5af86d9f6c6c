package dev.replica.report;

import dev.replica.core.record.RunManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The data folder a run recorded, found again for its reproduction where {@code REPLICA_DATA} is not
 * set: a dataset that recorded its default folder ({@code <name>.root}, i.e. {@code $REPLICA_DATA/<name>})
 * and each file's md5 ({@code <name>.md5.<file>}) is read from there while every file still has its md5.
 */
public final class RecordedData {

    private RecordedData() {}

    /**
     * What the recorded folder holds now.
     *
     * @param dataRoot the data root to use (the recorded folder's parent), empty when the files changed
     * @param message one line that says which folder the data comes from, and why
     */
    public record Found(Optional<Path> dataRoot, String message) {}

    /**
     * Looks in the data folders a run recorded.
     *
     * @param record the run's manifest
     * @return what was found; empty when the run recorded no folder of its own (e.g. generated data)
     */
    public static Optional<Found> look(RunManifest record) {
        Map<Path, Map<String, String>> folders = new TreeMap<>();
        for (RunManifest.DatasetFacts facts : record.datasets().values()) {
            Map<String, String> p = facts.provenance();
            for (Map.Entry<String, String> e : p.entrySet()) {
                String name = e.getKey().endsWith(".root")
                        ? e.getKey().substring(0, e.getKey().length() - ".root".length())
                        : null;
                Path folder = name == null ? null : Path.of(e.getValue());
                if (folder == null
                        || folder.getFileName() == null
                        || !folder.getFileName().toString().equals(name)) {
                    continue; // a folder given in the experiment itself, which is used as it is
                }
                Map<String, String> md5s = folders.computeIfAbsent(folder, f -> new TreeMap<>());
                String prefix = name + ".md5.";
                p.forEach((k, v) -> {
                    if (k.startsWith(prefix)) {
                        md5s.put(k.substring(prefix.length()), v);
                    }
                });
            }
        }
        if (folders.isEmpty()) {
            return Optional.empty();
        }
        List<String> changed = new ArrayList<>();
        folders.forEach((folder, md5s) -> md5s.forEach((file, md5) -> {
            Path f = folder.resolve(file);
            if (!Files.isRegularFile(f)) {
                changed.add(f + " is missing");
            } else if (!md5(f).equals(md5)) {
                changed.add(f + " has another md5 than recorded");
            }
        }));
        String where =
                String.join(", ", folders.keySet().stream().map(Path::toString).toList());
        if (!changed.isEmpty()) {
            return Optional.of(new Found(
                    Optional.empty(),
                    "Data: not from " + where + ", the folder the run recorded: " + String.join("; ", changed)
                            + "; looking where a run looks ($REPLICA_DATA is not set)"));
        }
        Path root = folders.keySet().iterator().next().getParent();
        if (folders.size() > 1 || root == null) {
            return Optional.empty();
        }
        return Optional.of(new Found(
                Optional.of(root),
                "Data: " + where + ", the folder the run recorded (every file's md5 as recorded; set REPLICA_DATA "
                        + "to use another)"));
    }

    private static String md5(Path file) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md5.digest());
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has MD5", e);
        }
    }
}
