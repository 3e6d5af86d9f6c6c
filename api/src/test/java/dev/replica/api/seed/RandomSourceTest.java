package dev.replica.api.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomSourceTest {

    private final RandomSource random = SeedStream.root(3).child("test").random();

    @Test
    void gaussianHasMeanZeroAndUnitVariance() {
        int n = 200_000;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double x = random.nextGaussian();
            sum += x;
            sumSq += x * x;
        }
        double mean = sum / n;
        assertThat(mean).isCloseTo(0, within(0.01));
        assertThat(sumSq / n - mean * mean).isCloseTo(1, within(0.01));
    }

    @Test
    void nextIntCoversItsRangeEvenly() {
        int[] counts = new int[7];
        int n = 70_000;
        for (int i = 0; i < n; i++) {
            counts[random.nextInt(7)]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(9_500, 10_500);
        }
    }

    @Test
    void uniformValuesStayInTheUnitInterval() {
        for (int i = 0; i < 100_000; i++) {
            assertThat(random.nextDouble()).isGreaterThanOrEqualTo(0).isLessThan(1);
            assertThat(random.nextFloat()).isGreaterThanOrEqualTo(0).isLessThan(1);
        }
    }

    @Test
    void permutationHoldsEveryIndexOnce() {
        int[] p = random.permutation(1000);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertThat(sorted[i]).isEqualTo(i);
        }
        assertThat(p).isNotEqualTo(sorted);
    }
}
