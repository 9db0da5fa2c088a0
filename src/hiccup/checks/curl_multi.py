"""libcurl's multi interface driven by the asyncio loop: one multi handle for every transfer.

curl does the protocol work in C (name lookup in its resolver thread, happy eyeballs, TLS,
HTTP parsing, timings); the loop only watches the sockets curl names (CURLMOPT_SOCKETFUNCTION)
and wakes it when its timer is due (CURLMOPT_TIMERFUNCTION -> call_later), then hands control
back with `socket_action`. A transfer is an easy handle added to the multi; its future gets
curl's result code when curl reports it done.

On Linux curl's sockets go into an epoll set of their own and the loop watches that one file
descriptor: registering each socket with the loop (add_reader/add_writer, then removing it)
cost more than the rest of the check in the loop's time. Elsewhere the loop watches them.

curl forbids calling into the multi from its own callbacks, so they only record and
schedule: every `socket_action` runs from a loop callback of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
from collections.abc import Callable, Iterable
from typing import Protocol

import pycurl

log = logging.getLogger(__name__)

# (socket, CSELECT_* bits) pairs for curl to act on; SOCKET_TIMEOUT with 0 for its timer.
Events = Iterable[tuple[int, int]]
Ready = Callable[[Events], None]


class Sockets(Protocol):
    def watch(self, fd: int, wanted: int) -> None:
        """Watch `fd` for curl's POLL_IN/POLL_OUT bits; 0 stops watching it."""

    def close(self) -> None: ...


class CurlMulti:
    """One multi handle bound to one running loop; `perform` runs an easy handle on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, epoll: bool = True) -> None:
        self.loop = loop
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._timer: asyncio.Handle | None = None
        self._running: dict[pycurl.Curl, asyncio.Future[int]] = {}
        use_epoll = epoll and hasattr(select, "epoll")
        self._sockets: Sockets = (EpollSockets if use_epoll else LoopSockets)(loop, self._ready)

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
        """End every transfer (as aborted) and release the sockets; the multi cannot be used
        again. Its transfers end with a result, not a cancellation their tasks never asked for."""
        running, self._running = self._running, {}
        for handle, future in running.items():
            self._multi.remove_handle(handle)
            if not future.done():
                future.set_result(pycurl.E_ABORTED_BY_CALLBACK)
        if self._timer is not None:
            self._timer.cancel()
        self._sockets.close()
        self._multi.close()

    # --- curl's callbacks: record what to watch, never call into the multi ------------------

    def _on_socket(self, what: int, fd: int, _multi: object, _socketp: object) -> None:
        self._sockets.watch(fd, 0 if what == pycurl.POLL_REMOVE else what)

    def _on_timer(self, ms: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if ms == 0:
            self._timer = self.loop.call_soon(self._on_due)
        elif ms > 0:
            self._timer = self.loop.call_later(ms / 1000, self._on_due)

    # --- the loop's side ----------------------------------------------------------------------

    def _on_due(self) -> None:
        self._timer = None
        self._ready(((pycurl.SOCKET_TIMEOUT, 0),))

    def _ready(self, events: Events) -> None:
        for fd, bits in events:
            try:
                self._multi.socket_action(fd, bits)
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


class EpollSockets:
    """curl's sockets in an epoll set of their own; the loop watches the set's descriptor."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ready: Ready) -> None:
        self._loop, self._ready = loop, ready
        self._epoll = select.epoll()
        self._masks: dict[int, int] = {}
        loop.add_reader(self._epoll.fileno(), self._on_readable)

    def watch(self, fd: int, wanted: int) -> None:
        mask = (select.EPOLLIN if wanted & pycurl.POLL_IN else 0) | (
            select.EPOLLOUT if wanted & pycurl.POLL_OUT else 0
        )
        known = self._masks.get(fd)
        if mask == known:
            return
        if not mask:
            self._masks.pop(fd, None)
            with contextlib.suppress(OSError):  # already closed: the kernel dropped it
                self._epoll.unregister(fd)
            return
        self._masks[fd] = mask
        if known is not None:
            try:
                self._epoll.modify(fd, mask)
                return
            except FileNotFoundError:  # closed and reopened under the same number
                pass
        self._epoll.register(fd, mask)

    def _on_readable(self) -> None:
        polled = self._epoll.poll(0)
        # Lazily: acting on one socket may make curl drop another that is later in the list.
        self._ready((fd, _bits(events)) for fd, events in polled if fd in self._masks)

    def close(self) -> None:
        self._loop.remove_reader(self._epoll.fileno())
        self._epoll.close()
        self._masks.clear()


def _bits(events: int) -> int:
    bits = pycurl.CSELECT_IN if events & (select.EPOLLIN | select.EPOLLHUP) else 0
    if events & select.EPOLLOUT:
        bits |= pycurl.CSELECT_OUT
    if events & select.EPOLLERR:
        bits |= pycurl.CSELECT_ERR
    return bits


class LoopSockets:
    """Each of curl's sockets registered with the loop (where there is no epoll)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ready: Ready) -> None:
        self._loop, self._ready = loop, ready
        self._watched: dict[int, int] = {}

    def watch(self, fd: int, wanted: int) -> None:
        watched = self._watched.get(fd, 0)
        # Only the changed directions: re-registering a socket costs the loop a syscall.
        if (watched ^ wanted) & pycurl.POLL_IN:
            if wanted & pycurl.POLL_IN:
                self._loop.add_reader(fd, self._ready, ((fd, pycurl.CSELECT_IN),))
            else:
                self._loop.remove_reader(fd)
        if (watched ^ wanted) & pycurl.POLL_OUT:
            if wanted & pycurl.POLL_OUT:
                self._loop.add_writer(fd, self._ready, ((fd, pycurl.CSELECT_OUT),))
            else:
                self._loop.remove_writer(fd)
        if wanted:
            self._watched[fd] = wanted
        else:
            self._watched.pop(fd, None)

    def close(self) -> None:
        for fd in list(self._watched):
            self.watch(fd, 0)
