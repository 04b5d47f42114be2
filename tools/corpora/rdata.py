"""A minimal reader of R's lazy-load databases (.rdx/.rdb), enough for character vectors and data
frames of them (r-cran-janeaustenr ships its novels that way; no R on this machine)."""
import bz2
import gzip
import lzma
import struct
import zlib


class _Reader:
    def __init__(self, data):
        self.data, self.pos, self.refs = data, 0, []

    def int(self):
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def bytes(self, n):
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def header(self):
        if self.bytes(2) != b"X\n":
            raise ValueError("not an XDR R serialization")
        version = self.int()
        self.int()
        self.int()
        if version == 3:
            self.bytes(self.int())

    def item(self):
        flags = self.int()
        t = flags & 0xFF
        has_attr, has_tag = flags & (1 << 9), flags & (1 << 10)
        if t in (254, 242, 241, 253, 252, 251, 247):  # NULL and the special environments/values
            return None
        if t == 255:  # reference to an earlier symbol or environment
            idx = flags >> 8 or self.int()
            return self.refs[idx - 1]
        if t == 1:  # SYMSXP
            name = self.item()
            self.refs.append(name)
            return name
        if t in (2, 6, 17):  # pairlist / language / dotted pairs: attr?, tag?, car, cdr
            out = {}
            while True:
                if has_attr:
                    self.item()
                tag = self.item() if has_tag else None
                out[tag if tag is not None else len(out)] = self.item()
                flags = self.int()
                t = flags & 0xFF
                has_attr, has_tag = flags & (1 << 9), flags & (1 << 10)
                if t == 254:
                    return out
                if t not in (2, 6, 17):
                    raise ValueError("unsupported pairlist tail %d" % t)
        if t == 9:  # CHARSXP
            n = self.int()
            return None if n == -1 else self.bytes(n).decode("utf-8", "replace")
        if t in (10, 13):  # logical / integer vector
            n = self.int()
            value = list(struct.unpack_from(">%di" % n, self.data, self.pos))
            self.pos += 4 * n
        elif t == 14:  # double vector
            n = self.int()
            value = list(struct.unpack_from(">%dd" % n, self.data, self.pos))
            self.pos += 8 * n
        elif t == 16:  # character vector
            value = [self.item() for _ in range(self.int())]
        elif t in (19, 20):  # list / expression vector
            value = [self.item() for _ in range(self.int())]
        elif t == 238:  # ALTREP: class info, state, attributes
            self.item()
            state = self.item()
            self.item()
            return state
        elif t in (4,):  # environment: locked flag, enclos, frame, hashtab, attrib
            self.int()
            self.refs.append("<env>")
            for _ in range(4):
                self.item()
            return None
        else:
            raise ValueError("unsupported R type %d" % t)
        attrs = self.item() if has_attr else None
        if attrs and "names" in attrs and t == 19:
            return dict(zip(attrs["names"], value))
        return value


def _unserialize(data):
    r = _Reader(data)
    r.header()
    return r.item()


def _decompress(blob):
    n = struct.unpack_from(">i", blob, 0)[0]
    kind = blob[4:5]
    if kind == b"2":
        return bz2.decompress(blob[5:])
    if kind == b"3":
        return lzma.decompress(blob[5:])
    if kind == b"0":
        return blob[5:5 + n]
    return zlib.decompress(blob[4:])


def load(prefix):
    """{name: object} of every variable in PREFIX.rdx/PREFIX.rdb."""
    with open(prefix + ".rdx", "rb") as f:
        index = _unserialize(gzip.decompress(f.read()))  # the index is a gzipped RDS file
    with open(prefix + ".rdb", "rb") as f:
        rdb = f.read()
    out = {}
    for name, (offset, length) in index["variables"].items():
        out[name] = _unserialize(_decompress(rdb[int(offset):int(offset) + int(length)]))
    return out
