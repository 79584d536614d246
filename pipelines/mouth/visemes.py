"""The 15-viseme set, phone → viseme tables for IPA and ARPAbet, and each viseme's mouth shape."""
from __future__ import annotations

import numpy as np

VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")
VISEME_INDEX = {v: i for i, v in enumerate(VISEMES)}

# Target mouth controls per viseme, in the order of common.channels.MOUTH_CONTROLS.
MOUTH_SHAPES = np.array([
    [0.00, 0.00, 0.00, 0.00],  # sil: closed, relaxed
    [0.00, 0.00, 0.00, 1.00],  # PP: p b m, lips pressed
    [0.12, 0.15, 0.00, 0.45],  # FF: f v, lower lip under upper teeth
    [0.25, 0.10, 0.00, 0.00],  # TH
    [0.30, 0.15, 0.00, 0.00],  # DD: t d l
    [0.35, 0.10, 0.00, 0.00],  # kk: k g ŋ h
    [0.25, 0.00, 0.60, 0.00],  # CH: tʃ dʒ ʃ ʒ
    [0.15, 0.45, 0.00, 0.00],  # SS: s z
    [0.22, 0.15, 0.00, 0.00],  # nn: n
    [0.25, 0.00, 0.50, 0.00],  # RR: r
    [0.90, 0.20, 0.00, 0.00],  # aa
    [0.60, 0.50, 0.00, 0.00],  # E
    [0.40, 0.60, 0.00, 0.00],  # ih
    [0.65, 0.00, 0.70, 0.00],  # oh
    [0.35, 0.00, 1.00, 0.00],  # ou: u w
], dtype=np.float32)

_IPA = {
    "PP": "pbm", "FF": "fv", "TH": "θð", "DD": "tdlɾɫ", "kk": "kgɡŋhxʔç", "CH": "ʃʒ",
    "SS": "sz", "nn": "nɲ", "RR": "ɹrɚɝ", "aa": "aɑɐæʌ", "E": "eɛə", "ih": "iɪjɨᵻy",
    "oh": "oɔɒ", "ou": "uʊwʉ",
}
IPA_TO_VISEME = {ch: v for v, chars in _IPA.items() for ch in chars}

ARPABET_TO_VISEME = {
    "P": "PP", "B": "PP", "M": "PP", "F": "FF", "V": "FF", "TH": "TH", "DH": "TH",
    "T": "DD", "D": "DD", "L": "DD", "K": "kk", "G": "kk", "NG": "kk", "HH": "kk",
    "CH": "CH", "JH": "CH", "SH": "CH", "ZH": "CH", "S": "SS", "Z": "SS", "N": "nn",
    "R": "RR", "ER": "RR", "AA": "aa", "AE": "aa", "AH": "aa", "AY": "aa", "AW": "aa",
    "EH": "E", "EY": "E", "IH": "ih", "IY": "ih", "Y": "ih", "AO": "oh", "OW": "oh", "OY": "oh",
    "UH": "ou", "UW": "ou", "W": "ou", "SIL": "sil", "sil": "sil",
}


def viseme_of(phone: str, phone_set: str) -> str:
    """Viseme of one phone; unknown symbols map to a neutral half-open ``DD``-like shape."""
    if phone == "sil":
        return "sil"
    if phone_set == "arpabet":
        return ARPABET_TO_VISEME.get(phone.rstrip("012").upper(), "sil" if phone.startswith("+") else "DD")
    for ch in phone:
        if ch in IPA_TO_VISEME:
            return IPA_TO_VISEME[ch]
    return "DD"
