"""Who may change what: a hashed-credentials file for a shared deployment, and a small CLI to manage it.

Off by default (a local, single-user run can upload and save). A deployment turns it on by pointing the
environment variable ``HUKOU_SIM_AUTH`` at a TOML file::

    [settings]
    anonymous = "viewer"      # visitors who do not sign in may read ("viewer"), or must sign in first ("none")

    [users.zhang]
    role = "editor"           # editors may upload populations and schemes and save schemes; viewers may not
    password = "scrypt$16384$8$1$<salt, hex>$<key, hex>"

Passwords are never stored: only a salted ``hashlib.scrypt`` key (n=2**14, r=8, p=1, 16-byte random salt, 32-byte
key), compared with ``hmac.compare_digest``. Create and change entries with::

    python -m dashboard.auth add zhang --role editor --file users.toml     # asks for the password twice
    python -m dashboard.auth remove zhang --file users.toml
    python -m dashboard.auth hash                                          # prints one hash (stdin or prompt)

No streamlit here: the page side is dashboard/access.py.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import os
import re
import secrets
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from scoring.safe_output import atomic_path

ENV = "HUKOU_SIM_AUTH"
ROLES = ("viewer", "editor")
ANONYMOUS = ("viewer", "none")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_LEN = 2**14, 8, 1, 32
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_FILE_BYTES = 1024 * 1024


class AuthConfigError(ValueError):
    """The credentials file is missing or malformed (the deployment then allows no editing)."""


@dataclass(frozen=True)
class User:
    """One named user."""

    name: str
    role: str
    password: str  # the scrypt hash line, never a password


@dataclass(frozen=True)
class AuthConfig:
    """The parsed credentials file."""

    path: Path
    anonymous: str = "viewer"
    users: dict[str, User] = field(default_factory=dict)


# -- hashing ---------------------------------------------------------------------------------------------------
def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_LEN, maxmem=64 * 1024 * 1024)


def hash_password(password: str) -> str:
    """A salted scrypt hash line for ``password``."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


_DUMMY = "scrypt$16384$8$1$" + "00" * 16 + "$" + "00" * KEY_LEN


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the hash line ``stored`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt_hex, key_hex = stored.split("$")
        n_i, r_i, p_i = int(n), int(r), int(p)
        salt, key = bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
    except ValueError:
        return False
    if scheme != "scrypt" or not (2**10 <= n_i <= 2**17 and 1 <= r_i <= 16 and 1 <= p_i <= 4) or len(key) != KEY_LEN:
        return False
    if not 0 < len(password) <= MAX_PASSWORD:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n_i, r_i, p_i), key)


def check(config: AuthConfig, name: str, password: str) -> User | None:
    """The user when ``name`` and ``password`` match; None otherwise (an unknown name costs the same time)."""
    user = config.users.get(name.strip())
    ok = verify_password(password, user.password if user else _DUMMY)
    return user if ok and user is not None else None


# -- the file --------------------------------------------------------------------------------------------------
def configured_path() -> Path | None:
    """The credentials file named by ``HUKOU_SIM_AUTH``, or None when access control is off."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def load(path: Path) -> AuthConfig:
    """Read and check a credentials file (raises AuthConfigError with a one-line reason)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise AuthConfigError(f"{path.name}: larger than {MAX_FILE_BYTES // 1024} KB")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthConfigError(f"{path.name}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AuthConfigError(f"{path.name}: cannot read ({type(exc).__name__})") from None
    settings = data.get("settings", {})
    anonymous = settings.get("anonymous", "viewer") if isinstance(settings, dict) else None
    if anonymous not in ANONYMOUS:
        raise AuthConfigError(f"{path.name}: settings.anonymous must be one of {', '.join(ANONYMOUS)}")
    users: dict[str, User] = {}
    table = data.get("users", {})
    if not isinstance(table, dict):
        raise AuthConfigError(f"{path.name}: users must be a table")
    for name, entry in table.items():
        if not NAME_RE.match(name) or not isinstance(entry, dict):
            raise AuthConfigError(f"{path.name}: users.{name[:64]}: not a valid user entry")
        role, pw = entry.get("role"), entry.get("password")
        if role not in ROLES:
            raise AuthConfigError(f"{path.name}: users.{name}: role must be one of {', '.join(ROLES)}")
        if not isinstance(pw, str) or not pw.startswith("scrypt$"):
            raise AuthConfigError(f"{path.name}: users.{name}: password must be a hash from python -m dashboard.auth")
        users[name] = User(name, role, pw)
    return AuthConfig(path, anonymous, users)


def dumps(config: AuthConfig) -> str:
    """The credentials file as TOML text."""
    lines = ["# Dashboard users: python -m dashboard.auth add NAME --role editor|viewer --file THIS_FILE",
             "# Only salted scrypt hashes are stored here, never passwords.", "",
             "[settings]", f'anonymous = "{config.anonymous}"', ""]
    for user in sorted(config.users.values(), key=lambda u: u.name):
        lines += [f"[users.{user.name}]", f'role = "{user.role}"', f'password = "{user.password}"', ""]
    return "\n".join(lines)


def _write(config: AuthConfig) -> None:
    with atomic_path(config.path) as tmp:
        tmp.write_text(dumps(config), encoding="utf-8")
        os.chmod(tmp, 0o600)


# -- CLI -------------------------------------------------------------------------------------------------------
def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise AuthConfigError("the two passwords differ")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AuthConfigError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.auth``: add / remove users, or print a hash. Mistakes exit 2 with one line."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.auth", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a user or change a user's role and password")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--file", required=True, type=Path)
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    add.add_argument("--anonymous", choices=ANONYMOUS, help="set what visitors who do not sign in may do")
    rem = sub.add_parser("remove", help="remove a user")
    rem.add_argument("name")
    rem.add_argument("--file", required=True, type=Path)
    hsh = sub.add_parser("hash", help="print the hash line for a password")
    hsh.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "hash":
            print(hash_password(_read_password(args.password_stdin)))
            return 0
        if not NAME_RE.match(args.name):
            raise AuthConfigError("a user name has 1-64 letters, digits, '.', '_' or '-'")
        config = load(args.file) if args.file.exists() else AuthConfig(args.file)
        users = dict(config.users)
        if args.command == "remove":
            if users.pop(args.name, None) is None:
                raise AuthConfigError(f"no user {args.name} in {args.file.name}")
            _write(AuthConfig(config.path, config.anonymous, users))
            print(f"removed {args.name}")
            return 0
        users[args.name] = User(args.name, args.role, hash_password(_read_password(args.password_stdin)))
        _write(AuthConfig(config.path, args.anonymous or config.anonymous, users))
        print(f"{args.name}: {args.role} in {args.file}")
        return 0
    except (AuthConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
