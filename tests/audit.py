#!/usr/bin/env python3
"""Independent contrast and shape audit of an rmpc theme (RON).

Usage: python3 tests/audit.py THEME.ron [-v]

The test suite uses this to check generated themes without trusting the
generator's own audit (src/core/theme.c): it shares no code with it and
computes the WCAG 2.x contrast ratios itself (sRGB linearisation and the
relative luminance weights of WCAG 2.x, "relative luminance" definition).

Rules, the same as the project's contract (issue 2, RMPC.md):
  * every colour is "#rrggbb" (named, indexed, rgb() and reset colours take
    their value from the terminal); no "Dim" modifier;
  * background_color and text_color are set;
  * a style (a struct with fg and/or bg) is judged on its own bg, or, without
    bg, on every background it may be drawn on: background_color,
    header_background_color, modal_background_color and any pane
    background_color; a bg without fg carries text_color;
  * minimum by the name of the field holding the style: track_style 1.5;
    borders_style, highlight_border_style, border_style, border_active_style,
    elapsed_style, thumb_style, ends_style, filled_style and cava.bar_color
    3.0; anything else (and text_color) 4.5;
  * shapes: browser_column_widths >= 3 entries, progress_bar.symbols 3 or 5,
    scrollbar.symbols >= 4 (or scrollbar: None), layout holds exactly one
    Pane(TabContent) (following components).

Prints every failure as "THEME:LINE: ...", then "N pairs, M failures"; a
theme that cannot be read, parsed or fails a shape rule counts as one
failure.  Exit status 0 when the theme passes, 1 when it does not.
"""

import re
import sys

MIN_TEXT, MIN_UI, MIN_TRACK = 4.5, 3.0, 1.5
UI_FIELDS = {
    "borders_style", "highlight_border_style", "border_style",
    "border_active_style", "elapsed_style", "thumb_style", "ends_style",
    "filled_style",
}
COLOUR_FIELDS = {
    "fg", "bg", "background_color", "header_background_color",
    "modal_background_color", "text_color", "bg_color",
}
MODIFIERS = {"Bold", "Dim", "Italic", "Underlined", "Reversed", "CrossedOut"}
HEX = re.compile(r"#[0-9a-fA-F]{6}\Z")


class ThemeError(Exception):
    def __init__(self, line, msg):
        super().__init__(msg)
        self.line, self.msg = line, msg


# ---- values ---------------------------------------------------------------

class Value:
    def __init__(self, line):
        self.line = line


class Record(Value):
    """(a: 1) / Name(a: 1): named fields, in order."""
    def __init__(self, line, name, fields):
        super().__init__(line)
        self.name, self.fields = name, fields

    def get(self, key):
        for k, v in self.fields:
            if k == key:
                return strip_some(v)
        return None


class Tup(Value):
    def __init__(self, line, name, items):
        super().__init__(line)
        self.name, self.items = name, items


class Seq(Value):
    def __init__(self, line, items):
        super().__init__(line)
        self.items = items


class Dict(Value):
    def __init__(self, line, pairs):
        super().__init__(line)
        self.pairs = pairs


class Atom(Value):
    """kind: 'str', 'char', 'num', 'ident', 'bool'."""
    def __init__(self, line, kind, text):
        super().__init__(line)
        self.kind, self.text = kind, text


def strip_some(v):
    while isinstance(v, Tup) and v.name == "Some" and len(v.items) == 1:
        v = v.items[0]
    return v


def is_none(v):
    return isinstance(v, Atom) and v.kind == "ident" and v.text == "None"


# ---- reader ---------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*)
  | (?P<attr>\#!\[[^\]]*\])
  | (?P<raw>r(?P<hashes>\#*)")
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<char>'(?:[^'\\]|\\.[^']*)')
  | (?P<punct>[()\[\]{}:,])
  | (?P<num>[-+]?(?:0[xob][0-9a-fA-F_]+
                   |[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
                   |\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE | re.DOTALL)

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"',
           "'": "'", "/": "/", "b": "\b", "f": "\f"}


def unescape(body, line):
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        e = body[i + 1:i + 2]
        if e in ESCAPES:
            out.append(ESCAPES[e])
            i += 2
        elif e == "u" and body[i + 2:i + 3] == "{":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3:end], 16)))
            i = end + 1
        elif e == "u":
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        elif e == "x":
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        else:
            raise ThemeError(line, "unknown escape \\" + e)
    return "".join(out)


def tokenize(text):
    toks, pos, line = [], 0, 1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ThemeError(line, "unexpected %r" % text[pos])
        kind = m.lastgroup if m.lastgroup != "hashes" else "raw"
        if m.group("raw") is not None:
            kind = "raw"
        start_line = line
        if kind == "bcomment":
            depth, i = 1, m.end()
            while depth:
                if i >= len(text):
                    raise ThemeError(start_line, "unterminated comment")
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            end = i
        elif kind == "raw":
            close = '"' + m.group("hashes")
            end = text.find(close, m.end())
            if end < 0:
                raise ThemeError(line, "unterminated raw string")
            toks.append(("str", text[m.end():end], line))
            end += len(close)
        else:
            end = m.end()
            if kind == "str":
                toks.append(("str", unescape(m.group(0)[1:-1], line), line))
            elif kind == "char":
                toks.append(("char", unescape(m.group(0)[1:-1], line), line))
            elif kind in ("num", "ident", "punct"):
                toks.append((kind, m.group(0), line))
        line += text.count("\n", pos, end)
        pos = end
    toks.append(("eof", "", line))
    return toks


class Reader:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def at(self, punct):
        """Is the next token this punctuation (not a string that looks
        like it)?"""
        kind, text, _ = self.toks[self.i]
        return kind == "punct" and text == punct

    def take(self, want=None):
        tok = self.toks[self.i]
        if want is not None and not self.at(want):
            raise ThemeError(tok[2], "expected %r, found %r" % (want, tok[1] or "end"))
        self.i += 1
        return tok

    def value(self, depth=0):
        if depth > 200:
            raise ThemeError(self.peek()[2], "nested too deep")
        kind, text, line = self.take()
        if kind in ("str", "char", "num"):
            return Atom(line, kind, text)
        if kind == "ident":
            if self.at("("):
                return self.parens(line, text, depth)
            return Atom(line, "bool" if text in ("true", "false") else "ident", text)
        if kind == "punct" and text == "(":
            self.i -= 1
            return self.parens(line, None, depth)
        if kind == "punct" and text == "[":
            items = []
            while not self.at("]"):
                items.append(self.value(depth + 1))
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return Seq(line, items)
        if kind == "punct" and text == "{":
            pairs = []
            while not self.at("}"):
                k = self.value(depth + 1)
                self.take(":")
                pairs.append((k, self.value(depth + 1)))
                if not self.at("}"):
                    self.take(",")
            self.take("}")
            return Dict(line, pairs)
        raise ThemeError(line, "unexpected %r" % (text or "end"))

    def parens(self, line, name, depth):
        self.take("(")
        nxt, after = self.toks[self.i], self.toks[self.i + 1]
        if self.at(")") or (nxt[0] == "ident" and after == ("punct", ":", after[2])):
            fields, seen = [], set()
            while not self.at(")"):
                kind, key, kline = self.take()
                if kind != "ident":
                    raise ThemeError(kline, "expected a field name")
                if key in seen:
                    raise ThemeError(kline, "duplicate field " + key)
                seen.add(key)
                self.take(":")
                fields.append((key, self.value(depth + 1)))
                if not self.at(")"):
                    self.take(",")
            self.take(")")
            return Record(line, name, fields)
        items = []
        while not self.at(")"):
            items.append(self.value(depth + 1))
            if not self.at(")"):
                self.take(",")
        self.take(")")
        return Tup(line, name, items)


def read_theme(text):
    r = Reader(text)
    root = strip_some(r.value())
    if r.peek()[0] != "eof":
        raise ThemeError(r.peek()[2], "text after the theme")
    if not isinstance(root, Record):
        raise ThemeError(root.line, "a theme is a struct")
    return root


# ---- WCAG -----------------------------------------------------------------

def luminance(hexcol):
    def channel(v):
        c = v / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hexcol[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# ---- audit ----------------------------------------------------------------

def children(v):
    """(label, child, field-name) for every child value."""
    if isinstance(v, Record):
        for k, c in v.fields:
            yield "." + k, c, k
    elif isinstance(v, Tup):
        for i, c in enumerate(v.items):
            yield ("[%d]" % i if len(v.items) > 1 else ""), c, None
    elif isinstance(v, Seq):
        for i, c in enumerate(v.items):
            yield "[%d]" % i, c, None
    elif isinstance(v, Dict):
        for k, c in v.pairs:
            label = k.text if isinstance(k, Atom) else "?"
            yield "." + label, c, None


def walk(v, path="", field=None):
    """Yields (path, value, field) for v and everything below it."""
    if isinstance(v, (Record, Tup)) and v.name and v.name != "Some":
        path += "." + v.name
    yield path, v, field
    for label, c, f in children(v):
        yield from walk(c, path + label, f)


def colour(v, where):
    v = strip_some(v)
    if not (isinstance(v, Atom) and v.kind == "str" and HEX.match(v.text)):
        shown = v.text if isinstance(v, Atom) else type(v).__name__
        raise ThemeError(v.line, "%s: %r is not a #rrggbb colour" % (where, shown))
    return v.text.lower()


def check_formats(root):
    """Colours, modifiers; returns the pane backgrounds."""
    panes = []
    for path, v, _ in walk(root):
        if not isinstance(v, Record):
            continue
        for key, c in v.fields:
            c = strip_some(c)
            if is_none(c):
                continue
            if key in COLOUR_FIELDS:
                col = colour(c, key)
                if key == "background_color" and v is not root:
                    panes.append(col)
            elif key == "modifiers":
                if not (isinstance(c, Atom) and c.kind == "str"):
                    raise ThemeError(c.line, "modifiers must be a string")
                for flag in (f.strip() for f in c.text.split("|")):
                    if flag == "Dim":
                        raise ThemeError(c.line, "Dim modifier")
                    if flag and flag not in MODIFIERS:
                        raise ThemeError(c.line, "unknown modifier " + flag)
            elif key == "bar_color":
                for _, s, _ in walk(c):
                    if isinstance(s, Atom) and s.kind == "str":
                        colour(s, "bar_color")
    return panes


def count_tab_content(v, comps, resolving):
    n = 0
    for _, x, _ in walk(v):
        if isinstance(x, Tup) and x.name == "Pane" and len(x.items) == 1:
            inner = strip_some(x.items[0])
            if getattr(inner, "name", None) == "TabContent" or \
               (isinstance(inner, Atom) and inner.text == "TabContent"):
                n += 1
        if isinstance(x, Tup) and x.name == "Component" and comps is not None:
            name = strip_some(x.items[0]).text
            if name not in comps:
                raise ThemeError(x.line, "unknown component %r" % name)
            if name in resolving:
                raise ThemeError(x.line, "component cycle")
            n += count_tab_content(comps[name], comps, resolving | {name})
    return n


def check_shapes(root):
    widths = root.get("browser_column_widths")
    if widths is not None and not is_none(widths):
        if not isinstance(widths, Seq) or len(widths.items) < 3:
            raise ThemeError(widths.line, "browser_column_widths needs >= 3 entries")
    pb = root.get("progress_bar")
    if isinstance(pb, Record):
        sym = pb.get("symbols")
        if sym is not None and (not isinstance(sym, Seq) or len(sym.items) not in (3, 5)):
            raise ThemeError(sym.line, "progress_bar.symbols needs 3 or 5 strings")
    sb = root.get("scrollbar")
    if sb is not None and not is_none(sb):
        sym = sb.get("symbols") if isinstance(sb, Record) else None
        if not isinstance(sym, Seq) or len(sym.items) < 4:
            raise ThemeError(sb.line, "scrollbar.symbols needs >= 4 strings")
    comps = root.get("components")
    table = None
    if isinstance(comps, Dict):
        table = {strip_some(k).text: v for k, v in comps.pairs}
    layout = root.get("layout")
    if layout is not None and not is_none(layout):
        n = count_tab_content(layout, table, frozenset())
        if n != 1:
            raise ThemeError(layout.line, "layout holds %d Pane(TabContent)" % n)


def minimum(field):
    if field == "track_style":
        return MIN_TRACK
    if field in UI_FIELDS:
        return MIN_UI
    return MIN_TEXT


def audit(root):
    """Returns the list of (line, path, fg, bg, ratio, minimum)."""
    panes = check_formats(root)
    check_shapes(root)
    bg = root.get("background_color")
    if bg is None or is_none(bg):
        raise ThemeError(root.line, "background_color is not set")
    text = root.get("text_color")
    if text is None or is_none(text):
        raise ThemeError(root.line, "text_color is not set")
    backgrounds = [colour(bg, "background_color")]
    for key in ("header_background_color", "modal_background_color"):
        v = root.get(key)
        if v is not None and not is_none(v):
            panes.append(colour(v, key))
    for c in panes:
        if c not in backgrounds:
            backgrounds.append(c)
    text = colour(text, "text_color")

    pairs = [(root.get("text_color").line, "text_color", text, b, MIN_TEXT)
             for b in backgrounds]
    cava = root.get("cava")
    if isinstance(cava, Record) and cava.get("bar_color") is not None:
        cbg = cava.get("bg_color")
        on = [colour(cbg, "bg_color")] if cbg is not None and not is_none(cbg) \
            else backgrounds
        for _, s, _ in walk(cava.get("bar_color")):
            if isinstance(s, Atom) and s.kind == "str":
                pairs += [(s.line, "cava.bar_color", s.text.lower(), b, MIN_UI)
                          for b in on]
    for path, v, field in walk(root):
        if not isinstance(v, Record):
            continue
        fg, bgv = v.get("fg"), v.get("bg")
        fg = None if fg is None or is_none(fg) else fg
        bgv = None if bgv is None or is_none(bgv) else bgv
        path = path.lstrip(".")
        need = minimum(field)
        if fg is not None and bgv is not None:
            pairs.append((fg.line, path, fg.text.lower(), bgv.text.lower(), need))
        elif fg is not None:
            pairs += [(fg.line, path, fg.text.lower(), b, need) for b in backgrounds]
        elif bgv is not None:
            pairs.append((bgv.line, path, text, bgv.text.lower(), need))
    return [(ln, p, f, b, ratio(f, b), m) for ln, p, f, b, m in pairs]


def main(argv):
    args = [a for a in argv[1:] if a != "-v"]
    verbose = "-v" in argv[1:]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            text = f.read()
        pairs = audit(read_theme(text))
    except ThemeError as e:
        print("%s:%d: %s" % (args[0], e.line, e.msg))
        print("0 pairs, 1 failures")
        return 1
    except (OSError, UnicodeDecodeError, ValueError, IndexError) as e:
        print("%s: %s" % (args[0], e))
        print("0 pairs, 1 failures")
        return 1
    failures = 0
    for line, path, fg, bg, r, need in pairs:
        bad = r < need
        failures += bad
        if bad or verbose:
            print("%s:%d: %s: %.2f %s %.1f (%s on %s)" % (
                args[0], line, path, r, "<" if bad else ">=", need, fg, bg))
    print("%d pairs, %d failures" % (len(pairs), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
