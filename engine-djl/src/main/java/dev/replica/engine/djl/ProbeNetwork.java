package dev.replica.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.replica.api.engine.ProbeTrace;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.nn.TorchLayers;
import dev.replica.api.seed.RandomSource;
import dev.replica.api.seed.SeedStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The small network the determinism probe trains: every kind of layer the built-in models use, at
 * channel counts that are and are not multiples of the 16-wide AVX-512 blocks (8, 16, 24, 32): a stem
 * convolution, two residual blocks with strided 3x3 and 1x1 convolutions without bias and BatchNorm, a
 * convolution with bias and max pooling as in VGG, global average pooling and a linear head. Weights and
 * batches come from seed streams, so two processes start from the same bits.
 */
final class ProbeNetwork {

    static final int BATCH = 32;
    static final Shape EXAMPLE = new Shape(3, 32, 32);
    static final int CLASSES = 10;
    static final float LEARNING_RATE = 0.1f;

    private ProbeNetwork() {}

    /**
     * Builds the network; every parameter draws its initial values from {@code seeds}.
     *
     * @param seeds the initialisation streams
     * @param extra a block to insert before the head, or {@code null} (the product; tests inject faults here)
     * @return the network
     */
    static Block build(SeedStream seeds, Block extra) {
        SequentialBlock net = new SequentialBlock()
                .add(TorchLayers.heConv(3, 8, 1, Fan.IN, false, seeds.child("stem")))
                .add(TorchLayers.batchNorm())
                .add(Activation.reluBlock())
                .add(residual(8, 16, seeds.child("res1")))
                .add(residual(16, 24, seeds.child("res2")))
                .add(TorchLayers.defaultConv(3, 32, 1, 24, seeds.child("vgg")))
                .add(TorchLayers.batchNorm())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        if (extra != null) {
            net.add(extra);
        }
        return net.add(Pool.globalAvgPool2dBlock()).add(TorchLayers.linear(CLASSES, 32, seeds.child("fc")));
    }

    private static Block residual(int in, int out, SeedStream seeds) {
        SequentialBlock main = new SequentialBlock()
                .add(TorchLayers.heConv(3, out, 2, Fan.IN, false, seeds.child("conv1")))
                .add(TorchLayers.batchNorm())
                .add(Activation.reluBlock())
                .add(TorchLayers.heConv(3, out, 1, Fan.IN, false, seeds.child("conv2")))
                .add(TorchLayers.batchNorm());
        SequentialBlock shortcut = new SequentialBlock()
                .add(TorchLayers.heConv(1, out, 2, Fan.IN, false, seeds.child("shortcut")))
                .add(TorchLayers.batchNorm());
        return new SequentialBlock()
                .add(new ParallelBlock(
                        list -> new NDList(
                                list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())),
                        List.of(main, shortcut)))
                .add(Activation.reluBlock());
    }

    /**
     * Trains the network with plain SGD on seeded random batches and records what it computed.
     *
     * @param engine the loaded engine
     * @param manager where arrays live
     * @param steps how many steps
     * @param extra makes a block to insert before the head from the training step, or returns {@code null}
     * @return the trace
     */
    static ProbeTrace train(Engine engine, NDManager manager, int steps, Function<LongSupplier, Block> extra) {
        SeedStream seeds = SeedStream.root(20261129L).child("determinism-probe");
        AtomicLong currentStep = new AtomicLong();
        Block block = build(seeds.child("init"), extra.apply(currentStep::get));
        block.initialize(manager, DataType.FLOAT32, new Shape(BATCH).addAll(EXAMPLE));
        List<Pair<String, Parameter>> trainable = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                trainable.add(p);
            }
        }
        ProbeTrace.Recorder trace = new ProbeTrace.Recorder("probe-network");
        for (int step = 0; step < steps; step++) {
            currentStep.set(step);
            RandomSource random = seeds.child("batch").child(step).random();
            float[] x = new float[(int) (BATCH * EXAMPLE.size())];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] oneHot = new float[BATCH * CLASSES];
            for (int i = 0; i < BATCH; i++) {
                oneHot[i * CLASSES + random.nextInt(CLASSES)] = 1f;
            }
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray input = stepManager.create(x, new Shape(BATCH).addAll(EXAMPLE));
                NDArray target = stepManager.create(oneHot, new Shape(BATCH, CLASSES));
                NDArray loss;
                try (GradientCollector collector = engine.newGradientCollector()) {
                    NDArray logits = block.forward(new ParameterStore(stepManager, false), new NDList(input), true)
                            .singletonOrThrow();
                    loss = logits.logSoftmax(1).mul(target).sum().neg().div((float) BATCH);
                    collector.backward(loss);
                }
                float value = loss.getFloat();
                for (Pair<String, Parameter> p : trainable) {
                    NDArray weight = p.getValue().getArray();
                    NDArray gradient = weight.getGradient();
                    trace.gradient(p.getKey(), ProbeTrace.digest(gradient.toFloatArray()));
                    weight.subi(gradient.mul(LEARNING_RATE));
                    gradient.subi(gradient);
                }
                List<String> weights = new ArrayList<>();
                for (Pair<String, Parameter> p : block.getParameters()) {
                    weights.add(ProbeTrace.digest(p.getValue().getArray().toFloatArray()));
                }
                trace.endStep(value, ProbeTrace.combine(weights));
                if (!Float.isFinite(value)) {
                    break;
                }
            }
        }
        return trace.trace();
    }

    /** A SHA-256 digest; the JDK always has one. */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
