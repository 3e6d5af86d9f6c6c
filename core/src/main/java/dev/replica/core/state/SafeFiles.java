package dev.replica.core.state;

import dev.replica.api.UserException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The checks every write into a run, sweep or export folder and every read of a file a user names go
 * through: a write never follows a symbolic link planted in the folder nor leaves it, and a read takes
 * only a regular file of a bounded size, so a link, a device or a FIFO gets a message, not a write
 * elsewhere, a hang or an out-of-memory error.
 */
public final class SafeFiles {

    /**
     * Returns the most array data Replica reads from one file: half the Java heap, at most 4 GiB, so a
     * file that declares (or inflates to) more gets a message instead of running out of memory.
     *
     * @return the bound in bytes
     */
    public static long dataLimit() {
        return Math.min(4L << 30, Runtime.getRuntime().maxMemory() / 2);
    }

    /** The largest text file (an experiment file, a manifest, a state file) Replica reads: 16 MiB. */
    public static final long TEXT_LIMIT = 16L << 20;

    private SafeFiles() {}

    /**
     * Refuses a path that is a symbolic link: a write through it would land wherever it points.
     *
     * @param path the file or folder to write
     * @throws UserException when it is a link
     */
    public static void refuseLink(Path path) {
        if (Files.isSymbolicLink(path)) {
            throw new UserException(path + " is a symbolic link; Replica does not write through links in a run "
                    + "folder (it could land anywhere): remove the link and try again");
        }
    }

    /**
     * Refuses a folder with a symbolic link, FIFO, device or socket anywhere in it: Replica makes none, so
     * one is planted, and writing or reading through it would land outside the folder or hang. Entries
     * that vanish during the walk (a writer's rename) are passed over.
     *
     * @param folder the folder, e.g. a run folder; itself may be a link the user gave
     * @param what what the folder is, for the message, e.g. {@code run folder}
     * @throws UserException naming the first such entry
     */
    public static void refuseLinksIn(Path folder, String what) {
        try {
            Path real = folder.toRealPath();
            Files.walkFileTree(real, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                    Path shown = folder.resolve(real.relativize(file).toString());
                    if (a.isSymbolicLink()) {
                        throw new UserException(
                                shown + " is a symbolic link; a " + what + " holds none, so Replica does not read or "
                                        + "write through it: remove the link and try again");
                    }
                    if (!a.isRegularFile() && !a.isDirectory()) {
                        throw new UserException(shown + " is a FIFO, device or socket; a " + what + " holds only "
                                + "files and folders: remove it and try again");
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UserException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a name that is not one plain file or folder name: empty, {@code .}, {@code ..}, a path
     * separator or a control character would put a file outside its folder or confuse a reader.
     *
     * @param name the name, e.g. a model label turned into a file name
     * @return the name
     * @throws UserException when it is not a plain name
     */
    public static String plainName(String name) {
        boolean plain = !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.length() <= 255;
        for (int i = 0; plain && i < name.length(); i++) {
            char c = name.charAt(i);
            plain = c != '/' && c != '\\' && c >= 0x20 && c != 0x7f;
        }
        if (!plain) {
            throw new UserException("'" + printable(name) + "' is not a plain file name; allowed: one name of up "
                    + "to 255 characters without '/', '\\', control characters, '.' or '..'");
        }
        return name;
    }

    /**
     * Returns a file directly in a folder, its name checked to be plain.
     *
     * @param folder the folder
     * @param name the file's name
     * @return {@code folder/name}
     */
    public static Path fileIn(Path folder, String name) {
        return folder.resolve(plainName(name));
    }

    /**
     * Returns a folder inside a root, creating what is missing: each name is plain and no step on the
     * way (the root's own entries included) is a symbolic link.
     *
     * @param root the folder it must stay in, e.g. a run folder
     * @param names the folders below it, e.g. {@code eval}
     * @return the folder
     * @throws IOException when a folder cannot be created
     * @throws UserException when a step is a link or not a folder
     */
    public static Path folderIn(Path root, String... names) throws IOException {
        Path at = root;
        for (String name : names) {
            at = fileIn(at, name);
            refuseLink(at);
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(at);
                } catch (FileAlreadyExistsException e) {
                    // Another task of a sweep made it between the look and the make: fine if a real folder.
                    refuseLink(at);
                }
            }
            if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                throw new UserException(at + " is not a folder; Replica writes its files into a folder of that "
                        + "name: move it away and try again");
            }
        }
        return at;
    }

    /**
     * Reads a file the user named, refusing anything but a regular file of at most {@code limit} bytes;
     * the size is checked before the bytes are read, and the read stops at the limit whatever the size said.
     *
     * @param file the file
     * @param limit the largest size allowed, in bytes
     * @param what what the file is, for the message, e.g. {@code experiment file}
     * @return the bytes
     * @throws IOException when reading fails
     * @throws UserException when it is missing, not a regular file or too large
     */
    public static byte[] readBounded(Path file, long limit, String what) throws IOException {
        requireRegularFile(file, what);
        long size = Files.size(file);
        if (size > limit) {
            throw tooLarge(file, what, size, limit);
        }
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ)) {
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > limit) {
                throw tooLarge(file, what, bytes.length, limit);
            }
            return bytes;
        }
    }

    /**
     * Reads a text file the user named as UTF-8, with the checks of {@link #readBounded}.
     *
     * @param file the file
     * @param what what the file is, for the message
     * @return the text
     * @throws IOException when reading fails
     */
    public static String readText(Path file, String what) throws IOException {
        return new String(readBounded(file, TEXT_LIMIT, what), StandardCharsets.UTF_8);
    }

    /**
     * Refuses a path that is not a regular file (a folder, a FIFO, a device): reading those hangs or
     * never ends.
     *
     * @param file the file, links followed (a user may link an experiment file)
     * @param what what the file is, for the message
     * @throws IOException when its attributes cannot be read
     */
    public static void requireRegularFile(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new UserException(file + ": no such " + what);
        }
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new UserException(file + " is not a regular file (it is "
                    + (a.isDirectory() ? "a folder" : "a device, FIFO or socket") + "); give the " + what
                    + " as a plain file");
        }
    }

    /**
     * Refuses a path that is not a folder: a device or FIFO given where a folder belongs.
     *
     * @param folder the path
     * @param what what the folder is, for the message, e.g. {@code data root}
     * @throws UserException when it is missing or not a folder
     */
    public static void requireFolder(Path folder, String what) {
        if (!Files.isDirectory(folder)) {
            throw new UserException(folder + " is not a folder"
                    + (Files.exists(folder) ? " (it is a file, device or FIFO)" : " (it does not exist)")
                    + "; give the " + what + " as a folder");
        }
    }

    private static UserException tooLarge(Path file, String what, long size, long limit) {
        return new UserException(file + " is " + size + " bytes, more than Replica reads as " + an(what) + " (" + limit
                + " bytes); give the " + what + " itself, not a larger file");
    }

    private static String an(String what) {
        return ("aeiou".indexOf(what.charAt(0)) >= 0 ? "an " : "a ") + what;
    }

    /**
     * Returns the SHA-256 of a file's bytes, read in blocks.
     *
     * @param file the file
     * @return the hex digest
     * @throws IOException when reading fails
     */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Returns text from a file as it can be shown: control characters (a newline, an escape sequence for
     * the terminal) are written as {@code \\uXXXX}.
     *
     * @param text the text
     * @return the printable text
     */
    public static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Writes a file's bytes. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the content.
         *
         * @param out where to write, buffered
         * @throws IOException when writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes a file through a temporary sibling and a rename, so readers never see half a file.
     *
     * @param file the file
     * @param text the content
     * @throws IOException when writing fails
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeAtomically(file, out -> out.write(bytes));
    }

    /**
     * Writes a file through a temporary sibling, forced to disk, and a rename: readers never see half a
     * file, and a crash leaves the old file or the new one.
     *
     * @param file the file
     * @param content writes the bytes
     * @throws IOException when writing fails; the file is then as it was
     */
    public static void writeAtomically(Path file, Content content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        // A link planted as the file, its folder or its temporary sibling would send the bytes elsewhere.
        refuseLink(file);
        refuseLink(file.toAbsolutePath().getParent());
        refuseLink(tmp);
        Files.deleteIfExists(tmp); // a crash's leftover, never a link (refused above)
        try (FileChannel channel = FileChannel.open(
                        tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
            content.writeTo(out);
            out.flush();
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncFolder(file.toAbsolutePath().getParent());
    }

    /**
     * Deletes a file or a folder with everything in it; nothing when it does not exist.
     *
     * @param path the file or folder
     * @throws IOException when something cannot be deleted
     */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /**
     * Forces a folder's entries to disk, so a rename in it survives a crash of the machine, not only of
     * the process. Where the platform cannot open a folder for this, it does nothing.
     *
     * @param folder the folder
     */
    public static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every file system lets a folder be opened; the rename is still atomic.
        }
    }
}
