package dev.replica.check;

/**
 * How far apart two models' parameters are at one step.
 *
 * @param params the trainable parameters
 * @param buffers the parameters that are not trained (BatchNorm running mean and variance)
 */
record ParameterDifference(Set params, Set buffers) {

    /**
     * One tensor's difference.
     *
     * @param path the parameter's path
     * @param diffNorm {@code ||a - b||}
     * @param normA {@code ||a||}
     * @param normB {@code ||b||}
     */
    record Tensor(String path, double diffNorm, double normA, double normB) {

        /**
         * Returns {@code ||a - b|| / max(||a||, ||b||)}, 0 when the tensors are equal.
         *
         * @return the relative difference
         */
        double relative() {
            return diffNorm == 0 ? 0 : diffNorm / Math.max(normA, normB);
        }
    }

    /**
     * The element with the largest absolute difference.
     *
     * @param path the parameter's path
     * @param index the element's index in row-major order
     * @param a its value in the reference
     * @param b its value in the other
     */
    record Element(String path, int index, float a, float b) {

        /**
         * Returns {@code |a - b|}.
         *
         * @return the absolute difference
         */
        double absolute() {
            return Math.abs((double) a - b);
        }
    }

    /**
     * The differences over a set of tensors.
     *
     * @param tensors how many tensors
     * @param normA the norm of all of the reference's tensors as one vector
     * @param normB the same for the other
     * @param globalRelative {@code ||A - B|| / max(||A||, ||B||)} over all tensors as one vector
     * @param meanRelative the mean over tensors of the per-tensor relative difference
     * @param worst the tensor with the largest relative difference, or {@code null} when there is none
     * @param largest the element with the largest absolute difference, or {@code null} when there is none
     */
    record Set(
            int tensors,
            double normA,
            double normB,
            double globalRelative,
            double meanRelative,
            Tensor worst,
            Element largest) {

        /**
         * Returns the largest per-tensor relative difference.
         *
         * @return the difference, 0 when there are no tensors
         */
        double maxRelative() {
            return worst == null ? 0 : worst.relative();
        }

        /**
         * Returns the largest elementwise absolute difference.
         *
         * @return the difference, 0 when there are no tensors
         */
        double maxAbsolute() {
            return largest == null ? 0 : largest.absolute();
        }
    }
}
