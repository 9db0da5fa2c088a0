"""libcurl's multi interface driven by the asyncio loop: one multi handle for every transfer.

curl does the protocol work in C (name lookup in its resolver thread, happy eyeballs, TLS,
HTTP parsing, timings); the loop only watches the sockets curl names (CURLMOPT_SOCKETFUNCTION
-> add_reader/add_writer) and wakes it when its timer is due (CURLMOPT_TIMERFUNCTION ->
call_later), then hands control back with `socket_action`. A transfer is an easy handle
added to the multi; its future gets curl's result code when curl reports it done.

curl forbids calling into the multi from its own callbacks, so they only record and
schedule: every `socket_action` runs from a loop callback of its own.
"""

from __future__ import annotations

import asyncio
import logging

import pycurl

log = logging.getLogger(__name__)

_READ = pycurl.POLL_IN
_WRITE = pycurl.POLL_OUT


class CurlMulti:
    """One multi handle bound to one running loop; `perform` runs an easy handle on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._timer: asyncio.Handle | None = None
        self._watched: dict[int, int] = {}  # fd -> the POLL_* bits the loop watches it for
        self._running: dict[pycurl.Curl, asyncio.Future[int]] = {}

    async def perform(self, handle: pycurl.Curl) -> int:
        """Run `handle` to its end; curl's result code (0: E_OK). Cancelling removes it."""
        future: asyncio.Future[int] = self.loop.create_future()
        self._running[handle] = future
        self._multi.add_handle(handle)
        try:
            return await future
        finally:
            if self._running.pop(handle, None) is not None:
                # Cancelled before curl finished: curl closes its socket (POLL_REMOVE first).
                self._multi.remove_handle(handle)

    def close(self) -> None:
        """Abandon every transfer and release the sockets; the multi cannot be used again."""
        for handle, future in list(self._running.items()):
            self._multi.remove_handle(handle)
            future.cancel()
        self._running.clear()
        if self._timer is not None:
            self._timer.cancel()
        for fd in list(self._watched):
            self._watch(fd, 0)
        self._multi.close()

    # --- curl's callbacks: record what to watch, never call into the multi ------------------

    def _on_socket(self, what: int, fd: int, _multi: object, _socketp: object) -> None:
        self._watch(fd, 0 if what == pycurl.POLL_REMOVE else what)

    def _watch(self, fd: int, wanted: int) -> None:
        watched = self._watched.get(fd, 0)
        # Only the changed directions: re-registering a socket costs the loop a syscall.
        if (watched ^ wanted) & _READ:
            if wanted & _READ:
                self.loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
            else:
                self.loop.remove_reader(fd)
        if (watched ^ wanted) & _WRITE:
            if wanted & _WRITE:
                self.loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
            else:
                self.loop.remove_writer(fd)
        if wanted:
            self._watched[fd] = wanted
        else:
            self._watched.pop(fd, None)

    def _on_timer(self, ms: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if ms == 0:
            self._timer = self.loop.call_soon(self._act, pycurl.SOCKET_TIMEOUT, 0)
        elif ms > 0:
            self._timer = self.loop.call_later(ms / 1000, self._act, pycurl.SOCKET_TIMEOUT, 0)

    # --- the loop's side ----------------------------------------------------------------------

    def _act(self, fd: int, events: int) -> None:
        if fd == pycurl.SOCKET_TIMEOUT:
            self._timer = None
        try:
            self._multi.socket_action(fd, events)
        except pycurl.error:
            # A multi-level failure (out of memory, a bad socket): the transfers it hit
            # still end through info_read or their own timeouts.
            log.exception("curl multi socket_action failed")
        self._collect()

    def _collect(self) -> None:
        while True:
            queued, done, failed = self._multi.info_read()
            for handle in done:
                self._finish(handle, pycurl.E_OK)
            for handle, code, _message in failed:
                self._finish(handle, code)
            if not queued:
                return

    def _finish(self, handle: pycurl.Curl, code: int) -> None:
        self._multi.remove_handle(handle)
        future = self._running.pop(handle, None)
        if future is not None and not future.done():
            future.set_result(code)
