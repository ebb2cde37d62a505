"""Collect the results a report (or a card) tells its story from: one run of each insight, nothing recomputed.

Every number on the page comes from ``lib.insight(...)`` — the same registry the CLI, the dashboard and
``ask`` use — so the report can never disagree with ``linernotes insights NAME``. All runs share the
library's engine, so the period's selection is materialised once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from linernotes.engine.period import Period
from linernotes.engine.result import Result
from linernotes.insights.audiobooks import AudiobooksResult
from linernotes.insights.calendar import CalendarResult
from linernotes.insights.chapters import ChaptersResult
from linernotes.insights.clock import ClockResult
from linernotes.insights.discovery import DiscoveryResult
from linernotes.insights.eras import ErasResult
from linernotes.insights.genres import GenresResult
from linernotes.insights.modes import ModesResult
from linernotes.insights.moments import MomentsResult
from linernotes.insights.obsessions import ObsessionsResult
from linernotes.insights.overview import OverviewResult
from linernotes.insights.podcasts import PodcastsResult
from linernotes.insights.recommend import RecommendResult
from linernotes.insights.rediscover import RediscoverResult
from linernotes.insights.skip_model import SkipModelResult
from linernotes.insights.skips import SkipsResult
from linernotes.insights.sources import SourcesResult
from linernotes.insights.top import TopResult
from linernotes.insights.wrapped import WrappedResult

if TYPE_CHECKING:
    from linernotes.library import Library

R = TypeVar("R", bound=Result)
TOP_LIMIT = 10


@dataclass(frozen=True)
class Story:
    """Every result the report shows, for one period."""

    period: Period
    overview: OverviewResult
    chapters: ChaptersResult
    modes: ModesResult
    top_artists: TopResult
    top_tracks: TopResult
    clock: ClockResult
    calendar: CalendarResult
    discovery: DiscoveryResult
    skips: SkipsResult
    skip_model: SkipModelResult
    obsessions: ObsessionsResult
    rediscover: RediscoverResult
    recommend: RecommendResult
    podcasts: PodcastsResult
    audiobooks: AudiobooksResult
    moments: MomentsResult
    wrapped: WrappedResult
    sources: SourcesResult
    genres: GenresResult
    eras: ErasResult

    @property
    def start(self) -> dt.date | None:
        """The period's first day, resolved to the first day with plays when the period is open."""
        meta = self.overview.meta
        return meta.start if meta else self.period.start

    @property
    def end(self) -> dt.date | None:
        meta = self.overview.meta
        return meta.end if meta else self.period.end


def run(lib: Library, result_type: type[R], name: str, period: Period, **params: Any) -> R:
    """One insight, checked to be of the type the report's code reads."""
    result = lib.insight(name, period=period, **params)
    if not isinstance(result, result_type):  # a registry bug, not a user error
        raise TypeError(f"insight {name!r} returned {type(result).__name__}, not {result_type.__name__}")
    return result


def collect(lib: Library, period: Period | None = None) -> Story:
    """Run every insight the report needs over ``period`` (default: the whole history)."""
    period = period or Period()
    return Story(
        period=period,
        overview=run(lib, OverviewResult, "overview", period),
        chapters=run(lib, ChaptersResult, "chapters", period),
        modes=run(lib, ModesResult, "modes", period),
        top_artists=run(lib, TopResult, "top", period, entity="artists", limit=TOP_LIMIT),
        top_tracks=run(lib, TopResult, "top", period, entity="tracks", limit=TOP_LIMIT),
        clock=run(lib, ClockResult, "clock", period),
        calendar=run(lib, CalendarResult, "calendar", period),
        discovery=run(lib, DiscoveryResult, "discovery", period),
        skips=run(lib, SkipsResult, "skips", period),
        skip_model=run(lib, SkipModelResult, "skip-model", period),
        obsessions=run(lib, ObsessionsResult, "obsessions", period),
        rediscover=run(lib, RediscoverResult, "rediscover", period),
        recommend=run(lib, RecommendResult, "recommend", period),
        podcasts=run(lib, PodcastsResult, "podcasts", period),
        audiobooks=run(lib, AudiobooksResult, "audiobooks", period),
        moments=run(lib, MomentsResult, "moments", period),
        wrapped=run(lib, WrappedResult, "wrapped", period, limit=5),
        sources=run(lib, SourcesResult, "sources", period),
        genres=run(lib, GenresResult, "genres", period),
        eras=run(lib, ErasResult, "eras", period),
    )
