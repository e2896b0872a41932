"""A program small enough to build for two CPU architectures with no compiler and no emulator: a
static Linux executable for ``linux/amd64`` and one for ``linux/arm64``, written here byte by
byte, that print which platform they were built for. The platforms lesson builds them into one
multi-platform image (``FROM scratch``, no ``RUN``: nothing runs at build time, so no emulator
is needed), and running the other platform's on a machine without emulation shows the
``exec format error`` an image built on an Apple-silicon Mac gives on an amd64 server.

Each is an ELF64 header, one loadable segment and a few instructions: ``write(1, message)``
then ``exit(0)``. The arm64 one was checked under ``qemu-aarch64`` when it was written.
"""

from __future__ import annotations

import struct
from pathlib import Path

PLATFORMS = ("linux/amd64", "linux/arm64")
DOCKERFILE = """\
# A multi-platform image needs nothing to run at build time: each platform gets its own program.
FROM scratch
ARG TARGETARCH
COPY hello-${TARGETARCH} /hello
CMD ["/hello"]
"""
"""BuildKit sets ``TARGETARCH`` (amd64, arm64) for each platform it builds."""

_BASE = 0x400000
_EHSIZE, _PHSIZE = 64, 56
_MACHINE = {"amd64": 62, "arm64": 183}  # EM_X86_64, EM_AARCH64


def message(architecture: str) -> bytes:
    return f"Hello from linux/{architecture}\n".encode()


def _elf(machine: int, code: bytes) -> bytes:
    entry = _BASE + _EHSIZE + _PHSIZE
    total = _EHSIZE + _PHSIZE + len(code)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, System V
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, machine, 1, entry, _EHSIZE, 0, 0, _EHSIZE, _PHSIZE, 1, 0, 0, 0
    )
    segment = struct.pack("<IIQQQQQQ", 1, 5, 0, _BASE, _BASE, total, total, 0x1000)  # R+X
    return header + segment + code


def _amd64(text: bytes) -> bytes:
    rest = (
        b"\xba" + struct.pack("<I", len(text))  # mov edx, len
        + b"\x0f\x05"  # syscall (write)
        + b"\xb8\x3c\x00\x00\x00"  # mov eax, 60 (exit)
        + b"\x31\xff"  # xor edi, edi
        + b"\x0f\x05"  # syscall
    )  # fmt: skip
    code = (
        b"\xb8\x01\x00\x00\x00"  # mov eax, 1 (write)
        + b"\xbf\x01\x00\x00\x00"  # mov edi, 1 (standard output)
        + b"\x48\x8d\x35" + struct.pack("<i", len(rest))  # lea rsi, [rip + message]
        + rest + text
    )  # fmt: skip
    return _elf(_MACHINE["amd64"], code)


def _arm64(text: bytes) -> bytes:
    def movz(register: int, value: int) -> int:
        return 0xD2800000 | (value << 5) | register

    svc = 0xD4000001
    words = [movz(0, 1), 0, movz(2, len(text)), movz(8, 64), svc, movz(0, 0), movz(8, 93), svc]
    offset = (len(words) - 1) * 4  # from the adr (the second instruction) to the message
    words[1] = ((offset & 3) << 29) | (0b10000 << 24) | ((offset >> 2) << 5) | 1  # adr x1
    return _elf(_MACHINE["arm64"], b"".join(struct.pack("<I", w) for w in words) + text)


def program(architecture: str) -> bytes:
    """The executable for ``amd64`` or ``arm64``."""
    build = {"amd64": _amd64, "arm64": _arm64}[architecture]
    return build(message(architecture))


def write_folder(folder: Path) -> Path:
    """The build context: the Dockerfile and both programs (a fresh copy each time)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    for architecture in _MACHINE:
        path = folder / f"hello-{architecture}"
        path.write_bytes(program(architecture))
        path.chmod(0o755)
    return folder
