package dev.replica.api.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeedStreamTest {

    // Golden values: the derivation is part of the format. If one of these changes, every past
    // result changes with it: do not update them, fix the code.
    @Test
    void derivationIsPinnedByGoldenValues() {
        SeedStream root = SeedStream.root(0);
        assertThat(root.seed()).isEqualTo(-2152535657050944081L);
        assertThat(root.child("init/resnet18").seed()).isEqualTo(3350356501724352389L);
        assertThat(root.child("data/order").child(3).seed()).isEqualTo(-4429542540109370720L);
    }

    @Test
    void generatorIsPinnedByGoldenValues() {
        RandomSource g = SeedStream.root(42).random();
        assertThat(g.nextLong()).isEqualTo(6332618229526065668L);
        assertThat(g.nextLong()).isEqualTo(-816328817471504299L);
        RandomSource h = SeedStream.root(42).child("x").random();
        assertThat(h.nextDouble()).isEqualTo(0.2534743407690918);
        assertThat(h.nextGaussian()).isEqualTo(1.841952355620967);
        assertThat(h.nextInt(10)).isEqualTo(8);
        assertThat(h.nextFloat()).isEqualTo(0.8845324f);
    }

    @Test
    void aSlashPathEqualsTheChainOfItsNames() {
        SeedStream root = SeedStream.root(7);
        assertThat(root.child("init/resnet18/stem").seed())
                .isEqualTo(root.child("init").child("resnet18").child("stem").seed());
        assertThat(root.child("init/resnet18").path()).isEqualTo("init/resnet18");
    }

    @Test
    void indexAndNameChildrenDiffer() {
        SeedStream root = SeedStream.root(7);
        assertThat(root.child(3).seed()).isNotEqualTo(root.child("3").seed());
    }

    @Test
    void streamsDependOnSeedAndOnEveryName() {
        Set<Long> seen = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            SeedStream root = SeedStream.root(seed);
            seen.add(root.seed());
            for (String name : new String[] {"a", "b", "ab", "ba", "init", "data"}) {
                seen.add(root.child(name).seed());
                for (long i = 0; i < 5; i++) {
                    seen.add(root.child(name).child(i).seed());
                }
            }
        }
        assertThat(seen).hasSize(20 * (1 + 6 * 6));
    }

    @Test
    void aStreamGivesTheSameSequenceEveryTime() {
        SeedStream s = SeedStream.root(1).child("data/augment").child(4);
        RandomSource a = s.random();
        RandomSource b = s.random();
        for (int i = 0; i < 100; i++) {
            assertThat(a.nextLong()).isEqualTo(b.nextLong());
        }
    }

    @Test
    void emptyNamesAreRejected() {
        assertThatThrownBy(() -> SeedStream.root(1).child("a//b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("empty name in seed stream path 'a//b'");
    }

    @Test
    void theEngineSeedMixesAllSixtyFourBitsSoStructuredSeedsDoNotCollide() {
        Set<Integer> seen = new HashSet<>();
        for (long k = 0; k < 64; k++) {
            for (long seed : new long[] {k, k << 32, (k << 32) | k, Long.reverse(k), ~k}) {
                seen.add(SeedStream.engineSeed(seed));
            }
        }
        // 64 x 5 seeds, some equal by construction (0 and 0 << 32, ...): every distinct one lands apart.
        Set<Long> distinct = new HashSet<>();
        for (long k = 0; k < 64; k++) {
            for (long seed : new long[] {k, k << 32, (k << 32) | k, Long.reverse(k), ~k}) {
                distinct.add(seed);
            }
        }
        assertThat(seen).hasSameSizeAs(distinct);
        assertThat(SeedStream.engineSeed(1L)).isNotEqualTo(SeedStream.engineSeed(1L << 32));
    }
}
