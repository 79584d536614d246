"""ARPAbet pronunciations, read by espeak, for transcript words that the aligner's dictionary
lacks: numbers ('49', '3rd', '7:30', '$19.99', a phone number), invented brand names, rare names.
Dropped, their sound was shared out among the neighbouring words and the lips ran seconds off."""
from __future__ import annotations

import re
import threading
import unicodedata

from .text_cleanup import PRICE, said_price

ESPEAK_VOICE = "en-us"  # the aligner's acoustic model is US English
SYLLABIC = "\u0329"  # espeak's mark under a consonant that is a syllable on its own ('button')

# espeak's IPA (stress marks removed) → the acoustic model's phones, longest symbols first.
_IPA_TO_ARPABET = {
    "eɪ": "EY", "aɪ": "AY", "aʊ": "AW", "oʊ": "OW", "ɔɪ": "OY", "tʃ": "CH", "dʒ": "JH",
    "ɜːɹ": "ER", "ɚɹ": "ER", "ɹɹ": "R", "ɜː": "ER", "ɑː": "AA", "ɔː": "AO", "uː": "UW", "iː": "IY",
    "ə": "AH", "ɚ": "ER", "ɜ": "ER", "æ": "AE", "ɑ": "AA", "ɒ": "AA", "a": "AA", "ɔ": "AO", "o": "OW",
    "ʊ": "UH", "u": "UW", "ɪ": "IH", "ᵻ": "IH", "i": "IY", "ɛ": "EH", "e": "EY", "ʌ": "AH", "ɐ": "AH",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V",
    "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M", "n": "N",
    "ŋ": "NG", "l": "L", "ɹ": "R", "r": "R", "w": "W", "j": "Y",
    "ɾ": "T",  # the flap of 'forty', 'water': the dictionary writes T
    "ʔ": "T",  # the glottal stop of 'button': the dictionary writes T
    "x": "K", "ç": "HH",
}
_LONGEST = max(map(len, _IPA_TO_ARPABET))
_lock = threading.Lock()  # espeak is one process-wide state: one reading at a time
_phonemizer = None


def ipa_to_arpabet(ipa: str) -> list[str]:
    """espeak's IPA as ARPAbet phones; stress, length and symbols with no English phone are dropped."""
    text = unicodedata.normalize("NFD", ipa).replace("ˈ", "").replace("ˌ", "")
    phones: list[str] = []
    i = 0
    while i < len(text):
        for size in range(_LONGEST, 0, -1):
            phone = _IPA_TO_ARPABET.get(text[i:i + size])
            if phone is not None:
                if text[i + size:i + size + 1] == SYLLABIC:
                    phones.append("AH")
                phones.append(phone)
                i += size
                break
        else:
            i += 1
    return phones


def readings(token: str) -> list[str]:
    """The ways a speaker may read ``token`` aloud, most likely first, as text espeak reads: as
    written, a long number digit by digit (codes, phone numbers), a year in pairs ('19 98'), a
    price with its unit after the number ('49 dollars 99 cents', '49 99')."""
    texts = [token]
    if re.fullmatch(r"\d{3,}", token):
        texts.append(" ".join(token))
    if re.fullmatch(r"1[1-9]\d\d|20[1-9]\d", token):
        texts.append(f"{token[:2]} {token[2:]}")
    price = PRICE.fullmatch(token)
    if price:
        texts.append(said_price(price))
        if price[3]:
            texts.append(f"{price[2]} {price[3]}")
    return texts


def pronunciations(token: str) -> list[str]:
    """``token``'s pronunciations (space-separated ARPAbet, one per distinct reading), none when
    espeak reads nothing speakable in it."""
    global _phonemizer
    from piper.phonemize_espeak import EspeakPhonemizer

    found: list[str] = []
    with _lock:
        _phonemizer = _phonemizer or EspeakPhonemizer()
        for text in readings(token):
            ipa = " ".join("".join(sentence) for sentence in _phonemizer.phonemize(ESPEAK_VOICE, text))
            phones = " ".join(ipa_to_arpabet(ipa))
            if phones and phones not in found:
                found.append(phones)
    return found
