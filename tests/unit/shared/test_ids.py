import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitrep_shared import ids


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.ORG/World/a?b=2&a=1#top", "https://example.org/World/a?a=1&b=2"),
        ("https://example.org/a?utm_source=rss&utm_medium=feed&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?fbclid=xyz&gclid=abc", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org", "https://example.org/"),
    ],
)
def test_canonical_url_drops_tracking_case_fragment_and_sorts_query(url: str, canonical: str) -> None:
    assert ids.canonical_url(url) == canonical


def test_article_id_is_the_same_for_equivalent_urls() -> None:
    a = ids.article_id(url="https://News.example.org/x?utm_campaign=1&b=2&a=1#frag", text="one")
    b = ids.article_id(url="https://news.example.org/x?a=1&b=2", text="two")
    assert a == b
    assert a.startswith("a_")


def test_article_id_differs_for_different_pages() -> None:
    assert ids.article_id(url="https://x.org/a", text="t") != ids.article_id(url="https://x.org/b", text="t")


def test_article_id_without_url_uses_normalised_text() -> None:
    a = ids.article_id(url=None, text="  Drones   downed\nover Kursk ")
    b = ids.article_id(url=None, text="drones downed over kursk")
    assert a == b
    assert a != ids.article_id(url=None, text="drones downed over Belgorod")


def test_event_id_depends_on_article_type_and_offsets() -> None:
    base = ids.event_id(article_id="a_1", event_type="shootdown", start=0, end=10)
    assert base == ids.event_id(article_id="a_1", event_type="shootdown", start=0, end=10)
    assert base != ids.event_id(article_id="a_1", event_type="drone_or_missile_strike", start=0, end=10)
    assert base != ids.event_id(article_id="a_1", event_type="shootdown", start=1, end=10)
    assert base != ids.event_id(article_id="a_2", event_type="shootdown", start=0, end=10)


_URL_PIECES = st.sampled_from(["http://", "https://", "HTTP://", "example.org", "Ex.org", "a-b.c", ":80",
                               ":8443", "/", "//", "/Path", "?a=1", "&utm_x=2", "#f", "%20", ";p", "@", " ",
                               "\t", "é", "~", "'", "[", "]", ".."])


@given(st.lists(_URL_PIECES, min_size=1, max_size=8).map("".join))
def test_plain_url_shortcut_agrees_with_full_parsing(url: str) -> None:
    try:
        expected = ids._canonical_url_parsed(url.strip())
    except ValueError:  # e.g. a bad port: the shortcut must not accept it either
        with pytest.raises(ValueError):
            ids.canonical_url(url)
        return
    assert ids.canonical_url(url) == expected
