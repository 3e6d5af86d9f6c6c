package dev.replica.report;

import dev.replica.api.UserException;
import dev.replica.core.record.HistoryRow;
import dev.replica.core.state.Numbers;
import dev.replica.core.state.SafeFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.math3.distribution.TDistribution;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run's plots, drawn with XChart without a display ({@code java.awt.headless=true}) and written as
 * PNG and SVG side by side. With several seeds a curve is the mean over seeds with the sample standard
 * deviation as error bars.
 */
public final class Plots {

    /** Plot width in pixels. */
    static final int WIDTH = 900;
    /** Plot height in pixels. */
    static final int HEIGHT = 520;

    private static final BasicStroke SOLID = new BasicStroke(2.2f);
    private static final BasicStroke DASHED =
            new BasicStroke(2.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 6f}, 0f);
    private static final Color TRAIN = new Color(0xE0, 0x7B, 0x00);
    private static final Color VALIDATION = new Color(0x1F, 0x5F, 0xBF);
    private static final Color[] PALETTE = {
        new Color(0x1F, 0x5F, 0xBF), new Color(0xD6, 0x27, 0x28), new Color(0x2C, 0xA0, 0x2C),
        new Color(0x94, 0x67, 0xBD), new Color(0x8C, 0x56, 0x4B), new Color(0xE0, 0x7B, 0x00),
        new Color(0xE3, 0x77, 0xC2), new Color(0x7F, 0x7F, 0x7F), new Color(0xBC, 0xBD, 0x22),
        new Color(0x17, 0xBE, 0xCF)
    };

    static {
        // Plots are drawn off screen; never open a display, even where DISPLAY is set.
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** The column a divergence CSV must have: the training step, the x axis. */
    public static final String DIVERGENCE_STEP_COLUMN = "step";

    /**
     * Draws the divergence between two engines over the training steps, from a CSV such as the
     * cross-engine check writes per model ({@code <label>/divergence.csv}).
     *
     * <p>The column contract: a header line; a column named {@value #DIVERGENCE_STEP_COLUMN} (numbers, the
     * x axis); every other column whose values are all numbers or empty is one series named by its
     * header (for instance {@code loss_rel_diff}, {@code params_max_rel_diff}, {@code params_mean_rel_diff});
     * an empty cell means "not measured at this step" and leaves that point out; columns with any other
     * text (a tensor's name, say) are ignored. Differences span decades, so the y axis is logarithmic;
     * values that are zero or negative cannot be shown on it and are left out, and the title says how many
     * were. Columns may come in any order.
     *
     * @param csv the CSV file
     * @param png where to write the PNG; an SVG is written beside it with the same name
     * @return the PNG file
     * @throws UserException when the CSV cannot be read, has no step column or nothing to plot
     * @throws IOException when writing the image fails
     */
    public static Path divergence(Path csv, Path png) throws IOException {
        Path parent = csv.toAbsolutePath().getParent();
        return overSteps(
                csv,
                png,
                "Cross-engine divergence" + (parent == null ? "" : ": " + parent.getFileName()),
                "difference (log scale)",
                column -> true,
                Map.of());
    }

    /**
     * Draws numeric columns of a per-step CSV on a logarithmic axis, under the contract of
     * {@link #divergence}, with horizontal reference lines.
     *
     * @param csv the CSV file
     * @param png where to write the PNG; an SVG is written beside it
     * @param title the chart's title
     * @param yTitle the y axis's title
     * @param columns which columns to draw, by header
     * @param levels horizontal lines by name, e.g. a band's factor; drawn dashed across every step
     * @return the PNG file
     * @throws UserException when the CSV cannot be read, has no step column or nothing to plot
     * @throws IOException when writing the image fails
     */
    public static Path overSteps(
            Path csv, Path png, String title, String yTitle, Predicate<String> columns, Map<String, Double> levels)
            throws IOException {
        List<Double> steps = new ArrayList<>();
        // Per column the value at each step (NaN where empty), or null once a cell is not a number.
        Map<String, List<Double>> series = new LinkedHashMap<>();
        CSVFormat format = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .setTrim(true)
                .get();
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
                CSVParser parser = format.parse(in)) {
            List<String> header = parser.getHeaderNames();
            if (!header.contains(DIVERGENCE_STEP_COLUMN)) {
                throw new UserException(csv + " has no '" + DIVERGENCE_STEP_COLUMN + "' column; its columns are "
                        + header + "; a divergence CSV has a step column and one numeric column per series");
            }
            for (String h : header) {
                if (!h.equals(DIVERGENCE_STEP_COLUMN) && columns.test(h)) {
                    series.put(h, new ArrayList<>());
                }
            }
            for (CSVRecord r : parser) {
                steps.add(Double.parseDouble(r.get(DIVERGENCE_STEP_COLUMN)));
                for (Map.Entry<String, List<Double>> c : series.entrySet()) {
                    if (c.getValue() != null) {
                        c.setValue(parseOrDrop(c.getValue(), r.isSet(c.getKey()) ? r.get(c.getKey()) : ""));
                    }
                }
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new UserException("cannot read " + csv + " as a divergence CSV: " + e.getMessage(), e);
        }
        series.values().removeIf(v -> v == null || v.stream().allMatch(d -> d.isNaN()));
        if (series.isEmpty()) {
            throw new UserException(
                    csv + " has no numeric column besides '" + DIVERGENCE_STEP_COLUMN + "'; nothing to plot");
        }
        XYChart chart = chart(title, "training step", yTitle);
        chart.getStyler().setYAxisLogarithmic(true);
        int hidden = 0;
        int i = 0;
        for (Map.Entry<String, List<Double>> c : series.entrySet()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int k = 0; k < steps.size(); k++) {
                double y = c.getValue().get(k);
                if (y > 0) {
                    xs.add(steps.get(k));
                    ys.add(y);
                } else if (!Double.isNaN(y)) {
                    hidden++;
                }
            }
            if (xs.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(c.getKey(), xs, ys);
            style(s, PALETTE[i++ % PALETTE.length], SOLID, xs.size() <= 60);
        }
        if (chart.getSeriesMap().isEmpty()) {
            throw new UserException(csv + " has no positive value to plot on a logarithmic axis");
        }
        if (!steps.isEmpty()) {
            for (Map.Entry<String, Double> level : new TreeMap<>(levels).entrySet()) {
                if (level.getValue() > 0 && !chart.getSeriesMap().containsKey(level.getKey())) {
                    XYSeries line = chart.addSeries(
                            level.getKey(),
                            List.of(steps.get(0), steps.get(steps.size() - 1)),
                            List.of(level.getValue(), level.getValue()));
                    style(line, Color.DARK_GRAY, DASHED, false);
                }
            }
        }
        if (hidden > 0) {
            chart.setTitle(chart.getTitle() + " (" + hidden + " values <= 0 not shown)");
        }
        if (chart.getSeriesMap().size() > 4) {
            // Many series: a column at the right, since a row below the plot would run off the image.
            chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        }
        write(chart, png);
        return png;
    }

    /** The columns of an outcome CSV: one row per run. */
    public static final List<String> OUTCOME_COLUMNS = List.of("side", "seed", "eval_loss", "eval_accuracy");

    /**
     * Draws the outcome level of a cross-engine check from its CSV ({@code <label>/outcomes.csv}, columns
     * {@link #OUTCOME_COLUMNS}): per metric, each side's runs as points (one per seed, spread sideways
     * so they do not cover each other) and its mean with the 90% confidence interval of the mean.
     *
     * @param csv the CSV file
     * @param dir where the PNGs go
     * @param prefix the start of their names, e.g. {@code outcome}
     * @return the PNGs, {@code <prefix>-eval_accuracy.png} and {@code <prefix>-eval_loss.png}
     * @throws UserException when the CSV cannot be read
     * @throws IOException when writing fails
     */
    public static List<Path> outcomes(Path csv, Path dir, String prefix) throws IOException {
        Map<String, Map<String, List<Double>>> bySide = new LinkedHashMap<>();
        CSVFormat format = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get();
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
                CSVParser parser = format.parse(in)) {
            if (!parser.getHeaderNames().containsAll(OUTCOME_COLUMNS)) {
                throw new UserException(
                        csv + " has columns " + parser.getHeaderNames() + "; an outcome CSV has " + OUTCOME_COLUMNS);
            }
            for (CSVRecord r : parser) {
                Map<String, List<Double>> side = bySide.computeIfAbsent(r.get("side"), k -> new LinkedHashMap<>());
                for (String metric : List.of("eval_accuracy", "eval_loss")) {
                    side.computeIfAbsent(metric, k -> new ArrayList<>()).add(Double.parseDouble(r.get(metric)));
                }
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new UserException("cannot read " + csv + " as an outcome CSV: " + e.getMessage(), e);
        }
        List<Path> written = new ArrayList<>();
        for (String metric : List.of("eval_accuracy", "eval_loss")) {
            double scale = metric.equals("eval_accuracy") ? 100 : 1;
            XYChart chart = chart(
                    "Outcome over seeds: " + metric
                            + (csv.getParent() == null
                                    ? ""
                                    : ", " + csv.getParent().getFileName()),
                    "engine (1, 2, ... as in the legend)",
                    metric.equals("eval_accuracy") ? "validation accuracy (%)" : "validation loss");
            int i = 0;
            for (Map.Entry<String, Map<String, List<Double>>> side : bySide.entrySet()) {
                List<Double> values = side.getValue().get(metric);
                double[] x = new double[values.size()];
                double[] y = new double[values.size()];
                for (int k = 0; k < values.size(); k++) {
                    x[k] = i + 1 + 0.06 * (k - (values.size() - 1) / 2.0);
                    y[k] = scale * values.get(k);
                }
                Color color = PALETTE[i % PALETTE.length];
                XYSeries runs = chart.addSeries(side.getKey() + ", one point per seed", x, y);
                runs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                runs.setMarkerColor(color);
                runs.setMarker(SeriesMarkers.CIRCLE);
                List<Double> scaled = values.stream().map(v -> scale * v).toList();
                if (scaled.stream().allMatch(Double::isFinite)) {
                    double mean = SeedStatistics.mean(scaled);
                    double half = scaled.size() < 2
                            ? 0
                            : new TDistribution(null, scaled.size() - 1).inverseCumulativeProbability(0.95)
                                    * SeedStatistics.sampleStandardDeviation(scaled)
                                    / Math.sqrt(scaled.size());
                    XYSeries m = chart.addSeries(
                            side.getKey() + ", mean and 90% CI",
                            new double[] {i + 1.25},
                            new double[] {mean},
                            new double[] {half});
                    m.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                    m.setMarkerColor(color);
                    m.setLineColor(color); // the error bar's colour
                    m.setMarker(SeriesMarkers.DIAMOND);
                }
                i++;
            }
            chart.getStyler().setXAxisMin(0.5);
            chart.getStyler().setXAxisMax(i + 0.5);
            Path png = SafeFiles.fileIn(dir, prefix + "-" + metric + ".png");
            write(chart, png);
            written.add(png);
        }
        return written;
    }

    /**
     * Draws one model's loss and accuracy over the epochs: training dashed, validation solid, a
     * vertical line with the new rate where the learning rate steps.
     *
     * @param label the model
     * @param bySeed its history per seed (one curve, or the mean and spread over several)
     * @param dir the plots folder
     * @return the PNG files written: {@code <label>-loss.png} and {@code <label>-accuracy.png}
     * @throws IOException when writing fails
     */
    public static List<Path> curves(String label, Map<Long, List<HistoryRow>> bySeed, Path dir) throws IOException {
        String seeds = seedsNote(bySeed.size());
        XYChart loss = chart(label + ": loss" + seeds, "epoch", "cross-entropy loss");
        addCurve(loss, "train", bySeed, HistoryRow::trainLoss, 1, TRAIN, DASHED);
        addCurve(loss, "validation", bySeed, HistoryRow::valLoss, 1, VALIDATION, SOLID);
        markRateSteps(loss, bySeed.values().iterator().next());
        XYChart accuracy = chart(label + ": accuracy" + seeds, "epoch", "accuracy (%)");
        addCurve(accuracy, "train", bySeed, HistoryRow::trainAccuracy, 100, TRAIN, DASHED);
        addCurve(accuracy, "validation", bySeed, HistoryRow::valAccuracy, 100, VALIDATION, SOLID);
        markRateSteps(accuracy, bySeed.values().iterator().next());
        Path lossFile = SafeFiles.fileIn(dir, label + "-loss.png");
        Path accuracyFile = SafeFiles.fileIn(dir, label + "-accuracy.png");
        write(loss, lossFile);
        write(accuracy, accuracyFile);
        return List.of(lossFile, accuracyFile);
    }

    /**
     * Draws the models' validation accuracy and loss over the epochs in one chart each.
     *
     * @param histories label to (seed to history)
     * @param dir the plots folder
     * @return the PNG files: {@code validation-accuracy.png} and {@code validation-loss.png}
     * @throws IOException when writing fails
     */
    public static List<Path> comparison(Map<String, Map<Long, List<HistoryRow>>> histories, Path dir)
            throws IOException {
        int seeds = histories.values().stream().mapToInt(Map::size).max().orElse(1);
        XYChart accuracy = chart("Validation accuracy" + seedsNote(seeds), "epoch", "validation accuracy (%)");
        XYChart loss = chart("Validation loss" + seedsNote(seeds), "epoch", "validation loss");
        int i = 0;
        List<HistoryRow> any = null;
        for (Map.Entry<String, Map<Long, List<HistoryRow>>> h : histories.entrySet()) {
            if (h.getValue().isEmpty()) {
                continue;
            }
            Color color = PALETTE[i++ % PALETTE.length];
            addCurve(accuracy, h.getKey(), h.getValue(), HistoryRow::valAccuracy, 100, color, SOLID);
            addCurve(loss, h.getKey(), h.getValue(), HistoryRow::valLoss, 1, color, SOLID);
            any = any == null ? h.getValue().values().iterator().next() : any;
        }
        if (any != null) {
            markRateSteps(accuracy, any);
            markRateSteps(loss, any);
        }
        Path accuracyFile = dir.resolve("validation-accuracy.png");
        Path lossFile = dir.resolve("validation-loss.png");
        write(accuracy, accuracyFile);
        write(loss, lossFile);
        return List.of(accuracyFile, lossFile);
    }

    /**
     * Draws nets of one group as He et al. 2016's Figure 6 does: training error dashed, test (validation)
     * error solid, over the iterations, one colour per net from shallow to deep.
     *
     * @param title the chart's title
     * @param nets label to (seed to history), shallow to deep
     * @param stepsPerEpoch iterations per epoch, or 0 to draw over epochs
     * @param validation what the validation split is called, e.g. {@code test}
     * @param errorRange the y axis's bounds in percent, the same for every group so they compare side by side
     * @param png the PNG to write (an SVG goes beside it)
     * @return the PNG
     * @throws IOException when writing fails
     */
    public static Path errorOverIterations(
            String title,
            Map<String, Map<Long, List<HistoryRow>>> nets,
            int stepsPerEpoch,
            String validation,
            double[] errorRange,
            Path png)
            throws IOException {
        int seeds = nets.values().stream().mapToInt(Map::size).max().orElse(1);
        XYChart chart = chart(title + seedsNote(seeds), stepsPerEpoch > 0 ? "iterations" : "epoch", "error (%)");
        int i = 0;
        for (Map.Entry<String, Map<Long, List<HistoryRow>>> net : nets.entrySet()) {
            Color color = PALETTE[i++ % PALETTE.length];
            double x = Math.max(stepsPerEpoch, 1);
            addCurve(chart, net.getKey() + " train", net.getValue(), r -> 1 - r.trainAccuracy(), 100, x, color, DASHED);
            addCurve(
                    chart,
                    net.getKey() + " " + validation,
                    net.getValue(),
                    r -> 1 - r.valAccuracy(),
                    100,
                    x,
                    color,
                    SOLID);
        }
        chart.getStyler().setYAxisMin(errorRange[0]);
        chart.getStyler().setYAxisMax(errorRange[1]);
        write(chart, png);
        return png;
    }

    /**
     * Draws a confusion matrix: true classes down, predicted classes across, each cell's count shown.
     *
     * @param title the chart's title
     * @param names the class names, by label
     * @param confusion counts by true class (row) and predicted class (column)
     * @param png the PNG to write (an SVG goes beside it)
     * @return the PNG
     * @throws IOException when writing fails
     */
    public static Path confusion(String title, List<String> names, long[][] confusion, Path png) throws IOException {
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(WIDTH)
                .height(WIDTH)
                .title(title)
                .xAxisTitle("predicted")
                .yAxisTitle("true")
                .build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1);
        List<Number[]> cells = new ArrayList<>();
        int n = names.size();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                // The first class at the top, as in a table.
                cells.add(new Number[] {p, n - 1 - t, confusion[t][p]});
            }
        }
        List<String> down = new ArrayList<>(names);
        Collections.reverse(down);
        chart.addSeries("examples", names, down, cells);
        write(chart, png);
        return png;
    }

    /**
     * Draws grouped bars: one group per category (a model on an engine), one bar per series (a loop).
     *
     * @param title the chart's title
     * @param yTitle the y axis's title
     * @param groups the groups' names, e.g. {@code pytorch resnet18-w16}
     * @param series values by series name, one per group ({@code NaN} where not measured)
     * @param png the PNG to write (an SVG goes beside it)
     * @return the PNG
     * @throws IOException when writing fails
     */
    public static Path bars(
            String title, String yTitle, List<String> groups, Map<String, List<Double>> series, Path png)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .yAxisTitle(yTitle)
                .build();
        CategoryStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setXAxisLabelRotation(30);
        styler.setOverlapped(false);
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            List<Double> values = new ArrayList<>();
            for (Double v : e.getValue()) {
                values.add(v == null || v.isNaN() ? 0.0 : v);
            }
            if (values.stream().anyMatch(v -> v != 0)) {
                chart.addSeries(e.getKey(), groups, values);
            }
        }
        write(chart, png);
        return png;
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        // Below the plot, so the legend never hides a curve or a learning-rate label.
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setAnnotationLineColor(new Color(0x55, 0x55, 0x55));
        styler.setAnnotationLineStroke(
                new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f));
        styler.setAnnotationTextFontColor(new Color(0x33, 0x33, 0x33));
        styler.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(Plots::integerLabel);
        return chart;
    }

    private static void addCurve(
            XYChart chart,
            String name,
            Map<Long, List<HistoryRow>> bySeed,
            ToDoubleFunction<HistoryRow> value,
            double scale,
            Color color,
            BasicStroke stroke) {
        addCurve(chart, name, bySeed, value, scale, 1, color, stroke);
    }

    /** A curve over {@code xScale} times the epoch (the iterations, for steps per epoch). */
    private static void addCurve(
            XYChart chart,
            String name,
            Map<Long, List<HistoryRow>> bySeed,
            ToDoubleFunction<HistoryRow> value,
            double scale,
            double xScale,
            Color color,
            BasicStroke stroke) {
        if (bySeed.isEmpty()) {
            return;
        }
        // Epochs every seed has reached (a run may be unfinished).
        int epochs = bySeed.values().stream().mapToInt(List::size).min().orElse(0);
        if (epochs == 0) {
            return;
        }
        double[] x = new double[epochs];
        double[] y = new double[epochs];
        double[] spread = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            List<Double> values = new ArrayList<>();
            for (List<HistoryRow> rows : bySeed.values()) {
                values.add(scale * value.applyAsDouble(rows.get(e)));
            }
            x[e] = xScale * bySeed.values().iterator().next().get(e).epoch();
            y[e] = SeedStatistics.mean(values);
            spread[e] = values.size() > 1 ? SeedStatistics.sampleStandardDeviation(values) : 0;
        }
        XYSeries s = bySeed.size() > 1 ? chart.addSeries(name, x, y, spread) : chart.addSeries(name, x, y);
        style(s, color, stroke, epochs <= 40);
    }

    private static void style(XYSeries s, Color color, BasicStroke stroke, boolean markers) {
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(color);
        s.setLineStyle(stroke);
        s.setMarkerColor(color);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    /**
     * A vertical line between the last epoch at one rate and the first at the next, labelled with the new
     * rate just right of the line, near the top or the bottom of the plot, whichever the curves leave
     * free there.
     */
    private static void markRateSteps(XYChart chart, List<HistoryRow> rows) {
        double top = Double.NEGATIVE_INFINITY;
        double bottom = Double.POSITIVE_INFINITY;
        double left = Double.POSITIVE_INFINITY;
        double right = Double.NEGATIVE_INFINITY;
        for (XYSeries s : chart.getSeriesMap().values()) {
            double[] xs = s.getXData();
            double[] ys = s.getYData();
            double[] errors = s.getExtraValues();
            for (int i = 0; i < ys.length; i++) {
                double e = errors == null ? 0 : errors[i];
                top = Math.max(top, ys[i] + e);
                bottom = Math.min(bottom, ys[i] - e);
                left = Math.min(left, xs[i]);
                right = Math.max(right, xs[i]);
            }
        }
        if (!Double.isFinite(top)) {
            return;
        }
        for (int i = 1; i < rows.size(); i++) {
            if (rows.get(i).lr() != rows.get(i - 1).lr()) {
                double x = rows.get(i).epoch() - 0.5;
                double high = Double.NEGATIVE_INFINITY;
                double low = Double.POSITIVE_INFINITY;
                for (XYSeries s : chart.getSeriesMap().values()) {
                    double[] xs = s.getXData();
                    double[] ys = s.getYData();
                    for (int k = 0; k < xs.length; k++) {
                        if (Math.abs(xs[k] - x) <= 1) {
                            high = Math.max(high, ys[k]);
                            low = Math.min(low, ys[k]);
                        }
                    }
                }
                boolean upper = !Double.isFinite(high) || top - high >= low - bottom;
                double y = upper ? top - 0.04 * (top - bottom) : bottom + 0.04 * (top - bottom);
                String label = "lr " + Numbers.significant(rows.get(i).lr(), 3);
                double offset = (right - left) * (0.012 + 0.0075 * label.length());
                chart.addAnnotation(new AnnotationLine(x, true, false));
                chart.addAnnotation(new AnnotationText(label, x + offset, y, false));
            }
        }
    }

    private static String integerLabel(Double x) {
        return x == Math.rint(x) ? Long.toString(Math.round(x)) : "";
    }

    private static String seedsNote(int seeds) {
        return seeds > 1 ? " (mean ± sd over " + seeds + " seeds)" : "";
    }

    /** Adds a parsed number (NaN for an empty cell), or returns {@code null} (not a numeric column). */
    private static List<Double> parseOrDrop(List<Double> values, String text) {
        if (text.isEmpty()) {
            values.add(Double.NaN);
            return values;
        }
        try {
            values.add(Double.parseDouble(text));
            return values;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Writes the chart as PNG, and as SVG beside it. */
    private static void write(Chart<?, ?> chart, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        // Atomically, like every file of a run folder: a crash leaves the old plot or the new one.
        SafeFiles.writeAtomically(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        String name = png.getFileName().toString();
        String stem = name.endsWith(".png") ? name.substring(0, name.length() - ".png".length()) : name;
        Path svg = png.resolveSibling(stem + ".svg");
        SafeFiles.writeAtomically(
                svg,
                out -> VectorGraphicsEncoder.saveVectorGraphic(
                        chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG));
    }
}
