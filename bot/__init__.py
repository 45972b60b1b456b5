"""faqbot: answers web-hosting questions from a curated knowledge base."""

__version__ = "0.1.0"
