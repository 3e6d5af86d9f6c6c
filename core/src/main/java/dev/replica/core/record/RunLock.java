package dev.replica.core.record;

import dev.replica.api.UserException;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A run folder's lock: the operating system's lock on {@code <run>/.lock}. A command that writes into a
 * folder ({@code run}, {@code run --resume}, {@code report}, {@code eval}, {@code export}) holds it
 * exclusively; one that only reads it ({@code reproduce}, {@code predict}, {@code diff}) holds it
 * shared. The operating system releases it when the process ends, however it ends, so a lock left by a
 * process killed with SIGKILL is taken over: the file still names that process, and the next holder says
 * it took the lock over.
 */
public final class RunLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;
    private final boolean exclusive;
    private final String previous;
    private final Path key;
    private boolean closed;

    private RunLock(FileChannel channel, FileLock lock, boolean exclusive, String previous, Path key) {
        this.channel = channel;
        this.lock = lock;
        this.exclusive = exclusive;
        this.previous = previous;
        this.key = key;
    }

    /**
     * Locks a run folder for a command that writes into it.
     *
     * @param folder the run folder
     * @param command what holds it, e.g. {@code run}, for the message another process gets
     * @return the lock; close it when done
     * @throws UserException when another process (or this one) holds the folder, naming it
     */
    public static RunLock exclusive(Path folder, String command) {
        return acquire(folder, command, true);
    }

    /**
     * Locks a run folder for a command that only reads it: others may read too, none may write.
     *
     * @param folder the run folder
     * @param command what holds it
     * @return the lock; close it when done
     * @throws UserException when a process writes into the folder, naming it
     */
    public static RunLock shared(Path folder, String command) {
        return acquire(folder, command, false);
    }

    /** The run folders this JVM holds: a second channel on one would release the first's lock when closed. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private static RunLock acquire(Path folder, String command, boolean exclusive) {
        Path file = folder.resolve(RunFolder.LOCK);
        Path key = canonical(folder);
        if (!HELD.add(key)) {
            throw new UserException("the run folder " + folder + " is in use by process "
                    + ProcessHandle.current().pid() + ", this very process; wait for it to finish");
        }
        FileChannel channel;
        try {
            // Before anything is opened: a planted .lock link would be truncated and written through, a
            // FIFO would hang the open, and links elsewhere would take the command's files out of the folder.
            if (Files.isDirectory(folder)) {
                SafeFiles.refuseLinksIn(folder, "run folder");
            }
            channel = open(file, exclusive);
        } catch (IOException | UserException e) {
            HELD.remove(key);
            if (e instanceof UserException u) {
                throw u;
            }
            throw new UserException(
                    "cannot lock the run folder " + folder + " (" + file + ": " + reason((IOException) e) + ")", e);
        }
        if (channel == null) {
            // A reader on a read-only folder: no writer can be there either.
            return new RunLock(null, null, false, null, key);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock(0, Long.MAX_VALUE, !exclusive);
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = read(channel).orElse("another process");
                channel.close();
                HELD.remove(key);
                throw new UserException("the run folder " + folder + " is in use by " + holder
                        + "; wait for it to finish, or stop it (Ctrl-C stops a run at its next step)");
            }
            String previous = null;
            if (exclusive) {
                previous = read(channel).orElse(null);
                String me = "process " + ProcessHandle.current().pid() + " (replica " + command + ", since "
                        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ")";
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(true);
            }
            return new RunLock(channel, lock, exclusive, previous, key);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock goes with the channel
            }
            HELD.remove(key);
            throw new UserException("cannot lock the run folder " + folder + " (" + file + ": " + reason(e) + ")", e);
        }
    }

    private static final Set<OpenOption> CREATE_READ_WRITE = Set.of(
            StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    /** Writers open the lock file to write; readers to read, creating it only where they can. */
    private static FileChannel open(Path file, boolean exclusive) throws IOException {
        if (exclusive) {
            return FileChannel.open(file, CREATE_READ_WRITE);
        }
        try {
            return FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            try {
                return FileChannel.open(file, CREATE_READ_WRITE);
            } catch (IOException readOnly) {
                return null;
            }
        }
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null
                ? f.getReason()
                : String.valueOf(e.getMessage());
    }

    private static Path canonical(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder.toAbsolutePath().normalize();
        }
    }

    /**
     * Returns whether a process seems to hold a run folder, without taking a lock: the lock file names a
     * holder (writers name themselves and empty it when done) and that holder's lock is still there. Status
     * displays use it, so they never make a starting run find its folder locked.
     *
     * @param folder the run folder
     * @return true when a writer holds it
     */
    public static boolean heldByWriter(Path folder) {
        Path file = folder.resolve(RunFolder.LOCK);
        try {
            if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        try (RunLock probe = shared(folder, "status")) {
            return false;
        } catch (UserException e) {
            return true;
        }
    }

    /**
     * Returns what held the lock before, when that process ended without releasing it (SIGKILL, a power
     * cut): the lock was taken over.
     *
     * @return e.g. {@code process 1234 (replica run, since ...)}, or empty after a clean release
     */
    public Optional<String> takenOverFrom() {
        return Optional.ofNullable(previous);
    }

    private static Optional<String> read(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0 || size > 4096) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        channel.read(b, 0);
        String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** Releases the lock; a writer's lock file is emptied first, so no one mistakes it for a stale one. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (channel != null) {
                if (exclusive) {
                    channel.truncate(0);
                    channel.force(true);
                }
                lock.release();
            }
        } catch (IOException e) {
            // the lock goes with the channel
        } finally {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // nothing left to release
            } finally {
                HELD.remove(key);
            }
        }
    }
}
