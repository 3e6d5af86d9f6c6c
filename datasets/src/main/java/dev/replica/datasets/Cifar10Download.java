package dev.replica.datasets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Fetches the official CIFAR-10 binary archive, checks its md5 and installs the files of
 * {@code cifar-10-batches-bin/} into a folder. Everything happens in a temporary folder beside the
 * target, which is moved into place only when the archive checked out and unpacked safely; on any
 * failure nothing is left behind.
 */
final class Cifar10Download {

    /** The official archive. */
    static final URI OFFICIAL_ARCHIVE = URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");

    /** The md5 of the official archive. */
    static final String OFFICIAL_ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

    /** The archive's folder that holds the files. */
    static final String FOLDER = "cifar-10-batches-bin";

    private static final Logger LOG = LogManager.getLogger(Cifar10Download.class);

    private final URI archive;
    private final String archiveMd5;

    /**
     * Creates a download of an archive.
     *
     * @param archive where the archive is
     * @param archiveMd5 its md5, lower-case hex
     */
    Cifar10Download(URI archive, String archiveMd5) {
        this.archive = archive;
        this.archiveMd5 = archiveMd5;
    }

    /** Why a download did not install the files; the message is meant for the user. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Downloads the archive and installs the required files into {@code root}, which holds none of them.
     *
     * @param root the folder to install into; created when absent
     * @param required the files the archive's folder must contain
     * @throws Failure when anything failed; nothing was installed then
     */
    void install(Path root, List<String> required) throws Failure {
        Path target = root.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new Failure("cannot install into " + target + ", which has no parent folder", null);
        }
        Path created = firstMissing(parent);
        Path temp = null;
        boolean installed = false;
        try {
            Files.createDirectories(parent);
            temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".download-");
            Path file = temp.resolve("archive.tar.gz");
            LOG.info("Downloading CIFAR-10 from {} into {}", archive, target);
            String md5 = fetch(file);
            if (!md5.equals(archiveMd5)) {
                throw new Failure(
                        archive + " gave an archive with md5 " + md5 + ", expected " + archiveMd5
                                + "; refused, nothing was installed",
                        null);
            }
            Path unpacked = temp.resolve(FOLDER);
            Files.createDirectory(unpacked);
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file)), 1 << 16)) {
                TarExtractor.extract(in, FOLDER, unpacked);
                in.transferTo(OutputStream.nullOutputStream()); // reach the gzip trailer: its CRC is checked
            }
            List<String> absent = new ArrayList<>();
            for (String name : required) {
                if (!Files.isRegularFile(unpacked.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    absent.add(name);
                }
            }
            if (!absent.isEmpty()) {
                throw new Failure(
                        "the archive from " + archive + " has no " + String.join(", ", absent) + " in " + FOLDER
                                + "/; nothing was installed",
                        null);
            }
            moveIntoPlace(unpacked, target);
            installed = true;
            LOG.info("Installed CIFAR-10 in {}", target);
        } catch (TarExtractor.TarException e) {
            throw new Failure(e.getMessage() + "; nothing was installed", e);
        } catch (IOException e) {
            throw new Failure(describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while downloading " + archive, e);
        } finally {
            deleteQuietly(temp);
            if (!installed) {
                deleteEmptyFolders(created);
            }
        }
    }

    /** Downloads the archive into {@code file} and returns its md5. */
    private String fetch(Path file) throws IOException, InterruptedException, Failure {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(archive)
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest md5 = Cifar10Files.md5();
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new Failure("HTTP " + response.statusCode() + " from " + archive, null);
            }
            try (InputStream in = new DigestInputStream(body, md5);
                    OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
                in.transferTo(out);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /** Moves the unpacked files into the target: the folder itself when absent, else file by file. */
    private static void moveIntoPlace(Path unpacked, Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + " exists and is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(unpacked)) {
            files = s.sorted().toList();
        }
        List<Path> moved = new ArrayList<>();
        try {
            for (Path f : files) {
                Path destination = target.resolve(f.getFileName().toString());
                if (Files.exists(destination, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // e.g. a readme the user put there: never overwrite
                }
                Files.move(f, destination, StandardCopyOption.ATOMIC_MOVE);
                moved.add(destination);
            }
        } catch (IOException e) {
            for (Path m : moved) {
                Files.deleteIfExists(m);
            }
            throw e;
        }
    }

    private String describe(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 3; t = t.getCause()) {
            String m = t.getMessage();
            String part = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
            if (parts.isEmpty() || !parts.get(parts.size() - 1).contains(part)) {
                parts.add(part);
            }
        }
        return "cannot fetch or unpack " + archive + ": " + String.join(" <- ", parts);
    }

    /** The topmost folder of {@code path} that does not exist yet, or {@code null}. */
    private static Path firstMissing(Path path) {
        Path missing = null;
        for (Path p = path; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    private static void deleteQuietly(Path folder) {
        if (folder == null || !Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete the temporary folder {}: {}", folder, e.toString());
        }
    }

    /** Deletes folders this download created, if they hold nothing. */
    private static void deleteEmptyFolders(Path created) {
        if (created == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(created)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> children = Files.list(p)) {
                        if (children.findAny().isEmpty()) {
                            Files.delete(p);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("could not delete the folders {} made for the download: {}", created, e.toString());
        }
    }
}
