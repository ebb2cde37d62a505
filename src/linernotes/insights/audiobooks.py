"""``audiobooks``: time per book, chapters heard, progress, sessions and finished books."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.insights.sessions import session_table
from linernotes.units import format_hours

CHAPTER_KEY = "coalesce(uri, lower(audiobook) || chr(31) || lower(coalesce(chapter, '')))"
# The highest chapter number in a book's chapter titles ("Chapter 12", "Kapitel 3", "12. Heimkehr").
CHAPTER_NUMBER = r"(?i)^\D*?(\d{1,4})\b"


@dataclass(frozen=True)
class BookRow:
    book: str
    ms_played: int  # in the period
    plays: int  # counted, in the period
    chapters_played: int  # distinct chapters played in the period
    chapters_heard: int  # distinct chapters heard by the period's end (whole history)
    chapters_known: int  # distinct chapters in the whole history, or the highest chapter number if larger
    progress: float  # chapters_heard / chapters_known
    finished: bool
    sessions: int  # sessions (20-minute gaps) with the book, in the period
    days: int
    first_day: dt.date  # first play ever (whole history)
    last_day: dt.date  # last play up to the period's end
    minutes_per_session: float


@dataclass
class AudiobooksResult(Result):
    ms_played: int
    books: int
    finished_books: int
    chapters_played: int
    sessions: int
    by_book: list[BookRow]  # by time in the period

    def summary(self) -> list[str]:
        if not self.books:
            return ["No audiobooks in this period."]
        top = self.by_book[0]
        lines = [
            f"{format_hours(self.ms_played)} hours of audiobooks: {self.books} "
            f"book{'s' if self.books != 1 else ''}, {self.chapters_played} chapters in "
            f"{self.sessions:,} session{'s' if self.sessions != 1 else ''}."
        ]
        state = "finished" if top.finished else f"{top.progress:.0%} through (of the chapters known)"
        lines.append(f"Most listened: {top.book}, {format_hours(top.ms_played)} hours, {state}.")
        if self.finished_books:
            lines.append(f"{self.finished_books} book{'s' if self.finished_books != 1 else ''} finished.")
        return lines


@insight("audiobooks", "Audiobooks: time per book, chapters, progress, sessions, finished books")
def audiobooks(
    ctx: Context,
    *,
    heard_minutes: Annotated[
        float, "minutes of a chapter that count it as heard when it never played to its end"
    ] = 10.0,
    finished_share: Annotated[float, "part of a book's known chapters heard that makes it finished"] = 0.9,
    min_chapters: Annotated[int, "fewest known chapters for a book to count as finished"] = 3,
    limit: Annotated[int, "rows of the per-book table"] = 20,
) -> AudiobooksResult:
    """Audiobook listening: plays of kind ``audiobook``, books by title, chapters by URI (else title).

    The export has no table of contents, so a book's chapters come from the history itself:

    - **known chapters**: the distinct chapters of the book ever played (whole history, same exclusions),
      raised to the highest chapter number found at the start of a chapter title ("Chapter 12") if larger;
    - a chapter is **heard** when one of its plays ended with ``reason_end`` ``trackdone`` (it played to its
      end) or its plays add up to at least ``heard_minutes``;
    - **progress** = chapters heard by the period's end / known chapters; a book is **finished** when its
      progress is at least ``finished_share`` and it has at least ``min_chapters`` known chapters (a book
      of whose chapters the history knows only one or two cannot be called finished);
    - time, counted plays, chapters played, sessions (20-minute gaps, see ``sessions``) and days are those
      of the period; minutes per session = time / sessions.
    """
    if heard_minutes < 0 or not 0 < finished_share <= 1 or min_chapters < 1 or limit < 1:
        raise UsageError(
            "--heard-minutes must not be negative, --finished-share in (0, 1], --min-chapters and --limit at least 1"
        )
    kind = ctx.kinds("audiobook")
    empty = AudiobooksResult(ms_played=0, books=0, finished_books=0, chapters_played=0, sessions=0, by_book=[])
    if (
        ctx.end is None
        or not ctx.selection.plays
        or not ctx.one(f"SELECT count(*) FROM {ctx.plays} WHERE {kind} AND audiobook IS NOT NULL")[0]
    ):
        return empty
    sessions = session_table(ctx)
    rows = ctx.fetch(
        f"""
        WITH hist AS (SELECT audiobook, {CHAPTER_KEY} AS ch, chapter, day, ms_played, reason_end
                      FROM {ctx.history()} WHERE {kind} AND audiobook IS NOT NULL),
        chapters AS (
            SELECT audiobook, ch, max(try_cast(regexp_extract(chapter, '{CHAPTER_NUMBER}', 1) AS INTEGER)) AS num,
                   (bool_or(reason_end = 'trackdone') FILTER (WHERE day <= ?)
                    OR sum(ms_played) FILTER (WHERE day <= ?) >= ? * 60000) AS heard
            FROM hist GROUP BY audiobook, ch),
        books AS (
            SELECT audiobook, greatest(count(*), coalesce(max(num), 0)) AS known,
                   count(*) FILTER (WHERE heard) AS heard
            FROM chapters GROUP BY audiobook),
        span AS (SELECT audiobook, min(day) AS first_day, max(day) FILTER (WHERE day <= ?) AS last_day
                 FROM hist GROUP BY audiobook),
        p AS (SELECT * FROM {sessions} WHERE {kind} AND audiobook IS NOT NULL)
        SELECT p.audiobook, sum(p.ms_played), count(*) FILTER (WHERE p.counted), count(DISTINCT {CHAPTER_KEY}),
               any_value(b.heard), any_value(b.known), count(DISTINCT p.session_id), count(DISTINCT p.day),
               any_value(s.first_day), any_value(s.last_day)
        FROM p JOIN books b USING (audiobook) JOIN span s USING (audiobook)
        GROUP BY p.audiobook ORDER BY 2 DESC, 1
    """,
        [ctx.end, ctx.end, heard_minutes, ctx.end],
    )
    books = []
    for book, ms, plays, played, heard, known, n_sessions, days, first, last in rows:
        progress = int(heard) / int(known) if known else 0.0
        books.append(
            BookRow(
                book=str(book),
                ms_played=int(ms),
                plays=int(plays),
                chapters_played=int(played),
                chapters_heard=int(heard),
                chapters_known=int(known),
                progress=progress,
                finished=progress >= finished_share and int(known) >= min_chapters,
                sessions=int(n_sessions),
                days=int(days),
                first_day=first,
                last_day=last,
                minutes_per_session=int(ms) / 60_000 / int(n_sessions) if n_sessions else 0.0,
            )
        )
    n_sessions_all = ctx.one(
        f"SELECT count(DISTINCT session_id) FROM {sessions} WHERE {kind} AND audiobook IS NOT NULL"
    )[0]
    return AudiobooksResult(
        ms_played=sum(b.ms_played for b in books),
        books=len(books),
        finished_books=sum(b.finished for b in books),
        chapters_played=sum(b.chapters_played for b in books),
        sessions=int(n_sessions_all),
        by_book=books[:limit],
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("finished books", "books", r"\bfinish|\bcomplete", "finished_books"),
    Figure("chapters played", "chapters", r"\bchapters\b", "chapters_played"),
    Figure("books", "books", r"\bhow many (audiobooks|books)\b", "books"),
    Figure("top audiobook", None, r"\bwhich\b|\bwhat\b", "by_book.0.book"),
    Figure("audiobook time", "hours", "", "ms_played|hours"),
    Figure("progress", "%", r"\b(finish|finished|progress|how far|done)\b", "by_book.0.progress|pct",
           about=("audiobook",)),
)
