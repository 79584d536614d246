"""Make arbitrary user text speakable: what the synthesizer would choke on or read aloud wrongly."""
from __future__ import annotations

import re
import unicodedata

from ..common.errors import InputError

MAX_SENTENCE_CHARS = 400  # longer runs are cut at commas/spaces so each piece synthesizes quickly

_KEEP_CATEGORIES = ("L", "N", "P", "Zs", "Sc")
_TAG = re.compile(r"<[^<>]{0,200}>")
_SENTENCE_END = re.compile(r"(?<=[.!?…])([\"'”’)\]]*)\s+")  # keeps the quotes and brackets it closes
_PARAGRAPH = re.compile(r"\n\s*\n+")
# espeak keeps the second stop of a text's closing ".." and reads it as "dot" at the start of the
# next text it is given: the next sentence, or the next request's first one.
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?=\s|$)")
# Abbreviations that espeak reads as the end of a sentence ("Doctor." with a falling voice, then
# "Smith" as a new sentence), with what is said instead. Titles always lead into a name.
_TITLES = {"mr.": "Mister", "mrs.": "Missus", "ms.": "Miz", "dr.": "Doctor", "prof.": "Professor",
           "st.": "Saint", "mt.": "Mount"}
_ABBREVIATIONS = {"e.g.": "for example", "i.e.": "that is", "vs.": "versus", "approx.": "approximately",
                  "etc.": "et cetera", "cf.": "compare", "jr.": "Junior", "sr.": "Senior", "fig.": "figure",
                  "no.": "number"}
AROUND_WORD = "\"'“”‘’()[]"  # quotes and brackets around a word
# A price as espeak misreads it ('$49.99': "dollar forty nine point nine nine") and as said.
PRICE = re.compile(r"([$£€])(\d[\d,]*)(?:\.(\d\d))?")
_UNITS = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
          "€": ("euro", "euros", "cent", "cents")}


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
    cleaned = _DOUBLE_STOP.sub(".", re.sub(r"[ ]+", " ", "".join(out)).strip())
    if not any(unicodedata.category(c).startswith(("L", "N")) for c in cleaned):
        raise InputError("text has nothing speakable (only symbols/emoji); type some words.")
    return cleaned, warnings


def split_sentences(text: str) -> list[str]:
    """Sentences (and blank-line paragraphs), long ones cut at commas or spaces. A stop after a
    title ('Dr. Smith'), or after an abbreviation or another word before a lower-case word ('5 p.m.
    today') or after an abbreviation before a number ('approx. 5'), does not end a sentence."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        start = len(sentences)
        parts = _SENTENCE_END.split(paragraph) + [""]
        for part, closing in zip(parts[::2], parts[1::2]):
            sentence = " ".join((part + closing).split())
            if len(sentences) > start and sentence and _goes_on(sentences[-1], sentence):
                sentences[-1] = f"{sentences[-1]} {sentence}"
            elif sentence:
                sentences.append(sentence)
    pieces = []
    for sentence in sentences:
        while len(sentence) > MAX_SENTENCE_CHARS:
            cut = max(sentence.rfind(", ", 0, MAX_SENTENCE_CHARS), sentence.rfind(" ", 0, MAX_SENTENCE_CHARS))
            cut = cut if cut > 0 else MAX_SENTENCE_CHARS
            pieces.append(sentence[: cut + 1].strip())
            sentence = sentence[cut + 1 :].strip()
        if any(c.isalnum() for c in sentence):
            pieces.append(sentence)
    return pieces


def _goes_on(sentence: str, following: str) -> bool:
    """Whether ``following`` continues ``sentence`` across the stop between them."""
    last = sentence.split()[-1].strip(AROUND_WORD).lower()
    first = following.lstrip(AROUND_WORD)[:1]
    if last in _TITLES:
        return True
    if last in _ABBREVIATIONS:
        return first.islower() or first.isdigit()
    return last.endswith(".") and first.islower()


def said_price(price: re.Match) -> str:
    """'$49.99' → '49 dollars 99 cents', '$1' → '1 dollar', '£2.50' → '2 pounds 50 pence'."""
    one, many, hundredth, hundredths = _UNITS[price[1]]
    said = f"{price[2]} {one if price[2] == '1' else many}"
    cents = int(price[3] or 0)
    return said + (f" {cents} {hundredth if cents == 1 else hundredths}" if cents else "")


def spoken_words(words: list[str]) -> list[str]:
    """The sentence's words as the voice should read them: abbreviations that espeak takes for a
    sentence's end are written out ('Dr.' → 'Doctor', 'e.g.' → 'for example', 'St. James' →
    'Saint James' but 'James St.' → 'James Street'), and prices with their unit after the number;
    one entry per word, so the timeline keeps the user's spelling."""
    spoken = []
    for i, word in enumerate(words):
        core = word.strip(AROUND_WORD)
        key = core.lower()
        following = words[i + 1].strip(AROUND_WORD)[:1] if i + 1 < len(words) else ""
        price = PRICE.match(core)
        if price and not core[price.end():].strip(".,;:!?"):
            spoken.append(word.replace(price[0], said_price(price), 1))
            continue
        if key == "st." and not following.isupper():
            said = "Street"
        elif key == "no." and not following.isdigit():
            said = None
        else:
            said = _TITLES.get(key) or _ABBREVIATIONS.get(key)
        if said is not None and i == len(words) - 1 and key not in _TITLES:
            said += "."
        spoken.append(word if said is None else word.replace(core, said))
    return spoken


# The writing systems a voice's language is read from, by espeak language code (the part before
# '-'); a voice reads other scripts letter by letter ('Chinese letter, Chinese letter, ...').
_SCRIPTS = {
    **{code: ("LATIN",) for code in (
        "af", "ca", "cs", "cy", "da", "de", "en", "eo", "es", "et", "eu", "fi", "fr", "ga", "hr", "hu",
        "id", "is", "it", "lb", "lt", "lv", "ms", "mt", "nb", "nl", "no", "pl", "pt", "ro", "sk", "sl",
        "sq", "sv", "sw", "tr", "vi")},
    **{code: ("CYRILLIC",) for code in ("be", "bg", "kk", "mk", "mn", "ru", "sr", "uk")},
    "el": ("GREEK",), "ar": ("ARABIC",), "fa": ("ARABIC",), "ur": ("ARABIC",), "he": ("HEBREW",),
    "hi": ("DEVANAGARI",), "ne": ("DEVANAGARI",), "mr": ("DEVANAGARI",), "bn": ("BENGALI",),
    "ka": ("GEORGIAN",), "hy": ("ARMENIAN",), "th": ("THAI",), "ko": ("HANGUL",),
    "cmn": ("CJK",), "yue": ("CJK",), "zh": ("CJK",), "ja": ("CJK", "HIRAGANA", "KATAKANA"),
    "ta": ("TAMIL",), "te": ("TELUGU",), "ml": ("MALAYALAM",), "kn": ("KANNADA",), "gu": ("GUJARATI",),
    "pa": ("GURMUKHI",),
}
_SCRIPT_NAMES = {"CJK": "Chinese characters", "HANGUL": "Korean", "HIRAGANA": "Japanese kana",
                 "KATAKANA": "Japanese kana"}


def check_script(text: str, language: str, language_name: str) -> list[str]:
    """Refuse text written mostly in a script the voice's language does not use (it would be read
    out as something else, without a word of warning); a few such letters give a warning."""
    readable = _SCRIPTS.get(language.split("-")[0].lower())
    if readable is None:
        return []
    letters = [c for c in text if unicodedata.category(c).startswith("L")]
    foreign: dict[str, int] = {}
    for c in letters:
        script = unicodedata.name(c, "UNKNOWN").split(" ")[0]
        if script not in readable:
            foreign[script] = foreign.get(script, 0) + 1
    if not foreign:
        return []
    names = ", ".join(sorted({_SCRIPT_NAMES.get(s, s.title()) for s in foreign}))
    if 2 * sum(foreign.values()) >= len(letters):
        raise InputError(f"the text is written in {names}, but the voice speaks {language_name} "
                         f"({language}); choose a Piper voice for the text's language.")
    return [f"{sum(foreign.values())} letter(s) in {names} cannot be read by this {language_name} voice"]
