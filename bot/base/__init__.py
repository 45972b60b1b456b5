"""The base layer: what every other layer of faqbot may use, and nothing more.

It owns the exception tree (``errors``), the settings model (``config``), redaction of private
text (``redact``), YAML parsing with bounded alias expansion (``safeyaml``) and the
cleaning of undecodable input (``text``). It imports nothing of ours, so the core, the storage
and the front ends can all build on it without importing each other.
"""
