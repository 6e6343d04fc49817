"""The webhook worker's HTTP/1.1 client against real servers on 127.0.0.1: TLS verified for the
name given while connecting to the address given, connections kept alive and reused, a
connection the peer closed while idle replaced, replies in any framing, a deadline kept."""

import asyncio
import contextlib
import datetime
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.workers.posting import KEPT_BYTES, Origin, Poster

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
HEADERS = [("host", "hooks.test"), ("content-type", "application/json")]


@contextlib.asynccontextmanager
async def serving(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    line = await reader.readline()
    if not line:
        return None
    headers: dict[str, str] = {}
    while (h := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = h.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return line.decode().split(" ")[1], headers, body


def http(port: int) -> Origin:
    return Origin("http", "127.0.0.1", port, "hooks.test")


async def test_a_connection_is_kept_alive_and_reused() -> None:
    connections: list[int] = []
    seen: list[tuple[str, bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while (request := await read_request(reader)) is not None:
            seen.append((request[0], request[2]))
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
        writer.close()

    async with serving(handler) as port, Poster() as poster:
        for n in range(5):
            reply = await poster.post(http(port), f"/hook?n={n}", HEADERS, b"{}", within=5)
            assert reply.status == 204
    assert seen == [(f"/hook?n={n}", b"{}") for n in range(5)]
    assert len(connections) == 1


async def test_a_connection_closed_by_the_peer_while_idle_is_replaced() -> None:
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Answers one request as if it kept the connection, then closes it (an idle timeout).
        connections.append(1)
        if await read_request(reader) is not None:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        writer.close()

    async with serving(handler) as port, Poster() as poster:
        for _ in range(3):
            reply = await poster.post(http(port), "/hook", HEADERS, b"{}", within=5)
            assert (reply.status, reply.text) == (200, "ok")
    assert len(connections) == 3


async def test_a_chunked_reply_is_read_and_only_its_start_kept() -> None:
    big = b"x" * (KEPT_BYTES * 3)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            writer.write(b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (b"busy ", big):
                writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        writer.close()

    async with serving(handler) as port, Poster() as poster:
        for _ in range(2):  # the connection stays usable after a chunked reply
            reply = await poster.post(http(port), "/hook", HEADERS, b"{}", within=5)
            assert reply.status == 503
            assert reply.body == (b"busy " + big)[:KEPT_BYTES]


async def test_a_receiver_that_never_answers_times_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(10)

    async with serving(handler) as port, Poster() as poster:
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimeoutError):
            await poster.post(http(port), "/hook", HEADERS, b"{}", within=0.3)
        assert asyncio.get_running_loop().time() - started < 2


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_tls_verifies_the_name_given_while_connecting_to_the_address(
    tmp_path: Path,
) -> None:
    cert_file, key_file = _certificate(tmp_path, "hooks.test")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    names: list[str | None] = []
    server_tls.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,misc,return-value]
    hosts: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (request := await read_request(reader)) is not None:
            hosts.append(request[1]["host"])
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
        writer.close()

    trusted = ssl.create_default_context(cafile=str(cert_file))
    async with serving(handler, server_tls) as port, Poster(tls=trusted) as poster:
        reply = await poster.post(
            Origin("https", "127.0.0.1", port, "hooks.test"), "/hook", HEADERS, b"{}", within=5
        )
        assert reply.status == 200
        assert (names, hosts) == (["hooks.test"], ["hooks.test"])
        with pytest.raises(ssl.SSLCertVerificationError):
            await poster.post(
                Origin("https", "127.0.0.1", port, "other.test"),
                "/hook",
                [("host", "other.test")],
                b"{}",
                within=5,
            )
