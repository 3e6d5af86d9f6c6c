package dev.replica.bench;

import com.google.gson.Gson;
import dev.replica.api.params.Params;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The plain PyTorch loop ({@code tools/pytorch/bench_peer.py}) in a Python process of its own, driven a
 * round at a time so that its rounds interleave with the Java loops'.
 */
public final class PythonPeer implements AutoCloseable {

    /**
     * How to start the peer, or why it cannot be.
     *
     * @param python the Python that has torch, or {@code null}
     * @param script the peer script, or {@code null} when it cannot run here
     * @param missing why it cannot run, when {@code script} is {@code null}
     * @param threads the engine threads the peer uses too
     * @param optimizer lr, momentum and weight decay
     * @param cifar10 the CIFAR-10 folder its batches come from, or {@code null} for noise
     */
    public record Command(String python, Path script, String missing, int threads, double[] optimizer, Path cifar10) {

        /**
         * Starts the peer for a model.
         *
         * @param plugin the model plugin's name
         * @param params its resolved params
         * @param batch the batch size
         * @param classes the number of classes
         * @param shape one example's shape, e.g. {@code (3, 32, 32)}
         * @param log where the peer's standard error goes
         * @return the running peer, or {@code null} when it cannot run here
         * @throws IOException when it does not start
         */
        PythonPeer start(String plugin, Params params, int batch, int classes, long[] shape, Path log)
                throws IOException {
            if (script == null) {
                return null;
            }
            List<String> command = new ArrayList<>(List.of(
                    python,
                    script.toString(),
                    "--plugin",
                    plugin,
                    "--params",
                    new Gson().toJson(params.asMap()),
                    "--batch",
                    Integer.toString(batch),
                    "--threads",
                    Integer.toString(threads),
                    "--lr",
                    Double.toString(optimizer[0]),
                    "--momentum",
                    Double.toString(optimizer[1]),
                    "--weight-decay",
                    Double.toString(optimizer[2]),
                    "--classes",
                    Integer.toString(classes),
                    "--shape",
                    Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(","))));
            if (cifar10 != null) {
                command.add("--cifar10");
                command.add(cifar10.toString());
            }
            return new PythonPeer(
                    new ProcessBuilder(command).redirectError(log.toFile()).start(), log);
        }

        /**
         * Finds the peer script beside a checkout and checks that Python has torch.
         *
         * @param home the Replica checkout, where {@code tools/pytorch} is
         * @param threads the engine threads
         * @param optimizer lr, momentum and weight decay
         * @param cifar10 the CIFAR-10 folder, or {@code null}
         * @return the command; {@link #script} is {@code null} with the reason when it cannot run
         */
        public static Command find(Path home, int threads, double[] optimizer, Path cifar10) {
            Path script = home.resolve("tools/pytorch/bench_peer.py");
            if (!Files.isRegularFile(script)) {
                return new Command(
                        null,
                        null,
                        "no " + script + " (run bench from a Replica checkout)",
                        threads,
                        optimizer,
                        cifar10);
            }
            // The first Python with torch: the one on the PATH (a virtualenv's), else the system's.
            for (String python : List.of("python3", "/usr/bin/python3")) {
                if (hasTorch(python)) {
                    return new Command(python, script, null, threads, optimizer, cifar10);
                }
            }
            return new Command(
                    null,
                    null,
                    "no python3 with torch here (on Debian: apt-get install python3-torch)",
                    threads,
                    optimizer,
                    cifar10);
        }

        private static boolean hasTorch(String python) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import torch")
                        .redirectErrorStream(true)
                        .start();
                p.getInputStream().readAllBytes();
                return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private final Process process;
    private final Path log;
    private final BufferedReader out;
    private final PrintWriter in;
    private final String version;

    private PythonPeer(Process process, Path log) throws IOException {
        this.process = process;
        this.log = log;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String ready = expect("ready");
        String[] words = ready.split(" ");
        this.version = "PyTorch " + words[1] + ", " + words[2] + " threads";
    }

    /**
     * Returns the peer's torch version and threads.
     *
     * @return e.g. {@code PyTorch 1.13.0a0, 2 threads}
     */
    String version() {
        return version;
    }

    /**
     * Trains some steps.
     *
     * @param steps how many
     * @return the seconds they took, timed by the peer
     * @throws IOException when the peer failed; the message is its last words
     */
    double train(int steps) throws IOException {
        in.println("steps " + steps);
        return Double.parseDouble(expect("seconds").split(" ")[1]);
    }

    /**
     * Trains some steps under torch's own profiler, which writes its Chrome trace.
     *
     * @param steps how many
     * @param trace where the trace goes, a new file in a folder of the caller's own
     * @return the steps' operators, time and page faults
     * @throws IOException when the peer failed (the message is its last words) or its trace is unreadable
     */
    OperatorProfile profile(int steps, Path trace) throws IOException {
        String path = trace.toAbsolutePath().toString();
        if (path.chars().anyMatch(Character::isISOControl)) {
            throw new IOException("a trace path with a control character cannot be sent to the peer: " + path);
        }
        in.println("profile " + steps + " " + path);
        String[] words = expect("seconds").split(" ");
        if (words.length != 4 || !words[2].equals("faults")) {
            throw new IOException("the PyTorch peer answered '" + String.join(" ", words) + "' to profile");
        }
        return OperatorProfile.read(trace, steps, Double.parseDouble(words[1]), Long.parseLong(words[3]));
    }

    private String expect(String word) throws IOException {
        String line = out.readLine();
        if (line == null || !line.startsWith(word + " ")) {
            List<String> said = Files.isRegularFile(log)
                    ? Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                            .filter(l -> !l.isBlank())
                            .toList()
                    : List.of();
            throw new IOException("the PyTorch peer failed: "
                    + (said.isEmpty()
                            ? line == null ? "it ended" : "it said '" + line + "'"
                            : said.get(said.size() - 1))
                    + " (its log: " + log + ")");
        }
        return line;
    }

    @Override
    public void close() {
        in.println("quit");
        in.close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
