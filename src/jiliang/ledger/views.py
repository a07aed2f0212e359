"""The C2SP tlog-tiles read API under /log/: the checkpoint, tiles and entry bundles.

Tiles and bundles never change once served, so they are cacheable forever; only the checkpoint
moves. The same files can be published statically with ``jiliang log export-tiles``.
"""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from . import selectors
from .tiles import parse_tile_path

IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def checkpoint(request):
    published = selectors.published_checkpoint()
    if published is None:
        raise Http404("the log has not published a checkpoint yet")
    response = HttpResponse(published.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def tile(request, path: str):
    try:
        wanted = parse_tile_path("tile/" + path)
    except ValueError as error:
        raise Http404(str(error)) from None
    data = selectors.tile_resource(wanted)
    if data is None:
        raise Http404(f"{wanted.path()} does not exist")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"
    return response
