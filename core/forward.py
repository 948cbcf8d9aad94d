"""Run a bundle's network in NumPy, from the weights its ``.keras`` file holds.

Everything that only predicts (the Predict, Evaluate and Batch predict pages,
``python -m core predict|evaluate|explain|similar``) runs the network here:
importing TensorFlow costs about 5 s and 650 MB, a visitor who only predicts
never needs it, and GenreLab's networks are small stacks of dense layers. The
``.keras`` file stays the model's format and source of truth; Keras writes it
and this module reads it, never runs it.

Only what GenreLab builds is accepted: a ``Sequential`` of ``Dense`` layers
(the activations below) and ``Dropout`` (the identity when predicting), or a
``Functional`` model that averages several such networks (an ensemble). Any
other layer, activation or wiring is refused with a :class:`BundleError`,
never approximated. Reading a file builds no Python object from it: the
configuration is plain JSON and the weights are arrays in an HDF5 file
(read with ``h5py``, which Keras itself depends on).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import BundleError
from core.limits import LIMITS, megabytes, parse_json, read_member

CONFIG_ENTRY = "config.json"
WEIGHTS_ENTRY = "model.weights.h5"
# Rows per block: a block's hidden activations (2,048 x 256 float32, 2 MB)
# stay in the CPU cache through the activation's dozen passes, which makes
# them several times faster than on blocks of 16,384 rows (measured: 3.7 and
# 15 ns a value); memory stays bounded whatever the number of rows.
BLOCK_ROWS = 2048

# erf(x) = x P(x^2) / Q(x^2) on [-4, 4] (+-1 beyond, to float32 precision): a
# rational approximation of the kind float32 erf kernels use, with error
# below 7e-8 (5e-7 evaluated in float32; tests check it against SciPy).
# scipy.special.erf takes 22 ns a value here: 2 of the 2.6 s that 200,000
# rows of the shipped network took, against 0.4 s this way.
_ERF_NUMERATOR = np.array(
    [
        -2.72614225801306e-10,
        2.77068142495902e-08,
        -2.10102402082508e-06,
        -5.69250639462346e-05,
        -7.34990630326855e-04,
        -2.95459980854025e-03,
        -1.60960333262415e-02,
    ],
    dtype=np.float32,
)
_ERF_DENOMINATOR = np.array(
    [
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
    ],
    dtype=np.float32,
)


def erf_in_place(x: np.ndarray) -> np.ndarray:
    """Overwrite ``x`` (float32, within [-4, 4]) with erf(x); return it.

    Every hidden value of a big file passes through here (768 million for a
    million rows of the shipped model), so no step makes an array it can
    write into an existing one.
    """
    squared = x * x
    numerator = squared * _ERF_NUMERATOR[0]
    numerator += _ERF_NUMERATOR[1]
    for coefficient in _ERF_NUMERATOR[2:]:
        numerator *= squared
        numerator += coefficient
    numerator *= x
    denominator = squared * _ERF_DENOMINATOR[0]
    denominator += _ERF_DENOMINATOR[1]
    for coefficient in _ERF_DENOMINATOR[2:]:
        denominator *= squared
        denominator += coefficient
    return np.divide(numerator, denominator, out=x)


def _gelu(x: np.ndarray) -> np.ndarray:
    # Keras' "gelu" is the exact form, 0.5 x (1 + erf(x / sqrt 2)), not the
    # tanh approximation.
    scaled = x * np.float32(1 / np.sqrt(2))
    result = erf_in_place(np.clip(scaled, -4.0, 4.0, out=scaled))
    result += np.float32(1.0)
    result *= x
    result *= np.float32(0.5)
    return result


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Split by sign so that exp never overflows (float32 overflows near 88).
    positive = x >= 0
    result = np.empty_like(x)
    result[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    result[~positive] = exp_x / (1.0 + exp_x)
    return result


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "gelu": _gelu,
    "softmax": _softmax,
}


@dataclass(frozen=True)
class Dense:
    """One dense layer: ``activation(inputs @ kernel + bias)``."""

    name: str
    kernel: np.ndarray  # float32, (inputs, units)
    bias: np.ndarray  # float32, (units,)
    activation: str

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        outputs = inputs @ self.kernel
        outputs += self.bias
        return ACTIVATIONS[self.activation](outputs)


@dataclass(frozen=True)
class Network:
    """A network, or the average of several (an ensemble), ready to predict.

    ``members`` holds each network's dense layers, input side first; the
    output is the mean of the members' outputs, as Keras' ``Average`` layer
    computes it.
    """

    members: tuple[tuple[Dense, ...], ...]

    @property
    def n_features(self) -> int:
        """The number of inputs."""
        return int(self.members[0][0].kernel.shape[0])

    @property
    def n_outputs(self) -> int:
        """The number of outputs (one per genre)."""
        return int(self.members[0][-1].kernel.shape[1])

    def weights(self) -> list[np.ndarray]:
        """Every kernel and bias, member by member, input side first."""
        return [
            w
            for layers in self.members
            for layer in layers
            for w in (layer.kernel, layer.bias)
        ]

    def _matrix(self, features: np.ndarray) -> np.ndarray:
        matrix = np.asarray(features, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.n_features:
            raise ValueError(
                f"expected rows of {self.n_features} inputs, got shape {matrix.shape}"
            )
        return matrix

    def _blocks(self, matrix: np.ndarray):
        for start in range(0, len(matrix), BLOCK_ROWS):
            yield matrix[start : start + BLOCK_ROWS]

    def outputs(self, features: np.ndarray, first_row: int | None = None) -> np.ndarray:
        """The raw outputs (float32): the members' output layers, averaged.

        Args:
            features: the input rows.
            first_row: the first row's place in its file (0 = the first data
                row), when the rows are a chunk of a file; None otherwise.
                Each row is then computed at its file place's position in a
                full block, so a file gives the same bits whatever its
                chunking. BLAS's last bits depend on a row's position in the
                block and on the block's size (measured: shifting 10,000
                rows by one changed 17% of their outputs; by a multiple of
                ``BLOCK_ROWS``, none), and rounding to four decimals turned
                that into different written probabilities for 1 row in 1,000.
                The number of BLAS threads moves the last bits too; the
                command line and its second process use one.
        """
        matrix = self._matrix(features)
        if first_row is None:
            return self._outputs(matrix)
        lead = first_row % BLOCK_ROWS
        size = -(-(lead + len(matrix)) // BLOCK_ROWS) * BLOCK_ROWS
        padded = np.zeros((size, self.n_features), dtype=np.float32)
        padded[lead : lead + len(matrix)] = matrix
        return self._outputs(padded)[lead : lead + len(matrix)]

    def _outputs(self, matrix: np.ndarray) -> np.ndarray:
        blocks = [np.zeros((0, self.n_outputs), dtype=np.float32)]
        for block in self._blocks(matrix):
            total = np.zeros((len(block), self.n_outputs), dtype=np.float32)
            for layers in self.members:
                values = block
                for layer in layers:
                    values = layer(values)
                total += values
            blocks.append(total / np.float32(len(self.members)))
        return np.concatenate(blocks)

    def probabilities(
        self, features: np.ndarray, first_row: int | None = None
    ) -> np.ndarray:
        """Genre probabilities (float64), each row summing to 1.

        Softmax outputs already do; sigmoid outputs (the study's network) are
        divided by their sum. ``first_row``: see :meth:`outputs`.
        """
        raw = self.outputs(features, first_row).astype(np.float64)
        totals = raw.sum(axis=1, keepdims=True)
        return raw / np.where(totals > 0, totals, 1.0)

    def last_hidden(self, features: np.ndarray) -> np.ndarray:
        """Each member's last hidden layer's activations, side by side.

        How the network "sees" a track just before it names a genre (the map
        of songs projects these). A network without a hidden layer gives its
        inputs.
        """
        blocks = []
        for block in self._blocks(self._matrix(features)):
            parts = []
            for layers in self.members:
                values = block
                for layer in layers[:-1]:
                    values = layer(values)
                parts.append(values)
            blocks.append(np.hstack(parts))
        width = sum(
            (layers[-2].kernel.shape[1] if len(layers) > 1 else self.n_features)
            for layers in self.members
        )
        return np.vstack(blocks) if blocks else np.zeros((0, width), np.float32)


# Classes a GenreLab model file names; anything else is refused. Keras'
# initializers name the random draws of untrained weights: irrelevant to
# predicting, and never built here.
ALLOWED_CLASSES = frozenset(
    {
        "InputLayer",
        "Dense",
        "Dropout",
        "Sequential",
        "Functional",
        "Average",
        "DTypePolicy",
        "__keras_tensor__",
    }
)


def _check_classes(config: Any) -> None:
    """Refuse any class (layer, custom object) outside ``ALLOWED_CLASSES``."""
    unexpected: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "class_name" in node and "config" in node:
                name = str(node["class_name"])
                module = str(node.get("module") or "keras")
                if module.startswith("keras.initializers"):
                    return
                if not module.startswith("keras"):
                    unexpected.add(f"{module}.{name}")
                elif name not in ALLOWED_CLASSES:
                    unexpected.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    if unexpected:
        raise BundleError(
            "The model file contains layers GenreLab does not build "
            f"({', '.join(sorted(unexpected))}); it was refused for safety."
        )


def _refuse(detail: str) -> BundleError:
    return BundleError(
        f"The model file holds {detail}, which GenreLab does not build; "
        "it was refused for safety."
    )


def _sequential_layers(config: dict) -> list[dict]:
    """The Dense layers of a Sequential's config (Dropout is skipped: the identity)."""
    dense = []
    for layer in config.get("layers", []):
        kind = layer.get("class_name")
        settings = layer.get("config", {})
        if kind in ("InputLayer", "Dropout"):
            continue
        if kind != "Dense":
            raise _refuse(f"a layer of type {kind!r}")
        activation = settings.get("activation")
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise _refuse(f"the activation {activation!r}")
        if not settings.get("use_bias", True):
            raise _refuse("a dense layer without bias")
        units = settings.get("units")
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise _refuse(f"a dense layer of {units!r} units")
        dense.append(
            {
                "name": str(settings.get("name")),
                "activation": activation,
                "units": units,
            }
        )
    if not dense:
        raise _refuse("a network without any dense layer")
    return dense


def _inbound_names(layer: dict) -> list[str]:
    """The layers whose outputs a Functional layer takes (Keras 3 config format)."""
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("class_name") == "__keras_tensor__":
                history = node.get("config", {}).get("keras_history", [])
                if history:
                    names.append(str(history[0]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(layer.get("inbound_nodes", []))
    return names


def _members_of(config: dict) -> list[tuple[str, dict]]:
    """(name, Sequential config) of each network in the file, in order."""
    kind = config.get("class_name")
    if kind == "Sequential":
        return [("", config.get("config", {}))]
    if kind != "Functional":
        raise _refuse(f"a model of type {kind!r}")
    layers = config.get("config", {}).get("layers", [])
    inputs = [layer for layer in layers if layer.get("class_name") == "InputLayer"]
    sequentials = [layer for layer in layers if layer.get("class_name") == "Sequential"]
    averages = [layer for layer in layers if layer.get("class_name") == "Average"]
    if len(inputs) != 1 or not sequentials or len(averages) != 1:
        raise _refuse("a layout other than networks averaged")
    if len(inputs) + len(sequentials) + len(averages) != len(layers):
        others = sorted(
            {str(layer.get("class_name")) for layer in layers}
            - {"InputLayer", "Sequential", "Average"}
        )
        raise _refuse(f"layers of type {', '.join(others)}")
    input_name = inputs[0].get("name")
    member_names = [str(layer.get("name")) for layer in sequentials]
    if any(_inbound_names(layer) != [input_name] for layer in sequentials):
        raise _refuse("networks that do not all read the inputs")
    if sorted(_inbound_names(averages[0])) != sorted(member_names):
        raise _refuse("an average that is not of every network")
    outputs = config.get("config", {}).get("output_layers", [])
    if outputs and not isinstance(outputs[0], list):
        outputs = [outputs]  # one output is saved as [name, 0, 0]
    if [str(output[0]) for output in outputs] != [str(averages[0].get("name"))]:
        raise _refuse("an output other than the average")
    return [
        (name, layer.get("config", {}))
        for name, layer in zip(member_names, sequentials, strict=True)
    ]


def _named_children(group: Any) -> dict[str, Any]:
    """The sub-layers of an HDF5 group, by their Keras layer name."""
    children: dict[str, Any] = {}
    layers = group.get("layers")
    if layers is None:
        return children
    for key in layers:
        variables = layers[key].get("vars")
        name = variables.attrs.get("name") if variables is not None else None
        if name is None:
            raise BundleError(
                "The model file's weights do not name their layers (it was saved "
                "by an older Keras); retrain the model."
            )
        children[name.decode() if isinstance(name, bytes) else str(name)] = layers[key]
    return children


def _declared_weights(group: Any, name: str) -> tuple[Any, Any]:
    """A dense layer's kernel and bias datasets, not read yet."""
    try:
        variables = group["vars"]
        return variables["0"], variables["1"]
    except KeyError:
        raise BundleError(
            f"The model file is damaged: the weights of layer {name} are missing."
        ) from None


def _check_declared_shape(
    kernel: Any, bias: Any, layer: dict, width: int | None
) -> None:
    """Refuse weights whose declared shape or type disagree with the layer's config.

    Only the datasets' declarations are looked at: nothing is read yet.
    """
    shape, bias_shape = tuple(kernel.shape or ()), tuple(bias.shape or ())
    units = layer["units"]
    if (
        len(shape) != 2
        or shape[1] != units
        or (width is not None and shape[0] != width)
        or bias_shape != (units,)
    ):
        raise BundleError(
            f"The model file is damaged: layer {layer['name']}'s weights "
            f"({'x'.join(map(str, shape))}) do not fit its configuration "
            f"({units} units) or the layer before it."
        )
    if any(dataset.dtype.kind != "f" for dataset in (kernel, bias)):
        raise BundleError(
            f"The model file is damaged: layer {layer['name']}'s weights are "
            "not numbers."
        )


def _too_many_parameters(parameters: int) -> BundleError:
    return BundleError(
        f"The model file is too large: its network declares {parameters:,} "
        f"weights, more than the {LIMITS.model_parameters:,} a GenreLab model "
        "may have. Use a bundle downloaded from the Train page."
    )


def read_model_file(source: bytes) -> Network:
    """Read a ``.keras`` file (its bytes) into a :class:`Network`.

    Every member is unpacked through a bounded reader, and every weight's
    declared shape is checked against the configuration and against
    ``LIMITS.model_parameters`` before any weight is read (a small HDF5 file
    can declare a huge compressed dataset).

    Raises:
        BundleError: the file is damaged, too large once unpacked, or holds
            a layer, activation or wiring that GenreLab does not build.
    """
    damaged = BundleError("The model file is damaged (it is not a valid .keras file).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(source))
        config_text = read_member(
            archive, CONFIG_ENTRY, megabytes(LIMITS.bundle_text_mb), BundleError
        )
        weights = read_member(
            archive, WEIGHTS_ENTRY, megabytes(LIMITS.model_mb), BundleError
        )
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError):
        raise damaged from None
    config = parse_json(config_text, damaged)
    if not isinstance(config, dict):
        raise BundleError("The model file is damaged (its configuration is not JSON).")
    _check_classes(config)
    members_config = _members_of(config)
    import h5py

    try:
        weights_file = h5py.File(io.BytesIO(weights), "r")
    except OSError:
        raise BundleError(
            "The model file is damaged (its weights cannot be read)."
        ) from None
    with weights_file:
        declared = _declared_members(weights_file, members_config)
        members = [
            tuple(
                Dense(
                    layer["name"],
                    np.asarray(kernel, dtype=np.float32),
                    np.asarray(bias, dtype=np.float32),
                    layer["activation"],
                )
                for layer, kernel, bias in member
            )
            for member in declared
        ]
    _check_shapes(members)
    return Network(tuple(members))


def _declared_members(
    weights_file: Any, members_config: list[tuple[str, dict]]
) -> list[list[tuple[dict, Any, Any]]]:
    """Each network's (layer config, kernel dataset, bias dataset), shapes checked.

    Raises:
        BundleError: a weight is missing, its declared shape disagrees with
            the configuration, or all of them add up to more than
            ``LIMITS.model_parameters``.
    """
    top = _named_children(weights_file)
    members = []
    parameters = 0
    inputs: int | None = None
    for member_name, sequential in members_config:
        group = weights_file if not member_name else top.get(member_name)
        if group is None:
            raise BundleError(
                f"The model file is damaged: the weights of {member_name} are missing."
            )
        children = _named_children(group)
        layers = []
        width = inputs
        for layer in _sequential_layers(sequential):
            if layer["name"] not in children:
                raise BundleError(
                    "The model file is damaged: the weights of layer "
                    f"{layer['name']} are missing."
                )
            kernel, bias = _declared_weights(children[layer["name"]], layer["name"])
            _check_declared_shape(kernel, bias, layer, width)
            inputs = inputs if inputs is not None else int(kernel.shape[0])
            width = int(kernel.shape[1])
            parameters += int(kernel.size) + int(bias.size)
            if parameters > LIMITS.model_parameters:
                raise _too_many_parameters(parameters)
            layers.append((layer, kernel, bias))
        members.append(layers)
    return members


def _check_shapes(members: list[tuple[Dense, ...]]) -> None:
    inputs = members[0][0].kernel.shape[0]
    outputs = members[0][-1].kernel.shape[1]
    for layers in members:
        width = inputs
        for layer in layers:
            if (
                layer.kernel.ndim != 2
                or layer.kernel.shape[0] != width
                or layer.bias.shape != (layer.kernel.shape[1],)
            ):
                raise BundleError(
                    f"The model file is damaged: layer {layer.name}'s weights do "
                    "not fit the layer before it."
                )
            width = layer.kernel.shape[1]
        if width != outputs:
            raise BundleError(
                "The model file is damaged: its networks do not give the same outputs."
            )
