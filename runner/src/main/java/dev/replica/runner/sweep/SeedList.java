package dev.replica.runner.sweep;

import dev.replica.api.UserException;
import java.util.ArrayList;
import java.util.List;

/** The seeds of a sweep as {@code --seeds} gives them: a list, a range, or both. */
public final class SeedList {

    private SeedList() {}

    /**
     * Parses {@code 0-4}, {@code 0,2,7} or a mix ({@code 0-2,9}).
     *
     * @param text the option's value
     * @return the seeds, in order
     * @throws UserException when a part is neither a seed nor a range, or a seed comes twice
     */
    public static List<Long> parse(String text) {
        List<Long> seeds = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            try {
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    long from = Long.parseLong(p.substring(0, dash));
                    long to = Long.parseLong(p.substring(dash + 1));
                    if (to < from || to - from > 10_000) {
                        throw new NumberFormatException();
                    }
                    for (long s = from; s <= to; s++) {
                        seeds.add(s);
                    }
                } else {
                    seeds.add(Long.parseLong(p));
                }
            } catch (NumberFormatException e) {
                throw new UserException("--seeds " + text + ": '" + p + "' is not a seed or a range; allowed: e.g. "
                        + "0-4, 0,2,7 or 0-2,9");
            }
        }
        if (seeds.stream().distinct().count() != seeds.size()) {
            throw new UserException("--seeds " + text + " names a seed twice; allowed: distinct seeds");
        }
        return seeds;
    }
}
