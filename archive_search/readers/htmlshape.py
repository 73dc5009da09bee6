"""How deep, how big and how rebuilt an HTML page's tree will be, known before it is parsed.

Lexbor's tree building is quadratic (or worse) in the depth of the tree, and CSS matching
on a tree 100,000 levels deep takes minutes; browsers stop nesting at a few hundred levels.
So the depth is estimated from the tags, in one linear pass, before the page is parsed:
a small model of HTML5's tree builder (its stack of open elements, the end tags that
close elements implicitly, the formatting elements it re-creates inside each block, and
SVG/MathML content, where "/>" closes and <script> holds markup). Where it simplifies, it
keeps elements open rather than closing them; tests check it against Lexbor on real pages
and on generated tag soup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_HTML_DEPTH = 2000
# A formatting element (<b>, <font>, ...) left open when its block closes is re-created in
# every block after it: a few thousand such tags make millions of nodes.
MAX_REBUILT = 100_000
# News pages have a few thousand elements; each costs the parser memory, and this model time.
MAX_HTML_ELEMENTS = 250_000
# How far down the stack an end tag (or an implied one) is looked for: deeper matches are
# taken as absent, which keeps the elements open and each tag's cost constant.
_SCAN = 64

_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param source track wbr".split()
)
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes plaintext".split())
_NOT_NESTED = frozenset(("html", "head", "body"))
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_MARKERS = frozenset("applet caption marquee object td template th".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_TABLE_PARTS = frozenset("table caption colgroup tbody thead tfoot tr td th".split())
_CLOSES_P = (
    frozenset(
        "address article aside blockquote center details dialog dir div dl dd dt fieldset figcaption figure footer "
        "form header hgroup hr li listing main menu nav ol p plaintext pre search section summary table ul".split()
    )
    | _HEADINGS
)
_SPECIAL = (
    frozenset(
        "address applet area article aside base basefont bgsound blockquote body br button caption center col "
        "colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset head header "
        "hgroup hr html iframe img input keygen li link listing main marquee menu meta nav noembed noframes "
        "noscript object ol p param plaintext pre script search section select source style summary table tbody "
        "td template textarea tfoot th thead title tr track ul wbr xmp".split()
    )
    | _HEADINGS
)
# SVG and MathML: inside them "/>" closes an element and <style> or <script> hold markup;
# these HTML tags end the foreign content, and these elements hold HTML again.
_BREAKOUT = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing "
    "menu meta nobr ol p pre ruby s small span strike strong sub sup table tt u ul var".split()
)
_SVG_HOLDS_HTML = frozenset(("foreignobject", "desc", "title"))
_MATH_HOLDS_HTML = frozenset(("mi", "mo", "mn", "ms", "mtext"))
# An attribute: its name, then "=" and a quoted or bare value (each part in one bounded step).
_ATTRIBUTE = re.compile(
    r"""([^\t\n\f\r />"'=][^\t\n\f\r />=]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]*))?"""
)
_SCOPE = frozenset("applet caption html marquee object table td template th svg math".split())
_BUTTON_SCOPE = _SCOPE | {"button"}
_LIST_SCOPE = _SCOPE | {"ol", "ul"}
_TABLE_SCOPE = frozenset(("html", "table", "template"))
_BLOCKS_ADOPTION = _SPECIAL | _SCOPE
_ITEM_STOPS = _SPECIAL - {"address", "div", "p"}
# End tags that close their element if it is in scope (the rest close it only if no special
# element is open inside it).
_BLOCK_ENDS = frozenset(
    "address applet article aside blockquote button center details dialog dir div dl dd dt fieldset figcaption "
    "figure footer header hgroup listing main marquee menu nav object ol pre search section select summary "
    "template ul".split()
)

# A comment, an end or start tag (its name), or a <!...> / <?...> declaration.
_MARKUP = re.compile(r"<(?:(!--)|(/?)([A-Za-z][^\t\n\f\r />]*)|[!?])")
_HTML_TEXT = re.compile(r"[^ \t\n\f\r]")


def _attributes(text: str) -> dict[str, str]:
    """A start tag's attributes (the first of two alike wins, as in HTML)."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        found.setdefault(match[1].lower(), (match[2] or "").strip("\"'"))
    return found


def _font_leaves_svg(attributes: str) -> bool:
    """<font color=...>, face or size ends SVG content; a bare <font> is an SVG element."""
    return not _attributes(attributes).keys().isdisjoint(("color", "face", "size"))


class _Shape:
    """The stack of open elements and the list of active formatting elements, as the HTML5
    tree builder keeps them, far enough to bound the depth and the nodes it will build.
    Past MAX_HTML_DEPTH the stack is dropped and the depth only counted (to report it)."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.entries: list[list | None] = []  # per stack element: its formatting entry, if any
        # Per stack element: "" for HTML, else its namespace ("svg", "math"), with a "+" when
        # it holds HTML (<foreignObject>, <mi>...).
        self.foreign: list[str] = []
        self.counts: dict[str, int] = {}
        self.formatting: list[list | None] = []  # entries [name, key, state]; None is a marker
        self.pending = 0  # entries whose element was closed implicitly: re-created on next content
        self.active: dict[str, int] = {}  # entries in the list, by name
        self.deepest = 0
        self.rebuilt = 0
        self.elements = 0
        self.form = False  # HTML's form element pointer: no form nests in another
        self.counting: int | None = None  # the depth, once only counted
        self.tally: dict[str, int] = {}  # open elements by name, once only counted

    @property
    def over(self) -> bool:
        """Whether the page is already known to be refused."""
        return self.rebuilt > MAX_REBUILT or self.elements > MAX_HTML_ELEMENTS

    # -- tokens -------------------------------------------------------------------------

    def start(self, name: str, self_closing: bool, attributes: str) -> bool:
        """A start tag; True if the element's content is raw text (<script>, <style>,
        <plaintext>...)."""
        if name in _NOT_NESTED:
            return False
        self.elements += 1
        if self.counting is not None:
            self._count_start(name)
            return name in _RAW_TEXT
        if self._in_foreign() and (name in _BREAKOUT or (name == "font" and _font_leaves_svg(attributes))):
            while self._in_foreign():
                self._pop()
        namespace = self._namespace(name)
        if namespace:
            self._start_foreign(name, namespace, self_closing, attributes)
            return False  # in SVG, <style> and <plaintext> hold markup
        if self._dropped(name):
            return False
        self._start_html(name, attributes)
        return name in _RAW_TEXT

    def _start_foreign(self, name: str, namespace: str, self_closing: bool, attributes: str) -> None:
        if not self._in_foreign():  # <svg> or <math> in HTML
            self.reconstruct()
        self.deepest = max(self.deepest, len(self.stack))
        if not self_closing:
            self._push(name, None, namespace + ("+" if self._holds_html(namespace, name, attributes) else ""))

    def _dropped(self, name: str) -> bool:
        """Start tags the parser drops (after closing what they close): a cell outside any
        table, a <select> in a select, a form in a form."""
        if name in _TABLE_PARTS and name != "table" and not (self.counts.get("table") or self.counts.get("template")):
            return True
        if name in ("select", "input", "keygen", "textarea"):  # these end an open <select>
            depth = self._find(("select",), _SCOPE)
            if depth is not None:
                self._pop_to(depth)
                if name == "select":
                    return True
        return name == "form" and self.form

    def _start_html(self, name: str, attributes: str) -> None:
        self.form = self.form or name == "form"
        if not self.counts.get("select"):  # in a <select> the parser drops such tags: they close nothing
            self._implied_ends(name)
            self._implied_rows(name)
        if name not in _CLOSES_P and name not in _TABLE_PARTS:
            self.reconstruct()
        self.deepest = max(self.deepest, len(self.stack))
        if name not in _VOID:  # "/>" does not close an HTML element: <div/> is <div>
            key = hash(attributes) if name in _FORMATTING else 0
            self._push(name, self._new_entry(name, key) if name in _FORMATTING else None)
            if name in _MARKERS:
                self.formatting.append(None)

    def _in_foreign(self) -> bool:
        """Whether a new element goes into SVG or MathML content."""
        return bool(self.foreign) and bool(self.foreign[-1]) and not self.foreign[-1].endswith("+")

    def _namespace(self, name: str) -> str:
        """The namespace a new element gets: its parent's in foreign content, else "" (HTML)
        but for <svg> and <math>."""
        if self._in_foreign():
            return self.foreign[-1]
        return name if name in ("svg", "math") else ""

    @staticmethod
    def _holds_html(namespace: str, name: str, attributes: str) -> bool:
        if namespace == "svg":
            return name in _SVG_HOLDS_HTML
        if name == "annotation-xml":
            encoding = _attributes(attributes).get("encoding", "").lower()
            return encoding in ("text/html", "application/xhtml+xml")
        return name in _MATH_HOLDS_HTML

    def end(self, name: str) -> None:
        if name in _NOT_NESTED:
            return
        if self.counting is not None:
            if name not in _VOID:
                self._count_end(name)
            return
        if self.foreign and self.foreign[-1]:
            if name not in ("p", "br"):
                self._close_foreign(name)
                return
            while self._in_foreign():  # </p> and </br> leave SVG like a start tag does
                self._pop()
        self._end_html(name)

    def _end_html(self, name: str) -> None:
        """An end tag by HTML's rules ("in body", and its table modes)."""
        if name == "br":  # </br> is read as <br>
            self.reconstruct()
        if name in _VOID:
            return
        if self.counts.get("select") and name != "select":  # in a <select>: only its current element
            if self.stack[-1] == name and not self.foreign[-1]:
                self._pop()
            return
        if name == "form":
            self._close_form()
        elif name in _FORMATTING:
            self._adopt(name)
        elif name == "p":
            self._close_in_scope(("p",), _BUTTON_SCOPE)
        elif name == "li":
            self._close_in_scope(("li",), _LIST_SCOPE)
        elif name in _HEADINGS:
            self._close_in_scope(_HEADINGS, _SCOPE)
        elif name in _TABLE_PARTS:
            self._close_in_scope((name,), _TABLE_SCOPE)
        elif name in _BLOCK_ENDS:
            self._close_in_scope((name,), _SCOPE)
        else:
            self._close_any(name)

    def text(self) -> None:
        if self.counting is None:
            self.reconstruct()

    def _count_start(self, name: str) -> None:
        """Past the limit the page is refused: the depth is only counted, for the message
        (end tags close only elements of their name, the stray ones nothing)."""
        self.deepest = max(self.deepest, self.counting)
        if name in _VOID:
            return
        if name not in self.tally and len(self.tally) >= 1024:  # bounded memory for the count
            name = ""
        self.tally[name] = self.tally.get(name, 0) + 1
        self.counting += 1

    def _count_end(self, name: str) -> None:
        if self.tally.get(name):
            self.tally[name] -= 1
            self.counting -= 1

    # -- the tree builder's steps ---------------------------------------------------------

    def _implied_ends(self, name: str) -> None:
        """A start tag that closes open elements: <p> a paragraph, <li> an item, <td> a cell..."""
        if name in _TABLE_PARTS and name != "table":  # a row, cell... ends an open caption
            self._close_in_scope(("caption",), _TABLE_SCOPE)
        if name == "li":  # the open item first, then the paragraph (the order matters)
            self._close_item(("li",))
        elif name in ("dd", "dt"):
            self._close_item(("dd", "dt"))
        if name in _CLOSES_P:
            self._close_in_scope(("p",), _BUTTON_SCOPE)
        if name in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
            self._pop()
        elif name in ("td", "th"):
            self._close_in_scope(("td", "th"), _TABLE_SCOPE)
        elif name == "tr":
            self._close_in_scope(("tr",), _TABLE_SCOPE)
        elif name in ("tbody", "thead", "tfoot"):
            self._close_in_scope(("tbody", "thead", "tfoot"), _TABLE_SCOPE)
        elif name == "button":
            self._close_in_scope(("button",), _SCOPE)
        elif name in ("option", "optgroup"):
            while self.stack and self.stack[-1] in ("option", name):
                self._pop()
        elif name in ("a", "nobr") and (entry := self._active(name)) is not None and not self._adopt(name, entry):
            self._forget(entry)  # a new link closes the open one

    def _implied_rows(self, name: str) -> None:
        """A cell or row straight in a table gets the <tbody> (and <tr>) the parser adds."""
        top = self.stack[-1] if self.stack else ""
        if name in ("td", "th") and top in ("table", "tbody", "thead", "tfoot"):
            if top == "table":
                self._push("tbody", None)
            self._push("tr", None)
        elif name == "tr" and top == "table":
            self._push("tbody", None)

    def _find(self, names: tuple[str, ...] | frozenset[str], stops: frozenset[str]) -> int | None:
        """Where the nearest open HTML element named in `names` is on the stack, if it comes
        before any element in `stops` and any SVG/MathML element that holds HTML."""
        if not any(self.counts.get(n) for n in names):
            return None
        stack, foreign = self.stack, self.foreign
        for depth in range(len(stack) - 1, max(-1, len(stack) - 1 - _SCAN), -1):
            if foreign[depth]:
                if foreign[depth].endswith("+"):
                    return None
            elif stack[depth] in names:
                return depth
            elif stack[depth] in stops:
                return None
        return None

    def _close_in_scope(self, names: tuple[str, ...] | frozenset[str], boundaries: frozenset[str]) -> None:
        depth = self._find(names, boundaries)
        if depth is not None:
            self._pop_to(depth)

    def _close_item(self, names: tuple[str, ...]) -> None:
        """<li> closes the open item unless a list (or other special element) comes first."""
        self._close_in_scope(names, _ITEM_STOPS)

    def _close_any(self, name: str) -> None:
        """Any other end tag: closes its element, unless a special element is open inside it."""
        self._close_in_scope((name,), _SPECIAL)

    def _close_foreign(self, name: str) -> None:
        """An end tag in SVG or MathML closes the nearest foreign element of its name; past
        the foreign elements, HTML's rules take it."""
        for depth in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - _SCAN), -1):
            if not self.foreign[depth]:
                self._end_html(name)
                return
            if self.stack[depth] == name:
                self._pop_to(depth)
                return

    def _close_form(self) -> None:
        """</form> takes the form element out of the stack, leaving what it holds open."""
        self.form = False
        depth = self._find(("form",), _SCOPE)
        if depth is not None:
            self._remove(depth)

    def _adopt(self, name: str, entry: list | None = None) -> bool:
        """The end of a formatting element (HTML's adoption agency, as far as depth goes).
        True if the element left the stack for a copy inside a block."""
        entry = entry or self._active(name)
        if entry is None:
            self._close_any(name)
            return False
        if entry[2] is not True:  # closed already, only waiting to be re-created
            self._forget(entry)
            return False
        block = None  # the lowest special element above it: the "furthest block"
        for depth in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - _SCAN), -1):
            if self.entries[depth] is entry:
                break
            namespace = self.foreign[depth]
            if namespace.endswith("+") or (not namespace and self.stack[depth] in _SCOPE):
                return False  # not in scope: nothing happens
            if not namespace and self.stack[depth] in _SPECIAL:
                block = depth
        else:
            return False
        if block is None:
            self._forget(entry)
            self._pop_to(depth)
            return False
        self._reparent(depth, block, entry)
        return True

    def _reparent(self, at: int, block: int, entry: list) -> None:
        """A formatting element closed around a block: it leaves the stack, with the plain
        elements between it and the block, and a copy of it opens inside the block."""
        for depth in range(block - 1, at - 1, -1):
            if depth == at or self.entries[depth] is None:
                self._remove(depth)
                block -= 1
        self.stack.insert(block + 1, entry[0])
        self.entries.insert(block + 1, entry)
        self.foreign.insert(block + 1, "")
        self.counts[entry[0]] = self.counts.get(entry[0], 0) + 1

    def reconstruct(self) -> None:
        """Re-open the formatting elements closed implicitly since they were last open."""
        if not self.pending:
            return
        first = len(self.formatting)
        while first and self.formatting[first - 1] is not None and self.formatting[first - 1][2] is False:
            first -= 1
        for entry in self.formatting[first:]:
            entry[2] = True
            self.pending -= 1
            self.rebuilt += 1
            self._push(entry[0], entry)

    # -- the stack and the list -------------------------------------------------------------

    def _push(self, name: str, entry: list | None, foreign: str = "") -> None:
        if self.counting is not None:
            self.counting += 1
            return
        self.stack.append(name)
        self.entries.append(entry)
        self.foreign.append(foreign)
        self.counts[name] = self.counts.get(name, 0) + 1
        if len(self.stack) > MAX_HTML_DEPTH:  # far too deep: from here on, only count
            self.deepest = max(self.deepest, len(self.stack))
            self.counting = len(self.stack)
            self.tally = {n: c for n, c in self.counts.items() if c}
            self.stack, self.entries, self.foreign, self.formatting = [], [], [], []

    def _pop(self) -> None:
        name = self.stack.pop()
        entry = self.entries.pop()
        namespace = self.foreign.pop()
        self.counts[name] -= 1
        if entry is not None and entry[2] is True:
            entry[2] = False
            self.pending += 1
        if name in _MARKERS and not namespace:  # an SVG <template> or <title> set no marker
            self._clear_to_marker()

    def _remove(self, depth: int) -> None:
        """Take one element out of the middle of the stack, leaving the ones above it."""
        name = self.stack.pop(depth)
        self.entries.pop(depth)
        self.foreign.pop(depth)
        self.counts[name] -= 1

    def _pop_to(self, depth: int) -> None:
        while len(self.stack) > depth:
            self._pop()

    def _new_entry(self, name: str, key: int) -> list:
        """A list entry for a new formatting element; at most three alike (HTML's Noah's Ark)."""
        if self.active.get(name, 0) >= 3:
            alike = [i for i in self._recent() if self.formatting[i][:2] == [name, key]]
            if len(alike) >= 3:
                self._forget(self.formatting[alike[-1]])
        entry = [name, key, True]
        self.formatting.append(entry)
        self.active[name] = self.active.get(name, 0) + 1
        return entry

    def _recent(self) -> Iterator[int]:
        """Indexes of the last _SCAN entries after the last marker, latest first."""
        for i in range(len(self.formatting) - 1, max(-1, len(self.formatting) - 1 - _SCAN), -1):
            if self.formatting[i] is None:
                return
            yield i

    def _active(self, name: str) -> list | None:
        """The latest entry of this name after the last marker."""
        if not self.active.get(name):
            return None
        formatting = self.formatting
        for i in range(len(formatting) - 1, max(-1, len(formatting) - 1 - _SCAN), -1):
            entry = formatting[i]
            if entry is None:
                return None
            if entry[0] == name:
                return entry
        return None

    def _forget(self, entry: list | None) -> None:
        """Remove an entry from the list (its element, if open, stays on the stack)."""
        if entry is None or entry[2] is None:
            return
        if self.formatting and self.formatting[-1] is entry:
            self.formatting.pop()
        else:
            for i in self._recent():
                if self.formatting[i] is entry:
                    del self.formatting[i]
                    break
        self._removed(entry)

    def _removed(self, entry: list) -> None:
        if entry[2] is False:
            self.pending -= 1
        entry[2] = None
        self.active[entry[0]] -= 1

    def _clear_to_marker(self) -> None:
        while self.formatting:
            entry = self.formatting.pop()
            if entry is None:
                return
            self._removed(entry)


_RAW_END: dict[str, re.Pattern[str]] = {name: re.compile(rf"</{name}", re.I) for name in _RAW_TEXT - {"plaintext"}}
_COMMENT_END = re.compile(r"--!?>")


def _comment_end(text: str, start: int) -> int:
    """Where a comment opened just before `start` ends: "-->" or "--!>", or at once for
    "<!-->" and "<!--->", or at the end of the file."""
    if text.startswith(">", start):
        return start + 1
    if text.startswith("->", start):
        return start + 2
    close = _COMMENT_END.search(text, start)
    return close.end() if close else len(text)


def tree_shape(text: str) -> tuple[int, int, int]:
    """(how deep the page's elements nest, how many formatting elements the parser will
    re-create, how many elements there are), estimated in one pass over the tags: comments
    and the contents of <script>, <style>, <textarea>... are passed over. The pass stops
    once the page is over a limit."""
    shape = _Shape()
    at = 0
    while not shape.over and (markup := _MARKUP.search(text, at)):
        if _HTML_TEXT.search(text, at, markup.start()):
            shape.text()
        if markup[1]:
            at = _comment_end(text, markup.end())
            continue
        close = text.find(">", markup.end())
        if close < 0:
            break  # the file ends inside a tag: the parser drops it
        at = close + 1
        if not markup[3]:
            continue
        name = markup[3].lower()
        if markup[2]:
            shape.end(name)
            continue
        if shape.start(name, text[close - 1] == "/", text[markup.end() : close]):
            if name == "plaintext":
                break  # all the rest is text
            raw_end = _RAW_END[name].search(text, at)
            at = raw_end.start() if raw_end else len(text)
    return shape.deepest, shape.rebuilt, shape.elements
