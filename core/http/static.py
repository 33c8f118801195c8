"""WhiteNoise's static files middleware, usable on the async request path.

WhiteNoise's own middleware is sync-only. Under daphne Django then runs it in a worker thread
and hops back to the event loop for everything after it: two thread switches and a thread
start on EVERY request, static or not (measured: about a third of a do-nothing request's
cost). Here the (non-blocking) lookup of the path runs inline; only a static file is served
from a thread, and every other request goes straight on.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None):
        super().__init__(get_response)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self._async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request):
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
