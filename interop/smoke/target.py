"""Reads an interop target file the way the harness will, for smoke.sh.

  target.py get FILE KEY                 print a top-level or dotted key
  target.py exec FILE PORT ROUTES CA     replace this process with `start`

`exec` fills the placeholders {port}, {routes}, {ca} and {identifier} of the
target's `start` line, splits it like a shell would (no shell runs) and
execs it, so the PID smoke.sh holds is the launcher's own.
"""

from __future__ import annotations

import os
import shlex
import sys
import tomllib
from typing import Any


def load(path: str) -> dict[str, Any]:
    with open(path, "rb") as source:
        return tomllib.load(source)


def lookup(document: dict[str, Any], dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        value = value[part]
    return value


def main() -> None:
    command, path, *rest = sys.argv[1:]
    target = load(path)
    if command == "get":
        print(lookup(target, rest[0]))
        return
    if command == "exec":
        port, routes, ca = rest
        argv = [
            arg.replace("{port}", port)
            .replace("{routes}", routes)
            .replace("{ca}", ca)
            .replace("{identifier}", target["identifier"])
            for arg in shlex.split(target["start"])
        ]
        os.execvp(argv[0], argv)
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
