package dev.replica.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.UserException;
import dev.replica.core.record.HistoryRow;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plots are real images: PNG of the expected size with an SVG beside each. */
class PlotsTest {

    @TempDir
    Path dir;

    @Test
    void aDivergenceCsvBecomesALogScalePlotOfEveryNumericColumn() throws Exception {
        Path csv = dir.resolve("res").resolve("divergence.csv");
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, ReportFixtures.DIVERGENCE, StandardCharsets.UTF_8);
        Path png = Plots.divergence(csv, dir.resolve("plots").resolve("res-divergence.png"));
        assertImage(png);
        keep(png);
    }

    @Test
    void aDivergenceCsvWithoutAStepColumnIsAUserError() throws Exception {
        Path csv = dir.resolve("divergence.csv");
        Files.writeString(csv, "epoch,loss_rel_diff\n1,0.1\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Plots.divergence(csv, dir.resolve("d.png")))
                .isInstanceOf(UserException.class)
                .hasMessage(csv + " has no 'step' column; its columns are [epoch, loss_rel_diff]; a divergence CSV "
                        + "has a step column and one numeric column per series");
        Files.writeString(csv, "step,what\n1,x\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Plots.divergence(csv, dir.resolve("d.png")))
                .hasMessage(csv + " has no numeric column besides 'step'; nothing to plot");
    }

    @Test
    void curvesAndComparisonsAreWrittenForOneSeedAndForSeveral() throws Exception {
        Map<Long, List<HistoryRow>> one = Map.of(0L, ReportFixtures.history(0));
        Map<Long, List<HistoryRow>> three = new LinkedHashMap<>();
        for (long s = 0; s < 3; s++) {
            three.put(s, ReportFixtures.history(s));
        }
        List<Path> single = Plots.curves("res", one, dir);
        List<Path> several = Plots.curves("vgg", three, dir);
        assertThat(single).containsExactly(dir.resolve("res-loss.png"), dir.resolve("res-accuracy.png"));
        assertThat(several).containsExactly(dir.resolve("vgg-loss.png"), dir.resolve("vgg-accuracy.png"));
        Map<String, Map<Long, List<HistoryRow>>> both = new LinkedHashMap<>();
        both.put("res", three);
        both.put("vgg", three);
        List<Path> comparison = Plots.comparison(both, dir);
        for (Path p : List.of(
                single.get(0), single.get(1), several.get(0), several.get(1), comparison.get(0), comparison.get(1))) {
            assertImage(p);
            keep(p);
        }
    }

    private static void assertImage(Path png) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as(png.toString()).isNotNull();
        assertThat(image.getWidth()).isEqualTo(Plots.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Plots.HEIGHT);
        // XChart's SVG draws text as outlines, so only its shape is checked here; a person looks at the PNGs.
        String name = png.getFileName().toString();
        assertThat(Files.readString(png.resolveSibling(name.replace(".png", ".svg")), StandardCharsets.UTF_8))
                .startsWith("<?xml")
                .contains("<svg", "viewBox=\"0 0 " + Plots.WIDTH + " " + Plots.HEIGHT + "\"");
    }

    /** Keeps a copy under target/ for a person to look at. */
    private static void keep(Path png) throws Exception {
        Path kept = Path.of("target", "test-plots").resolve(png.getFileName());
        Files.createDirectories(kept.getParent());
        Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING);
    }
}
