"""A Streamlit client without a browser: the app's own WebSocket protocol, for the load
benchmark (load.py) and tests/e2e/test_protocol_client.py.

It does what Streamlit's frontend does to run a page (streamlit/streamlit,
frontend/app/src/App.tsx `sendRerunBackMsg`, connection/WebsocketConnection.tsx), and
nothing it does to draw one:

- opens `ws://host/_stcore/stream` with the subprotocols `streamlit` and a placeholder
  token (the frontend's `getSessionTokens`); one WebSocket is one server session;
- asks for a run with a `BackMsg.rerun_script` (`ClientState`): the first by the page's
  URL path (`page_name`, as a browser opened at `/scorecard` does), later ones by the
  page's `page_script_hash` from the `navigation` message's `app_pages` (st.navigation;
  a `pages/`-folder app lists them in `new_session.app_pages`);
- reports the hashes of the large elements it was sent (`cached_message_hashes`), so the
  server sends a reference instead of an element this session already has, as it does
  for a browser; widget states stay empty, so the server keeps every widget's value from
  the session's previous run (a user who only switches pages);
- reads every `ForwardMsg` until the run's `script_finished`; a run the server ends
  early for another (`FINISHED_EARLY_FOR_RERUN`, an `st.rerun`) is followed to the end.

A page's time runs from sending the request to receiving `script_finished`: the
server's latency, on loopback, without any rendering. An exception shown in the page
(`Delta.new_element.exception`), a page not found, a compile error or a closed
connection is recorded with the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

STREAM = "/_stcore/stream"
PROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]  # what the frontend sends unembedded
MAX_MESSAGE = 256 * 1024 * 1024  # bytes; the server's own bound is 200 MB by default
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


@dataclass
class Run:
    """What one page request got back."""

    page: str  # the URL path asked for ("" = the default page)
    seconds: float = 0.0  # request sent -> script_finished received
    errors: list[str] = field(default_factory=list)
    elements: int = 0  # new elements and blocks sent (references included)
    payload: bytes = b""  # every message of the run, as sent (`kept` only)

    def shows(self, text: str) -> bool:
        """Whether `text` was sent in the run, in any element: Streamlit's protobuf and
        Arrow carry strings as UTF-8, as they are."""
        return text.encode() in self.payload


class Session:
    """One browser tab's worth of Streamlit session, over one WebSocket."""

    def __init__(self, socket: ClientConnection, *, keep: bool = False) -> None:
        self._socket = socket
        self._keep = keep  # keep each run's bytes (`Run.shows`): for tests, not for load
        self.pages: dict[str, str] = {}  # URL path -> page_script_hash, from the server
        self.current = ""  # the page_script_hash of the last run
        self.session_id = ""
        self._cached: set[str] = set()  # hashes of the cacheable elements received

    @classmethod
    async def open(cls, url: str, *, keep: bool = False) -> Session:
        """Connect to the app at `url` (http://host:port); no run yet."""
        parts = urlsplit(url)
        socket = await connect(
            f"ws://{parts.netloc}{parts.path.rstrip('/')}{STREAM}",
            subprotocols=PROTOCOLS,  # type: ignore[list-item]
            max_size=MAX_MESSAGE,
            compression=None,  # a browser on loopback: the server's default, no deflate
            open_timeout=60,
            ping_interval=None,  # the server answers pings, but a loaded one late
        )
        return cls(socket, keep=keep)

    async def close(self) -> None:
        await self._socket.close()

    async def run(self, page: str = "") -> Run:
        """Run the page at URL path `page` ("" = the default page) and wait for the end."""
        message = BackMsg()
        state = message.rerun_script
        known = self.pages.get(page)
        if known:  # a click in the sidebar: the page by its hash
            state.page_script_hash = known
        else:  # the address bar: the page by its path, as the frontend's first run
            state.page_name = page
        state.cached_message_hashes.extend(sorted(self._cached))
        result = Run(page)
        began = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        kept: list[bytes] = []
        while True:
            data = await self._socket.recv()
            assert isinstance(data, bytes), "Streamlit sends binary protobufs only"
            if self._keep:
                kept.append(data)
            if self._read(ForwardMsg.FromString(data), result):
                break
        result.seconds = time.perf_counter() - began
        result.payload = b"".join(kept)
        return result

    def _read(self, msg: ForwardMsg, result: Run) -> bool:
        """Take in one message of a run; True once the run is over."""
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            new = msg.new_session
            self.session_id = new.initialize.session_id or self.session_id
            self.current = new.page_script_hash
            self._learn(new.app_pages)
        elif kind == "navigation":
            self.current = msg.navigation.page_script_hash
            self._learn(msg.navigation.app_pages)
        elif kind == "delta":
            result.elements += msg.delta.WhichOneof("type") in ("new_element", "add_block")
            if msg.delta.new_element.HasField("exception"):
                shown = msg.delta.new_element.exception
                result.errors.append(f"{result.page or '/'}: {shown.type}: {shown.message}")
            if msg.metadata.cacheable:
                self._cached.add(msg.hash)
        elif kind == "ref_hash":
            result.elements += 1
        elif kind == "page_not_found":
            result.errors.append(f"{result.page or '/'}: page not found")
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                result.errors.append(f"{result.page or '/'}: compile error")
            return msg.script_finished in FINISHED
        return False

    def _learn(self, pages: object) -> None:
        for page in pages:  # type: ignore[attr-defined]
            self.pages[page.url_pathname] = page.page_script_hash
            if page.is_default:
                self.pages[""] = page.page_script_hash
