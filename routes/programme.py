"""The public calendar of an edition's programme, at a stable address a calendar app can
subscribe to: /calendrier/rencontre-<number>.ics, always the latest published version.

ETag (a digest of the file) and Last-Modified (the version's publication) let calendar
apps, which poll, get a « 304 Not Modified » until the next version is published.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from core.programme.exports import programme_ics
from core.programme.public import PublishedProgramme, latest_programme
from db.engine import read_only

NOT_PUBLISHED = "Aucun programme publié pour cette rencontre."
UNKNOWN = ("Adresse d'agenda inconnue : elle s'écrit /calendrier/rencontre-N.ics, N étant le numéro de "
           "la rencontre.")
CACHE = "public, max-age=300"
# The file holds the lead's free text: no browser may run or sniff it as a page.
SAFE = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff"}


def _refusal(text: str) -> Response:
    return PlainTextResponse(text, status_code=404, headers=SAFE)


def _latest(number: int) -> PublishedProgramme | None:
    with read_only() as session:
        return latest_programme(session, edition_number=number)


def _not_modified(request: Request, etag: str, last_modified) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since counts only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


async def calendar(request: Request) -> Response:
    number = request.path_params["number"]
    programme = await run_in_threadpool(_latest, number)
    if programme is None:
        return _refusal(NOT_PUBLISHED)
    body = await run_in_threadpool(programme_ics, programme)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Last-Modified": format_datetime(programme.published_at, usegmt=True),
               "Cache-Control": CACHE, **SAFE}
    if _not_modified(request, etag, programme.published_at):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="programme-rencontre-{number}.ics"'
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


async def unknown_calendar(_request: Request) -> Response:
    return _refusal(UNKNOWN)


ROUTES = [Route("/calendrier/rencontre-{number:int}.ics", calendar, methods=["GET"]),
          # Anything else under /calendrier/ gets a French answer, not Starlette's « Not Found ».
          Route("/calendrier/{rest:path}", unknown_calendar, methods=["GET"])]
