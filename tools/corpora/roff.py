"""Manual-page source (man and mdoc roff) to plain text, without groff: macro lines keep their
words, requests and escapes are dropped. Good enough for a corpus; not a formatter."""
import re

_SPECIAL = {"em": "—", "en": "–", "bu": "•", "aq": "'", "dq": '"', "lq": "“", "rq": "”", "oq": "‘",
            "cq": "’", "co": "©", "rg": "®", "tm": "™", "hy": "-", "mi": "-", "pl": "+", "eq": "=",
            "mu": "×", "di": "÷", "de": "°", "->": "→", "<-": "←", "ga": "`", "ha": "^", "ti": "~",
            "rs": "\\", "ba": "|", "or": "|", "sl": "/", "ua": "↑", "da": "↓", "Fo": "«", "Fc": "»",
            "fo": "‹", "fc": "›", "Tm": "™", ">=": "≥", "<=": "≤", "!=": "≠", "+-": "±", "aa": "´"}

# Macros whose arguments are text (man(7) and mdoc(7)); all other requests are dropped.
_TEXT_MACROS = {"SH", "SS", "B", "I", "BR", "RB", "IR", "RI", "BI", "IB", "SM", "SB", "TP", "IP",
                "HP", "TQ", "UR", "MT", "OP", "SY", "EX", "EE", "Nm", "Nd", "Sh", "Ss", "Fl", "Ar", "Op",
                "Oo", "Oc", "It", "Pa", "Xr", "Cm", "Ic", "Li", "Em", "Sy", "Dq", "Qq", "Sq", "Pq", "Ql",
                "Va", "Vt", "Fn", "Fa", "Ft", "Fd", "Fo", "Er", "Ev", "Dv", "Cd", "Ad", "An", "Lk",
                "Mt", "No", "Ns", "Tn", "Ux", "Bx", "St", "Ev", "Ms", "Xo", "Xc", "In", "Lb", "D1",
                "Dl", "Ta", "Aq", "Bq", "Brq", "Ek", "Ot", "Rv", "Ex", "Sx", "At", "Nx", "Fx", "Ox"}
_MDOC_DROP = {"Dd", "Dt", "Os", "Bl", "El", "Bd", "Ed", "Pp", "Lp", "Sm", "Bk", "Ek", "Ns", "Rs", "Re"}


def _escapes(s):
    s = re.sub(r'\\".*$', "", s)
    s = re.sub(r"\\f(\[[^\]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\s[+-]?(\[[^\]]*\]|\(..|\d+)", "", s)
    s = re.sub(r"\\\*(\[[^\]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\[nkgmMVY](\[[^\]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\[hvwlLNbDoXxHSZRz]'[^']*'", "", s)
    s = re.sub(r"\\\((..)", lambda m: _SPECIAL.get(m.group(1), ""), s)
    s = re.sub(r"\\\[([^\]]*)\]", lambda m: _SPECIAL.get(m.group(1), ""), s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\ ", " ").replace("\\~", " ")
    s = s.replace("\\0", " ").replace("\\(", "(").replace("\\.", ".").replace("\\'", "'").replace("\\`", "`")
    s = re.sub(r"\\[&|^%c:!{}dutpar/,]", "", s)
    return s.replace("\\\\", "\\").replace("\\", "")


def _args(rest):
    return [a[1:-1] if len(a) >= 2 and a[0] == a[-1] == '"' else a for a in re.findall(r'"[^"]*"|\S+', rest)]


def to_text(src):
    out, skip_def, nofill = [], False, False
    for line in src.replace("\r\n", "\n").split("\n"):
        if skip_def:
            if line.startswith(".."):
                skip_def = False
            continue
        if line.startswith((".", "'")):
            m = re.match(r"[.']\s*(\S*)\s*(.*)$", line)
            name, rest = m.group(1), m.group(2)
            if name.startswith('\\"') or name == "":
                continue
            if name in ("de", "de1", "am", "ig"):
                skip_def = True
                continue
            if name in ("nf", "EX", "Bd", "TS"):
                nofill = True
            elif name in ("fi", "EE", "Ed", "TE"):
                nofill = False
            if name in ("SH", "Sh", "SS", "Ss"):
                out.append("\n" + _escapes(" ".join(_args(rest))).upper() + "\n")
            elif name in ("PP", "LP", "P", "sp", "Pp", "Lp", "TP", "IP", "HP", "It", "br"):
                out.append("")
                if name in ("IP", "It", "HP") and rest:
                    out.append(_escapes(" ".join(_args(rest)[:1] if name != "It" else _args(rest))))
            elif name == "Fl":
                out.append(" ".join("-" + _escapes(a) for a in _args(rest) or [""]))
            elif name in _TEXT_MACROS and name not in _MDOC_DROP:
                words = [a for a in _args(rest) if not re.fullmatch(r"(Ns|Op|Oc|Oo|Ar|Fl|Cm|Pa|Xo|Xc|Li|No|Ta)", a)]
                # alternating-font macros (.BR name (2)) join their words without spaces
                out.append(_escapes(("" if name in ("BR", "RB", "IR", "RI", "BI", "IB") else " ").join(words)))
            continue
        out.append(("\x00" if nofill else "") + _escapes(line))
    # Filled text: a paragraph's lines join into one (roff puts a clause on each source line).
    text = "\n".join(out)
    text = re.sub(r"(?<=[^\n])\n(?=[^\n\x00])", " ", text).replace("\x00", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
