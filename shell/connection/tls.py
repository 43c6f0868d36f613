"""``--ssl``: the TLS settings cqlsh gives cassandra-driver, from cqlshrc's ``[ssl]`` and ``[certfiles]``.

As cqlsh's ``sslhandling.ssl_settings``: ``$SSL_VALIDATE`` / ``[ssl] validate`` (default true) decides
whether the server's certificate is checked; the CA file comes from ``$SSL_CERTFILE``, then
``[certfiles] <host>``, then ``[ssl] certfile``; ``[ssl] userkey``/``usercert`` give a client
certificate. A ``version`` is ignored with cqlsh's warning (the protocol is negotiated). Validation
without a CA file is cqlsh's fatal error, raised here as :class:`TlsConfigurationError`.
"""

from __future__ import annotations

import configparser
import os
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO


class TlsConfigurationError(Exception):
    """cqlsh exits with this message (status 1)."""


def ssl_options(
    host: str, config_file: Path, out: TextIO, env: Mapping[str, str] = os.environ
) -> dict[str, object]:
    parser = configparser.ConfigParser()
    parser.read(config_file)

    def option(section: str, name: str) -> str | None:
        try:
            return parser.get(section, name)
        except configparser.Error:
            return None

    validate_text = env.get("SSL_VALIDATE") or option("ssl", "validate")
    validate = validate_text is None or validate_text.lower() != "false"
    if env.get("SSL_VERSION") or option("ssl", "version"):
        out.write(
            "Warning: Explicit SSL and TLS versions in the cqlshrc file or in SSL_VERSION environment "
            "property are ignored as the protocol is auto-negotiated.\n\n"
        )
    certfile = env.get("SSL_CERTFILE") or option("certfiles", host) or option("ssl", "certfile")
    if validate and certfile is None:
        raise TlsConfigurationError(
            "Validation is enabled; SSL transport factory requires a valid certfile to be specified. "
            "Please provide path to the certfile in [ssl] section as 'certfile' option in "
            f"{config_file} (or use [certfiles] section) or set SSL_CERTFILE environment variable."
        )
    userkey = option("ssl", "userkey")
    usercert = option("ssl", "usercert")
    return {
        "ca_certs": os.path.expanduser(certfile) if certfile else None,
        "cert_reqs": ssl.CERT_REQUIRED if validate else ssl.CERT_NONE,
        "ssl_version": ssl.PROTOCOL_TLS,
        "keyfile": os.path.expanduser(userkey) if userkey else None,
        "certfile": os.path.expanduser(usercert) if usercert else None,
    }
