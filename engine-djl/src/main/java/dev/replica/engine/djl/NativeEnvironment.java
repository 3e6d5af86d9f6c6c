package dev.replica.engine.djl;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.replica.api.UserException;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The process's native environment: the variables that native libraries read with {@code getenv}.
 * Java's {@code System.getenv()} is a copy taken at start; the natives read the real one, so an engine
 * sets what it needs here, through the C library, before its native library loads and reads it. That
 * holds however the JVM was started: by the launcher, by a test runner or by a library user.
 *
 * <p>Settings are process-wide: once an engine has loaded with some, a later request for other values
 * fails with a message instead of being silently ignored by a library that already read them.
 */
public final class NativeEnvironment {

    private interface CLibrary extends Library {
        int setenv(String name, String value, int overwrite);

        int unsetenv(String name);

        String getenv(String name);

        int dup(int fd);

        int dup2(int from, int to);

        int open(String path, int flags);

        int close(int fd);
    }

    private static final int STDERR = 2;
    private static final int O_WRONLY = 1;

    private static final Object LOCK = new Object();
    private static CLibrary libc;
    /** The settings each engine loaded with in this process, by engine name. */
    private static final Map<String, SortedMap<String, String>> LOADED = new TreeMap<>();

    private NativeEnvironment() {}

    /**
     * Applies an engine's settings before it loads; a variable mapped to {@code null} is removed. When the
     * engine already loaded in this process, the settings must be the ones it loaded with.
     *
     * @param engine the engine's name, e.g. {@code pytorch}
     * @param settings variable names and values ({@code null} to unset)
     * @return true the first time, when the engine is about to load; false when it loaded before
     * @throws UserException when the engine already loaded here with other settings
     */
    public static boolean applyBeforeLoad(String engine, SortedMap<String, String> settings) {
        synchronized (LOCK) {
            SortedMap<String, String> before = LOADED.get(engine);
            if (before != null) {
                if (!before.equals(settings)) {
                    throw new UserException("engine '" + engine + "' already loaded in this process with "
                            + describe(before) + "; its native library read them once, so " + describe(settings)
                            + " cannot take effect now. Open it with the same settings, or use a new process "
                            + "(./replica starts one per command)");
                }
                return false;
            }
            for (Map.Entry<String, String> e : settings.entrySet()) {
                set(e.getKey(), e.getValue());
            }
            LOADED.put(engine, new TreeMap<>(settings));
            return true;
        }
    }

    /**
     * Runs an action with the process's standard error (file descriptor 2, where native libraries print)
     * sent to {@code /dev/null}, so that a native warning printed once per process is spent unseen.
     *
     * @param action what to run; it should be short, since Java's {@code System.err} is silenced too
     */
    public static void withNativeStderrSilenced(Runnable action) {
        synchronized (LOCK) {
            System.err.flush();
            int saved = libc().dup(STDERR);
            int devNull = libc().open("/dev/null", O_WRONLY);
            if (saved < 0 || devNull < 0 || libc().dup2(devNull, STDERR) < 0) {
                closeIfOpen(saved);
                closeIfOpen(devNull);
                action.run();
                return;
            }
            try {
                action.run();
            } finally {
                libc().dup2(saved, STDERR);
                libc().close(saved);
                libc().close(devNull);
            }
        }
    }

    private static void closeIfOpen(int fd) {
        if (fd >= 0) {
            libc().close(fd);
        }
    }

    /**
     * Returns the settings an engine loaded with in this process.
     *
     * @param engine the engine's name
     * @return the settings, or {@code null} when it has not loaded here
     */
    public static SortedMap<String, String> loaded(String engine) {
        synchronized (LOCK) {
            SortedMap<String, String> settings = LOADED.get(engine);
            return settings == null ? null : new TreeMap<>(settings);
        }
    }

    /**
     * Forgets an engine whose library failed to load, so that it may be tried again with other settings.
     *
     * @param engine the engine's name
     */
    public static void forget(String engine) {
        synchronized (LOCK) {
            LOADED.remove(engine);
        }
    }

    /**
     * Reads a variable as the native libraries see it.
     *
     * @param name the variable
     * @return its value, or {@code null} when unset
     */
    public static String get(String name) {
        synchronized (LOCK) {
            return libc().getenv(name);
        }
    }

    /**
     * Describes settings for a message, e.g. {@code OMP_NUM_THREADS=2, ONEDNN_MAX_CPU_ISA unset}.
     *
     * @param settings the settings
     * @return the description
     */
    public static String describe(SortedMap<String, String> settings) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (s.length() > 0) {
                s.append(", ");
            }
            s.append(e.getKey()).append(e.getValue() == null ? " unset" : "=" + e.getValue());
        }
        return s.toString();
    }

    private static void set(String name, String value) {
        String current = libc().getenv(name);
        if (Objects.equals(current, value)) {
            return;
        }
        int rc = value == null ? libc().unsetenv(name) : libc().setenv(name, value, 1);
        if (rc != 0) {
            throw new IllegalStateException("could not set " + name + " in the native environment");
        }
    }

    private static CLibrary libc() {
        if (libc == null) {
            try {
                libc = Native.load("c", CLibrary.class);
            } catch (UnsatisfiedLinkError e) {
                throw new UserException(
                        "cannot reach the C library of this system (" + System.getProperty("os.name")
                                + ") to set the engine's native settings before it loads; Replica's engines run on Linux "
                                + "and macOS",
                        e);
            }
        }
        return libc;
    }
}
