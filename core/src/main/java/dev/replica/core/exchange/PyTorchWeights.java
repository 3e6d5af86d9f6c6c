package dev.replica.core.exchange;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import dev.replica.api.ModelPlugin;
import dev.replica.api.UserException;
import dev.replica.api.params.Params;
import dev.replica.core.state.ModelState;
import dev.replica.core.state.TensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A model's weights under the names PyTorch gives them: every trainable parameter and BatchNorm
 * statistic, named as its plugin declares ({@link ModelPlugin#pytorchNames}). Export and import both go
 * through here, so a file Replica writes is one Replica reads.
 */
public final class PyTorchWeights {

    /** What PyTorch's BatchNorm adds to a {@code state_dict} and Replica's models do not keep. */
    static final String BATCHES_TRACKED = "num_batches_tracked";

    private static final Logger LOG = LogManager.getLogger(PyTorchWeights.class);

    private PyTorchWeights() {}

    /**
     * Returns the model's PyTorch names, or a message saying the plugin has none.
     *
     * @param plugin the model's plugin
     * @param params its parameters
     * @param block the initialised model
     * @return PyTorch names by parameter path, in {@code state_dict} order
     * @throws UserException when the plugin declares no names
     */
    public static Map<String, String> names(ModelPlugin plugin, Params params, Block block) {
        return plugin.pytorchNames(params, block)
                .orElseThrow(() -> new UserException("model plugin '" + plugin.name() + "' ("
                        + plugin.getClass().getName() + ") declares no PyTorch names, so its weights cannot "
                        + "be exported or imported; the plugin can declare them with ModelPlugin.pytorchNames"));
    }

    /**
     * Takes the model's weights as float32 tensors under their PyTorch names.
     *
     * @param plugin the model's plugin
     * @param params its parameters
     * @param block the initialised model
     * @return the tensors, in {@code state_dict} order
     */
    public static Map<String, StoredTensor> export(ModelPlugin plugin, Params params, Block block) {
        Map<String, NDArray> arrays = ModelState.arrays(block);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : names(plugin, params, block).entrySet()) {
            NDArray a = arrays.get(e.getKey());
            tensors.put(e.getValue(), StoredTensor.ofFloats(a.getShape(), TensorFile.floats(a)));
        }
        return tensors;
    }

    /**
     * Reads a weights file and copies it into the model: every parameter and BatchNorm statistic must be
     * there under its PyTorch name, float32 and of the model's shape. PyTorch's
     * {@code num_batches_tracked} entries are ignored; anything else the model lacks is refused.
     *
     * @param file a {@code .safetensors} or {@code .npz} file
     * @param plugin the model's plugin
     * @param params its parameters
     * @param block the initialised model
     * @param label the model's label, for messages
     * @return the tensors read under a name an earlier version of the plugin gave them, each as {@code
     *     former -> today's}; empty for a file in today's names
     * @throws UserException when the file cannot be read or does not fit the model, naming what is wrong
     */
    public static Map<String, String> load(Path file, ModelPlugin plugin, Params params, Block block, String label) {
        WeightsFile format = WeightsFile.of(file)
                .orElseThrow(() -> new UserException(
                        file + ": weights of model '" + label + "' must be a .safetensors or .npz file"));
        Map<String, StoredTensor> tensors;
        try {
            tensors = new LinkedHashMap<>(format.read(file).tensors());
        } catch (IOException e) {
            throw new UserException(e.getMessage() + " (weights of model '" + label + "')", e);
        }
        Map<String, String> names = names(plugin, params, block);
        Map<String, String> renamed = formerNames(tensors, plugin, names);
        renamed.forEach((former, now) -> tensors.put(now, tensors.remove(former)));
        Map<String, NDArray> arrays = ModelState.arrays(block);
        List<String> missing = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, TensorFile.Entry> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : names.entrySet()) {
            StoredTensor t = tensors.get(e.getValue());
            if (t == null) {
                missing.add(e.getValue());
                continue;
            }
            NDArray target = arrays.get(e.getKey());
            if (!t.djlShape().equals(target.getShape())) {
                problems.add(e.getValue() + " has shape " + t.djlShape() + ", the model has " + target.getShape());
            } else if (t.type() != TensorType.F32) {
                problems.add(e.getValue() + " is " + t.type() + "; Replica's models hold F32 (in PyTorch: "
                        + "{k: v.float() for k, v in state_dict.items()})");
            } else {
                values.put(e.getKey(), new TensorFile.Entry(t.djlShape(), t.floats()));
            }
        }
        List<String> unexpected = tensors.keySet().stream()
                .filter(n -> !names.containsValue(n) && !n.endsWith("." + BATCHES_TRACKED))
                .toList();
        if (!missing.isEmpty()) {
            problems.add(
                    0,
                    "missing " + missing.size() + " of the model's " + names.size() + " tensors: "
                            + abbreviated(missing));
        }
        if (!unexpected.isEmpty()) {
            problems.add("holds " + unexpected.size() + " tensors the model does not have: " + abbreviated(unexpected));
        }
        if (!problems.isEmpty()) {
            throw new UserException(file + " does not fit model '" + label + "' (plugin '" + plugin.name() + "', "
                    + params.asMap() + "):\n  " + String.join("\n  ", problems));
        }
        ModelState.copyInto(block, values, file.toString());
        if (!renamed.isEmpty()) {
            LOG.warn(
                    "{}: read {} tensors of model '{}' under the names an earlier version of plugin '{}' gave them "
                            + "({}); a new export writes today's names",
                    file,
                    renamed.size(),
                    label,
                    plugin.name(),
                    abbreviated(renamed.entrySet().stream()
                            .map(e -> e.getKey() + " as " + e.getValue())
                            .toList()));
        }
        return renamed;
    }

    /** The file's tensors that bear a former name of one the model has, and are not there under today's. */
    private static Map<String, String> formerNames(
            Map<String, StoredTensor> tensors, ModelPlugin plugin, Map<String, String> names) {
        Map<String, String> renamed = new LinkedHashMap<>();
        for (String name : tensors.keySet()) {
            String now = plugin.currentPytorchName(name);
            if (!now.equals(name) && names.containsValue(now) && !tensors.containsKey(now)) {
                renamed.put(name, now);
            }
        }
        return renamed;
    }

    private static String abbreviated(List<String> names) {
        return names.size() <= 8
                ? String.join(", ", names)
                : String.join(", ", names.subList(0, 8)) + ", ... (" + (names.size() - 8) + " more)";
    }
}
