"""Streaming a blocking iterator of byte chunks to the client as each chunk is produced.

Under daphne (ASGI), Django collects a synchronous iterator completely before sending anything,
so a pull's progress would arrive all at once at the end. There the chunks are fetched one at
a time in a worker thread instead; under WSGI and the test client the iterator is used as is.
"""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

_DONE = object()


async def chunks_in_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk produced in a worker thread; a disconnect closes the source iterator, which
    releases what it holds (for a pull: the engine connection, which cancels the pull)."""
    advance = sync_to_async(next, thread_sensitive=False)
    try:
        while (chunk := await advance(chunks, _DONE)) is not _DONE:
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            await sync_to_async(close, thread_sensitive=False)()


def streaming_response(request, chunks: Iterator[bytes], content_type: str):
    is_async = isinstance(getattr(request, "_request", request), ASGIRequest)
    response = StreamingHttpResponse(
        chunks_in_thread(chunks) if is_async else chunks, content_type=content_type
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # let a proxy pass each chunk on at once
    return response
