"""Posting the provider forms from tests as a browser would: every field the page shows, with
its current value, and then the changes the test makes."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.conftest import csrf_token


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value", "y"))
            elif kind != "submit":
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self._first_option = None
            self._multiple = "multiple" in a
            self.values.setdefault(name, [])
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.values[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            # A browser sends a single select's first option when none is selected.
            if (
                not self.values[self._select]
                and not self._multiple
                and self._first_option is not None
            ):
                self.values[self._select] = [self._first_option]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += (
                data.removeprefix("\n") if not self.values[self._textarea][0] else data
            )


def form_values(html: str) -> dict[str, list[str]]:
    parser = _Fields()
    parser.feed(html)
    return parser.values


def submit_form(client, path: str, changes: dict | None = None, **kwargs):
    """GET the form page, apply the changes (a value, a list, or None to untick/empty) and
    POST it back to the same path."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    data = form_values(html)
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    data["csrf_token"] = [csrf_token(html)]
    return client.post(path, data=data, **kwargs)
