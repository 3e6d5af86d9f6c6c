package dev.replica.core.training;

/**
 * Loss and accuracy over a split, with what was predicted for what.
 *
 * @param loss mean cross-entropy
 * @param accuracy fraction classified right, in [0, 1]
 * @param examples how many examples
 * @param confusion counts by true class (row) and predicted class (column); empty when not kept
 */
public record Evaluation(double loss, double accuracy, int examples, long[][] confusion) {

    /**
     * An evaluation without a confusion matrix.
     *
     * @param loss mean cross-entropy
     * @param accuracy fraction classified right
     * @param examples how many examples
     */
    public Evaluation(double loss, double accuracy, int examples) {
        this(loss, accuracy, examples, new long[0][0]);
    }

    /**
     * Returns the fraction of one class's examples classified right.
     *
     * @param label the class
     * @return the recall of the class, NaN when the split has none of it
     */
    public double classAccuracy(int label) {
        long total = 0;
        for (long n : confusion[label]) {
            total += n;
        }
        return total == 0 ? Double.NaN : (double) confusion[label][label] / total;
    }
}
