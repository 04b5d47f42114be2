package ai.chorus.core.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.chorus.engine.InvalidInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recipes are read strictly: every fault is one line naming the recipe and the key. */
class MergeRecipeTest {
    private static final String YAML = """
            method: ties
            base: seed
            models:
              - model: e00
                weight: 2
              - model: e01
                weight: 1.5
            parameters:
              density: 0.3
              lambda: 0.8
            """;
    private static final String JSON = """
            {"method": "ties", "base": "seed",
             "models": [{"model": "e00", "weight": 2}, {"model": "e01", "weight": 1.5}],
             "parameters": {"density": 0.3, "lambda": 0.8}}
            """;

    private static MergeMethod build(MergeRecipe r) {
        return MergeMethods.create(r.source(), r.method(), r.models().size(), r.weights(), r.parameters(),
                () -> new double[] {0.25, 0.75});
    }

    @Test
    void yamlAndJsonSayTheSameThing() {
        MergeRecipe yaml = MergeRecipe.parse(YAML, false, "r.yaml");
        MergeRecipe json = MergeRecipe.parse(JSON, true, "r.json");
        for (MergeRecipe r : new MergeRecipe[] {yaml, json}) {
            assertThat(r.method()).isEqualTo("ties");
            assertThat(r.base()).isEqualTo("seed");
            assertThat(r.models()).containsExactly("e00", "e01");
            assertThat(r.weights()).containsExactly(2.0, 1.5);
            assertThat(r.parameters()).isEqualTo(Map.of("density", 0.3, "lambda", 0.8));
            MergeMethod m = build(r);
            assertThat(m.parameters()).isEqualTo(Map.of("density", 0.3, "lambda", 0.8));
            assertThat(m.weights()).containsExactly(2.0, 1.5);
        }
    }

    @Test
    void theShortFormAndTheDefaultsFillIn() {
        MergeRecipe r = MergeRecipe.parse("method: dare\nmodels: [e00, e01]\n", false, "r.yaml");
        assertThat(r.weights()).isNull();
        MergeMethod m = build(r);
        assertThat(m.parameters()).containsEntry("drop", 0.9).containsEntry("lambda", 1.0).containsEntry("seed", 0L)
                .containsEntry("ties", false);
        assertThat(m.weights()).containsExactly(1.0, 1.0);
        MergeMethod avg = build(MergeRecipe.parse("method: average\nmodels: [e00, e01]\n", false, "r.yaml"));
        assertThat(avg.weights()).containsExactly(0.25, 0.75); // the data shares
        assertThat(avg.parameters()).containsEntry("weighting", "data");
    }

    @Test
    void faultsAreOneLineNamingTheRecipeAndWhatIsWrong() {
        refused("method: ties\nmodels: [e00]\ncolour: red\n", "unknown key colour");
        refused("method: ties\nmodels: [{model: e00, wieght: 2}]\n", "unknown key models[0].wieght");
        refused("method: mystery\nmodels: [e00]\n", "unknown merge method \"mystery\"");
        refused("models: [e00]\n", "missing method");
        refused("method: ties\n", "models must be a non-empty list");
        refused("method: ties\nmodels: []\n", "models must be a non-empty list");
        refused("method: ties\nmodels: [e00]\nparameters: {density: 0}\n", "density of ties must be in (0, 1], got 0");
        refused("method: ties\nmodels: [e00]\nparameters: {density: 1.5}\n", "density of ties must be in (0, 1]");
        refused("method: dare\nmodels: [e00]\nparameters: {drop: 1}\n", "drop of dare must be in [0, 1), got 1");
        refused("method: slerp\nmodels: [e00, e01]\nparameters: {t: 2}\n", "t of slerp must be in [0, 1]");
        refused("method: slerp\nmodels: [e00, e01, e02]\n", "slerp merges exactly two models, got 3");
        refused("method: average\nmodels: [e00]\nparameters: {density: 0.5}\n", "unknown parameter density for method average");
        refused("method: ties\nmodels: [e00]\nparameters: {lambda: big}\n", "lambda of ties must be a number, got \"big\"");
        refused("method: dare\nmodels: [e00]\nparameters: {seed: 1.5}\n", "seed of dare must be an integer");
        refused("method: ties\nmodels: [{model: e00, weight: 1}, e01]\n", "give a weight to every model or to none");
        refused("method: ties\nmodels: [{model: e00, weight: -1}]\n", "weights of ties must be positive");
        refused("method: average\nmodels: [{model: e00, weight: 0}]\n", "weights of average are all zero");
        refused("method: average\nmodels: [{model: e00, weight: 1}]\nparameters: {weighting: uniform}\n",
                "weighting of average cannot be given together with per-model weights");
        refused("method: ties\nmethod: dare\nmodels: [e00]\n", "not valid YAML");
        refused("- just\n- a list\n", "must be a mapping");
        refused("method: ties\nmodels: [e00]\nparameters: {density: [1]}\n", "parameters.density must be a number");
    }

    private static void refused(String yaml, String message) {
        assertThatThrownBy(() -> build(MergeRecipe.parse(yaml, false, "recipe r.yaml")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("recipe r.yaml: ")
                .hasMessageContaining(message)
                .hasMessageNotContaining("\n");
    }
}
