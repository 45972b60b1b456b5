"""A sentence encoder over an ONNX BERT-style model: tokenise, run, mean-pool, normalise.

The model folder holds ``tokenizer.json`` and ``model.onnx`` (fp32) and/or ``model_qint8.onnx``
(dynamic int8). The graph takes ``input_ids`` and ``attention_mask`` (and ``token_type_ids`` if
it declares it), int64 ``[batch, seq]``, and returns ``last_hidden_state`` ``[batch, seq, dim]``;
pooling is done here: the mean over the tokens whose mask is 1, then L2 normalisation, so a dot
product of two vectors is their cosine.

The shipped tokenizer of all-MiniLM-L6-v2 truncates at 128 and pads every input to 128: both are
overridden (truncate at ``max_length``, 256 by default; pad only to the longest text of a batch).

onnxruntime runs with ``threads`` intra-op threads (1 by default) and numpy's BLAS is pinned to
the same number with threadpoolctl (two BLAS threads on a shared 2-core machine made a numpy
encoder 15x slower). Every dependency is imported when an encoder is built, not at import time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

FP32_FILE = "model.onnx"
INT8_FILE = "model_qint8.onnx"
MODEL_FILES = (FP32_FILE, INT8_FILE)
TOKENIZER_FILE = "tokenizer.json"
MAX_LENGTH = 256
DEFAULT_BATCH = 32
FETCH_HINT = (
    "get one with `faqbot models fetch NAME|URL|ARCHIVE` (for example all-MiniLM-L6-v2), "
    "or set matcher.semantic.model to null for lexical-only matching"
)
INSTALL_HINT = "install the extra with `pip install 'faqbot[semantic]'`"


class ModelError(RuntimeError):
    """A sentence-encoder model that is missing, incomplete, corrupt or cannot be run."""


def file_hash(path: Path, chunk: int = 1 << 20) -> str:
    """The sha256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _import_runtime() -> tuple[Any, Any, Any, Any]:
    """numpy, onnxruntime, tokenizers and threadpoolctl, or a ModelError saying how to get them."""
    try:
        import numpy
        import onnxruntime
        import threadpoolctl
        import tokenizers
    except ImportError as exc:
        raise ModelError(
            f"the sentence encoder needs {exc.name or 'a missing package'}: {INSTALL_HINT}"
        ) from exc
    return numpy, onnxruntime, tokenizers, threadpoolctl


class Encoder:
    """Embeds texts as L2-normalised float32 vectors with a local ONNX model folder.

    ``model_file`` picks the file in the folder (``model.onnx`` or ``model_qint8.onnx``); by
    default the fp32 file if present, else the int8 one. ``batch_size`` is how many texts run
    together; the int8 model's vectors depend on their batch (activation scales are computed
    per batch), so it defaults to 1 there: stored phrasings are then embedded exactly as queries.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        model_file: str | None = None,
        threads: int = 1,
        max_length: int = MAX_LENGTH,
        batch_size: int | None = None,
    ) -> None:
        self.folder = Path(folder)
        if threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        if max_length < 2:
            raise ValueError(f"max_length must be at least 2, not {max_length}")
        np, ort, tokenizers, threadpoolctl = _import_runtime()
        self._np = np
        self.model_path = self._find_model(model_file)
        self.quantized = self.model_path.name == INT8_FILE
        self.batch_size = batch_size or (1 if self.quantized else DEFAULT_BATCH)
        self.max_length = max_length
        self.threads = threads
        # Process-wide: numpy's BLAS (used for pooling and by the caller's matrix products)
        # must not fight onnxruntime for the cores.
        self._blas_limits = threadpoolctl.threadpool_limits(limits=threads, user_api="blas")
        self.tokenizer = self._load_tokenizer(tokenizers)
        self.session = self._load_session(ort)
        self.model_hash = file_hash(self.model_path)
        self.dim = self._check_interface()

    # -- loading --------------------------------------------------------------------------

    def _problem(self, what: str) -> ModelError:
        return ModelError(f"sentence-encoder model folder {self.folder}: {what}; {FETCH_HINT}")

    def _find_model(self, model_file: str | None) -> Path:
        if not self.folder.exists():
            raise self._problem("does not exist")
        if not self.folder.is_dir():
            raise self._problem("is not a folder")
        names = (model_file,) if model_file else MODEL_FILES
        for name in names:
            path = self.folder / name
            if path.is_file():
                return path
        wanted = " or ".join(names)
        raise self._problem(f"no model file ({wanted}) in it")

    def _load_tokenizer(self, tokenizers: Any) -> Any:
        path = self.folder / TOKENIZER_FILE
        if not path.is_file():
            raise self._problem(f"{TOKENIZER_FILE} is missing")
        try:
            tokenizer = tokenizers.Tokenizer.from_file(str(path))
        except Exception as exc:  # the library raises a bare Exception on bad JSON
            raise self._problem(f"{TOKENIZER_FILE} cannot be read ({exc})") from exc
        pad_id, pad_token = 0, "[PAD]"
        padding = tokenizer.padding
        if padding:
            pad_id, pad_token = padding.get("pad_id", 0), padding.get("pad_token", "[PAD]")
        tokenizer.enable_truncation(self.max_length)
        tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)  # to the longest only
        return tokenizer

    def _load_session(self, ort: Any) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        try:
            return ort.InferenceSession(
                str(self.model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise self._problem(
                f"{self.model_path.name} is corrupt or not an ONNX model ({first[:200]})"
            ) from exc

    def _check_interface(self) -> int:
        inputs = {i.name for i in self.session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - inputs
        if missing:
            raise self._problem(
                f"{self.model_path.name} lacks the input(s) {', '.join(sorted(missing))}"
            )
        self._with_types = "token_type_ids" in inputs
        outputs = self.session.get_outputs()
        names = [o.name for o in outputs]
        self._output = "last_hidden_state" if "last_hidden_state" in names else names[0]
        shape = next(o.shape for o in outputs if o.name == self._output)
        if len(shape) != 3:
            raise self._problem(
                f"{self.model_path.name} output {self._output} is not [batch, seq, dim]"
            )
        try:
            probe = self._run(["probe"])
        except Exception as exc:
            raise self._problem(f"{self.model_path.name} cannot be run ({exc})") from exc
        return int(probe.shape[1])

    # -- embedding ------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in order: ``[len(texts), dim]``."""
        np = self._np
        texts = list(texts)
        if not texts:
            return np.zeros((0, getattr(self, "dim", 0)), dtype=np.float32)
        if self.batch_size == 1:
            return np.vstack([self._run([t]) for t in texts])
        # Similar lengths together: less padding, and pooling ignores padding anyway.
        lengths = [len(t) for t in texts]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._run([texts[i] for i in chunk])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        np = self._np
        # One text (every query) skips the batch call's thread-pool hand-off: the same ids.
        encoded = (
            [self.tokenizer.encode(texts[0])]
            if len(texts) == 1
            else self.tokenizer.encode_batch(texts)
        )
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if self._with_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run([self._output], feed)[0]
        return pool(hidden, mask)

    def __repr__(self) -> str:
        return (
            f"Encoder({str(self.folder)!r}, model_file={self.model_path.name!r}, "
            f"dim={self.dim}, threads={self.threads})"
        )


def pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the unmasked tokens, then L2 normalisation (float32 ``[batch, dim]``)."""
    import numpy as np

    weights = mask.astype(np.float32)[:, :, None]
    summed = (hidden.astype(np.float32) * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1e-9)
    vectors = summed / counts
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
