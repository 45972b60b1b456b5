"""The core: knowledge, matching and the reply rules, with no platform in it.

It owns loading and validating the knowledge, normalising text, the phrasing index and the
matcher (with the sentence-encoder vectors, their approximate index and background
embedding), curation and review over the store, the export of moderators' changes and their
merge into YAML topic files, the knowledge service, and the responder that turns a platform-neutral
request into a reply plan under the etiquette rules. It may import
``bot.base`` and ``bot.storage``; it never imports discord, ``bot.discord`` or ``bot.cli``, so it
runs in tests, benchmarks and the console without a token.
"""
