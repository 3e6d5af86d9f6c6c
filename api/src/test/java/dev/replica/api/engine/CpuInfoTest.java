package dev.replica.api.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuInfoTest {

    @Test
    void readsTheFirstProcessorsModelAndSortedFlags() {
        String text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R45\n"
                + "flags\t\t: fpu sse2 avx512f avx2 fma sse4_1 avx512_bf16 amx_tile f16c aes\n\n"
                + "processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n";
        CpuInfo cpu = CpuInfo.parse(text, "amd64");
        assertThat(cpu.model()).isEqualTo("AMD EPYC 9R45");
        assertThat(cpu.flags())
                .containsExactly(
                        "aes", "amx_tile", "avx2", "avx512_bf16", "avx512f", "f16c", "fma", "fpu", "sse2", "sse4_1");
        assertThat(cpu.vectorFlags()).isEqualTo("amx_tile avx2 avx512_bf16 avx512f f16c fma sse2 sse4_1");
    }

    @Test
    void withoutCpuinfoTheArchitectureStandsForTheModel() {
        CpuInfo cpu = CpuInfo.parse(null, "aarch64");
        assertThat(cpu.model()).isEqualTo("aarch64");
        assertThat(cpu.flags()).isEmpty();
    }
}
