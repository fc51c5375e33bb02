"""``ls``, ``cp``, ``mv``, ``sync``, ``rm``, ``cat``, ``stat`` and ``mb`` over every kind of URL.

Every command takes ``s3://``, ``gs://``, ``az://``, ``local://`` URLs, ``file://`` URLs
and plain paths alike; ``-`` is stdin (``cp``'s SRC) or stdout (``cp``'s DST).
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
from collections.abc import Iterable

import click

from codomyrmex_cloud.cli.app import TrackedCommand, common_options, state
from codomyrmex_cloud.cli.errors import UsageProblem
from codomyrmex_cloud.cli.output import progress_bar
from codomyrmex_cloud.storage.errors import ObjectNotFoundError
from codomyrmex_cloud.storage.protocol import ObjectStore
from codomyrmex_cloud.storage.tree import (
    SyncAction,
    as_folder,
    copy_object,
    copy_tree,
    default_jobs,
    list_tree,
    move,
    plan_sync,
    run_sync,
)
from codomyrmex_cloud.storage.types import ObjectInfo
from codomyrmex_cloud.storage.urls import StorageURL, parse_url

jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="4 per CPU",
    help="Transfers to run at once.",
)


def _url(text: str, argument: str) -> StorageURL:
    return parse_url(text, argument=argument)


def _as_folder_url(url: StorageURL) -> StorageURL:
    """A URL naming a folder (a local directory, or any prefix) with a trailing ``/``."""
    return url.with_key(as_folder(url.key))


def _is_local_dir(url: StorageURL) -> bool:
    return url.is_file and url.local_path().is_dir()


def _object_url(url: StorageURL, argument: str, *, recursive: bool = False) -> StorageURL:
    """Refuse a URL that names a prefix or a folder where one object is needed (``recursive``:
    the command has a ``--recursive`` that would take it)."""
    if url.is_prefix or _is_local_dir(url):
        also = " (or use --recursive)" if recursive else ""
        raise UsageProblem(f"{argument} {url.text!r} is a folder or prefix; name one object{also}")
    return url


def _target(src: StorageURL, dst: StorageURL) -> StorageURL:
    """Where one object goes: into DST when DST is a folder or prefix (``cp a.txt s3://b/``)."""
    if dst.is_prefix or _is_local_dir(dst):
        return dst.with_key(as_folder(dst.key) + posixpath.basename(src.key))
    return dst


def _store(url: StorageURL) -> ObjectStore:
    return state().stores().store(url.scheme)


@click.command(cls=TrackedCommand)
@click.argument("url")
@click.option("--recursive", "-r", is_flag=True, help="Everything under URL, not one level.")
@click.option("--long", "-l", "long_", is_flag=True, help="Size and modification time too.")
@common_options
def ls(url: str, recursive: bool, long_: bool) -> None:
    """List objects (and, without --recursive, sub-folders) under URL.

    \b
    Examples:
      codomyrmex-cloud ls s3://bucket/data/
      codomyrmex-cloud ls -rl gs://bucket
    """
    where = _url(url, "URL")
    store = _store(where)
    if where.is_file and not where.local_path().exists():
        raise ObjectNotFoundError(f"no such file or folder: {where.text}")
    if where.is_file and where.local_path().is_file():
        _print_entries([store.stat(where.bucket, where.key)], [], where, long_)
        return
    prefix = as_folder(where.key) if _is_local_dir(where) else where.key
    listing = store.list_objects(where.bucket, prefix, delimiter=None if recursive else "/")
    objects = list(listing)
    _print_entries(objects, [] if recursive else listing.prefixes, where, long_)


def _print_entries(objects: Iterable[ObjectInfo], prefixes: list[str], where: StorageURL, long_: bool) -> None:
    lines = [(key, None) for key in prefixes] + [(info.key, info) for info in objects]
    for key, info in sorted(lines, key=lambda item: item[0]):
        name = str(where.with_key(key))
        if not long_:
            click.echo(name)
        elif info is None:
            click.echo(f"{'DIR':>14}  {'':20}  {name}")
        else:
            modified = info.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ") if info.last_modified else ""
            click.echo(f"{info.size:>14}  {modified:20}  {name}")


@click.command(cls=TrackedCommand)
@click.argument("src")
@click.argument("dst")
@click.option("--recursive", "-r", is_flag=True, help="Copy everything under SRC into DST.")
@click.option("--no-overwrite", is_flag=True, help="Fail (exit 5) if DST exists instead of replacing it.")
@jobs_option
@common_options
def cp(src: str, dst: str, recursive: bool, no_overwrite: bool, jobs: int) -> None:
    """Copy SRC to DST: files, objects or (with -r) folders, in any direction.

    Cloud to cloud streams through this machine without storing the object; - reads
    stdin (SRC) or writes stdout (DST).

    \b
    Examples:
      codomyrmex-cloud cp ./report.csv s3://bucket/reports/
      codomyrmex-cloud cp s3://bucket/big.bin gs://other/big.bin
      codomyrmex-cloud cp -r ./site az://web/site --jobs 16
      tar c dir | codomyrmex-cloud cp - gs://bucket/dir.tar
    """
    run = state()
    if src == "-" and dst == "-":
        raise UsageProblem("SRC and DST cannot both be -")
    if src == "-":
        target = _object_url(_url(dst, "DST"), "DST")
        with progress_bar("upload stdin", unit="bytes", total=None, enabled=run.show_progress) as bar:
            _store(target).upload(target.bucket, target.key, data=sys.stdin.buffer, progress=bar)
        run.note(f"copied stdin to {target}")
        return
    source = _url(src, "SRC")
    if dst == "-":
        _cat(_object_url(source, "SRC"))
        return
    destination = _url(dst, "DST")
    if recursive and (source.is_prefix or _is_local_dir(source) or not source.is_file):
        if no_overwrite:
            raise UsageProblem("--no-overwrite copies one object; it cannot be combined with --recursive")
        _copy_tree(source, destination, jobs)
        return
    source = _object_url(source, "SRC", recursive=True)
    target = _target(source, destination)
    if (source.scheme, source.bucket, source.key) == (target.scheme, target.bucket, target.key):
        raise UsageProblem(f"SRC and DST are the same object: {source}")
    src_store, dst_store = _store(source), _store(target)
    info = src_store.stat(source.bucket, source.key)
    with progress_bar(posixpath.basename(source.key), unit="bytes", total=info.size, enabled=run.show_progress) as bar:
        copy_object(
            src_store,
            source.bucket,
            source.key,
            dst_store,
            target.bucket,
            target.key,
            if_none_match="*" if no_overwrite else None,
            progress=bar,
        )
    run.say(f"copied {source} to {target}")


def _copy_tree(source: StorageURL, destination: StorageURL, jobs: int) -> None:
    run = state()
    src_store, dst_store = _store(source), _store(destination)
    src, dst = _as_folder_url(source), _as_folder_url(destination)
    total = sum(info.size for info in list_tree(src_store, src.bucket, src.key).values())
    with progress_bar(f"copy {src}", unit="bytes", total=total, enabled=run.show_progress) as bar:
        result = copy_tree(
            src_store,
            src.bucket,
            src.key,
            dst_store,
            dst.bucket,
            dst.key,
            jobs=jobs,
            progress=bar,
            on_copied=lambda rel: run.say(f"copied {src.with_key(src.key + rel)} to {dst.with_key(dst.key + rel)}"),
        )
    run.say(f"copied {result.files} files ({result.bytes} bytes) from {src} to {dst}")


@click.command(cls=TrackedCommand)
@click.argument("src")
@click.argument("dst")
@common_options
def mv(src: str, dst: str) -> None:
    """Move one object or file: copy it (verified), then delete SRC."""
    run = state()
    source = _object_url(_url(src, "SRC"), "SRC")
    target = _target(source, _url(dst, "DST"))
    src_store, dst_store = _store(source), _store(target)
    info = src_store.stat(source.bucket, source.key)
    with progress_bar(posixpath.basename(source.key), unit="bytes", total=info.size, enabled=run.show_progress) as bar:
        move(src_store, source.bucket, source.key, dst_store, target.bucket, target.key, progress=bar)
    run.say(f"moved {source} to {target}")


@click.command(cls=TrackedCommand)
@click.argument("src")
@click.argument("dst")
@click.option("--delete", is_flag=True, help="Also delete what DST has and SRC lacks.")
@click.option("--dry-run", "-n", is_flag=True, help="Print what would be done; change nothing.")
@jobs_option
@common_options
def sync(src: str, dst: str, delete: bool, dry_run: bool, jobs: int) -> None:
    """Make the folder or prefix DST hold what SRC holds, copying only what differs.

    An object is copied when DST lacks it, its size differs, or its size matches but a
    checksum both sides report differs. With --delete, an empty SRC is refused (it would
    empty DST).

    \b
    Examples:
      codomyrmex-cloud sync ./site s3://bucket/site --delete
      codomyrmex-cloud sync gs://bucket/data ./data --dry-run
    """
    run = state()
    source, destination = _as_folder_url(_url(src, "SRC")), _as_folder_url(_url(dst, "DST"))
    if source.is_file and not source.local_path().is_dir():
        if source.local_path().exists():
            raise UsageProblem(f"SRC {src!r} is not a folder")
        raise FileNotFoundError(f"SRC {src!r} does not exist")
    src_store, dst_store = _store(source), _store(destination)
    places = (src_store, source.bucket, source.key, dst_store, destination.bucket, destination.key)
    plan = plan_sync(*places, delete=delete)
    if plan.deletes and not plan.copies and plan.unchanged == 0:
        # An empty SRC (often a typo) would make --delete empty DST: refuse, as rsync users expect.
        raise UsageProblem(f"SRC {source} holds nothing; refusing to delete all of DST {destination} (check SRC)")
    if dry_run:
        for action in plan.actions:
            verb = "would copy" if action.op == "copy" else "would delete"
            click.echo(f"{verb} {action.key} ({action.reason})")
        run.say(f"{len(plan.copies)} to copy, {len(plan.deletes)} to delete, {plan.unchanged} unchanged (dry run)")
        return

    def report(action: SyncAction) -> None:
        run.say(f"{'copied' if action.op == 'copy' else 'deleted'} {action.key} ({action.reason})")

    with progress_bar(f"sync {source}", unit="bytes", total=plan.bytes_to_copy, enabled=run.show_progress) as bar:
        result = run_sync(plan, *places, jobs=jobs, progress=bar, on_action=report)
    run.say(f"{result.copied} copied, {result.deleted} deleted, {plan.unchanged} unchanged")


@click.command(cls=TrackedCommand)
@click.argument("url")
@click.option("--recursive", "-r", is_flag=True, help="Everything under URL.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (needed for -r when stdin is not a terminal).")
@common_options
def rm(url: str, recursive: bool, yes: bool) -> None:
    """Delete an object, or with -r everything under a prefix or folder (asks first)."""
    run = state()
    where = _url(url, "URL")
    store = _store(where)
    if not recursive:
        target = _object_url(where, "URL", recursive=True)
        store.stat(target.bucket, target.key)  # a missing object is an error here (exit 4)
        store.delete(target.bucket, target.key)
        run.say(f"deleted {target}")
        return
    if not yes and not run.stdin_is_terminal:
        raise UsageProblem("rm --recursive needs confirmation and stdin is not a terminal: pass --yes")
    folder = _as_folder_url(where)
    keys = [folder.key + rel for rel in list_tree(store, folder.bucket, folder.key)]
    if not keys:
        run.say(f"nothing under {folder}")
        return
    if not yes and not click.confirm(f"Delete {len(keys)} objects under {folder}?", default=False, err=True):
        run.say("nothing deleted")
        return
    store.delete_many(folder.bucket, keys)
    run.say(f"deleted {len(keys)} objects under {folder}")


def _cat(where: StorageURL) -> None:
    out = sys.stdout.buffer
    for chunk in _store(where).iter_chunks(where.bucket, where.key):
        out.write(chunk)
    out.flush()


@click.command(cls=TrackedCommand)
@click.argument("url")
@common_options
def cat(url: str) -> None:
    """Write one object to stdout, streamed."""
    _cat(_object_url(_url(url, "URL"), "URL"))


@click.command(cls=TrackedCommand)
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@common_options
def stat(url: str, as_json: bool) -> None:
    """Size, etag, modification time, content type, metadata and checksums of one object."""
    where = _object_url(_url(url, "URL"), "URL")
    info = _store(where).stat(where.bucket, where.key)
    record: dict[str, object] = {
        "url": str(where),
        "size": info.size,
        "etag": info.etag,
        "last_modified": info.last_modified.isoformat() if info.last_modified else None,
        "content_type": info.content_type,
        "metadata": dict(info.metadata),
        "checksums": dict(info.checksums),
    }
    if as_json or (not state().stdout_is_terminal and as_json):
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    for name, value in record.items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else ("" if value is None else value)
        click.echo(f"{name + ':':15}{shown}")


@click.command(cls=TrackedCommand)
@click.argument("url")
@common_options
def mb(url: str) -> None:
    """Make a bucket (container, local-store bucket or folder); an existing one is fine."""
    where = _url(url, "URL")
    store = _store(where)
    name, shown = where.bucket, f"{where.scheme}://{where.bucket}"
    if where.is_file:
        name = shown = os.path.join(where.bucket, where.key) if where.key else where.bucket
    existed = store.bucket_exists(name)
    store.create_bucket(name)
    state().say(f"{shown} exists already" if existed else f"created {shown}")


COMMANDS = [ls, cp, mv, sync, rm, cat, stat, mb]
