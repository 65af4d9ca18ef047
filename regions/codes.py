"""Canonical industry-code forms, and the one helper that normalises what users and files type.

Canonical forms (what ``IndustryCode.code`` holds):

* ``naics2012``, ``naics2007`` — plain digits, 2 to 6 long ("3254", "325412"). The three ranged sectors are
  written as NAICS publishes them: "31-33", "44-45", "48-49" (input "31", "32" or "33" at sector level maps to
  "31-33"). County Business Patterns' all-sector total ("------") is the distinct code "00", as in the Census
  Bureau's API. CBP's trailing dashes ("3254--") and slashes are stripped.
* ``uksic2007``, ``nace2`` — the dotted ONS / Eurostat form: section "J", division "62", group "62.0",
  class "62.01", and for UK SIC subclasses "62.01/1".
* ``isic4`` — the UN's undotted form: section "J", division "62", group "620", class "6201".

``normalise_code`` accepts the forms found in the wild: "6201", "62.01", "62 01", 6201.0 from a spreadsheet,
and a 3-digit SIC/NACE string whose leading zero a spreadsheet dropped ("610" means class 06.10).
"""

import re

NAICS = {"naics2012", "naics2007", "naics2017", "naics2022"}
DOTTED = {"uksic2007", "nace2"}
ISIC = {"isic4"}

# Sector ranges are shared by NAICS versions since 1997.
NAICS_RANGED_SECTORS = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45", "48": "48-49"}
NAICS_RANGED_SECTORS["49"] = "48-49"
NAICS_TOTAL = "00"

# The sections of ISIC Rev.4 / NACE Rev.2 / UK SIC 2007 (identical at this level) and their divisions.
SECTION_DIVISIONS = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}

NAICS_LEVELS = {2: "sector", 3: "subsector", 4: "industry group", 5: "NAICS industry", 6: "national industry"}
SIC_LEVELS = ("section", "division", "group", "class", "subclass")


class CodeError(ValueError):
    """The input cannot be read as a code of the classification."""


def section_of(division):
    """The section letter of a two-digit ISIC/NACE/SIC division ("62" → "J"), or None."""
    number = int(division)
    for letter, (low, high) in SECTION_DIVISIONS.items():
        if low <= number <= high:
            return letter
    return None


def _clean(raw):
    text = str(raw).strip().upper()
    # Spreadsheets turn codes into floats ("6201.0"); undo that. Two digits before the dot is a SIC group ("62.0").
    if re.fullmatch(r"\d{3,}\.0", text) and not text.startswith("0"):
        text = text[:-2]
    return text


def normalise_code(classification, raw, level=None):
    """Return the canonical form of ``raw`` in ``classification`` (a slug, e.g. "uksic2007").

    ``level`` resolves the one real ambiguity: an undotted 3-digit SIC/NACE code is read as a class with a
    dropped leading zero ("610" → "06.10") unless ``level="group"`` ("620" → "62.0"). Raises ``CodeError``.
    """
    slug = getattr(classification, "slug", classification)
    text = _clean(raw)
    if not text:
        raise CodeError("empty code")
    if slug in NAICS:
        return _naics(text, level)
    if slug in DOTTED:
        return _dotted(text, level, subclasses=slug == "uksic2007")
    if slug in ISIC:
        return _isic(text, level)
    raise CodeError(f"unknown classification {slug!r}")


def _naics(text, level):
    if set(text) <= {"-", "/"} or text in {"0", "00", "TOTAL"}:
        return NAICS_TOTAL
    if re.fullmatch(r"(31|44|48)-(33|45|49)", text):
        return NAICS_RANGED_SECTORS[text[:2]]
    digits = text.rstrip("-/")
    if not re.fullmatch(r"\d{2,6}", digits):
        raise CodeError(f"{text!r} is not a NAICS code")
    if len(digits) == 2 and digits in NAICS_RANGED_SECTORS:
        return NAICS_RANGED_SECTORS[digits]
    return digits


def _dotted(text, level, subclasses):
    if re.fullmatch(r"[A-U]", text):
        return text
    sub = ""
    match = re.fullmatch(r"([\d. ]+?)\s*/\s*(\d)", text)
    if match:
        text, sub = match.group(1), match.group(2)
    if "." in text:
        whole, _, frac = text.partition(".")
        if not (re.fullmatch(r"\d{1,2}", whole) and re.fullmatch(r"\d{1,2}", frac)):
            raise CodeError(f"{text!r} is not a dotted class code")
        digits = whole.zfill(2) + frac
    else:
        digits = text.replace(" ", "")
        if not re.fullmatch(r"\d{1,5}", digits):
            raise CodeError(f"{text!r} is not a SIC/NACE code")
        if len(digits) == 1:
            digits = digits.zfill(2)
        elif len(digits) == 3 and level != "group":
            digits = digits.zfill(4)  # "610": a class whose leading zero was dropped.
        elif len(digits) == 5:
            # UK five-digit subclass form, e.g. "62012" = 62.01/2.
            digits, sub = digits[:4], digits[4]
    if sub and (len(digits) != 4 or not subclasses):
        raise CodeError(f"{text}/{sub} is not a valid subclass")
    if len(digits) == 2:
        return digits
    if len(digits) == 3:
        return f"{digits[:2]}.{digits[2]}"
    code = f"{digits[:2]}.{digits[2:]}"
    return f"{code}/{sub}" if sub else code


def _isic(text, level):
    if re.fullmatch(r"[A-U]", text):
        return text
    digits = text.replace(".", "").replace(" ", "")
    if not re.fullmatch(r"\d{1,4}", digits):
        raise CodeError(f"{text!r} is not an ISIC code")
    if len(digits) == 1:
        return digits.zfill(2)
    if len(digits) == 3 and level == "class":
        return digits.zfill(4)
    return digits


def naics_parent_candidates(code):
    """The possible ancestors of a canonical NAICS code, nearest first ("325412" → "32541", ..., "31-33")."""
    if code == NAICS_TOTAL or "-" in code or len(code) <= 2:
        return []
    out = [code[:n] for n in range(len(code) - 1, 2, -1)]
    out.append(NAICS_RANGED_SECTORS.get(code[:2], code[:2]))
    return out


def naics_level(code):
    if code == NAICS_TOTAL:
        return "total"
    return NAICS_LEVELS[2 if "-" in code else len(code)]


def dotted_parent(code):
    """The parent of a canonical SIC/NACE code: "62.01/1" → "62.01" → "62.0" → "62" → "J"."""
    if "/" in code:
        return code.split("/")[0]
    if "." in code:
        whole, frac = code.split(".")
        return f"{whole}.{frac[0]}" if len(frac) == 2 else whole
    if code.isdigit():
        return section_of(code)
    return None


def dotted_level(code):
    if "/" in code:
        return "subclass"
    if "." in code:
        return "class" if len(code.split(".")[1]) == 2 else "group"
    return "division" if code.isdigit() else "section"


def isic_parent(code):
    """The parent of a canonical ISIC code: "6201" → "620" → "62" → "J"."""
    if not code.isdigit():
        return None
    return section_of(code) if len(code) == 2 else code[:-1]


def isic_level(code):
    return {1: "section", 2: "division", 3: "group", 4: "class"}[len(code) if code.isdigit() else 1]
