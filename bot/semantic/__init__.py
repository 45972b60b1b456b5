"""The optional semantic signal: a small sentence encoder run with onnxruntime, and its fusion.

``encoder`` turns texts into L2-normalised sentence vectors with a model folder in the layout of
all-MiniLM-L6-v2-onnx (``model.onnx`` or ``model_qint8.onnx`` plus ``tokenizer.json``), using
onnxruntime and HF tokenizers only (no torch); ``fusion`` is pure numpy and turns an entry's
lexical score and its phrasings' cosines into one fused score. Both import their third-party
dependencies lazily, so importing this package costs nothing and faqbot runs lexical-only when
the ``semantic`` extra is not installed.
"""
