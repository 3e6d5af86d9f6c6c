package dev.replica.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The named state arrays of an update rule (momentum buffers and the like), keyed by
 * {@code <parameter path>/<slot>}. Sorted, so that checkpoints are written in a stable order.
 */
public final class OptimizerState implements AutoCloseable {

    private final NDManager manager;
    private final SortedMap<String, NDArray> slots = new TreeMap<>();

    /**
     * Creates an empty state whose arrays live in a child of {@code parent}.
     *
     * @param parent the manager that owns the state's arrays, never {@code null}
     */
    public OptimizerState(NDManager parent) {
        this.manager = Objects.requireNonNull(parent, "parent").newSubManager();
    }

    /**
     * Returns the slot's array, or {@code null} when it does not exist yet.
     *
     * @param path the parameter path
     * @param slot the slot name, e.g. {@code momentum}
     * @return the array or {@code null}
     */
    public NDArray get(String path, String slot) {
        return slots.get(key(path, slot));
    }

    /**
     * Stores a copy of {@code value} as the slot's array, detached from any scope.
     *
     * @param path the parameter path
     * @param slot the slot name
     * @param value the value to copy
     * @return the stored array
     */
    public NDArray put(String path, String slot, NDArray value) {
        NDArray copy = value.duplicate();
        copy.attach(manager);
        // Outlives the step: keep an enclosing NDScope from closing it.
        NDScope.unregister(copy);
        NDArray old = slots.put(key(path, slot), copy);
        if (old != null) {
            old.close();
        }
        return copy;
    }

    /**
     * Returns every slot, sorted by key.
     *
     * @return an unmodifiable view
     */
    public SortedMap<String, NDArray> slots() {
        return Collections.unmodifiableSortedMap(slots);
    }

    /**
     * Returns the manager of the state's arrays.
     *
     * @return the manager
     */
    public NDManager manager() {
        return manager;
    }

    private static String key(String path, String slot) {
        return path + "/" + slot;
    }

    @Override
    public void close() {
        slots.clear();
        manager.close();
    }
}
