"""`window/workDoneProgress` for long work: a big document's first analysis, a module-wide pass
or fix-all being resolved.

The token is the client's own when the request carries a `workDoneToken`, else one the server
creates with `window/workDoneProgress/create` when the client says it shows progress
(`window.workDoneProgress`); a client that does neither sees nothing. The client's
`window/workDoneProgress/cancel` of the token cancels the work's `analysis.cancel.Token`, as
`$/cancelRequest` does, so the request is answered RequestCancelled (-32800).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from wat_lsp.analysis import cancel

# A document bigger than this shows progress while it is first analysed (about a second).
ANALYSIS_BYTES = 1 << 20

_serials = itertools.count(1)


@dataclass(slots=True)
class Work:
    """One piece of work with progress: `token` is what cancels it (by either route)."""

    server: LanguageServer | None
    progress_token: types.ProgressToken | None
    token: cancel.Token = field(default_factory=cancel.Token)

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.server is None or self.progress_token is None:
            return
        with contextlib.suppress(Exception):  # the client is gone: nothing left to show
            self.server.work_done_progress.report(
                self.progress_token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )


def shows_progress(server: LanguageServer) -> bool:
    caps = server.protocol.client_capabilities
    window = caps.window if caps is not None else None
    return bool(window is not None and window.work_done_progress)


@contextlib.asynccontextmanager
async def running(
    server: LanguageServer, title: str, client_token: Any = None, cancellable: bool = False
) -> AsyncIterator[Work]:
    """Progress from `begin` to `end` around the body (nothing shown when the client can have
    none); the `Work` it gives holds the cancellation token to run the work with."""
    token: types.ProgressToken | None = client_token if isinstance(client_token, int | str) else None
    progress = server.work_done_progress
    if token is None and shows_progress(server):
        token = f"wat-lsp/{next(_serials)}"
        try:
            await progress.create_async(token)
        except Exception:  # the client refused or failed: work without showing it
            token = None
    work = Work(server, token)
    if token is None:
        yield work
        return
    progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=cancellable))
    future = progress.tokens.get(token)
    if future is not None:  # cancelled by `window/workDoneProgress/cancel`
        future.add_done_callback(lambda f: work.token.cancel() if f.cancelled() else None)
    try:
        yield work
    finally:
        progress.tokens.pop(token, None)
        with contextlib.suppress(Exception):
            progress.end(token, types.WorkDoneProgressEnd())
