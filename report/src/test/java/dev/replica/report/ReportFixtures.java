package dev.replica.report;

import dev.replica.core.record.HistoryRow;
import java.util.ArrayList;
import java.util.List;

/** Run-folder contents for report tests, here and in the modules that write reports. */
public final class ReportFixtures {

    private ReportFixtures() {}

    /**
     * A divergence CSV in the documented contract, shaped like the cross-engine check's: a step column,
     * numeric series in any order, parameter columns left empty at steps not measured, a column of
     * tensor names (text, ignored), and zeros that a log axis cannot show.
     */
    public static final String DIVERGENCE = String.join(
            "\n",
            "loss_rel_diff,step,accuracy_abs_diff,params_max_rel_diff,params_max_rel_tensor,params_mean_rel_diff",
            "0,0,0,0,,0",
            "1.2e-7,1,0,,,",
            "8.5e-6,2,0.0625,2.2e-5,04conv/weight,4.0e-6",
            "2.1e-4,3,0,,,",
            "3.3e-3,4,0.125,1.1e-2,10linear/bias,2.0e-3",
            "");

    /** Six epochs, rate steps after epochs 4 and 5, as in the quickstart; seeds shift the numbers a little. */
    public static List<HistoryRow> history(long seed) {
        double[] lr = {0.1, 0.1, 0.1, 0.1, 0.01, 0.001};
        List<HistoryRow> rows = new ArrayList<>();
        for (int e = 1; e <= 6; e++) {
            double trainLoss = 2.0 / e + 0.02 * seed;
            double valLoss = 2.1 / e + 0.1 + 0.03 * seed;
            rows.add(new HistoryRow(
                    e, lr[e - 1], trainLoss, 0.3 + 0.1 * e - 0.01 * seed, valLoss, 0.28 + 0.09 * e - 0.02 * seed));
        }
        return rows;
    }
}
