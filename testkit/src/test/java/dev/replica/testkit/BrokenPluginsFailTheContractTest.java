package dev.replica.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.replica.api.ModelPlugin;
import dev.replica.testkit.TinyPlugin.Flaw;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each mistake a plugin can make fails the contract test written to catch it. */
class BrokenPluginsFailTheContractTest {

    @Test
    void anUpperCaseNameFails() {
        assertThatThrownBy(() -> contractFor(Flaw.UPPER_CASE_NAME).nameIsLowerCaseAndStable())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Tiny");
    }

    @Test
    void aParameterWithoutDescriptionFails() {
        assertThatThrownBy(() ->
                        contractFor(Flaw.UNDESCRIBED_PARAMETER).schemaDefaultsValidateAndEveryParameterIsDescribed())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("description of parameter 'classes'");
    }

    @Test
    void aLayerLeftOnDjlsXavierInitializerFailsTheSeedingCheck() {
        assertThatThrownBy(() -> contractFor(Flaw.XAVIER_LEFT_ON_LINEAR)
                        .everyParameterHasASeededInitializerWithAStreamOfItsOwn())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Linear_weight");
    }

    @Test
    void aLayerLeftOnDjlsXavierInitializerGivesDifferentWeightsOnTheTwoEngines() {
        assertThatThrownBy(() ->
                        contractFor(Flaw.XAVIER_LEFT_ON_LINEAR).oneSeedGivesBitIdenticalInitialWeightsOnBothEngines())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Linear_weight");
    }

    @Test
    void aLayerLeftOnDjlsXavierInitializerFollowsTheEngineSeed() {
        ModelPluginContract contract = contractFor(Flaw.XAVIER_LEFT_ON_LINEAR);
        for (String engine : ModelHarness.ENGINES) {
            assertThatThrownBy(() -> contract.theEngineSeedDoesNotChangeTheInitialWeights(engine))
                    .as(engine)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Linear_weight");
        }
    }

    @Test
    void twoParametersDrawingFromOneStreamFail() {
        assertThatThrownBy(() -> contractFor(Flaw.STREAM_SHARED_BY_WEIGHT_AND_BIAS)
                        .everyParameterHasASeededInitializerWithAStreamOfItsOwn())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("fc/weight is used by");
    }

    @Test
    void weightsThatIgnoreTheRunSeedFail() {
        assertThatThrownBy(() ->
                        contractFor(Flaw.IGNORES_RUN_SEED).aDifferentRunSeedChangesEverySeededParameter("pytorch"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("parameters that a different run seed changes");
    }

    @Test
    void theWrongNumberOfOutputsFailsOnBothEngines() {
        ModelPluginContract contract = contractFor(Flaw.ONE_OUTPUT_TOO_MANY);
        for (String engine : ModelHarness.ENGINES) {
            assertThatThrownBy(() -> contract.tinyModelGivesOneOutputPerClass(engine))
                    .as(engine)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("(4, 4)");
        }
    }

    @Test
    void dropoutFromTheEngineGeneratorMakesTheEnginesDisagree() {
        assertThatThrownBy(() -> contractFor(Flaw.ENGINE_RANDOM_DROPOUT).bothEnginesGiveTheSameLogitsInTrainMode())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("logits of the two engines differ");
    }

    @Test
    void aTrainingStepThatDiffersBetweenEnginesGrowsPastTheNoiseFloorAtStepOne() {
        assertThatThrownBy(() -> contractFor(Flaw.MXNET_STEPS_DIFFER).bothEnginesFollowTheSameLossesOverTheFirstSteps())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("step 1: the engines' difference against 100x the noise floor");
    }

    private static ModelPluginContract contractFor(Flaw flaw) {
        return new ModelPluginContract() {
            @Override
            protected ModelPlugin plugin() {
                return new TinyPlugin(flaw);
            }

            @Override
            protected Map<String, Object> tinyParams() {
                return Map.of();
            }
        };
    }
}
