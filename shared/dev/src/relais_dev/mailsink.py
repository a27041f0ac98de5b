"""The local mail sink of ``make run``: every e-mail Relais sends is kept as a file, announced in one line.

``python -m relais_dev.mailsink --port 8025 --dir .relais/mail`` listens on the loopback interface;
each message becomes ``<dir>/<time>-<n>.eml`` (open it in any mail reader) and one line on the
terminal says to whom, what, and where the file is, so the demo's URLs stay on the screen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any


class FileSink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.content
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.folder / f"{stamp}-{next(self.counter):04d}.eml"
        path.write_bytes(content)
        message = message_from_bytes(content, policy=policy.default)
        print(f"courriel → {', '.join(envelope.rcpt_tos)} : {message['subject']} ({path})", flush=True)
        return "250 OK"


async def serve(port: int, folder: Path) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(FileSink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"mail sink on 127.0.0.1:{port}, messages kept in {folder}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path(".relais/mail"))
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.dir))


if __name__ == "__main__":
    main()
