"""From a question to a plan: which insight, with which parameters, over which plays, for which figure.

Rule-based and offline. The question is normalised (lower case, accents and punctuation dropped), question
words with typos are corrected against a fixed vocabulary (never against the library's names), the period
and filters are cut out (:mod:`.periods`), names of the library are found (:mod:`.entities`), and every
intent scores the question by weighted patterns; the best score wins (ties: the order of :data:`RULES`).
A question about a named artist, track, album or show runs the insight on a selection filtered to it.

A plan's ``figure`` is a path into the insight's JSON result (``rows.0.name``, ``totals.ms_played|hours``):
the one number or name that answers the question. Each insight declares the figures it can answer, with the
words that ask for each, at the end of its module (``FIGURES``, see :mod:`linernotes.engine.figures`); the
plan takes the first figure of the chosen insight that the question asks for.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from linernotes.ask.entities import Match, NameIndex, fold
from linernotes.ask.periods import parse_when
from linernotes.engine import registry
from linernotes.engine.figures import ALL, DECADE, GENRE, Figure
from linernotes.errors import UsageError

# -- vocabulary for typo correction -------------------------------------------------------------------------
VOCAB = set([
    "what", "who", "which", "when", "where", "how", "much", "many", "most", "least", "top", "favorite",
    "favourite", "favorites", "favourites", "listen", "listened", "listening", "hear", "heard", "play",
    "played", "plays", "playing", "songs", "song", "tracks", "track", "artists", "artist", "albums", "album",
    "band", "bands", "podcast", "podcasts", "show", "shows", "episode", "episodes", "audiobook", "audiobooks",
    "book", "books", "chapter", "chapters", "hours", "hour", "minutes", "time", "times", "total", "overall",
    "stats", "statistics", "summary", "overview", "year", "years", "month", "months", "week", "weeks", "day",
    "days", "today", "yesterday", "last", "this", "since", "between", "during", "summer", "winter", "spring",
    "autumn", "fall", "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "weekend", "weekends", "weekday", "weekdays", "night", "nights", "morning",
    "mornings", "afternoon", "afternoons", "evening", "evenings", "streak", "streaks", "longest", "busiest",
    "session", "sessions", "skip", "skips", "skipped", "skipping", "skipper", "discover", "discovered",
    "discovery", "discoveries", "new", "diverse", "diversity", "variety", "varied", "eclectic", "loyal",
    "loyalty", "obsessed", "obsession", "obsessions", "repeat", "binge", "forgotten", "forget", "forgot",
    "rediscover", "rediscovered", "used", "device", "devices", "phone", "laptop", "computer", "speaker",
    "country", "countries", "abroad", "travel", "trip", "trips", "offline", "shuffle", "incognito", "private",
    "wrapped", "recap", "review", "chapters", "eras", "era", "phases", "modes", "moods", "mode", "mood",
    "predict", "moments", "moment", "unusual", "noise", "kids", "children", "recommend", "recommendations",
    "suggest", "similar", "taste", "tastes", "map", "changed", "change", "music", "genre", "different",
    "unique", "average", "typical", "usually", "always", "never", "often", "ever", "alltime", "first",
    "earliest", "newest", "recently", "still", "rotation", "wonder", "wonders", "completed", "complete",
    "finish", "finished", "abandoned", "percent", "percentage", "share", "rate", "ratio", "minutes", "people",
    "listens", "listener", "library", "history", "data", "number", "count", "amount", "spend", "spent",
    "spotify", "through", "whole", "entire", "full", "morning", "owl", "owls", "late", "early", "calendar",
    "gaps", "gap", "break", "breaks", "consecutive", "row", "active", "quiet", "peak", "hours", "sounds",
    "resemble", "like",
])


def correct_typos(text: str, protected: set[str]) -> str:
    """Replace words that are near a vocabulary word (and not a word of the library's names)."""
    from rapidfuzz import fuzz, process

    out = []
    for word in text.split():
        if word in KEEP or word in protected or len(word) < 4 or not word.isalpha():
            out.append(word)
            continue
        found = process.extractOne(word, VOCAB, scorer=fuzz.ratio, score_cutoff=80 if len(word) >= 6 else 85)
        out.append(found[0] if found else word)
    return " ".join(out)


SHORTHANDS = [
    (r"\bwat\b", "what"), (r"\bwht\b", "what"), (r"\bu\b", "you"), (r"\bur\b", "your"), (r"\bim\b", "i am"),
    (r"\bfav\b|\bfave\b|\bfavs\b|\bfaves\b", "favourite"), (r"\bhrs\b|\bhr\b", "hours"), (r"\bmins\b", "minutes"),
    (r"\bpods\b|\bpod\b", "podcasts"), (r"\bdidnt\b", "did not"), (r"\bdont\b", "do not"), (r"\bpls\b", "please"),
    (r"\b(\d+)h\b", r"\1 hours"), (r"\bwkends?\b|\bw/e\b", "weekends"), (r"\btunes?\b", "songs"),
    (r"\bartsts\b", "artists"), (r"\bppl\b", "people"), (r"\bpast yr\b", "past year"), (r"\byr\b", "year"),
    (r"\bnite\b", "night"), (r"\bthru\b", "through"), (r"\bcuz\b", "because"), (r"\bmost listened\b", "most"),
    (r"\ball[- ]time\b", "all time"), (r"\baudio books?\b", "audiobooks"), (r"\bive\b", "i have"),
]


def normalise(question: str) -> str:
    question = re.sub(r"\b(\d{4})\s*[-–]\s*(\d{4})\b", r"\1 to \2", question)
    text = fold(question.replace("-", " - ").replace("/", " / "))
    text = re.sub(r"(\d{4}) (\d{2}) (\d{2})", r"\1-\2-\3", text)  # ISO dates survive folding
    for pattern, repl in SHORTHANDS:
        text = re.sub(pattern, repl, text)
    return " ".join(text.split())


# -- the plan ---------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What to run to answer a question."""

    question: str
    text: str  # the normalised question
    insight: str | None
    params: dict[str, Any] = field(default_factory=dict)
    start: dt.date | None = None
    end: dt.date | None = None
    period_label: str = "all time"
    filters: dict[str, Any] = field(default_factory=dict)  # artist/track/album/show/audiobook/device/dows/hours
    filter_label: str | None = None
    figure: str = "@auto"
    figure_label: str = ""
    entity: dict[str, Any] | None = None
    why: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return self.insight is not None


# (insight, pattern, weight). Evaluated on the normalised question with period and name spans removed.
RULES: list[tuple[str, str, float]] = [
    ("similar", r"\b(artists?|bands?|music|songs?|stuff|anyone|anything|someone|others?) (like|similar to|close to)\b|"
                r"\bsimilar\b|\bsounds? like\b|\bresembl|\bin the same vein\b|\bif i like\b", 6),
    ("recommend", r"\brecommend|\bsuggest|\bwhat should i (listen|play|put on)\b|\bdeep cuts?\b|\bsomething to "
                  r"listen\b|\bwhat to (listen|play)\b|\bgive me (some|a) (music|songs?|tracks?)\b", 6),
    ("skip-model", r"\bwhy do i skip|\bwhat makes me skip|\bpredict\w* (my )?skips?|\bskip model\b|\bwhen do i "
                   r"skip|\bwhat (causes|predicts) (my )?skip|\bwhy (do|would) i skip", 8),
    ("noise", r"\bnot (really )?mine\b|\bnot me\b|\bsomeone else\b|\bkids?\b|\bchild|\bwhite noise\b|\bsleep "
              r"(sounds|music|noise)\b|\brain sounds\b|\bnoise\b|\bpartner\b|\bshared (speaker|account)\b|\bisnt "
              r"mine\b|\bwasnt me\b|\bpollut", 6),
    ("chapters", r"\bchapters? of my (life|listening)|\blife chapters?\b|\beras?\b|\bphases?\b|\bstages?\b|\bperiods "
                 r"of my\b|\blife story\b|\bmusical (journey|history|story)\b|\bsplit my (history|listening)", 6),
    ("modes", r"\bmodes?\b|\bmoods?\b|\bkinds of (listening|sessions)|\btypes of (listening|sessions)|\blistening "
              r"(styles?|habits types)|\bhow do i listen\b|\bwhat kinds of listener", 5),
    ("moments", r"\bmoments?\b|\bwhat happened\b|\bunusual\b|\banomal|\bweird(est)? (weeks?|days?|months?)\b|"
                r"\bspikes?\b|\boutliers?\b|\bstrange\b|\bstand out\b|\bstood out\b|\bout of the ordinary\b", 5),
    ("taste", r"\btaste\b|\btastes\b|\btaste map\b|\bmusical (map|profile|dna)\b|\bhow has my (music|listening) "
              r"changed\b", 5),
    ("wrapped", r"\bwrapped\b|\brecap\b|\b(year|month) in review\b|\bsum up my\b|\bmy year in music\b|\breview of "
                r"my\b|\bhighlights\b", 6),
    ("rediscover", r"\bforg[eo]t|\bforgotten\b|\bused to (listen|love|play)|\brediscover|\bon this day\b|\bhavent "
                   r"(heard|listened|played)\b|\bhave not (heard|listened|played)|\bmiss\b|\bdropped\b|\bold "
                   r"favou?rites?\b|\bno longer\b|\bstopped listening\b|\bnot (listened|played) in a while\b", 5),
    ("obsessions", r"\bobsess|\bon repeat\b|\bbinge|\bhooked\b|\bcould ?n[o']?t stop\b|\bcouldnt stop\b|\bover and "
                   r"over\b|\blooped\b|\bon loop\b|\bstuck in my head\b|\bcrazes?\b|\bphase\b", 5),
    ("loyalty", r"\bloyal|\bstill (listen|play|love)|\bin rotation\b|\bstuck with\b|\blong[- ]?time\b|\bone[- ]week "
                r"wonders?\b|\bone hit wonders?\b|\bflings?\b|\blongest loved\b|\bstayed with\b|\bthe longest\b "
                r"(artist|band)|\bartists? i (have |ve |ive |)(loved|liked) (the )?longest\b|\bloved the longest\b|"
                r"\blifecycle", 5),
    ("diversity", r"\bdivers|\bvariety\b|\bvaried\b|\beclectic\b|\bhow (mixed|broad|narrow)\b|\bentropy\b|\bgini\b|"
                  r"\bsame (few )?(artists|songs|stuff)\b|\bmainstream\b|\bspread\b", 5),
    ("discovery", r"\bnew (artists?|music|songs?|tracks?|bands?|stuff)\b|\bdiscover|\bfound\b|\bfind\b|\bfirst "
                  r"(time|listen|heard|played|discovered)\b|\bmet\b|\bwhen did i (start|begin|get into)\b|"
                  r"\bfresh\b", 4),
    ("albums", r"\b(whole|full|entire|complete|completed) albums?\b|\balbums? (all the way )?through\b|\ball the way "
               r"through\b|\blisten ?throughs?\b|\balbums? (did|do|have) i (finish|complete)|"
               r"\bcompletion\b|\bstart to finish\b|\bfront to back\b|\bin order\b",
     5),
    ("skips", r"\bskip|\bskipped\b|\bskipper\b|\bfast forward|\bpass(ed)? over\b", 4),
    ("sessions", r"\bsessions?\b|\bin one go\b|\bin one sitting\b|\bsittings?\b|\bat a time\b", 4),
    ("firstplay", r"\bearliest\b|\bvery first\b|\bmy first (song|track|tune|play|listen)\b|"
                  r"\bfirst (song|track|tune|play|thing|record)s? (i )?(have |had )?(ever )?"
                  r"(played|listened|heard|streamed|scrobbled)?\b|"
                  r"\bwhen did i (start|begin) (listening|using|streaming|scrobbling)\b", 7),
    ("lastplay", r"\bwhen did i last (listen|play|hear)\w* (to )?(anything|music|something)\b|\b(latest|most recent) "
                 r"play\b|\bmy last play\b", 7),
    ("weeksplit", r"\bweek ?ends? (or|vs|versus|and|compared to) (on )?(the )?week ?days?\b|"
                  r"\bweek ?days? (or|vs|versus|and|compared to) (on )?(the )?week ?ends?\b", 7),
    ("biggest", r"\b(biggest|busiest|largest|heaviest) (day|month|week)s?\b|"
                r"\bwhich (day|month|week) (was|were) (the |my )?(biggest|busiest|largest)\b|"
                r"\bwhich (day|date|month|week) did i (listen|play|stream|scrobble)|"
                r"\bmost (i )?(have )?(listened|played|streamed|listening|music|songs)? ?(in|on) (one|a|a single|1) "
                r"(day|month)\b|\bwhich (day|month) was (the )?biggest\b", 6),
    ("calendar", r"\bstreaks?\b|\bin a row\b|\bconsecutive\b|\bbusiest\b|\bmost active\b|\bbiggest (day|week|month)"
                 r"\b|\bgaps?\b|\bbreaks?\b|\bwithout (any )?music\b|\bwithout listening\b|\bevery day\b|\bdaily\b|"
                 r"\bper day\b|\ba day\b|\bcalendar\b|\bmost (listening|music) (in a|on one) day\b|"
                 r"\bwhich (day|week|month) did i listen (the )?most\b", 3),
    ("clock", r"\bwhat time\b|\bwhich hour\b|\bwhat hour\b|\btime of (the )?day\b|\bnight owl\b|\bearly bird\b|"
              r"\bmorning person\b|\bwhen do i (usually |mostly |normally )?(listen|play)\b|\bwhen do i listen\b|"
              r"\bday of the week\b|\bwhich day\b|\bwhat day\b|\bweekdays? (or|vs|versus) weekends?\b|\bweekends? (or|"
              r"vs|versus) weekdays?\b|\brhythm\b|\bseasons?\b|\bpeak (hour|time|day)\b|\bwhen am i\b|\bat what "
              r"time\b|\bhow (much|late) at night\b|\bshare at night\b|\bclock\b", 4),
    ("context", r"\bdevices?\b|\bwhich (phone|computer)\b|\bphone or (laptop|computer)\b|\bcountr(y|ies)\b|\babroad\b|"
                r"\btravel|\btrips?\b|\bholidays?\b|\bvacations?\b|\boffline\b|\bshuffle\b|\bincognito\b|\bprivate "
                r"(sessions?|mode)\b|\bwhere (do|did) i (listen|play)\b|\bon what\b|\bwhat do i listen on\b|"
                r"\bwhich (app|platform)\b", 4),
    ("podcasts", r"\bpodcasts?\b|\bepisodes?\b|\bshows?\b", 3),
    ("audiobooks", r"\baudiobooks?\b|\baudio books?\b|\bbooks?\b", 3),
    ("top", r"\btop\b|\bmost\b|\bfavou?rites?\b|\bnumber one\b|\bno 1\b|\b#1\b|\bwho did i\b|\bwhich (artist|band|"
            r"song|track|album|podcast|show|audiobook|book)s?\b|\bwhat (artist|band|song|track|album|podcast|show|"
            r"audiobook)s?\b|\bbest\b|\bchart\b|\branking\b|\bmost played\b|\bwhat did i listen to\b|"
            r"\bwhat was i listening to\b|\bwho do i (usually |mostly )?(listen to|play)\b|"
            r"\bwhat do i (usually |mostly )?(listen to|play)\b|\bwhat (music|songs) do i\b|\bwho was i listening to\b|"
            r"\bloved\b|\blisten to the most\b", 3),
    ("overview", r"\bhow much\b|\bhow many\b|\bnumber of\b|\bhours\b|\bminutes\b|"
                 r"\bhow long\b|\btotal\b|\blistening time\b|\boverview\b|\bstats\b|"
                 r"\bstatistics\b|\bsummary\b|\bamount\b|\bnumbers\b|\bspent\b|\bspend\b|\bin total\b|\bdid i "
                 r"listen (a lot|much|more|less)\b", 2),
]
PRIORITY = {name: i for i, (name, _, _) in enumerate(RULES)}
# Intents answered by an insight of another name, with figures of their own: the first and last plays are read
# from the plays themselves (linernotes.ask.answer.edge_play), the others computed from the calendar's days.
PSEUDO: dict[str, tuple[str, tuple[Figure, ...]]] = {
    "firstplay": ("overview", (
        Figure("first song", None, r"\b(song|track|tune|record)s?\b", "@first_song",
               unless=r"\bwhen\b|\bdate\b|\bday\b"),
        Figure("first play", None, "", "@first_play"))),
    "lastplay": ("overview", (Figure("last play", None, "", "@last_play"),)),
    "weeksplit": ("calendar", (Figure("weekends or weekdays", None, "", "@week_split", reads="daily"),)),
    "biggest": ("calendar", (
        Figure("biggest month", None, r"\bmonths?\b", "@biggest_month", reads="daily"),
        Figure("busiest week", None, r"\bweeks?\b", "busiest_week.label"),
        Figure("biggest day", None, "", "@biggest_day", reads="daily"))),
}
AI_INSIGHTS = ("chapters", "modes", "skip-model", "moments", "noise", "recommend", "similar", "taste")

ENTITY_WORDS = [
    ("tracks", r"\b(songs?|tracks?|tunes?|singles?)\b"),
    ("albums", r"\b(albums?|records?|lps?|eps?)\b"),
    ("shows", r"\b(podcasts?|shows?|episodes?)\b"),
    ("audiobooks", r"\b(audiobooks?|audio books?|books?)\b"),
    ("artists", r"\b(artists?|bands?|singers?|musicians?|groups?|rappers?|who)\b"),
]
DEVICES = [
    ("phone", r"\b(on|from|with|using) (my|the|a) (phone|mobile|iphone|android|cell)\b", "device LIKE 'phone%'"),
    ("computer", r"\b(on|from|with|using) (my|the|a) (laptop|computer|desktop|pc|mac)\b", "device LIKE 'desktop%'"),
    ("speaker", r"\b(on|from|with|using) (my|the|a) (speaker|sonos|smart speaker|cast|chromecast)\b",
     "device IN ('speaker', 'cast')"),
    ("tv", r"\b(on|from|with|using) (my|the|a) (tv|television)\b", "device = 'tv'"),
    ("car", r"\bin (my|the) car\b|\bwhile driving\b", "device = 'car'"),
    ("tablet", r"\b(on|from|with|using) (my|the|a) (tablet|ipad)\b", "device = 'tablet'"),
    ("web", r"\b(on|in|from|with|using) (my|the|a) (browser|web player)\b", "device = 'web'"),
]
STOP = VOCAB | {"i", "me", "my", "mine", "a", "an", "the", "to", "of", "in", "on", "at", "by", "for", "and", "or",
                "did", "do", "does", "is", "was", "were", "are", "be", "been", "have", "has", "had", "it", "that",
                "with", "from", "about", "than", "more", "less", "any", "some", "you", "your", "please", "tell",
                "show", "give", "list", "can", "could", "would", "should", "get", "got", "much", "most", "not",
                "no", "yes", "so", "far", "ago", "there", "their", "all", "am", "way", "who", "lot", "really",
                "again", "often", "ever", "one", "two", "three", "five", "ten", "which", "go", "went", "know",
                "want", "see", "let", "s", "t", "m", "ve", "also", "just", "only", "thing", "things", "stuff",
                # "what's", "who's" folded: question words, never the start of a name by themselves
                "whats", "whos", "hows", "wheres", "whens", "thats", "its", "im", "id"}


# "play X", "listened to X", "by X", "hours of X": X is the object of listening (a name, not a period).
_ANCHOR = (r"\b(play|played|playing|plays of|hear|heard|listen to|listened to|listening to|stream|streamed|"
           r"scrobble|scrobbled|by|like|similar to|(hours|minutes|plays|streams|times|lot|much|bit) of)\s*$")
_PERIOD_LEAD = (r"\b(in|during|since|over|through|before|after|from|until|till|between|around|last|this|past|every|on|"
                r"at)\s*$")
_TAIL = r"(by|in|on|at|during|since|last|this|from|between|so far|ever|overall|all time|\d)\b"
# Everyday words that are also names somewhere ("Life", "Good", "King"): a single such word is a name only when
# the question plays it ("how often did I play King"), never from a passing use ("the meaning of life").
COMMON = {"life", "love", "good", "time", "home", "moon", "fly", "king", "day", "night", "world", "heart", "dream",
          "dreams", "girl", "boy", "baby", "money", "fire", "water", "sun", "rain", "light", "dark", "blue", "red",
          "gold", "happy", "sad", "end", "man", "woman", "party", "dance", "hello", "weather", "joke", "pizza",
          "password", "playlist", "meaning", "order", "make", "tell", "old", "hey", "thanks", "thank", "okay",
          "ok", "friend", "friends", "people", "family", "work", "school", "summer", "spring", "winter", "fall",
          "autumn", "tonight", "today", "yesterday", "birthday", "sunset", "forever", "sometimes", "always",
          "never", "again", "now", "here", "there", "up", "down", "out", "over", "funny", "weird", "strange"}


def _weak(m: Match, text: str) -> bool:
    """A single short or everyday word taken for a name without the question playing it."""
    words = m.text.split()
    if len(words) > 1:
        return False
    word = words[0]
    if len(word) >= 6 and word not in COMMON and word not in KEEP:
        return False
    return re.search(_ANCHOR, text[: m.start]) is None


def _title_over_period(text: str, index: NameIndex, spans: list[tuple[int, int]]) -> Match | None:
    """An exact title of the library that a period or filter word would otherwise cut ("Winter Dies", "Cool
    for the Summer", "Good Morning", "Friday Night"), or a title of only small words that the question plays
    ("The The", "This Day"). Such a title wins when it is longer than the period words inside it (and not led
    by "in", "during"...), or when it is exactly a period phrase but followed by "by <artist>" or played in a
    question about plays ("how many times did I play Last Summer")."""
    count_question = re.search(r"\bhow (many|often)\b|\bplay ?count\b|\bnumber of (plays|times)\b", text)
    for m in index.exact_all(text):
        inside = [(a, b) for a, b in spans if a < m.end and m.start < b]
        before, after = text[: m.start], text[m.end:].strip()
        played = re.search(_ANCHOR, before) is not None
        tail = not after or re.match(_TAIL, after) is not None
        n_words = len(m.text.split())
        if not inside:
            if n_words >= 2 and all(w in STOP for w in m.text.split()) and played and tail:
                return m
            continue
        if not all(m.start <= a and b <= m.end for a, b in inside):
            continue
        if n_words >= 2 and m.end - m.start > max(b - a for a, b in inside) and \
                re.search(_PERIOD_LEAD, before) is None and (played or tail):
            return m
        if after.startswith("by ") or (played and count_question and tail):
            return m
    return None


def plan_question(question: str, index: NameIndex, today: dt.date) -> Plan:
    """Turn ``question`` into a :class:`Plan` (``insight`` None when it is not understood)."""
    plan = _plan_question(question, index, today)
    # music, songs, tracks, tunes: tracks only (podcasts and audiobooks are not music)
    named = any(plan.filters.get(k) for k in ("artist", "track", "album", "show", "audiobook"))
    if plan.insight in ("overview", "calendar", "clock") and not named and re.search(
            r"\b(music|songs?|tracks?|tunes?|records?)\b", plan.text) and plan.figure not in (
            "@share_episode", "@share_audiobook"):
        plan.filters["kind"] = "track"
        plan.filter_label = ", ".join(x for x in (plan.filter_label, "music only") if x)
        plan.why.append("music: tracks only")
    return plan


def _plan_question(question: str, index: NameIndex, today: dt.date) -> Plan:
    raw = normalise(question)
    text = correct_typos(raw, index.tokens)
    when = parse_when(text, today)
    forced = _title_over_period(text, index, when.spans) if len(text.split()) == len(raw.split()) else None
    if forced is not None:  # the period words belong to the title: read the period without them
        when = parse_when(text[: forced.start] + " " * (forced.end - forced.start) + text[forced.end:], today)
    plan = Plan(question=question, text=text, insight=None, start=when.start, end=when.end,
                period_label=when.label if when.has_period() else "all time")
    if when.dows is not None:
        plan.filters["dows"] = list(when.dows)
    if when.hours is not None:
        plan.filters["hours"] = list(when.hours)
    labels = [when.filter_label] if when.filter_label else []
    blocked = list(when.spans)
    for name, pattern, _sql in DEVICES:
        m = re.search(pattern, text)
        if m:
            plan.filters["device"] = name
            labels.append(m.group(0))
            blocked.append(m.span())
            break
    # names: on the raw text when a typo fix changed the word count (spans must line up), else on the fixed one
    hint = _hint(text)
    name_text = text if len(text.split()) == len(raw.split()) else raw
    if name_text is raw:
        when_raw = parse_when(raw, today)
        blocked = list(when_raw.spans) + [b for b in blocked if b not in when.spans]
    matches = [m for m in index.find(name_text, blocked, STOP, _KIND_OF.get(hint or "")) if not _weak(m, name_text)]
    if _genre_plan(plan, text, when.spans, matches if name_text is text else []):
        return plan
    if _eras_plan(plan, text, when.spans, matches if name_text is text else []):
        return plan
    if forced is not None:
        matches = [forced] + [m for m in matches if m.end <= forced.start or forced.end <= m.start]
    entity: Match | None = matches[0] if matches else None
    if entity is not None and entity is not forced and entity.name.kind == "artist":
        # "dreams by fleetwood mac": the track or album of that artist, not the artist
        for other in matches[1:]:
            if other.name.kind in ("track", "album") and other.name.by == entity.name.name:
                entity = other
                break
    rest = text
    if entity is not None and name_text is text:
        rest = text[: entity.start] + "_" * (entity.end - entity.start) + text[entity.end:]  # same positions
    rest = _blanked(rest, when.spans)

    scores: dict[str, float] = {}
    for name, pattern, weight in RULES:
        hits = len(re.findall(pattern, rest))
        if hits:
            scores[name] = weight + 0.1 * (hits - 1)
    if entity is not None:
        plan.entity = {"kind": entity.name.kind, "name": entity.name.name, "by": entity.name.by,
                       "matched": entity.text, "score": round(entity.score, 1)}
        plan.why.append(f"{entity.name.kind} {entity.name.name!r} (from {entity.text!r}, score {entity.score:.0f})")
    if when.has_period():
        plan.why.append(f"period {plan.period_label}: {plan.start} to {plan.end}")
    if labels:
        plan.filter_label = ", ".join(labels)
        plan.why.append(f"only plays {plan.filter_label}")
    if entity is not None and _entity_plan(plan, entity, rest, scores, hint):
        return plan
    if _share_of_day(plan, rest) and not set(scores) - {"overview", "clock"}:
        _clock_share(plan)
        return plan
    years = sorted({int(y) for y in re.findall(r"\b(19[89]\d|20[0-4]\d)\b", text)})
    if len(years) == 2 and years[1] == years[0] + 1 and re.search(r"\b(more|less|than|compared|vs|versus)\b", rest) \
            and not set(scores) - {"overview"} and entity is None:
        # "did I listen more in 2021 than 2020": the later year against the one before (overview's change)
        plan.start, plan.end = dt.date(years[1], 1, 1), min(dt.date(years[1], 12, 31), today)
        plan.period_label = str(years[1])
        plan.why.append(f"comparison: {years[1]} against {years[0]}")
        plan.insight, plan.figure = "overview", _named("overview", "change in listening time")
        return plan
    if not scores:
        return plan
    best = max(scores, key=lambda k: (scores[k], -PRIORITY[k]))
    # "top podcasts", "favourite audiobook": a ranking of shows/books, not the podcasts overview
    if best in ("podcasts", "audiobooks") and "top" in scores and re.search(
            r"\b(top|favou?rite|most (played|listened)|number one|which|what)\b", rest) and not re.search(
            r"\b(finish|finished|abandon|episodes|new|binge|how many hours|how much|time)\b", rest):
        best = "top"
    if best in ("podcasts", "audiobooks") and re.search(
            r"\b(percent|percentage|share|proportion|fraction|what part|how much of (my|the))\b", rest):
        # "what share of my listening is podcasts": the kind's share of all listening time (overview)
        plan.insight = "overview"
        plan.figure = "@share_" + ("episode" if best == "podcasts" else "audiobook")
        plan.why.append(f"intent overview: the share of {best} in all listening")
        return plan
    if best == "overview" and "top" in scores and re.search(r"\bmost\b", rest) and not re.search(
            r"\bhow (much|many|long)\b", rest):
        best = "top"
    plan.why.append(f"intent {best} (scores: " + ", ".join(f"{k} {v:g}" for k, v in
                                                           sorted(scores.items(), key=lambda kv: -kv[1])) + ")")
    _figure_for(plan, best, rest, hint)
    return plan


# Genres people name in questions, folded (the words of the genres exports write: Apple Music's "Hip-Hop/Rap",
# "R&B/Soul", "Singer/Songwriter"...). A question names one only next to listening words (see _genre_mention),
# so "which country" stays a question about countries and "daft punk" an artist.
GENRE_WORDS = (
    "alternative", "indie", "rock", "hard rock", "pop", "k pop", "j pop", "hip hop", "rap", "r and b", "rnb", "soul",
    "jazz", "blues", "classical", "electronic", "electronica", "dance", "house", "techno", "trance", "ambient",
    "metal", "heavy metal", "punk", "folk", "country", "reggae", "reggaeton", "latin", "soundtrack", "soundtracks",
    "singer songwriter", "funk", "disco", "gospel", "edm", "drum and bass", "dubstep", "grunge", "emo", "opera",
    "instrumental", "new age", "lo fi", "lofi", "afrobeats", "salsa", "world music", "christian", "childrens music",
)
_GENRE_RE = re.compile(r"\b(" + "|".join(re.escape(g) for g in sorted(GENRE_WORDS, key=len, reverse=True)) + r")\b")
_GENRE_BEFORE = {"much", "most", "of", "to", "play", "played", "playing", "is", "was", "hear", "heard", "some", "any",
                 "more", "less", "genre", "into", "on"}
_GENRE_AFTER = {"music", "songs", "song", "tracks", "track", "tunes", "genre"}


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the period words at ``spans`` blanked out, positions kept: what is left says what is asked."""
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _genre_mention(text: str, matches: list[Match]) -> re.Match[str] | None:
    """A genre the question names as what was listened to ("how much hip hop", "jazz music", "the most jazz"),
    unless a name of the library spans it and more ("Velvet Crane", a title "Dance With the Tide")."""
    for m in _GENRE_RE.finditer(text):
        before = text[: m.start()].split()[-1:]
        after = text[m.end():].split()[:1]
        if not (set(before) & _GENRE_BEFORE or set(after) & _GENRE_AFTER):
            continue
        if any(n.start <= m.start() and m.end() <= n.end and n.end - n.start > m.end() - m.start() for n in matches):
            continue
        return m
    return None


def _genre_plan(plan: Plan, text: str, spans: list[tuple[int, int]], matches: list[Match]) -> bool:
    """Questions about genres ("top genres in 2023", "how much hip hop", "when did I listen to the most jazz"):
    the genres insight, with ``genre`` when one is named. False: not a question about genres."""
    mention = _genre_mention(text, matches)
    if mention is None and re.search(r"\bgenres?\b", text) is None:
        return False
    rest = _blanked(text, spans)
    plan.insight = "genres"
    if mention is not None:
        plan.params = {"genre": mention.group(1)}
        rest = rest[: mention.start()] + "_" * (mention.end() - mention.start()) + rest[mention.end():]
    figure = _asked(figures_of("genres"), rest, GENRE if mention is not None else ALL)
    plan.figure = figure.path if figure is not None else "@auto"
    plan.why.append("intent genres" + (f" of {mention.group(1)!r}" if mention is not None else ""))
    return True


# Decades of release, as people write them: "the 90s", "1990s", "'90s", "nineties". Such a decade is the music's
# (not a period of listening) when music words follow it ("80s music", "2010s songs") or "from" comes before it
# ("songs from the 70s"); "top artists in the 2010s" is a period.
_DECADE_WORDS = {"fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990,
                 "noughties": 2000}
_DECADE = re.compile(r"\b(?:(1[89]|20)?([0-9])0s|(" + "|".join(_DECADE_WORDS) + r"))\b")
_MUSIC_AFTER = re.compile(r"^\s*(music|songs?|tracks?|hits|stuff|albums?|records?|tunes?)\b")
_FROM_BEFORE = re.compile(r"\b(from|of) (the )?$")
# Questions about the age, decades or artists' countries of the music, with no decade named. "Eras" alone are the
# chapters of a listening life ("split my history into eras"); an era *of music* is a decade of release.
_ERA_WORDS = re.compile(
    r"\bdecades?\b|\beras? of (the )?(music|songs)\b|\bmusic(al)? eras?\b|\brelease (year|date)s?\b|"
    r"\bhow old (is|are)\b|\bage of (the |my )?(music|songs?)|"
    r"\bnew releases?\b|\brecent releases?\b|\boldest (song|track|music|record)s?\b|"
    r"\bartists?\b.*\bcountr(y|ies)\b|\bcountr(y|ies)\b.*\bartists?\b|\bwhere are (my|the) artists\b|"
    r"\b(year|decade)s? (is|are) (my|the) (music|songs?|tracks?) from\b")


def _decade_mention(text: str) -> tuple[int, re.Match[str]] | None:
    """The decade of release a question names ("how much 90s music", "songs from the 1970s"), or None."""
    for m in _DECADE.finditer(text):
        if m.group(3):
            decade = _DECADE_WORDS[m.group(3)]
        else:
            century = m.group(1)
            digit = int(m.group(2))
            decade = (int(century) * 100 if century else (2000 if digit <= 2 else 1900)) + digit * 10
        if _MUSIC_AFTER.search(text[m.end():]) or _FROM_BEFORE.search(text[: m.start()]):
            return decade, m
    return None


def _eras_plan(plan: Plan, text: str, spans: list[tuple[int, int]], matches: list[Match]) -> bool:
    """Questions about the decades and age of the music or its artists' countries ("how much 80s music", "what
    decade is my music from", "where are my artists from"): the eras insight, with ``decade`` when one is named.
    False: not such a question, or the words are part of a name of the library ("Songs From the 70s Vol. 2")."""
    mention = _decade_mention(text)
    found = mention[1] if mention is not None else _ERA_WORDS.search(text)
    if found is None or any(n.start <= found.start() and found.end() <= n.end and n.end - n.start > found.end()
                            - found.start() for n in matches):
        return False
    rest = _blanked(text, spans)
    plan.insight = "eras"
    if mention is not None:
        decade, m = mention
        plan.params = {"decade": decade}
        rest = rest[: m.start()] + "_" * (m.end() - m.start()) + rest[m.end():]
    figure = _asked(figures_of("eras"), rest, DECADE if mention is not None else ALL)
    plan.figure = figure.path if figure is not None else "@auto"
    plan.why.append("intent eras" + (f" of the {mention[0]}s" if mention is not None else ""))
    return True


_KIND_OF = {"tracks": "track", "albums": "album", "shows": "show", "audiobooks": "audiobook", "artists": "artist"}


# Words never "corrected": the vocabulary itself, small words, and period words.
from linernotes.ask.periods import DAYS, MONTHS, NUMBERS, SEASONS  # noqa: E402

KEEP = STOP | set(MONTHS) | set(SEASONS) | set(DAYS) | set(NUMBERS) | set([
    "like", "love", "loved", "more", "less", "some", "same", "such", "into", "over", "under", "after", "before",
    "then", "them", "they", "this", "that", "those", "these", "ones", "good", "best", "better", "worst", "bad",
    "year", "years", "ever", "never", "play", "plays", "away", "back", "down", "make", "made", "take", "took",
    "work", "home", "make", "sort", "kind", "kinds", "type", "types", "list", "lists", "long", "longer",
    "short", "shorter", "high", "low", "lots", "biggest", "much", "many", "week", "weeks", "stream", "streams",
    "streamed", "streaming", "genre", "genres", "percent", "percentage", "proportion", "fraction", "birthday",
    "christmas", "anything", "something", "everything", "nothing", "music", "listens", "whole", "part", "once",
    "twice", "still", "start", "started", "stop", "stopped", "songs", "hours", "heard", "hear", "played",
    "decade", "decades", "release", "releases", "released", "oldest", "country", "countries", "fifties", "sixties",
    "seventies", "eighties", "nineties", "noughties",
])


def _hint(text: str) -> str | None:
    for entity, pattern in ENTITY_WORDS:
        if re.search(pattern, text):
            return entity
    return None


def _entity_filter(plan: Plan, m: Match) -> None:
    n = m.name
    plan.filters[n.kind] = n.name
    if n.kind in ("track", "album") and n.by:
        plan.filters["artist"] = n.by
    plan.figure_label = n.name


def _entity_plan(plan: Plan, m: Match, rest: str, scores: dict[str, float], hint: str | None) -> bool:
    """Questions about one named artist, track, album, show or book. False: treat as a general question."""
    kind = m.name.kind
    before = rest[: m.start].rstrip() if m.start <= len(rest) else ""
    like_it = re.search(r"\blike$", before) is not None and re.search(r"\b(i|you|we) like$", before) is None
    if ("similar" in scores or like_it) and kind == "artist":
        plan.params = {"artist": m.name.name}
        _figure_for(plan, "similar", rest, hint)
        plan.figure_label = f"artists like {m.name.name}"
        return True
    if "recommend" in scores or "noise" in scores or "chapters" in scores or "modes" in scores:
        return False
    _entity_filter(plan, m)
    for name in ("discovery", "loyalty"):  # when did I first or last hear it: over the whole history
        if _figure_about(plan, name, rest, kind):
            plan.start = plan.end = None
            plan.period_label = "all time"
            return True
    if "skips" in scores and _figure_about(plan, "skips", rest, kind):
        return True
    if _share_of_day(plan, rest):
        _clock_share(plan)
        return True
    if "obsessions" in scores and _figure_about(plan, "obsessions", rest, kind):
        return True
    if "clock" in scores or re.search(r"\bwhen do i\b", rest):
        _figure_for(plan, "clock", rest, hint)
        return True
    for name in ("calendar", "sessions"):
        if name in scores:
            _figure_for(plan, name, rest, hint)
            return True
    if kind in ("artist", "album") and hint in ("tracks", "albums") and not re.search(
            r"\bhow (much|many|long)\b", rest):
        # "top songs of Radiohead", "the tracks of In Rainbows": a ranking (by time) within the name
        _figure_for(plan, "top", rest, hint)
        plan.params = _top_params("tracks" if hint == "tracks" or kind == "album" else "albums", rest)
        return True
    # the episodes of a show, the progress through a book; else how much, how often, on how many days
    return any(_figure_about(plan, name, rest, kind) for name in ("podcasts", "audiobooks", "overview"))


def _share_of_day(plan: Plan, rest: str) -> bool:
    """A question for the share of listening at night or on weekends, which the filters have taken as a filter."""
    share = re.search(r"\b(percent|percentage|share|proportion|fraction|what part|how much of (my|the))\b", rest)
    return share is not None and (plan.filters.get("hours") == [22, 5] or plan.filters.get("dows") == [6, 7])


def _clock_share(plan: Plan) -> None:
    """"what share of my listening is at night": the clock's night or weekend share, not a filter."""
    night = plan.filters.get("hours") == [22, 5]
    plan.filters.pop("hours" if night else "dows")
    plan.filter_label = None
    plan.insight, plan.figure = "clock", _named("clock", "night share" if night else "weekend share")


def _top_params(entity: str, rest: str) -> dict[str, Any]:
    """The ranking's parameters: what it ranks (artists unless asked) and how many ("top 5 songs")."""
    params: dict[str, Any] = {"entity": entity} if entity != "artists" else {}
    limit = _limit(rest)
    if limit is not None and limit != 10:
        params["limit"] = limit
    return params


def _limit(rest: str) -> int | None:
    m = re.search(r"\b(?:top|first|best) (\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twenty)\b|"
                  r"\b(\d{1,3}|three|five|ten|twenty) (?:most|top|favou?rite|best)\b", rest)
    if not m:
        return None
    word = m.group(1) or m.group(2)
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10, "twenty": 20}
    n = int(word) if word.isdigit() else words[word]
    return n if 1 <= n <= 500 else None


def figures_of(insight: str) -> tuple[Figure, ...]:
    """The figures ``insight`` declares at the end of its module (none when it is not an insight here)."""
    try:
        spec = registry.get(insight)
    except UsageError:
        return ()
    return tuple(getattr(sys.modules[spec.compute.__module__], "FIGURES", ()))


def _asked(figures: tuple[Figure, ...], rest: str, about: str = ALL) -> Figure | None:
    """The first of ``figures`` the question asks for."""
    return next((f for f in figures if f.asked_by(rest, about)), None)


def _named(insight: str, name: str) -> str:
    """The path of the figure of ``insight`` called ``name`` (for a question recognised by other means)."""
    return next(f.path for f in figures_of(insight) if f.name == name)


def _figure_about(plan: Plan, insight: str, rest: str, kind: str) -> bool:
    """Answer a question about one named thing of ``kind`` with ``insight``, if one of its figures fits."""
    figure = _asked(figures_of(insight), rest, kind)
    if figure is None:
        return False
    plan.insight, plan.figure = insight, figure.path
    return True


def _figure_for(plan: Plan, name: str, rest: str, hint: str | None) -> None:
    """Set the insight of intent ``name``, its parameters and the figure that answers the question."""
    plan.insight, figures = PSEUDO.get(name) or (name, figures_of(name))
    if name == "top":
        plan.params = _top_params(hint if hint is not None else "artists", rest)
        if re.search(r"\b(by|most) (plays|play count|streams)\b|\bmost (often|times)\b|\bplay count\b|"
                     r"\bmost streamed\b|\bhow many times\b|\bmost played\b", rest):
            plan.params["by"] = "plays"
    figure = _asked(figures, rest)
    plan.figure = figure.path if figure is not None else "@auto"  # @auto: the result's first name or number
