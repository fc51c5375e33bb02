"""The ``codomyrmex-cloud`` command: global options, shared state, and how errors end a run.

Configuration comes from flags first, then the environment variables each SDK already
reads (``CODA_API_TOKEN``, ``CODA_BASE_URL``, ``AWS_*``, ``STORAGE_EMULATOR_HOST``,
``AZURE_STORAGE_*``), so a shell set up for the AWS, gcloud or Azure tools works as is.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

import click

from codomyrmex_cloud.cli.errors import CredentialsMissing, ExitCode, Redactor, exit_code, hint, one_line
from codomyrmex_cloud.coda._sync import CodaClient
from codomyrmex_cloud.coda.config import REQUEST_TIMEOUT, TOKEN_ENV
from codomyrmex_cloud.storage.urls import StoreOptions, Stores

PROG = "codomyrmex-cloud"
F = TypeVar("F", bound=Callable[..., object])


@dataclass
class AppState:
    """What every command shares: output settings, configuration, and the clients it built."""

    quiet: bool = False
    debug: bool = False
    coda_token: str | None = field(default=None, repr=False)
    coda_base_url: str | None = None
    coda_retries: int = 5
    coda_timeout: float | None = None
    store_options: StoreOptions = field(default_factory=StoreOptions)
    command: str = PROG
    _stores: Stores | None = field(default=None, repr=False)
    _coda: CodaClient | None = field(default=None, repr=False)

    @property
    def stdout_is_terminal(self) -> bool:
        """True when stdout is a terminal (rich tables, progress) rather than a pipe or file."""
        return sys.stdout.isatty()

    @property
    def show_progress(self) -> bool:
        """Progress bars only on a terminal and without ``--quiet``."""
        return not self.quiet and sys.stderr.isatty()

    @property
    def stdin_is_terminal(self) -> bool:
        """True when a person could answer a question on stdin."""
        return sys.stdin is not None and sys.stdin.isatty()

    def stores(self) -> Stores:
        """The storage clients (built on first use of each kind)."""
        if self._stores is None:
            self._stores = Stores(self.store_options)
        return self._stores

    def coda(self) -> CodaClient:
        """The Coda client (built on first use).

        Raises:
            CredentialsMissing: No token from ``--coda-token`` or ``CODA_API_TOKEN``.
        """
        if self._coda is None:
            # An explicit --coda-token "" is a mistake to report, not a request for the environment's.
            token = self.coda_token if self.coda_token is not None else os.environ.get(TOKEN_ENV)
            if not token or not token.strip():
                raise CredentialsMissing(
                    f"no Coda API token: pass --coda-token or set {TOKEN_ENV} (create one at coda.io/account)"
                )
            self._coda = CodaClient(
                token,
                base_url=self.coda_base_url,
                max_retries=self.coda_retries,
                timeout=REQUEST_TIMEOUT if self.coda_timeout is None else self.coda_timeout,
            )
        return self._coda

    def note(self, message: str) -> None:
        """A status line on stderr (silenced by ``--quiet``)."""
        if not self.quiet:
            click.echo(message, err=True)

    def say(self, message: str) -> None:
        """A result line on stdout (silenced by ``--quiet``)."""
        if not self.quiet:
            click.echo(message)

    def close(self) -> None:
        """Close the clients this run opened (Coda and every store)."""
        if self._coda is not None:
            self._coda.close()
        if self._stores is not None:
            self._stores.close()


_STATE = AppState()


class TrackedCommand(click.Command):
    """A command that records its name, so an error message can say what failed."""

    def invoke(self, ctx: click.Context) -> object:
        _STATE.command = ctx.command_path
        return super().invoke(ctx)


class TrackedGroup(click.Group):
    """A group whose commands are :class:`TrackedCommand`."""

    command_class = TrackedCommand


def state() -> AppState:
    """The current run's state (set by the root command)."""
    return _STATE


def common_options(func: F) -> F:
    """``--quiet`` and ``--debug`` on every command too, so they work wherever they are typed."""

    def set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            _STATE.quiet = True

    def set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            _enable_debug()

    func = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=set_quiet, help="No progress or status lines."
    )(func)
    return click.option(
        "--debug", is_flag=True, expose_value=False, callback=set_debug, help="Tracebacks and request logs."
    )(func)


class _RedactingFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def _redactor() -> Redactor:
    options = _STATE.store_options
    return Redactor([_STATE.coda_token, options.azure_connection_string, options.azure_credential])


def _enable_debug() -> None:
    if _STATE.debug:
        return
    _STATE.debug = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(_redactor()))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Request lines, not wire dumps: the SDKs' DEBUG output is thousands of lines per call.
    for noisy in ("botocore", "boto3", "s3transfer", "urllib3", "httpcore", "google", "azure", "hpack", "markdown_it"):
        logging.getLogger(noisy).setLevel(logging.INFO)


def _finite(value: float | None) -> float | None:
    """Refuse NaN, which click's range checks let through (every comparison with it is False)."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


@click.group(cls=TrackedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="codomyrmex-cloud", prog_name=PROG)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or status lines (data still prints).")
@click.option("--debug", is_flag=True, help="Tracebacks and request logs on stderr (secrets are never shown).")
@click.option("--coda-token", metavar="TOKEN", help="Coda API token [default: $CODA_API_TOKEN].")
@click.option("--coda-base-url", metavar="URL", help="Coda API root, e.g. a fake server [default: $CODA_BASE_URL].")
@click.option("--retries", type=click.IntRange(0, 20), default=5, show_default=True, help="Coda retries per request.")
@click.option(
    "--timeout",
    type=click.FloatRange(0, 3600, min_open=True),
    metavar="SECONDS",
    callback=lambda _ctx, _param, value: _finite(value),
    help="Seconds each request may wait for the server (Coda and the clouds) [default: 30].",
)
@click.option("--s3-endpoint-url", metavar="URL", help="S3-compatible endpoint [default: $AWS_ENDPOINT_URL].")
@click.option("--s3-region", metavar="REGION", help="AWS region [default: $AWS_REGION / profile].")
@click.option("--s3-profile", metavar="NAME", help="AWS profile [default: $AWS_PROFILE].")
@click.option("--gcs-endpoint", metavar="URL", help="GCS endpoint [default: $STORAGE_EMULATOR_HOST or Google's].")
@click.option("--gcs-project", metavar="PROJECT", help="GCP project [default: the environment's].")
@click.option(
    "--azure-connection-string",
    metavar="STRING",
    help="Azure connection string [default: $AZURE_STORAGE_CONNECTION_STRING].",
)
@click.option(
    "--azure-account-url",
    metavar="URL",
    help="Azure blob endpoint [default: from $AZURE_STORAGE_ACCOUNT]; key from $AZURE_STORAGE_KEY or SAS.",
)
@click.option(
    "--local-root",
    metavar="DIR",
    help="Folder of the local:// store [default: $CODOMYRMEX_LOCAL_ROOT or .codomyrmex-store].",
)
def cli(
    quiet: bool,
    debug: bool,
    coda_token: str | None,
    coda_base_url: str | None,
    retries: int,
    timeout: float | None,
    s3_endpoint_url: str | None,
    s3_region: str | None,
    s3_profile: str | None,
    gcs_endpoint: str | None,
    gcs_project: str | None,
    azure_connection_string: str | None,
    azure_account_url: str | None,
    local_root: str | None,
) -> None:
    """Coda tables and object storage (S3, GCS, Azure, local) from the command line.

    \b
    Storage URLs: s3://bucket/key  gs://bucket/key  az://container/blob
                  local://bucket/key (the embedded store)  file:///path or a plain path
    Exit codes: 0 ok, 1 failure, 2 usage, 3 auth/permission, 4 not found,
                5 conflict/precondition, 6 rate limited.
    """
    _STATE.quiet = _STATE.quiet or quiet
    _STATE.coda_token = coda_token
    _STATE.coda_base_url = coda_base_url
    _STATE.coda_retries = retries
    _STATE.coda_timeout = timeout
    _STATE.store_options = StoreOptions(
        s3_endpoint_url=s3_endpoint_url,
        s3_region=s3_region,
        s3_profile=s3_profile,
        gcs_endpoint=gcs_endpoint,
        gcs_project=gcs_project,
        azure_connection_string=azure_connection_string,
        azure_account_url=azure_account_url,
        local_root=local_root,
        timeout=timeout,
    )
    if debug:
        _enable_debug()
    if _STATE.debug:
        logging.getLogger("codomyrmex_cloud.cli").debug(
            "configuration: coda token %s, coda base url %s, stores %r",
            "set" if coda_token or os.environ.get("CODA_API_TOKEN") else "missing",
            coda_base_url or os.environ.get("CODA_BASE_URL") or "(default)",
            _STATE.store_options,
        )


def _register() -> None:
    from codomyrmex_cloud.cli import coda_commands, storage_commands

    cli.add_command(coda_commands.coda)
    for command in storage_commands.COMMANDS:
        cli.add_command(command)


def _fail(exc: BaseException) -> NoReturn:
    code = exit_code(exc)
    redact = _redactor()
    if _STATE.debug:
        click.echo(redact("".join(traceback.format_exception(exc))), err=True)
    if isinstance(exc, click.UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else _STATE.command
        message = f"{where}: {exc.format_message()}"
    else:
        notes = " ".join(getattr(exc, "__notes__", []))
        detail = one_line(f"{exc} {notes}".strip() or type(exc).__name__)
        message = f"{_STATE.command}: {detail}"
    advice = hint(exc, code)
    if advice and any(word in message for word in re.findall(r"[A-Z][A-Z_]{5,}|`[^`]+`", advice)):
        advice = ""  # the message already says what to do
    click.echo(redact(one_line(f"{message} ({advice})" if advice else message)), err=True)
    sys.exit(int(code))


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line (the ``codomyrmex-cloud`` console script) and exit."""
    _register()
    try:
        with cli.make_context(PROG, list(sys.argv[1:] if argv is None else argv)) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort:
        click.echo(f"{_STATE.command}: aborted; nothing more was done", err=True)
        sys.exit(int(ExitCode.FAILURE))
    except KeyboardInterrupt:
        click.echo(f"{_STATE.command}: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, as Unix tools do.
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), sys.stdout.fileno())
        sys.exit(int(ExitCode.BROKEN_PIPE))
    except Exception as exc:
        _fail(exc)
    finally:
        _STATE.close()
    sys.exit(0)
