"""The request rules of web/http.py on their own: which paths may be served, and byte ranges."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web.files.http import Unsatisfiable, byte_range, safe_relative_path
from web.files.nginx import render


@pytest.mark.parametrize(
    ("raw", "rel"),
    [
        (b"/feeds/sample.xml", "feeds/sample.xml"),
        (b"/articles/www.n-tv.de/politik/k%C3%B6ln.html.json", "articles/www.n-tv.de/politik/köln.html.json"),
        (b"/audio/a%20b-v1.mp3", "audio/a b-v1.mp3"),
        (b"/", None),
        (b"/audio/", None),
        (b"//etc/passwd", None),
        (b"/../x", None),
        (b"/a/./b", None),
        (b"/%2e%2e/x", None),
        (b"/%2E%2e/x", None),
        (b"/a%2fb", None),
        (b"/a%2Fb", None),
        (b"/a%5cb", None),
        (b"/a\\b", None),
        (b"/a%00b", None),
        (b"/.gone/audio/x-v1.mp3", None),
        (b"/audio/.x-v1.mp3.abc.tmp", None),
        (b"/audio/%ff.mp3", None),  # not UTF-8
        (b"audio/x.mp3", None),
    ],
)
def test_which_request_paths_name_a_servable_file(raw: bytes, rel: str | None):
    assert safe_relative_path(raw) == rel


@given(st.text(alphabet="./%2eEfF5cC0\\ab", max_size=12))
def test_no_accepted_path_has_a_dot_segment_or_a_backslash(tail: str):
    rel = safe_relative_path(("/" + tail).encode())
    if rel is not None:
        parts = rel.split("/")
        assert all(p and not p.startswith(".") for p in parts)
        assert "\\" not in rel and "\0" not in rel


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", 1000, (0, 100)),
        ("bytes=990-2000", 1000, (990, 1000)),
        ("bytes=-100", 1000, (900, 1000)),
        ("bytes=-5000", 1000, (0, 1000)),
        ("bytes=500-", 1000, (500, 1000)),
        ("BYTES = 1-1", 1000, (1, 2)),
        (None, 1000, None),
        ("bytes=0-1,5-6", 1000, None),  # several ranges: the whole file
        ("bytes=abc", 1000, None),  # malformed: ignored, as RFC 9110 says
        ("bytes=9-3", 1000, None),
        ("items=0-1", 1000, None),
        ("bytes=-", 1000, None),
    ],
)
def test_byte_ranges(header: str | None, size: int, expected: tuple[int, int] | None):
    assert byte_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=1000-", 1000), ("bytes=1000-1001", 1000), ("bytes=-0", 1000),
                                              ("bytes=0-", 0), ("bytes=-1", 0)])
def test_unsatisfiable_ranges(header: str, size: int):
    with pytest.raises(Unsatisfiable):
        byte_range(header, size)


@given(st.integers(1, 10**9), st.data())
def test_a_satisfiable_range_stays_inside_the_file(size: int, data: st.DataObject):
    start = data.draw(st.integers(0, size - 1))
    last = data.draw(st.integers(start, size * 2))
    got = byte_range(f"bytes={start}-{last}", size)
    assert got == (start, min(last + 1, size))


def test_the_nginx_config_refuses_settings_that_would_inject_directives(tmp_path):
    with pytest.raises(ValueError):
        render(tmp_path, cors_origins='https://a.example"; return 200 "x')
    with pytest.raises(ValueError):
        render(tmp_path, upstream="127.0.0.1:8000; } server { listen 81")
    assert '"https://a.example" $http_origin;' in render(tmp_path, cors_origins="https://a.example/")
