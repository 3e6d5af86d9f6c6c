package dev.replica.runner.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.replica.report.SeedStatistics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Statistics over seeds against numbers worked out by hand (docs/design.md, section 8). */
class SeedSummaryTableTest {

    // Three seeds, two models (test loss, test accuracy, best validation accuracy):
    //
    //   seed | res loss  acc   val  | vgg loss  acc   val  | res - vgg (points)
    //     0  |   0.30   0.90  0.91  |   0.40   0.89  0.90  |  90 - 89 = +1
    //     1  |   0.20   0.92  0.92  |   0.50   0.90  0.91  |  92 - 90 = +2
    //     2  |   0.10   0.94  0.95  |   0.30   0.95  0.95  |  94 - 95 = -1
    //
    // res accuracy: mean (90 + 92 + 94) / 3 = 92; squared deviations 4 + 0 + 4 = 8;
    //   sample variance 8 / (3 - 1) = 4; sd = 2.
    // res loss: mean 0.2; squared deviations 0.01 + 0 + 0.01 = 0.02; variance 0.01; sd 0.1.
    // res best val: mean (91 + 92 + 95) / 3 = 92.6667; deviations -1.6667, -0.6667, 2.3333;
    //   squares 2.7778 + 0.4444 + 5.4444 = 8.6667; variance 4.3333; sd 2.0817.
    // vgg accuracy: mean (89 + 90 + 95) / 3 = 91.3333; deviations -2.3333, -1.3333, 3.6667;
    //   squares 5.4444 + 1.7778 + 13.4444 = 20.6667; variance 10.3333; sd 3.2146.
    // vgg loss: mean 0.4; squares 0 + 0.01 + 0.01 = 0.02; sd 0.1.
    // vgg best val: mean (90 + 91 + 95) / 3 = 92; squares 4 + 1 + 9 = 14; variance 7; sd 2.6458.
    // Difference res - vgg per seed: +1, +2, -1; mean 2 / 3 = 0.6667;
    //   deviations 0.3333, 1.3333, -1.6667; squares 0.1111 + 1.7778 + 2.7778 = 4.6667;
    //   variance 2.3333; sd 1.5275. (The sd of the paired differences, not a combination of the two sds.)
    private static final SeedSummaryTable TABLE = new SeedSummaryTable(
            List.of(0L, 1L, 2L),
            List.of(
                    table(0.30, 0.90, 0.91, 0.40, 0.89, 0.90),
                    table(0.20, 0.92, 0.92, 0.50, 0.90, 0.91),
                    table(0.10, 0.94, 0.95, 0.30, 0.95, 0.95)));

    private static SummaryTable table(
            double resLoss, double resAcc, double resVal, double vggLoss, double vggAcc, double vggVal) {
        return new SummaryTable(List.of(
                new SummaryTable.Row("res", resLoss, resAcc, 11_173_962, resVal, 5),
                new SummaryTable.Row("vgg", vggLoss, vggAcc, 38_958_922, vggVal, 6)));
    }

    @Test
    void theSampleStandardDeviationDividesByNMinusOne() {
        assertThat(SeedStatistics.mean(List.of(90.0, 92.0, 94.0))).isEqualTo(92.0);
        assertThat(SeedStatistics.sampleStandardDeviation(List.of(90.0, 92.0, 94.0)))
                .isEqualTo(2.0);
        assertThat(SeedStatistics.sampleStandardDeviation(List.of(1.0, 2.0, -1.0)))
                .isCloseTo(1.5275252, within(1e-7));
        assertThat(SeedStatistics.sampleStandardDeviation(List.of(5.0))).isNaN();
        assertThatThrownBy(() -> SeedStatistics.mean(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDifferenceIsTheMeanOfThePerSeedDifferencesWithTheirOwnSpread() {
        SeedSummaryTable.Difference d = TABLE.differences().get(0);
        assertThat(d.pointsPerSeed()).hasSize(3);
        assertThat(d.pointsPerSeed().get(0)).isCloseTo(1.0, within(1e-9));
        assertThat(d.pointsPerSeed().get(1)).isCloseTo(2.0, within(1e-9));
        assertThat(d.pointsPerSeed().get(2)).isCloseTo(-1.0, within(1e-9));
        assertThat(d.mean()).isCloseTo(0.6666667, within(1e-7));
        assertThat(d.standardDeviation()).isCloseTo(1.5275252, within(1e-7));
    }

    @Test
    void theMarkdownShowsMeanAndSpreadWithEachSeedsValue() {
        assertThat(TABLE.markdown())
                .isEqualTo("Seeds: 0, 1, 2 (n = 3); values are mean ± sample standard deviation (n-1) over seeds.\n"
                        + "\n"
                        + "| Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%) | Test Acc per seed (%) |\n"
                        + "|---|---:|---:|---:|---:|---:|\n"
                        + "| res | 0.2000 ± 0.1000 | 92.00 ± 2.00 | 11.17 | 92.67 ± 2.08 | 90.00, 92.00, 94.00 |\n"
                        + "| vgg | 0.4000 ± 0.1000 | 91.33 ± 3.21 | 38.96 | 92.00 ± 2.65 | 89.00, 90.00, 95.00 |\n"
                        + "\n"
                        + "Test accuracy, res - vgg: +0.67 ± 1.53 points (mean ± sample sd of the per-seed differences; "
                        + "per seed: +1.00, +2.00, -1.00)\n");
    }

    @Test
    void theCsvKeepsUnroundedValuesAndEachSeed() {
        assertThat(TABLE.csv())
                .isEqualTo("model,seeds,test_loss_mean,test_loss_sd,test_acc_percent_mean,test_acc_percent_sd,params,"
                        + "best_val_percent_mean,best_val_percent_sd,test_acc_percent_seed_0,test_acc_percent_seed_1,"
                        + "test_acc_percent_seed_2\n"
                        + "res,3,0.2,0.1,92,2,11173962,92.666667,2.081666,90,92,94\n"
                        + "vgg,3,0.4,0.1,91.333333,3.2145503,38958922,92,2.6457513,89,90,95\n");
        assertThat(TABLE.differencesCsv())
                .isEqualTo("first,other,seeds,test_acc_points_mean,test_acc_points_sd,test_acc_points_seed_0,"
                        + "test_acc_points_seed_1,test_acc_points_seed_2\n"
                        + "res,vgg,3,0.66666667,1.5275252,1,2,-1\n");
    }

    @Test
    void tablesThatDoNotLineUpAreRejected() {
        SummaryTable other = new SummaryTable(List.of(new SummaryTable.Row("x", 1, 0.5, 1, 0.5, 1)));
        assertThatThrownBy(() -> new SeedSummaryTable(List.of(0L, 1L), List.of(TABLE_ROW, other)))
                .hasMessage("the seeds' tables have different models: [res, vgg] and [x]");
        assertThatThrownBy(() -> new SeedSummaryTable(List.of(0L), List.of(TABLE_ROW)))
                .hasMessage("need one table per seed and at least two seeds; got 1 seeds and 1 tables");
    }

    private static final SummaryTable TABLE_ROW = table(0.3, 0.9, 0.9, 0.4, 0.8, 0.8);
}
