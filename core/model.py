"""Build and train the Keras network described by a :class:`TrainingConfig`.

Training runs one compiled TensorFlow function per epoch instead of Keras'
``fit``: at the study's batch size of 16, ``fit`` spends most of its time in
per-step Python and metric bookkeeping (about 30 s for 15 epochs on 2 cores
versus about 3 s here), and retraining in seconds is what makes the app's
"tweak and retrain" usable. The maths is Keras' own: its layers, losses and
optimizers.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import schema
from core.config import TrainingConfig
from core.history import EpochLog, ProgressHook


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide what TensorFlow's C++ side prints while it loads.

    It writes "oneDNN custom operations are on" and absl warnings straight to
    file descriptor 2, whatever TF_CPP_MIN_LOG_LEVEL says; the command line
    promises one plain line on stderr, so they are muted for the import only.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (e.g. some hosted runtimes)
        yield
        return
    sys.stderr.flush()
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


# Read by TensorFlow once, when it is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
with _native_stderr_silenced():
    import keras
    import tensorflow as tf
from keras import layers  # noqa: E402

# Predicting with several freshly trained models (an ensemble, a comparison)
# makes TensorFlow warn about "retracing" on stderr: expected here, and noise
# in a command line that promises one plain line on stderr.
tf.get_logger().setLevel("ERROR")
# Grappler's "remapping" pass fuses MatMul + BiasAdd + activation into one
# oneDNN kernel. At the study's batch of 16 the fused kernel costs more than
# it saves: an epoch takes 0.19 s with it and 0.115 s without (2 cores); at
# the recommended batch of 512 it makes no measurable difference.
tf.config.optimizer.set_experimental_options({"remapping": False})


@dataclass
class TrainedNetwork:
    """A trained model (one network, or the average of an ensemble) and its history."""

    model: keras.Model
    # One list of per-epoch logs per ensemble member.
    history: list[list[EpochLog]] = field(default_factory=list)
    # Epoch whose weights were kept, per member (early stopping restores the best).
    best_epochs: list[int] = field(default_factory=list)


def _optimizer(config: TrainingConfig, total_steps: int) -> keras.optimizers.Optimizer:
    rate: float | keras.optimizers.schedules.LearningRateSchedule = config.learning_rate
    if config.learning_rate_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(config.learning_rate, total_steps)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=rate, momentum=0.9)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=rate)
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(learning_rate=rate)
    return keras.optimizers.Adam(learning_rate=rate)


def build_model(
    config: TrainingConfig,
    n_features: int,
    name: str = "genre_mlp",
    n_genres: int = len(schema.GENRES),
) -> keras.Sequential:
    """Return an untrained multilayer perceptron as the configuration describes.

    The study's network is ``build_model(STUDY, 35)``: Dense(35, sigmoid) then
    Dense(10, sigmoid).
    """
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(n_features,), name="features"))
    for index, width in enumerate(config.hidden_layers):
        model.add(
            layers.Dense(width, activation=config.activation, name=f"hidden_{index}")
        )
        if config.dropout > 0:
            model.add(layers.Dropout(config.dropout, name=f"dropout_{index}"))
    model.add(layers.Dense(n_genres, activation=config.output_activation, name="genre"))
    return model


def _validation_split(
    config: TrainingConfig,
    features: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    if config.validation_fraction == 0:
        return features, labels, None, None
    from core.features import split_positions

    # Whole tracks: a track's copies on both sides would make the validation
    # loss look better than on unseen tracks, and early stopping stop too late.
    kept, held = split_positions(
        labels, groups, config.validation_fraction, config.seed, config.stratify
    )
    return features[kept], labels[kept], features[held], labels[held]


def _seeded_members(
    config: TrainingConfig, n_features: int, n_genres: int
) -> list[keras.Model]:
    """The ensemble's untrained networks.

    Member ``k``'s weights drawn with ``seed + k``.
    """
    members = []
    for member in range(config.ensemble_size):
        # Keras keeps its seed per thread, and Streamlit runs each script run
        # in a new thread: seed right here, just before the weights are drawn.
        keras.utils.set_random_seed(config.seed + member)
        members.append(
            build_model(config, n_features, name=f"member_{member}", n_genres=n_genres)
        )
    return members


@dataclass
class _CompiledSteps:
    """One epoch of every member, and their validation scores.

    As compiled TensorFlow functions.
    """

    # orders (members x rows) -> per-member mean loss and accuracy.
    run_epoch: Callable
    # features, labels -> per-member loss and accuracy.
    validation_metrics: Callable
    rows: int


def _compile_steps(
    config: TrainingConfig,
    members: list[keras.Model],
    x_train: np.ndarray,
    y_train: np.ndarray,
) -> _CompiledSteps:
    count = len(members)
    variables = [v for model in members for v in model.trainable_variables]
    rows = len(x_train)
    batch_size = min(config.batch_size, rows)
    steps = -(-rows // batch_size)
    # Adam, RMSprop and SGD keep their state per variable, so one optimizer
    # over all members' variables is the same as one optimizer per member.
    optimizer = _optimizer(config, total_steps=steps * config.epochs)
    optimizer.build(variables)
    loss_function = keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    all_features = tf.constant(x_train, dtype=tf.float32)
    all_labels = tf.constant(y_train, dtype=tf.int32)

    def member_metrics(xs: list[tf.Tensor], ys: list[tf.Tensor], training: bool):
        """Loss and correct-prediction count of each member on its own rows."""
        losses, correct = [], []
        for model, x, y in zip(members, xs, ys, strict=True):
            probabilities = model(x, training=training)
            losses.append(loss_function(y, probabilities))
            predicted = tf.cast(tf.argmax(probabilities, axis=1), tf.int32)
            correct.append(tf.reduce_sum(tf.cast(tf.equal(predicted, y), tf.float32)))
        return tf.stack(losses), tf.stack(correct)

    @tf.function(reduce_retracing=True)
    def run_epoch(orders: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        # Each member walks the rows in its own order: different batches make
        # the members differ more, which is what averaging them gains from.
        # Rows are gathered batch by batch, so memory holds one copy of the
        # training matrix whatever the ensemble size.
        loss_sums = tf.zeros([count])
        correct_sums = tf.zeros([count])
        for step in tf.range(steps):
            start = step * batch_size
            positions = [orders[m, start : start + batch_size] for m in range(count)]
            batch_features = [tf.gather(all_features, picked) for picked in positions]
            batch_labels = [tf.gather(all_labels, picked) for picked in positions]
            with tf.GradientTape() as tape:
                losses, correct = member_metrics(batch_features, batch_labels, True)
                total_loss = tf.reduce_sum(losses)
            gradients = tape.gradient(total_loss, variables)
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
            batch_rows = tf.cast(tf.shape(batch_labels[0])[0], tf.float32)
            loss_sums += losses * batch_rows
            correct_sums += correct
        return loss_sums / rows, correct_sums / rows

    @tf.function(reduce_retracing=True)
    def validation_metrics(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        losses, correct = member_metrics([x] * count, [y] * count, False)
        return losses, correct / tf.cast(tf.shape(y)[0], tf.float32)

    return _CompiledSteps(run_epoch, validation_metrics, rows)


class _EarlyStopping:
    """Each member's best validation loss and weights.

    And when every member is past its patience.
    """

    def __init__(self, patience: int, members: int, epochs: int) -> None:
        self.patience = patience
        self.best_losses = [np.inf] * members
        self.best_weights: list[list[np.ndarray] | None] = [None] * members
        self.best_epochs = [epochs] * members
        self.epochs_without_gain = [0] * members

    def update(self, log: EpochLog, model: keras.Model) -> None:
        """Take one member's epoch."""
        if not self.patience or log.val_loss is None:
            return
        member = log.member
        if log.val_loss < self.best_losses[member]:
            self.best_losses[member], self.best_epochs[member] = log.val_loss, log.epoch
            self.best_weights[member] = model.get_weights()
            self.epochs_without_gain[member] = 0
        else:
            self.epochs_without_gain[member] += 1

    @property
    def done(self) -> bool:
        """Every member is past its patience (training stops for all at once)."""
        return bool(self.patience) and min(self.epochs_without_gain) >= self.patience

    def restore(
        self, members: list[keras.Model], histories: list[list[EpochLog]]
    ) -> list[int]:
        """Give each member its best epoch's weights back; return the epochs kept."""
        for member, weights in enumerate(self.best_weights):
            if weights is not None:
                members[member].set_weights(weights)
            else:
                self.best_epochs[member] = len(histories[member])
        return self.best_epochs


def _train_members(
    config: TrainingConfig,
    features: np.ndarray,
    labels: np.ndarray,
    on_epoch: ProgressHook | None,
    groups: np.ndarray | None,
    n_genres: int,
) -> tuple[list[keras.Model], list[list[EpochLog]], list[int]]:
    """Train every member of the ensemble at once.

    One compiled step updates all members: the step's fixed cost (op dispatch)
    is paid once, and TensorFlow runs the members' independent branches on
    both cores (two members of the recommended preset: about 0.38 s an epoch
    this way, 0.46-0.66 s one after the other). Member ``k`` is the network that
    ``seed + k`` would train alone: its own initial weights, dropout masks and
    batch order; the sum of the members' losses gives each exactly its own
    gradient. With early stopping, a member past its patience trains on until
    every member is, and keeps its best epoch, which may then come later than
    the epoch it would have stopped at alone.
    """
    x_train, y_train, x_val, y_val = _validation_split(config, features, labels, groups)
    members = _seeded_members(config, features.shape[1], n_genres)
    compiled = _compile_steps(config, members, x_train, y_train)
    count = len(members)
    shufflers = [np.random.default_rng(config.seed + m) for m in range(count)]
    histories: list[list[EpochLog]] = [[] for _ in range(count)]
    stopping = _EarlyStopping(config.early_stopping_patience, count, config.epochs)
    for epoch in range(1, config.epochs + 1):
        orders = np.stack(
            [shuffler.permutation(compiled.rows) for shuffler in shufflers]
        )
        losses, accuracies = (
            np.asarray(v)
            for v in compiled.run_epoch(tf.constant(orders.astype(np.int32)))
        )
        val_losses: Sequence[float | None]
        val_accuracies: Sequence[float | None]
        val_losses = val_accuracies = [None] * count
        if x_val is not None:
            val_losses, val_accuracies = (
                [float(value) for value in np.asarray(values)]
                for values in compiled.validation_metrics(
                    tf.constant(x_val), tf.constant(y_val, dtype=tf.int32)
                )
            )
        for member in range(count):
            log = EpochLog(
                member,
                count,
                epoch,
                config.epochs,
                float(losses[member]),
                float(accuracies[member]),
                val_losses[member],
                val_accuracies[member],
            )
            histories[member].append(log)
            if on_epoch is not None:
                on_epoch(log)
            stopping.update(log, members[member])
        if x_val is not None and stopping.done:
            break
    return members, histories, stopping.restore(members, histories)


def _average(members: list[keras.Model], n_features: int) -> keras.Model:
    """One model whose output is the mean of the members' probabilities."""
    inputs = keras.Input(shape=(n_features,), name="features")
    outputs = layers.Average(name="ensemble_mean")([m(inputs) for m in members])
    return keras.Model(inputs, outputs, name="genre_ensemble")


def train_network(
    config: TrainingConfig,
    features: np.ndarray,
    labels: np.ndarray,
    on_epoch: ProgressHook | None = None,
    groups: np.ndarray | None = None,
    n_genres: int = len(schema.GENRES),
) -> TrainedNetwork:
    """Train the configured network (or ensemble) on prepared features.

    Deterministic for a given ``config.seed`` on one machine.

    Args:
        config: network and training settings.
        features: float32 matrix from :meth:`Preprocessor.transform`.
        labels: genre indices (0 to n_genres - 1).
        on_epoch: called after every epoch of every member; it may raise to
            stop training (nothing is returned then).
        groups: optional track label per row; when given, the validation
            share holds whole tracks (see ``TrainingConfig.group_tracks``).
        n_genres: the network's outputs (the genres of ``labels``' codes).

    Returns:
        The trained model with its history.
    """
    members, histories, best_epochs = _train_members(
        config, features, labels, on_epoch, groups, n_genres
    )
    model = members[0] if len(members) == 1 else _average(members, features.shape[1])
    return TrainedNetwork(model=model, history=histories, best_epochs=best_epochs)


def model_file_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a ``.keras`` file (what a bundle stores).

    Keras saves to a real ``*.keras`` path only (no in-memory buffer).
    """
    with tempfile.TemporaryDirectory(prefix="genrelab-model-") as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def load_model(path: str | os.PathLike[str]) -> keras.Model:
    """Load a ``.keras`` file with Keras itself (``safe_mode``), uncompiled.

    Predicting never needs this (:mod:`core.forward` reads the file into
    NumPy); it is here for checks against Keras.
    """
    return keras.saving.load_model(path, safe_mode=True, compile=False)
