package dev.replica.core.state;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/** Number formats of the output files: fixed, locale-free, so files are byte-identical on rerun. */
public final class Numbers {

    private Numbers() {}

    /**
     * Rounds to significant digits and drops trailing zeros, e.g. {@code 0.010000000000000002} with 8
     * digits is {@code 0.01}.
     *
     * @param x the number
     * @param digits significant digits
     * @return the text
     */
    public static String significant(double x, int digits) {
        if (!Double.isFinite(x)) {
            return Double.toString(x);
        }
        if (x == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(x)
                .round(new MathContext(digits, RoundingMode.HALF_EVEN))
                .stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }

    /**
     * Formats with a fixed number of decimals, e.g. {@code fixed(94.987, 2)} is {@code 94.99}.
     *
     * @param x the number
     * @param decimals digits after the point
     * @return the text
     */
    public static String fixed(double x, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", x);
    }
}
