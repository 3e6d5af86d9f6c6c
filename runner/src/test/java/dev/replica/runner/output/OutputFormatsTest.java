package dev.replica.runner.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.state.Numbers;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputFormatsTest {

    @Test
    void numbersAreRoundedToSignificantDigitsWithoutNoise() {
        assertThat(Numbers.significant(0.1 * 0.1, 8)).isEqualTo("0.01");
        assertThat(Numbers.significant(1.23456789e-7, 3)).isEqualTo("0.000000123");
        assertThat(Numbers.significant(12345.0, 3)).isEqualTo("12300");
        assertThat(Numbers.significant(0, 8)).isEqualTo("0");
        assertThat(Numbers.fixed(94.987, 2)).isEqualTo("94.99");
    }

    @Test
    void theSummaryTableHasTheStudysColumnsAndTheDifferenceInPoints() {
        SummaryTable table = new SummaryTable(List.of(
                new SummaryTable.Row("resnet18", 0.19371, 0.9499, 11_173_962, 0.9499, 97),
                new SummaryTable.Row("vgg19bn", 0.33449, 0.9287, 38_958_922, 0.9287, 88)));
        assertThat(table.markdown())
                .isEqualTo("| Model | Test Loss | Test Acc (%) | #Params (M) | Best Val (%) |\n"
                        + "|---|---:|---:|---:|---:|\n"
                        + "| resnet18 | 0.1937 | 94.99 | 11.17 | 94.99 |\n"
                        + "| vgg19bn | 0.3345 | 92.87 | 38.96 | 92.87 |\n"
                        + "\nTest accuracy, resnet18 - vgg19bn: +2.12 points\n");
        assertThat(table.csv())
                .isEqualTo("model,test_loss,test_acc_percent,params,best_val_percent,best_epoch\n"
                        + "resnet18,0.19371,94.99,11173962,94.99,97\n"
                        + "vgg19bn,0.33449,92.87,38958922,92.87,88\n");
    }
}
