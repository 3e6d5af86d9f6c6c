package dev.replica.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.replica.api.UserException;
import dev.replica.core.config.ExperimentException;
import dev.replica.core.record.RunFolder;
import dev.replica.core.training.NonFiniteLossException;
import dev.replica.core.training.ProgressListener;
import dev.replica.core.training.StopRequest;
import dev.replica.core.training.TrainingStoppedException;
import dev.replica.core.training.WriteFailedException;
import dev.replica.runner.Environment;
import dev.replica.runner.ExperimentRunner;
import dev.replica.runner.RunAssembly;
import dev.replica.runner.RunLifecycle;
import dev.replica.runner.RunnerModule;
import dev.replica.runner.config.Experiment;
import dev.replica.runner.config.ExperimentLoader;
import dev.replica.runner.config.ExperimentWriter;
import dev.replica.runner.plugin.PluginRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code replica} command line. User errors (bad files, missing data) print one message and exit
 * with status 2, without a stack trace; anything else is a bug and shows one (status 1).
 */
@Command(
        name = "replica",
        mixinStandardHelpOptions = true,
        // Every subcommand inherits -h/--help (and -V/--version), and help skips its required parameters.
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = ReplicaCli.Version.class,
        description = "Seeded, deterministic deep-learning experiments on DJL (PyTorch or MXNet).",
        subcommands = {
            ReplicaCli.Run.class,
            ReplicaCli.Validate.class,
            ListCommand.class,
            DescribeCommand.class,
            ReportCommand.class,
            DiffCommand.class,
            ReproduceCommand.class,
            CheckCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            ExportCommand.class,
            SweepCommand.class,
            DoctorCommand.class,
            BenchCommand.class,
            BenchCommand.Worker.class
        })
public final class ReplicaCli {

    /** Exit status of a user error. */
    public static final int USER_ERROR = 2;

    /** Exit status when training stopped at a NaN or infinite loss. */
    public static final int NON_FINITE_LOSS = 5;

    /** Exit status when a file could not be written (a full disk, a read-only folder); what was written is kept. */
    public static final int WRITE_FAILED = 7;

    @Option(
            names = "--plugins",
            paramLabel = "DIR",
            scope = CommandLine.ScopeType.INHERIT,
            description = "a folder of plugin jars to load besides the built-in ones (also $REPLICA_PLUGINS)")
    Path plugins;

    private final Map<String, String> env;
    private final PrintStream out;
    private final UnaryOperator<ProgressListener> progress;

    ReplicaCli(Map<String, String> env, PrintStream out, UnaryOperator<ProgressListener> progress) {
        this.env = env;
        this.out = out;
        this.progress = progress;
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(execute(args, System.getenv(), System.out, System.err));
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @param env the environment variables to use
     * @param out standard output
     * @param err standard error
     * @return the exit status
     */
    public static int execute(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return execute(args, env, out, err, UnaryOperator.identity());
    }

    /**
     * Runs a command line with the training progress display wrapped, a seam for tests (e.g. to pause
     * a run at a known point and kill it).
     *
     * @param args the command line
     * @param env the environment variables
     * @param out standard output
     * @param err standard error
     * @param progress wraps the progress display of {@code run}
     * @return the exit status
     */
    public static int execute(
            String[] args,
            Map<String, String> env,
            PrintStream out,
            PrintStream err,
            UnaryOperator<ProgressListener> progress) {
        CommandLine cli = new CommandLine(new ReplicaCli(env, out, progress));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ExperimentException) {
                err.print(e.getMessage().endsWith("\n") ? e.getMessage() : e.getMessage() + "\n");
                return USER_ERROR;
            }
            if (e instanceof NonFiniteLossException) {
                err.println("replica: " + e.getMessage());
                return NON_FINITE_LOSS;
            }
            if (e instanceof WriteFailedException) {
                err.println("replica: " + e.getMessage());
                return WRITE_FAILED;
            }
            if (e instanceof UserException) {
                err.println("replica: " + e.getMessage());
                return USER_ERROR;
            }
            if (e instanceof IOException || e instanceof UncheckedIOException) {
                Throwable io = e instanceof UncheckedIOException ? e.getCause() : e;
                err.println("replica: " + io + "; files of a run are replaced only once complete, so what was "
                        + "written before is intact");
                return WRITE_FAILED;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /**
     * Returns the environment variables the command runs with.
     *
     * @return the variables
     */
    Map<String, String> env() {
        return env;
    }

    /**
     * Returns standard output.
     *
     * @return the stream commands print to
     */
    PrintStream out() {
        return out;
    }

    /** The folder of plugin jars: --plugins, else $REPLICA_PLUGINS, else none. */
    Path pluginsFolder() {
        Path dir = plugins;
        if (dir == null
                && env.get("REPLICA_PLUGINS") != null
                && !env.get("REPLICA_PLUGINS").isBlank()) {
            dir = Path.of(env.get("REPLICA_PLUGINS"));
        }
        return dir;
    }

    /** The registry over the built-in plugins and any plugins folder. */
    PluginRegistry registry() {
        Path dir = pluginsFolder();
        ClassLoader loader = ReplicaCli.class.getClassLoader();
        if (dir != null) {
            loader = pluginLoader(dir, loader);
        }
        return PluginRegistry.discover(loader);
    }

    private static ClassLoader pluginLoader(Path dir, ClassLoader parent) {
        if (!Files.isDirectory(dir)) {
            throw new UserException("plugins folder " + dir + " does not exist or is not a folder");
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path jar :
                    files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                requireJar(jar);
                jars.add(jar.toUri().toURL());
            }
        } catch (IOException e) {
            throw new UserException("cannot read plugins folder " + dir + ": " + e.getMessage(), e);
        }
        return new URLClassLoader("replica-plugins", jars.toArray(new URL[0]), parent);
    }

    /**
     * Refuses a plugin jar that is not a zip archive (or not a file): the class loader would skip it in
     * silence, and the plugins it was meant to bring would be reported unknown.
     */
    private static void requireJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new UserException("plugin jar " + jar + " is not a regular file; allowed in a plugins folder: "
                    + "jar files (zip archives)");
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.size();
        } catch (IOException e) {
            throw new UserException(
                    "plugin jar " + jar + " is not a jar (" + e.getMessage() + "); allowed in a "
                            + "plugins folder: jar files (zip archives); rebuild it, or remove it from the folder",
                    e);
        }
    }

    Injector injector(PluginRegistry registry) {
        return injector(registry, Environment.from(env));
    }

    Injector injector(PluginRegistry registry, Environment environment) {
        return Guice.createInjector(new RunnerModule(registry, environment));
    }

    /** {@code replica run}. */
    @Command(name = "run", description = "Run an experiment file; or continue a stopped run with --resume.")
    static final class Run implements Callable<Integer> {
        @CommandLine.ParentCommand
        ReplicaCli parent;

        @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "the experiment file (YAML)")
        Path file;

        @CommandLine.Mixin
        FileOptionsMixin options;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                defaultValue = "runs",
                description = "where run folders go (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--resume", paramLabel = "RUN_DIR", description = "continue the run in this folder")
        Path resume;

        @Option(
                names = "--seeds",
                split = ",",
                paramLabel = "N,N,...",
                description = "run every model once per seed, e.g. --seeds 0,1,2 (overrides seed or seeds of the file)")
        List<String> seeds;

        @Override
        public Integer call() throws IOException {
            PluginRegistry registry = parent.registry();
            Injector injector = parent.injector(registry);
            ExperimentLoader loader = new ExperimentLoader(registry);
            RunFolder folder;
            Experiment experiment;
            if (resume != null) {
                folder = RunFolder.existing(resume);
                Path saved = folder.path().resolve(RunFolder.EXPERIMENT);
                experiment = loader.loadRecorded(saved, List.of());
                if (file != null) {
                    Experiment given = loader.load(file, overrides());
                    if (!ExperimentWriter.toYaml(given).equals(ExperimentWriter.toYaml(experiment))) {
                        throw new UserException(file + " (with its --set overrides) resolves to a different "
                                + "experiment than " + saved + "; resume without FILE, or start a new run");
                    }
                } else if (!options.overrides.isEmpty()) {
                    throw new UserException("--set cannot change a run being resumed; start a new run instead");
                } else if (seeds != null) {
                    throw new UserException("--seeds cannot change a run being resumed; start a new run instead");
                }
                parent.out.println("Resuming " + folder.path());
            } else {
                if (file == null) {
                    throw new UserException("run needs an experiment FILE, or --resume RUN_DIR");
                }
                experiment = loader.load(file, overrides());
                folder = experiment.startFolder(out);
                parent.out.println("Run folder " + folder.path());
            }
            return train(
                    parent,
                    injector.getInstance(ExperimentRunner.class),
                    experiment,
                    folder,
                    resume == null ? "run" : "run --resume",
                    resume == null,
                    finished -> {
                        parent.out.println();
                        parent.out.print(
                                experiment.seeds().size() > 1
                                        ? Files.readString(
                                                folder.path().resolve(RunFolder.SUMMARY_MD), StandardCharsets.UTF_8)
                                        : finished.outcome().table().markdown());
                        parent.out.println();
                        parent.out.println("Report " + finished.report().html() + " (and report.md, plots/)");
                        parent.out.println("Wrote " + folder.path());
                        return 0;
                    });
        }

        /** What a command does once its experiment trained to the end and its report is written. */
        interface Finish {
            int accept(RunLifecycle.Finished finished) throws IOException;
        }

        /**
         * Trains an experiment into its run folder through the one {@link RunLifecycle}, for {@code run},
         * {@code run --resume} and {@code reproduce}, and says what happened on the console: Ctrl-C or
         * SIGTERM stops at the next step with a checkpoint and says how to resume (exit 130 or 143); a full
         * disk says how to go on.
         *
         * @param parent the command line
         * @param runner the runner
         * @param experiment the experiment
         * @param folder its run folder
         * @param holder the command, as the lock names it
         * @param started whether the folder was just started (and may go again)
         * @param finish what to do after the last epoch
         * @return the exit status
         */
        static int train(
                ReplicaCli parent,
                ExperimentRunner runner,
                Experiment experiment,
                RunFolder folder,
                String holder,
                boolean started,
                Finish finish)
                throws IOException {
            StopRequest stop = new StopRequest();
            RunLifecycle.Events events = new RunLifecycle.Events() {
                @Override
                public void tookOverLock(String previous) {
                    parent.out.println("Took over the lock of " + previous + ", which ended without releasing it");
                }

                @Override
                public void removedUnstarted(Path path) {
                    parent.out.println("Removed " + path + ": the run stopped before it trained anything");
                }
            };
            try (StopOnSignal signals = StopOnSignal.install(stop, parent.out)) {
                return finish.accept(new RunLifecycle(runner)
                        .train(experiment, folder, holder, started, progress(parent, experiment), stop, events));
            } catch (WriteFailedException e) {
                parent.out.println("Free space (or make the folder writable), then resume with: replica run --resume "
                        + folder.path());
                throw e;
            } catch (TrainingStoppedException e) {
                parent.out.println();
                parent.out.println("Stopped: " + e.getMessage() + ".");
                parent.out.println("Resume with: replica run --resume " + folder.path());
                return StopOnSignal.exitStatus(stop.reason());
            }
        }

        /** The file's overrides: every --set in order, then --seeds. */
        private List<String> overrides() {
            List<String> all = new ArrayList<>(options.overrides);
            if (seeds != null) {
                // As an override, so each seed is checked and reported as the file's seeds are.
                all.add("seeds=[" + String.join(", ", seeds) + "]");
            }
            return all;
        }

        /**
         * The progress display: bars on a terminal, plain periodic lines elsewhere (CI logs, files).
         *
         * @param parent the command line
         * @param experiment the experiment to be run
         * @return the listener
         */
        static ProgressListener progress(ReplicaCli parent, Experiment experiment) {
            int batch = experiment.training().batchSize();
            boolean terminal = System.console() != null && parent.out == System.out;
            ProgressListener shown =
                    terminal ? new TerminalProgress(parent.out, batch) : new ConsoleProgress(parent.out, batch);
            return parent.progress.apply(shown);
        }
    }

    /** The {@code --set} option as a mixin. */
    static final class FileOptionsMixin {
        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "override a key of the file, e.g. --set training.epochs=2 (repeatable)")
        List<String> overrides = new ArrayList<>();
    }

    /** {@code replica validate}. */
    @Command(name = "validate", description = "Check an experiment file and print it resolved.")
    static final class Validate implements Callable<Integer> {
        @CommandLine.ParentCommand
        ReplicaCli parent;

        @Parameters(index = "0", paramLabel = "FILE", description = "the experiment file (YAML)")
        Path file;

        @CommandLine.Mixin
        FileOptionsMixin options;

        @Override
        public Integer call() {
            Experiment experiment = new ExperimentLoader(parent.registry()).load(file, options.overrides);
            parent.out.print(ExperimentWriter.toYaml(experiment));
            return 0;
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"replica " + RunAssembly.replicaVersion()};
        }
    }
}
