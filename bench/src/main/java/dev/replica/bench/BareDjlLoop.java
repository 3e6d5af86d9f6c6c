package dev.replica.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.replica.api.Batch;
import dev.replica.api.EngineSession;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's baseline: a training loop written plainly against DJL, with no Replica code on the
 * step path. The same block, the same batches (made before the clock starts) and PyTorch's SGD rule in
 * the same operations as Replica's {@code sgd}, so the two loops compute the same bits and differ only
 * in what the loop costs. The losses stay on the engine and are read once, at the end of a round.
 */
final class BareDjlLoop implements AutoCloseable {

    private final Engine engine;
    private final EngineSession session;
    private final NDManager manager;
    private final Block block;
    private final AtomicLong step;
    private final int classes;
    private final float lr;
    private final float momentum;
    private final float weightDecay;
    private final List<NDArray> weights = new ArrayList<>();
    private final NDArray[] buffers;
    private final NDList losses = new NDList();

    /**
     * Creates the loop over an initialised block.
     *
     * @param session the engine, whose memory layout the input takes as Replica's does
     * @param manager the block's manager
     * @param block the model, initialised
     * @param step the step the block's dropout reads; set before each step
     * @param classes the number of classes
     * @param lr the learning rate
     * @param momentum the momentum factor
     * @param weightDecay the L2 factor
     */
    BareDjlLoop(
            EngineSession session,
            NDManager manager,
            Block block,
            AtomicLong step,
            int classes,
            double lr,
            double momentum,
            double weightDecay) {
        this.engine = session.engine();
        this.session = session;
        this.manager = manager;
        this.block = block;
        this.step = step;
        this.classes = classes;
        this.lr = (float) lr;
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                weights.add(p.getValue().getArray());
            }
        }
        this.buffers = new NDArray[weights.size()];
    }

    /**
     * Trains on one batch: forward, cross-entropy, backward, {@code d = g + wd*w; b = m*b + d; w -= lr*b},
     * gradients zeroed.
     *
     * @param globalStep the step, for dropout
     * @param batch the batch
     */
    void step(long globalStep, Batch batch) {
        step.set(globalStep);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int n = batch.size();
            NDArray x = session.inKernelLayout(manager.create(batch.features(), batch.shape()));
            float[] oneHot = new float[n * classes];
            for (int i = 0; i < n; i++) {
                oneHot[i * classes + batch.labels()[i]] = 1f;
            }
            NDArray target = manager.create(oneHot, new Shape(n, classes));
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray logits = block.forward(new ParameterStore(manager, false), new NDList(x), true)
                        .singletonOrThrow();
                loss = logits.logSoftmax(1).mul(target).sum().neg().div((float) n);
                collector.backward(loss);
            }
            for (int i = 0; i < buffers.length; i++) {
                NDArray w = weights.get(i);
                NDArray g = w.getGradient();
                if (weightDecay != 0) {
                    g.addi(w.mul(weightDecay));
                }
                if (buffers[i] == null) {
                    buffers[i] = g.duplicate();
                    NDScope.unregister(buffers[i]);
                } else {
                    buffers[i].muli(momentum).addi(g);
                }
                w.subi(buffers[i].mul(lr));
                g.subi(g);
            }
            NDScope.unregister(loss);
            losses.add(loss);
        }
    }

    /**
     * Reads the losses of the steps since the last read, in one transfer.
     *
     * @return one loss per step
     */
    float[] readLosses() {
        if (losses.isEmpty()) {
            return new float[0];
        }
        try (NDArray all = NDArrays.stack(losses)) {
            return all.toFloatArray();
        } finally {
            losses.close();
            losses.clear();
        }
    }

    @Override
    public void close() {
        losses.close();
        for (NDArray b : buffers) {
            if (b != null) {
                b.close();
            }
        }
    }
}
