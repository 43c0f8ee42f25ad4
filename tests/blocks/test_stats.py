"""Team headings count people in words people write."""

from __future__ import annotations

import pytest

from bot.blocks.stats import people_count


@pytest.mark.parametrize(
    "n, words", [(0, "0 people"), (1, "1 person"), (2, "2 people"), (1200, "1,200 people")]
)
def test_people_are_counted_in_the_singular_and_the_plural(n: int, words: str) -> None:
    assert people_count(n) == words
