package dev.replica.api.params;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Renders values the way messages and resolved files show them, and suggests near names. */
public final class Values {

    private Values() {}

    /**
     * Renders a value for a message: strings in single quotes, numbers and booleans plain, lists in
     * brackets.
     *
     * @param value the value, may be {@code null}
     * @return the rendering
     */
    public static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof List) {
            List<String> parts = new ArrayList<>();
            for (Object o : (List<?>) value) {
                parts.add(render(o));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        if (value instanceof Double || value instanceof Float) {
            return formatNumber(((Number) value).doubleValue());
        }
        return String.valueOf(value);
    }

    /**
     * Formats a number without a trailing {@code .0} for integral values.
     *
     * @param x the number
     * @return the text
     */
    public static String formatNumber(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return Long.toString((long) x);
        }
        return Double.toString(x).toLowerCase(Locale.ROOT);
    }

    /**
     * Returns the candidate closest to {@code name} by edit distance when it is close enough to be a
     * likely typo, else {@code null}. Ties go to the first candidate in iteration order.
     *
     * @param name the unknown name
     * @param candidates the known names
     * @return the suggestion or {@code null}
     */
    public static String closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(name.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int limit = Math.max(1, Math.min(3, name.length() / 3 + 1));
        return bestDistance <= limit ? best : null;
    }

    /**
     * The optimal string alignment distance: insertions, deletions, substitutions and adjacent
     * transpositions each cost 1.
     */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
