"""Storage URLs: parsing, the errors that name the argument, and which store each opens."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codomyrmex_cloud import InvalidArgumentError, LocalStore, StoragePermissionError
from codomyrmex_cloud.storage.files import FileSystemStore
from codomyrmex_cloud.storage.urls import StorageURL, StoreOptions, Stores, open_store, parse_url


@pytest.mark.parametrize(
    ("text", "scheme", "bucket", "key", "shown"),
    [
        ("s3://bucket/a/b.txt", "s3", "bucket", "a/b.txt", "s3://bucket/a/b.txt"),
        ("gs://bucket", "gs", "bucket", "", "gs://bucket/"),
        ("az://container/dir/", "az", "container", "dir/", "az://container/dir/"),
        ("S3://bucket/k%20ey", "s3", "bucket", "k%20ey", "s3://bucket/k%20ey"),  # keys are literal
        ("local://exports/t.csv", "local", "exports", "t.csv", "local://exports/t.csv"),
        ("data/file.csv", "file", ".", "data/file.csv", "data/file.csv"),
        ("./data/", "file", ".", "data/", "data/"),
        (".", "file", ".", "", "."),
        ("/tmp/x.csv", "file", "/", "tmp/x.csv", "/tmp/x.csv"),
        ("file:///tmp/a%20b.csv", "file", "/", "tmp/a b.csv", "/tmp/a b.csv"),
        ("file://localhost/tmp/x", "file", "/", "tmp/x", "/tmp/x"),
    ],
)
def test_parse(text: str, scheme: str, bucket: str, key: str, shown: str) -> None:
    url = parse_url(text)
    assert (url.scheme, url.bucket, url.key, str(url)) == (scheme, bucket, key, shown)
    assert url.is_prefix == (key == "" or key.endswith("/"))


def test_paths_outside_the_working_folder_and_home_are_anchored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_url("../up.txt").local_path() == tmp_path.parent / "up.txt"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_url("~/notes.txt").local_path() == tmp_path / "notes.txt"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a storage URL or a path"),
        ("s3://", "names no bucket"),
        ("gs:///key", "names no bucket"),
        ("ftp://host/file", "unknown scheme 'ftp'"),
        ("file://otherhost/x", "must name this machine"),
        ("az://my container/x", "whitespace"),
        ("s3://b/k\x00", "NUL"),
        ("s3:/bucket/x", r"'s3:' needs '//' \(s3://BUCKET/KEY\); for a local path write ./s3:/bucket/x"),
        ("gs:bucket/y", "'gs:' needs '//'"),
        ("AZ:c/b", r"'AZ:' needs '//' \(az://"),
        ("file:notes.txt", r"'file:' needs '//' \(file:///PATH\)"),
    ],
)
def test_bad_urls_name_the_argument(text: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message) as caught:
        parse_url(text, argument="DST")
    assert str(caught.value).startswith("DST: ") and caught.value.argument == "DST"


def test_a_path_that_only_starts_like_a_scheme_is_a_path() -> None:
    assert parse_url("./s3:/b").local_path().name == "b"
    assert parse_url("notes:today.txt").scheme == "file"


def test_with_key_and_local_path() -> None:
    url = parse_url("gs://b/dir/")
    assert url.with_key("dir/x.csv") == StorageURL("gs", "b", "dir/x.csv", "")
    with pytest.raises(InvalidArgumentError):
        url.local_path()


def test_each_scheme_opens_its_store_once(tmp_path: Path) -> None:
    stores = Stores(StoreOptions(local_root=str(tmp_path / "root")))
    local, bucket, key = stores.open("local://exports/t.csv")
    assert isinstance(local, LocalStore) and (bucket, key) == ("exports", "t.csv")
    assert local.root == tmp_path / "root"
    assert stores.open("local://other/")[0] is local
    files, bucket, key = stores.open("./data/")
    assert isinstance(files, FileSystemStore) and (bucket, key) == (".", "data/")


def test_open_store_reads_the_local_root_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CODOMYRMEX_LOCAL_ROOT", str(tmp_path / "env-root"))
    store, _, _ = open_store("local://b/k")
    assert isinstance(store, LocalStore) and store.root == tmp_path / "env-root"


def test_azure_needs_credentials_and_reads_the_account_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AZURE_STORAGE_"):
            monkeypatch.delenv(name)
    with pytest.raises(StoragePermissionError, match="AZURE_STORAGE_CONNECTION_STRING"):
        open_store("az://container/blob")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", "acct")
    monkeypatch.setenv("AZURE_STORAGE_KEY", "a2V5LXZhbHVlLW5ldmVyLXByaW50ZWQ=")
    store, bucket, key = open_store("az://container/blob")  # builds the client; sends nothing
    assert repr(store) == "AzureBlobClient(account='acct')" and (bucket, key) == ("container", "blob")


def test_options_never_show_secrets() -> None:
    options = StoreOptions(azure_connection_string="AccountKey=c2VjcmV0", azure_credential="sig=c2VjcmV0")
    assert "c2VjcmV0" not in repr(options)


def test_store_options_never_show_a_secret_in_their_repr() -> None:
    options = StoreOptions(
        azure_account_url="https://acct.blob.core.windows.net/?sv=2024&sig=c2VjcmV0",
        azure_connection_string="AccountKey=c2VjcmV0",
        azure_credential="c2VjcmV0",
    )
    assert "c2VjcmV0" not in repr(options)
