"""A tiny BERT-like ONNX encoder and WordPiece tokenizer, built in the test (no real model).

The graph has the interface of all-MiniLM-L6-v2's export: int64 ``input_ids``,
``attention_mask`` and ``token_type_ids`` ``[batch, seq]`` in, float32 ``last_hidden_state``
``[batch, seq, DIM]`` out. Two layers: a per-token ``tanh(x W1)`` over word + token-type
embeddings, then a masked mean over the sequence (a stand-in for attention: padding must not
leak into real tokens) added back before ``tanh(x W2)``. The tokenizer file mimics the shipped
one, including its fixed padding and truncation at 128, which the encoder must override.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DIM = 8
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [
    "how", "do", "i", "renew", "my", "ssl", "certificate", "vm", "or", "container",
    "what", "is", "a", "virtual", "machine", "the", "difference", "between", "and", "dns",
    "point", "domain", "at", "vps", "backup", "database", "##s", "##ing", "blank", "page",
]  # fmt: skip
VOCAB = {token: i for i, token in enumerate([*SPECIALS, *WORDS])}


def build_onnx(path: Path, seed: int = 0) -> Path:
    """Write the tiny encoder graph to ``path``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    n = len(VOCAB)
    weights = {
        "word_emb": rng.normal(size=(n, DIM)).astype(np.float32),
        "type_emb": rng.normal(scale=0.1, size=(2, DIM)).astype(np.float32),
        "w1": rng.normal(scale=0.5, size=(DIM, DIM)).astype(np.float32),
        "w2": rng.normal(scale=0.5, size=(DIM, DIM)).astype(np.float32),
        "axis1": np.array([1], dtype=np.int64),
        "axis2": np.array([2], dtype=np.int64),
    }
    inits = [numpy_helper.from_array(v, name=k) for k, v in weights.items()]
    nodes = [
        helper.make_node("Gather", ["word_emb", "input_ids"], ["words"]),
        helper.make_node("Gather", ["type_emb", "token_type_ids"], ["types"]),
        helper.make_node("Add", ["words", "types"], ["h0"]),
        helper.make_node("MatMul", ["h0", "w1"], ["h1_lin"]),
        helper.make_node("Tanh", ["h1_lin"], ["h1"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["h1", "mask3"], ["h1_masked"]),
        helper.make_node("ReduceSum", ["h1_masked", "axis1"], ["ctx_sum"], keepdims=1),
        helper.make_node("ReduceSum", ["mask3", "axis1"], ["ctx_n"], keepdims=1),
        helper.make_node("Div", ["ctx_sum", "ctx_n"], ["ctx"]),
        helper.make_node("Add", ["h1", "ctx"], ["h1_ctx"]),
        helper.make_node("MatMul", ["h1_ctx", "w2"], ["h2_lin"]),
        helper.make_node("Tanh", ["h2_lin"], ["last_hidden_state"]),
    ]
    dims = ["batch_size", "sequence_length"]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, dims)
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*dims, DIM])
    graph = helper.make_graph(nodes, "tiny_bert", inputs, [output], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def build_tokenizer(path: Path) -> Path:
    """Write a WordPiece tokenizer.json shaped like the shipped one (pads and truncates at 128)."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    tokenizer = Tokenizer(WordPiece(VOCAB, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", VOCAB["[CLS]"]), ("[SEP]", VOCAB["[SEP]"])],
    )
    tokenizer.enable_truncation(128)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]", length=128)
    tokenizer.save(str(path))
    json.loads(path.read_text(encoding="utf-8"))  # a valid file
    return path


def build_model_folder(folder: Path, model_file: str = "model.onnx") -> Path:
    """A model folder in the layout of all-MiniLM-L6-v2-onnx, with the tiny model."""
    folder.mkdir(parents=True, exist_ok=True)
    build_onnx(folder / model_file)
    build_tokenizer(folder / "tokenizer.json")
    return folder
