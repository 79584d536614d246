"""Make arbitrary user text speakable: what the synthesizer would choke on or read aloud wrongly."""
from __future__ import annotations

import re
import unicodedata

from .errors import InputError

MAX_SENTENCE_CHARS = 400  # longer runs are cut at commas/spaces so each piece synthesizes quickly

_KEEP_CATEGORIES = ("L", "N", "P", "Zs", "Sc")
_TAG = re.compile(r"<[^<>]{0,200}>")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n\s*\n+")


def clean_text(text: str) -> tuple[str, list[str]]:
    """Return speakable text and warnings about what was dropped (emoji, markup, control chars)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("text is empty; type what the portrait should say.")
    warnings: list[str] = []
    if _TAG.search(text):
        text = _TAG.sub(" ", text)
        warnings.append("markup tags such as <b> were removed")
    dropped: set[str] = set()
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        cat = unicodedata.category(ch)
        if ch in "\n\t":
            out.append("\n" if ch == "\n" else " ")
        elif cat.startswith(_KEEP_CATEGORIES) or ch in "%&+=@#/":
            out.append(ch)
        else:
            dropped.add(ch)
            out.append(" ")
    if dropped:
        shown = "".join(sorted(dropped))[:20].encode("unicode_escape").decode()
        warnings.append(f"dropped {len(dropped)} unspeakable character(s): {shown}")
    cleaned = re.sub(r"[ ]+", " ", "".join(out)).strip()
    if not any(unicodedata.category(c).startswith(("L", "N")) for c in cleaned):
        raise InputError("text has nothing speakable (only symbols/emoji); type some words.")
    return cleaned, warnings


def split_sentences(text: str) -> list[str]:
    """Sentences (and blank-line paragraphs), long ones cut at commas or spaces."""
    pieces = []
    for sentence in _SENTENCE_END.split(text):
        sentence = " ".join(sentence.split())
        while len(sentence) > MAX_SENTENCE_CHARS:
            cut = max(sentence.rfind(", ", 0, MAX_SENTENCE_CHARS), sentence.rfind(" ", 0, MAX_SENTENCE_CHARS))
            cut = cut if cut > 0 else MAX_SENTENCE_CHARS
            pieces.append(sentence[: cut + 1].strip())
            sentence = sentence[cut + 1 :].strip()
        if any(c.isalnum() for c in sentence):
            pieces.append(sentence)
    return pieces
