"""The sentence encoder on a tiny model built in the test: loading, pooling, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
pytest.importorskip("threadpoolctl")

import numpy as np

from bot.semantic.encoder import Encoder, ModelError, pool
from tests.semantic.tiny_model import DIM, build_model_folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_folder(tmp_path_factory.mktemp("tiny") / "tiny-model")


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> Encoder:
    return Encoder(model_dir)


def test_loads_a_model_folder(encoder: Encoder, model_dir: Path) -> None:
    assert encoder.dim == DIM
    assert encoder.threads == 1
    assert encoder.model_path == model_dir / "model.onnx"
    assert not encoder.quantized
    digest = hashlib.sha256((model_dir / "model.onnx").read_bytes()).hexdigest()
    assert encoder.model_hash == digest


def test_tokenizer_truncates_at_256_and_does_not_pad_to_a_fixed_length(encoder: Encoder) -> None:
    assert encoder.tokenizer.truncation["max_length"] == 256
    assert encoder.tokenizer.padding["length"] is None
    assert len(encoder.tokenizer.encode("vm").ids) == 3  # [CLS] vm [SEP], no padding to 128
    long_text = " ".join(["container"] * 1000)
    assert len(encoder.tokenizer.encode(long_text).ids) == 256
    assert encoder.embed([long_text]).shape == (1, DIM)


def test_vectors_are_float32_unit_rows_in_order(encoder: Encoder) -> None:
    texts = ["what is the difference between a vm and a container", "vm", "renew my ssl"]
    vectors = encoder.embed(texts)
    assert vectors.shape == (3, DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    for i, text in enumerate(texts):  # sorting by length inside embed keeps the order
        np.testing.assert_allclose(vectors[i], encoder.embed([text])[0], atol=1e-6)


def test_padding_does_not_change_a_sentence_vector(encoder: Encoder) -> None:
    short = "vm or container"
    alone = encoder.embed([short])[0]
    padded = encoder.embed([short, "how do i point my domain at the vps and renew my ssl"])[0]
    np.testing.assert_allclose(alone, padded, atol=1e-6)


def test_an_empty_list_embeds_to_an_empty_matrix(encoder: Encoder) -> None:
    assert encoder.embed([]).shape == (0, DIM)


def test_pool_averages_only_unmasked_tokens() -> None:
    hidden = np.array([[[3.0, 4.0], [1.0, 0.0], [100.0, -100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    vector = pool(hidden, mask)[0]
    expected = np.array([2.0, 2.0]) / np.linalg.norm([2.0, 2.0])
    np.testing.assert_allclose(vector, expected, atol=1e-6)


def test_int8_file_is_used_when_alone_and_embeds_one_text_at_a_time(tmp_path: Path) -> None:
    folder = build_model_folder(tmp_path / "int8", model_file="model_qint8.onnx")
    encoder = Encoder(folder)
    assert encoder.quantized and encoder.batch_size == 1
    assert encoder.embed(["vm", "dns"]).shape == (2, DIM)


def test_threads_are_configurable(model_dir: Path) -> None:
    assert Encoder(model_dir, threads=2).session.get_session_options().intra_op_num_threads == 2
    with pytest.raises(ValueError):
        Encoder(model_dir, threads=0)


def _copy(model_dir: Path, dest: Path, skip: str = "") -> Path:
    dest.mkdir()
    for path in model_dir.iterdir():
        if path.name != skip:
            (dest / path.name).write_bytes(path.read_bytes())
    return dest


def _assert_clear(error: ModelError, folder: Path, *words: str) -> None:
    message = str(error)
    assert str(folder) in message
    assert "faqbot models fetch" in message
    for word in words:
        assert word in message


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "does not exist")
    assert isinstance(caught.value, RuntimeError)


def test_a_folder_without_a_model_file_is_a_clear_error(model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(model_dir, tmp_path / "no-model", skip="model.onnx")
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "model.onnx")


def test_a_missing_tokenizer_is_a_clear_error(model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(model_dir, tmp_path / "no-tokenizer", skip="tokenizer.json")
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "tokenizer.json", "missing")


@pytest.mark.parametrize("content", [b"", b"not an onnx model at all", b"\x08\x07" * 50])
def test_a_corrupt_model_file_is_a_clear_error(
    model_dir: Path, tmp_path: Path, content: bytes
) -> None:
    folder = _copy(model_dir, tmp_path / "corrupt")
    (folder / "model.onnx").write_bytes(content)
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "model.onnx", "corrupt")


def test_a_truncated_model_file_is_a_clear_error(model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(model_dir, tmp_path / "truncated")
    data = (model_dir / "model.onnx").read_bytes()
    (folder / "model.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "model.onnx")


def test_a_corrupt_tokenizer_is_a_clear_error(model_dir: Path, tmp_path: Path) -> None:
    folder = _copy(model_dir, tmp_path / "bad-tokenizer")
    (folder / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "tokenizer.json", "cannot be read")


def test_a_model_without_the_expected_inputs_is_a_clear_error(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    folder = build_model_folder(tmp_path / "wrong")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(folder / "model.onnx"))
    with pytest.raises(ModelError) as caught:
        Encoder(folder)
    _assert_clear(caught.value, folder, "input_ids")
