package dev.replica.runner.config;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** The sections of an experiment that tools above the runner own, by key, each with its owner. */
public final class Sections {

    /** No such section. */
    public static final Sections NONE = new Sections(new TreeMap<>());

    /**
     * A section's value and the section that reads and writes it.
     *
     * @param owner the section
     * @param value its value
     * @param <T> the value's type
     */
    public record Entry<T>(ExperimentSection<T> owner, T value) {}

    private final SortedMap<String, Entry<?>> entries;

    private Sections(SortedMap<String, Entry<?>> entries) {
        this.entries = Collections.unmodifiableSortedMap(entries);
    }

    /**
     * Returns a section's value.
     *
     * @param owner the section
     * @param <T> its value's type
     * @return the value, or empty when the experiment has no such section
     */
    public <T> Optional<T> get(ExperimentSection<T> owner) {
        Entry<?> e = entries.get(owner.key());
        return e == null ? Optional.empty() : Optional.of(owner.type().cast(e.value()));
    }

    /**
     * Returns these sections with one set, or removed.
     *
     * @param owner the section
     * @param value its value, or {@code null} to remove it
     * @param <T> its value's type
     * @return the sections
     */
    public <T> Sections with(ExperimentSection<T> owner, T value) {
        TreeMap<String, Entry<?>> copy = new TreeMap<>(entries);
        if (value == null) {
            copy.remove(owner.key());
        } else {
            copy.put(owner.key(), new Entry<>(owner, owner.type().cast(value)));
        }
        return new Sections(copy);
    }

    /**
     * Returns every section, by key.
     *
     * @return the entries
     */
    public Collection<Entry<?>> entries() {
        return entries.values();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sections other && values().equals(other.values());
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    /** The values by key: what equality means. */
    private SortedMap<String, Object> values() {
        SortedMap<String, Object> values = new TreeMap<>();
        entries.forEach((k, e) -> values.put(k, e.value()));
        return values;
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}
