package dev.replica.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.DatasetPlugin;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class BuiltinDatasetsTest {

    @Test
    void bothDatasetsRegisterAsServicesUnderTheirNames() {
        assertThat(ServiceLoader.load(DatasetPlugin.class).stream()
                        .map(p -> p.get().name()))
                .contains("cifar10", "synthetic");
    }
}
