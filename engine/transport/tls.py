"""TLS for the native protocol: Cassandra's ``client_encryption_options`` as an :class:`ssl.SSLContext`.

Cassandra reads a keystore (or PEM files, ``PEMBasedSslContextFactory``); cqlkit takes PEM files:
the server's certificate chain (``ssl_certfile``) and its private key (``ssl_keyfile``). As Cassandra 5.0's
default ``accepted_protocols``, only TLS 1.2 and 1.3 are offered. ``require_client_auth`` makes the server
ask for a client certificate and refuse the handshake without one signed by a CA of ``ssl_ca_certfile``
(Cassandra's truststore); with a CA file but without ``require_client_auth`` a client certificate is
checked when the client offers one (``CERT_OPTIONAL``).

The encryption is the whole connection's: the listener wraps every accepted socket, so a client speaking
plaintext to a TLS port fails the handshake and is disconnected before any frame is read.
"""

from __future__ import annotations

import ssl
from pathlib import Path


class TlsConfigurationError(ValueError):
    """The certificate, key or CA file cannot be used (what and why in the message)."""


def server_ssl_context(
    certfile: str | Path,
    keyfile: str | Path | None = None,
    *,
    ca_certfile: str | Path | None = None,
    require_client_auth: bool = False,
) -> ssl.SSLContext:
    """The server side of the native protocol's TLS (``keyfile`` may be omitted when ``certfile`` holds
    the key too, as with a combined PEM)."""
    if require_client_auth and ca_certfile is None:
        raise TlsConfigurationError(
            "require_client_auth needs a CA certificate file (ssl_ca_certfile) to verify clients against"
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(certfile), None if keyfile is None else str(keyfile))
    except (OSError, ssl.SSLError) as e:
        raise TlsConfigurationError(
            f"Cannot load the server certificate {certfile} and key {keyfile or certfile}: {_reason(e)}"
        ) from e
    if ca_certfile is not None:
        try:
            context.load_verify_locations(cafile=str(ca_certfile))
        except (OSError, ssl.SSLError) as e:
            raise TlsConfigurationError(f"Cannot load the CA certificates {ca_certfile}: {_reason(e)}") from e
        context.verify_mode = ssl.CERT_REQUIRED if require_client_auth else ssl.CERT_OPTIONAL
    return context


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
