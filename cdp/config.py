"""Settings: one registry of name, default and help, read from the environment.

Every setting Kundenbild reads is listed in ``SETTINGS``; a test checks that
each one is documented in the README. Nothing here opens a file or a store.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cdp.errors import N_, ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CDP_DATA_DIR", "./data", "Folder holding the store, the key vault, the key file and logs."),
    Setting("CDP_KEY", None, "Master passphrase. When unset, the key file in the data folder is used."),
    Setting("CDP_DEFAULT_REGION", "DE", "Region for phone numbers written without a country code."),
    Setting("CDP_LOG_LEVEL", "INFO", "Level of the application log (DEBUG, INFO, WARNING, ERROR)."),
    Setting("CDP_HOST", "127.0.0.1", "Address 'cdp serve' listens on."),
    Setting("CDP_PORT", "5000", "Port 'cdp serve' listens on."),
    Setting("CDP_TLS", "off", "Set to 'on' when Kundenbild is served over HTTPS: secure cookies and HSTS."),
    Setting("CDP_THREADS", "8", "Worker threads of the web server (at most 60)."),
    Setting(
        "CDP_SOURCE_TRUST",
        "webshop,support",
        "Sources from most to least trusted, for fields whose value the most trusted source decides.",
    ),
    Setting(
        "CDP_PURPOSES",
        "newsletter,personalised_offers,sales_contact,social_listening,profiling",
        "Purposes consent is recorded for, comma-separated (lower case, no spaces).",
    ),
    Setting("CDP_MAX_UPLOAD_MB", "50", "Largest file the web's import page takes, in MB (1 to 1024)."),
    Setting("CDP_RETENTION_HOURS", "24", "Hours between the retention runs of 'cdp serve' (0 turns them off)."),
    Setting("CDP_MATCH_JOIN", "0.95", "Match probability from which the model joins two records by itself."),
    Setting("CDP_MATCH_REVIEW", "0.5", "Match probability from which an uncertain pair goes to the review queue."),
    Setting("CDP_TIMEZONE", "Europe/Berlin", "Time zone of the business: the days segments and reports count in."),
    Setting(
        "CDP_PROXY",
        "off",
        "Set to 'on' behind one reverse proxy on this machine (or to the proxy's address), to trust its "
        "X-Forwarded-For/-Proto.",
    ),
    Setting(
        "CDP_LANGUAGE",
        None,
        "Language of the command line's messages, de or en. When unset, the locale (LANGUAGE, LC_ALL, "
        "LC_MESSAGES, LANG) decides; English when that names neither.",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}

# The languages Kundenbild's messages are written (en) and translated (de) in.
LANGUAGES = ("en", "de")
# Where gettext looks for the user's language, in its order.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

STORE_FILE = "kundenbild.db"
VAULT_FILE = "keyvault.db"
KEY_FILE = "kundenbild.key"
LOCK_FILE = "kundenbild.lock"


def setting(name: str, environ: dict[str, str] | None = None) -> str | None:
    """The value of a registered setting: the environment, else its default."""
    env = os.environ if environ is None else environ
    known = _BY_NAME[name]
    value = env.get(name)
    return value if value not in (None, "") else known.default


@dataclass(frozen=True)
class Paths:
    """Where one installation keeps its files."""

    data_dir: Path

    @property
    def store(self) -> Path:
        return self.data_dir / STORE_FILE

    @property
    def vault(self) -> Path:
        return self.data_dir / VAULT_FILE

    @property
    def key_file(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def lock_file(self) -> Path:
        return self.data_dir / LOCK_FILE

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


def paths(environ: dict[str, str] | None = None) -> Paths:
    """The installation's paths from ``CDP_DATA_DIR``."""
    return Paths(Path(setting("CDP_DATA_DIR", environ) or "./data").expanduser().resolve())


def whole_number(name: str, low: int, high: int, environ: dict[str, str] | None = None) -> int:
    """A numeric setting within ``low`` to ``high``, else ``ConfigError``."""
    value = setting(name, environ) or ""
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(N_("{name} must be a whole number from {low} to {high}."), name=name, low=low, high=high)
    return int(value)


def max_upload_mb(environ: dict[str, str] | None = None) -> int:
    """The largest file the web's import page takes, in MB (``CDP_MAX_UPLOAD_MB``)."""
    return whole_number("CDP_MAX_UPLOAD_MB", 1, 1024, environ)


def default_region(environ: dict[str, str] | None = None) -> str:
    """The phone region as an ISO 3166 alpha-2 code, validated."""
    region = (setting("CDP_DEFAULT_REGION", environ) or "DE").upper()
    if len(region) != 2 or not region.isalpha():
        raise ConfigError(N_("CDP_DEFAULT_REGION must be a two-letter country code such as DE or AT."))
    return region


def purposes(environ: dict[str, str] | None = None) -> tuple[str, ...]:
    """The consent purposes of this installation."""
    names = tuple(part.strip() for part in (setting("CDP_PURPOSES", environ) or "").split(",") if part.strip())
    if not all(name.replace("_", "").isalnum() and name.islower() for name in names):
        raise ConfigError(
            N_("CDP_PURPOSES must be lower-case names separated by commas, such as newsletter,profiling.")
        )
    return names


def timezone(environ: dict[str, str] | None = None) -> ZoneInfo:
    """The business's time zone, validated."""
    name = setting("CDP_TIMEZONE", environ) or "Europe/Berlin"
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(N_("CDP_TIMEZONE must name a time zone such as Europe/Berlin or UTC.")) from None


def match_thresholds(environ: dict[str, str] | None = None) -> tuple[float, float]:
    """``(join, review)``: the match model's thresholds, validated."""
    try:
        join, review = (float(setting(name, environ) or "") for name in ("CDP_MATCH_JOIN", "CDP_MATCH_REVIEW"))
    except ValueError:
        raise ConfigError(N_("CDP_MATCH_JOIN and CDP_MATCH_REVIEW must be numbers such as 0.95 and 0.5.")) from None
    if not 0 < review <= join <= 1:
        raise ConfigError(N_("The match thresholds must satisfy 0 < CDP_MATCH_REVIEW ≤ CDP_MATCH_JOIN ≤ 1."))
    return join, review


def language(environ: dict[str, str] | None = None) -> str:
    """The language of the command line's messages: ``CDP_LANGUAGE``, else the locale's; ``en`` by default.

    The first of ``CDP_LANGUAGE`` and the locale variables that is set
    decides, as it does for gettext: ``de_DE.UTF-8`` and ``de`` mean German,
    a list such as ``fr:de`` its first language Kundenbild has, and
    anything else (``C.UTF-8``, ``fr_FR``) English.
    """
    env = os.environ if environ is None else environ
    chosen = setting("CDP_LANGUAGE", env) or next((env[name] for name in LOCALE_VARIABLES if env.get(name)), "")
    for part in chosen.split(":"):
        code = part.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].strip().lower()
        if code in LANGUAGES:
            return code
    return "en"


def ip_address(name: str, environ: dict[str, str] | None = None) -> str:
    """A setting that holds one IP address, validated."""
    value = (setting(name, environ) or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ConfigError(
            N_("{name} must be 'on', 'off' or the IP address of the proxy, such as 10.0.0.5."), name=name
        ) from None
