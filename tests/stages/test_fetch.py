from __future__ import annotations

import pytest

from pipeline.models import FetchError
from pipeline.stages.fetch import fetch
from tests.conftest import reply, slow, streamed


def test_fetches_html_and_decodes_declared_charset(web, settings):
    settings.allow_private_addresses = True
    web["/a"] = reply("<html><p>Grüße aus Köln</p></html>".encode("iso-8859-1"), "text/html; charset=iso-8859-1")
    page = fetch(f"{web.base}/a", settings)
    assert page.status == 200
    assert "Grüße aus Köln" in page.text


def test_latin1_bytes_labelled_utf8_still_read_as_german(web, settings):
    settings.allow_private_addresses = True
    web["/a"] = reply("<p>Mädchen für Straßenbahn</p>".encode("cp1252"), "text/html; charset=utf-8")
    assert "Mädchen für Straßenbahn" in fetch(f"{web.base}/a", settings).text


def test_loopback_is_refused_unless_allowed(web, settings):
    settings.allow_private_addresses = False
    settings.allowed_hosts = []  # the shipped config names the demo's loopback host
    web["/a"] = reply(b"<p>x</p>")
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/a", settings)
    assert err.value.reason == "blocked-address"
    assert "allow_private_addresses" in str(err.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x/"])
def test_only_http_schemes(url, settings):
    with pytest.raises(FetchError) as err:
        fetch(url, settings)
    assert err.value.reason == "bad-scheme"


def test_redirect_hops_are_checked_like_the_first_url(web, settings):
    settings.allow_private_addresses = True
    web["/hop"] = lambda h: (
        h.send_response(302), h.send_header("Location", "ftp://127.0.0.1/x"), h.end_headers()
    )
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/hop", settings)
    assert err.value.reason == "bad-scheme"


def test_404_is_a_clear_failure(web, settings):
    settings.allow_private_addresses = True
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/gone", settings)
    assert err.value.reason == "http-404"
    assert "404" in str(err.value)


def test_timeout(web, settings):
    settings.allow_private_addresses = True
    settings.timeout_s = 0.5
    web["/slow"] = slow(3)
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/slow", settings)
    assert err.value.reason == "timeout"


def test_20_mb_response_is_cut_off_at_the_cap(web, settings):
    settings.allow_private_addresses = True
    web["/big"] = streamed(20_000_000)
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/big", settings)
    assert err.value.reason == "too-large"


def test_declared_oversize_is_refused_before_download(web, settings):
    settings.allow_private_addresses = True
    settings.max_response_bytes = 1000
    web["/big"] = reply(b"x" * 5000)
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/big", settings)
    assert err.value.reason == "too-large"


def test_non_html_response(web, settings):
    settings.allow_private_addresses = True
    web["/pdf"] = reply(b"%PDF-1.4", "application/pdf")
    with pytest.raises(FetchError) as err:
        fetch(f"{web.base}/pdf", settings)
    assert err.value.reason == "wrong-content-type"


def test_local_files_need_the_explicit_setting(tmp_path, settings):
    page = tmp_path / "a.html"
    page.write_text("<p>Hallo</p>", encoding="utf-8")
    with pytest.raises(FetchError, match="allow_local_files"):
        fetch(page.as_uri(), settings)
    settings.allow_local_files = True
    settings.local_files_dir = tmp_path
    assert "Hallo" in fetch(page.as_uri(), settings).text
