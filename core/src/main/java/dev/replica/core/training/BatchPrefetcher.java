package dev.replica.core.training;

import dev.replica.api.Batch;
import dev.replica.api.seed.SeedStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Makes the batch of the next training step on a thread of its own while the engine trains the current
 * one. A batch is a pure function of its step (the epoch's order and augmentation streams, by name), so
 * which thread makes it, and when, changes no bit of it.
 */
final class BatchPrefetcher implements AutoCloseable {

    /**
     * A step's batch and where it lies.
     *
     * @param step the global step, from 0
     * @param epoch its epoch, from 1
     * @param within its step within the epoch, from 0
     * @param batch the examples
     */
    record Planned(long step, int epoch, int within, Batch batch) {}

    private final TrainingSetup setup;
    private final long lastStep;
    private final ExecutorService thread;
    private long pendingStep = -1;
    private Future<Planned> pending;
    private long waitNanos;
    // The last epoch's order, shared by the two threads; computing it is pure, so a race only repeats work.
    private volatile Order order;

    private record Order(int epoch, int[] indices, SeedStream augment) {}

    /**
     * Creates the prefetcher of a model's training.
     *
     * @param setup the run's setup
     * @param label the model's label, for the thread's name
     */
    BatchPrefetcher(TrainingSetup setup, String label) {
        this.setup = setup;
        this.lastStep = (long) setup.training().epochs() * setup.stepsPerEpoch() - 1;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "replica-batches-" + label);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Returns the batch of a step, made ahead when it was the one expected, and starts making the next.
     *
     * @param step the global step
     * @return the step's batch
     */
    Planned take(long step) {
        long t = System.nanoTime();
        Planned planned;
        if (pending != null && pendingStep == step) {
            planned = await(pending);
        } else {
            if (pending != null) {
                pending.cancel(false);
            }
            planned = plan(step);
        }
        waitNanos += System.nanoTime() - t;
        pending = null;
        if (step < lastStep) {
            pendingStep = step + 1;
            pending = thread.submit(() -> plan(step + 1));
        }
        return planned;
    }

    /**
     * Returns how long steps waited for their batches.
     *
     * @return nanoseconds
     */
    long waitNanos() {
        return waitNanos;
    }

    private Planned plan(long step) {
        int perEpoch = setup.stepsPerEpoch();
        int epoch = (int) (step / perEpoch) + 1;
        int within = (int) (step % perEpoch);
        Order o = order;
        if (o == null || o.epoch() != epoch) {
            o = new Order(epoch, setup.order(epoch), setup.augmentation(epoch));
            order = o;
        }
        int[] indices = setup.batchIndices(o.indices(), within);
        return new Planned(step, epoch, within, setup.data().train().batch(indices, o.augment()));
    }

    private static Planned await(Future<Planned> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    // A stop request interrupts nothing here: the batch is needed, and is moments away.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (CancellationException e) {
            throw new IllegalStateException("a batch was cancelled while awaited", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
