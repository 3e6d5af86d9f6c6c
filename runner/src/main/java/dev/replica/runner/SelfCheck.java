package dev.replica.runner;

import dev.replica.api.EngineSession;
import dev.replica.api.UserException;
import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.EngineFacts;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.core.training.ModelTrainer;
import dev.replica.runner.config.PluginUse;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A run checking itself against its determinism probe: each model's first steps in this process must
 * give the bits that the probe's two processes gave. A fault that the probe missed shows up here anyway;
 * then the verdict is withdrawn (the next process tries the next instruction set), and under {@code
 * determinism: strict} the run stops with what to do. The manifest records, per model, what was shown.
 */
final class SelfCheck {

    private static final Logger LOG = LogManager.getLogger(SelfCheck.class);

    private static final String KEY = EngineFacts.SELF_CHECK;

    private final EngineSession session;
    private final boolean strict;
    private final SortedMap<String, String> facts = new TreeMap<>();

    SelfCheck(EngineSession session, PluginUse engine) {
        this.session = session;
        this.strict = "strict".equals(engine.params().getString("determinism"));
    }

    /**
     * Compares the model's first steps with the probe's, when the probe traced them.
     *
     * @param trainer the model, about to train from step 0
     */
    void watch(ModelTrainer trainer) {
        String label = trainer.label();
        DeterminismVerdict verdict = session.determinism();
        ProbeTrace expected = verdict.expected(label);
        if (expected == null) {
            facts.put(
                    KEY + label,
                    "not checked: the probe did not prove this model with "
                            + verdict.used().word());
            return;
        }
        trainer.traceFirstSteps(expected.steps(), got -> compare(label, expected, got, verdict));
    }

    /**
     * Records that a model was not checked, and why.
     *
     * @param label the model
     * @param why the reason
     */
    void skip(String label, String why) {
        facts.putIfAbsent(KEY + label, "not checked: " + why);
    }

    private void compare(String label, ProbeTrace expected, ProbeTrace got, DeterminismVerdict verdict) {
        String difference = expected.firstDifference(got);
        if (difference == null) {
            facts.put(
                    KEY + label,
                    "the first " + got.steps() + " steps gave the probe's bits (" + got.fingerprint() + ")");
            LOG.info("Determinism: {}'s first {} steps gave the probe's bits", label, got.steps());
            return;
        }
        String why = "this run's " + difference + " differed from the probe's two processes";
        session.withdrawVerdict(why);
        facts.put(KEY + label, "FAILED: " + why);
        if (strict) {
            throw new UserException(verdict.engine() + " with instruction sets "
                    + verdict.used().word()
                    + " is not bit-identical here after all: " + why + ". The verdict was withdrawn, so the next "
                    + "run probes the next instruction set: run the command again (or set engine.isa, e.g. avx2); "
                    + "engine.determinism: relaxed runs anyway and records that the run is not bit-reproducible");
        }
        LOG.warn("Determinism: {}; engine.determinism is relaxed, so this goes on and the manifest says so", why);
    }

    /**
     * Returns what was shown so far, for the manifest's engine facts.
     *
     * @return the facts, by key
     */
    SortedMap<String, String> facts() {
        return new TreeMap<>(facts);
    }
}
