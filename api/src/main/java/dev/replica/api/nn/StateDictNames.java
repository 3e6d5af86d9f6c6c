package dev.replica.api.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the map from a model's parameter paths to the names a PyTorch {@code state_dict} of the same
 * architecture uses, for {@link dev.replica.api.ModelPlugin#pytorchNames}. A plugin names each layer by
 * its module path ({@code layer1.0.conv1}); the parameter's own name follows PyTorch: {@code weight} and
 * {@code bias}, and BatchNorm's {@code gamma, beta, runningMean, runningVar} become {@code weight, bias,
 * running_mean, running_var}. DJL's and PyTorch's layouts agree (convolutions OIHW, linear weights
 * {@code [out, in]}), so values move unchanged.
 */
public final class StateDictNames {

    private static final Map<String, String> SUFFIXES = Map.of(
            "weight", "weight",
            "bias", "bias",
            "gamma", "weight",
            "beta", "bias",
            "runningMean", "running_mean",
            "runningVar", "running_var");

    private final Map<Parameter, String> paths = new IdentityHashMap<>();
    private final List<String> order = new ArrayList<>();
    private final Map<String, String> names = new LinkedHashMap<>();

    /**
     * Starts naming a model.
     *
     * @param model the whole, initialised model
     */
    public StateDictNames(Block model) {
        for (Pair<String, Parameter> p : model.getParameters()) {
            paths.put(p.getValue(), p.getKey());
            order.add(p.getKey());
        }
    }

    /**
     * Names every parameter of one layer under a module path.
     *
     * @param module the PyTorch module path, e.g. {@code layer2.0.shortcut.1}
     * @param layer a convolution, linear or BatchNorm layer of the model
     * @return this
     * @throws IllegalArgumentException when the layer is not part of the model, a parameter is named
     *     twice, or a parameter has no PyTorch counterpart
     */
    public StateDictNames layer(String module, Block layer) {
        for (Pair<String, Parameter> p : layer.getDirectParameters()) {
            String path = paths.get(p.getValue());
            if (path == null) {
                throw new IllegalArgumentException(module + " is not a layer of the model");
            }
            String suffix = SUFFIXES.get(p.getValue().getName());
            if (suffix == null) {
                throw new IllegalArgumentException(
                        "parameter " + path + " (" + p.getValue().getName() + ") has no PyTorch name");
            }
            if (names.put(path, module + "." + suffix) != null) {
                throw new IllegalArgumentException("parameter " + path + " is named twice");
            }
        }
        return this;
    }

    /**
     * Returns the names, in the model's parameter order (which plugins keep equal to PyTorch's
     * {@code state_dict} order).
     *
     * @return PyTorch names by parameter path
     * @throws IllegalStateException when a parameter was left unnamed
     */
    public Map<String, String> build() {
        List<String> unnamed = order.stream().filter(p -> !names.containsKey(p)).toList();
        if (!unnamed.isEmpty()) {
            throw new IllegalStateException("parameters without a PyTorch name: " + unnamed);
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String path : order) {
            ordered.put(path, names.get(path));
        }
        return Collections.unmodifiableMap(ordered);
    }
}
