package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.DataContext;
import dev.replica.api.DataSplits;
import dev.replica.api.seed.SeedStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** New images become examples as the dataset makes its own: size, channel order, normalisation. */
class ImageExampleTest {

    private static DataSplits synthetic() {
        SyntheticPlugin plugin = new SyntheticPlugin();
        return plugin.open(
                plugin.schema()
                        .validate(Map.of("train_size", 8, "test_size", 4))
                        .orElseThrow(),
                new DataContext(Path.of("unused"), SeedStream.root(5).child("data")));
    }

    @Test
    void anImageOfTheExamplesSizeIsTakenPixelForPixelInChannelPlanes() {
        DataSplits data = synthetic();
        int side = (int) data.exampleShape().get(1);
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        image.setRGB(1, 0, 0x102030);
        float[] f = data.imageExample(image);
        int plane = side * side;
        assertThat(f).hasSize(3 * plane);
        assertThat(f[1]).isEqualTo(Normalization.CIFAR10.value(0, 0x10));
        assertThat(f[plane + 1]).isEqualTo(Normalization.CIFAR10.value(1, 0x20));
        assertThat(f[2 * plane + 1]).isEqualTo(Normalization.CIFAR10.value(2, 0x30));
        assertThat(f[0]).isEqualTo(Normalization.CIFAR10.value(0, 0));
    }

    @Test
    void anotherSizeIsScaledToCoverAndCentreCropped() {
        DataSplits data = synthetic();
        int side = (int) data.exampleShape().get(1);
        // A wide image: red in the middle square, blue on the left and right quarters that the crop removes.
        BufferedImage wide = new BufferedImage(4 * side, 2 * side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, 4 * side, 2 * side);
        g.setColor(new Color(200, 0, 0));
        g.fillRect(side, 0, 2 * side, 2 * side);
        g.dispose();
        float[] f = data.imageExample(wide);
        int plane = side * side;
        for (int i = 0; i < plane; i++) {
            assertThat(f[i]).isEqualTo(Normalization.CIFAR10.value(0, 200));
            assertThat(f[2 * plane + i]).isEqualTo(Normalization.CIFAR10.value(2, 0));
        }
    }

    @Test
    void aGreyImageGivesThreeEqualChannels() {
        DataSplits data = synthetic();
        int side = (int) data.exampleShape().get(1);
        BufferedImage grey = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(2, 3, 0, 77);
        float[] f = data.imageExample(grey);
        int at = 3 * side + 2;
        int plane = side * side;
        assertThat(new float[] {f[at], f[plane + at], f[2 * plane + at]})
                .containsExactly(
                        Normalization.CIFAR10.value(0, 77),
                        Normalization.CIFAR10.value(1, 77),
                        Normalization.CIFAR10.value(2, 77));
    }

    @Test
    void classesHaveNames() {
        assertThat(synthetic().classNames()).startsWith("class0", "class1");
    }
}
