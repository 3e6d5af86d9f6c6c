package dev.replica.runner.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.core.record.HistoryRow;
import dev.replica.core.record.ModelFiles;
import dev.replica.report.Report;
import dev.replica.report.ReportFixtures;
import dev.replica.runner.InCi;
import dev.replica.runner.output.SummaryTable;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report as a browser shows it: headless Chromium loads the page offline, a small script reads
 * the rendered page (every image decoded with a non-zero natural width, one results row per model),
 * and the check fails on a page with a truncated image or a missing row. Needs Debian's {@code
 * chromium}: CI installs it ({@code .ci/run}); elsewhere the test is skipped when it is absent.
 */
class ReportPageInChromiumTest {

    @TempDir
    static Path dir;

    static Path chromium;
    static Path html;

    @BeforeAll
    static void aReportOfAHandMadeRun() throws Exception {
        chromium = findChromium();
        InCi.skipUnlessAvailable(
                chromium != null, "chromium is not installed (apt-get install chromium fonts-dejavu-core)");
        Path run = Files.createDirectories(dir.resolve("runs").resolve("tiny").resolve("20260101-000000-abcdef12"));
        Files.writeString(
                run.resolve("experiment.yaml"),
                String.join(
                        "\n",
                        "replica: 1",
                        "name: tiny",
                        "seed: 0",
                        "engine: {plugin: pytorch, threads: 1, device: cpu}",
                        "models:",
                        "  res: {plugin: resnet}",
                        "  vgg: {plugin: vgg}",
                        ""));
        Files.writeString(
                run.resolve("manifest.json"),
                "{\"experiment\": {\"name\": \"tiny\", \"seeds\": [0]},"
                        + " \"engine\": {\"plugin\": \"pytorch\", \"engine.name\": \"PyTorch\", \"engine.version\": \"2.7.1\","
                        + " \"djl.version\": \"0.36.0\", \"threads\": \"1\", \"threads.requested\": \"1\", \"device\": \"cpu()\"},"
                        + " \"git\": {\"commit\": \"0123abc\"}, \"weights.sha256\": {\"res\": \"aa\", \"vgg\": \"bb\"}}\n");
        for (String label : List.of("res", "vgg")) {
            List<List<String>> rows = new ArrayList<>();
            for (HistoryRow r : ReportFixtures.history(label.equals("res") ? 0 : 2)) {
                rows.add(List.of(
                        Integer.toString(r.epoch()),
                        Double.toString(r.lr()),
                        Double.toString(r.trainLoss()),
                        Double.toString(r.trainAccuracy()),
                        Double.toString(r.valLoss()),
                        Double.toString(r.valAccuracy())));
            }
            Files.createDirectories(run.resolve(label));
            Files.writeString(
                    run.resolve(label).resolve("history.csv"), ModelFiles.csv(ModelFiles.HISTORY_COLUMNS, rows));
        }
        Files.writeString(run.resolve("res").resolve("divergence.csv"), ReportFixtures.DIVERGENCE);
        Files.writeString(
                run.resolve("summary.md"),
                new SummaryTable(List.of(
                                new SummaryTable.Row("res", 0.5, 0.82, 11_173_962, 0.82, 6),
                                new SummaryTable.Row("vgg", 0.6, 0.78, 38_958_922, 0.78, 6)))
                        .markdown());
        html = Report.write(run).html();
    }

    @Test
    void everyImageLoadsAndEachModelHasARow() throws Exception {
        PageCheck check = check(Files.readString(html, StandardCharsets.UTF_8));
        // 2 comparison plots, 2 per model, 1 divergence plot.
        assertThat(check.problems(7, 2)).isEmpty();

        Path screenshot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        run(List.of(
                "--screenshot=" + screenshot,
                "--window-size=1300,2600",
                html.toUri().toString()));
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertThat(image.getWidth()).isEqualTo(1300);
    }

    @Test
    void theCheckFailsOnATruncatedImage() throws Exception {
        String page = Files.readString(html, StandardCharsets.UTF_8);
        int start = page.indexOf("base64,") + "base64,".length();
        int end = page.indexOf('"', start);
        // Cut to its first 40 characters the image has no size at all; cut in half it has its size but
        // only the top half of its rows.
        for (int keep : new int[] {40, (end - start) / 2 / 4 * 4}) {
            String broken = page.substring(0, start) + page.substring(start, start + keep) + page.substring(end);
            assertThat(check(broken).problems(7, 2))
                    .as("first %d characters", keep)
                    .containsExactly("1 image(s) did not load: [validation-accuracy.png]");
        }
    }

    @Test
    void theCheckFailsOnAMissingRow() throws Exception {
        String page = Files.readString(html, StandardCharsets.UTF_8);
        String broken = page.replaceFirst("<tr data-model=\"vgg\">.*?</tr>\n", "");
        assertThat(broken).isNotEqualTo(page);
        assertThat(check(broken).problems(7, 2)).containsExactly("1 result row(s), expected 2 (one per model)");
    }

    /**
     * What the script saw in the rendered page.
     *
     * @param images how many images the page has
     * @param broken the alt text of images that did not decode
     * @param rows rows of the results table
     */
    record PageCheck(int images, List<String> broken, int rows) {

        List<String> problems(int expectedImages, int models) {
            List<String> problems = new ArrayList<>();
            if (images != expectedImages) {
                problems.add(images + " image(s), expected " + expectedImages);
            }
            if (!broken.isEmpty()) {
                problems.add(broken.size() + " image(s) did not load: " + broken);
            }
            if (rows != models) {
                problems.add(rows + " result row(s), expected " + models + " (one per model)");
            }
            return problems;
        }
    }

    /** Loads the page in headless Chromium with a script that writes what it sees into the DOM, and reads it back. */
    static PageCheck check(String page) throws Exception {
        String script = "<script>window.addEventListener('load', function () {"
                + " var images = Array.prototype.slice.call(document.images);"
                // Loaded, with a size, and decoded to the last row: a truncated PNG keeps its size from the
                // header but leaves the rows it lacks transparent, and every plot's corner is opaque white.
                + " function whole(i) { if (!i.complete || i.naturalWidth === 0) { return false; }"
                + "   var c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;"
                + "   var g = c.getContext('2d'); g.drawImage(i, 0, 0);"
                + "   return g.getImageData(i.naturalWidth - 1, i.naturalHeight - 1, 1, 1).data[3] === 255; }"
                + " var broken = images.filter(function (i) { return !whole(i); }).map(function (i) { return i.alt; });"
                + " var out = document.createElement('pre'); out.id = 'page-check';"
                + " out.textContent = 'images=' + images.length + ';broken=' + broken.join(',')"
                + "   + ';rows=' + document.querySelectorAll('#results tbody tr').length + ';';"
                + " document.body.appendChild(out); });</script>";
        Path file = Files.createTempFile(dir, "page", ".html");
        Files.writeString(file, page.replace("</body>", script + "\n</body>"), StandardCharsets.UTF_8);
        String dom = run(
                List.of("--dump-dom", "--virtual-time-budget=5000", file.toUri().toString()));
        Matcher m = Pattern.compile("<pre id=\"page-check\">images=(\\d+);broken=([^;]*);rows=(\\d+);</pre>")
                .matcher(dom);
        assertThat(m.find())
                .as("the check script did not run; DOM:\n" + dom.substring(0, Math.min(2000, dom.length())))
                .isTrue();
        List<String> broken =
                m.group(2).isEmpty() ? List.of() : List.of(m.group(2).split(","));
        return new PageCheck(Integer.parseInt(m.group(1)), broken, Integer.parseInt(m.group(3)));
    }

    /** Runs headless Chromium offline (as root, hence no sandbox) and returns what it printed. */
    static String run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium")));
        command.addAll(args);
        Path out = Files.createTempFile(dir, "chromium", ".out");
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile())
                .start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 2 minutes: " + command);
        }
        assertThat(p.exitValue())
                .as(Files.readString(out.resolveSibling(out.getFileName() + ".err")))
                .isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static Path findChromium() {
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String folder :
                    System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path candidate = Path.of(folder, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
