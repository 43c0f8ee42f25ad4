from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.common import fallback_text, header
from bot.domain.text import escape, message_as_read, plain, quote

HOSTILE = st.text(alphabet=st.sampled_from(list("<>&!@#|abc :\n")) | st.characters(), max_size=200)


@given(HOSTILE)
def test_escape_never_leaves_a_control_character(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0


@given(HOSTILE)
def test_escape_is_reversible(text: str) -> None:
    assert escape(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


@given(HOSTILE, st.integers(min_value=1, max_value=300))
def test_quote_never_leaves_a_control_character(text: str, limit: int) -> None:
    out = quote(text, limit)
    assert "<" not in out and all(line.startswith("> ") for line in out.split("\n"))
    assert ">" not in out.replace("\n> ", "\n").removeprefix("> ")


@given(HOSTILE)
def test_plain_and_fallbacks_never_ping(text: str) -> None:
    assert "<" not in plain(text)
    assert "<" not in fallback_text([header(text)])


def test_escape_examples() -> None:
    assert escape("<!channel> & <@U0BOB>") == "&lt;!channel&gt; &amp; @U0BOB"
    assert escape("cc <@U0BOB|bob> in <#C0ACME|acme-team>") == "cc @bob in #acme-team"
    assert escape(None) == ""


def test_message_as_read_shows_what_people_see_in_slack() -> None:
    text = "Can <@U0BOB|bob> add 20 seats &amp; the &lt;b&gt; plan? <!here> see <https://acme.test/x|the doc>"
    assert (
        message_as_read(text)
        == "Can @bob add 20 seats & the <b> plan? @here see the doc (https://acme.test/x)"
    )
    assert message_as_read("<#C0ACME|acme-team> <https://acme.test> <@U0CAROL>") == (
        "#acme-team https://acme.test @U0CAROL"
    )
    assert message_as_read(None) == ""


def test_a_or_an() -> None:
    from bot.domain.text import a_or_an

    assert [a_or_an(w) for w in ("email", "call", "upsell", "visit", "Option")] == [
        "an",
        "a",
        "an",
        "a",
        "an",
    ]
