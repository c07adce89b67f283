"""Where a batch reads and writes: a local folder, or any fsspec URL (`file://`, `memory://`,
`s3://` with the s3fs package, ...). Local paths need nothing more; a URL needs fsspec, which
comes with the cluster extra (`pip install -e '.[cluster]'`).

Videos are decoded by OpenCV, which reads local files only: a video at a URL is copied to a
temporary file first, hashed on the way. Outputs are written whole or not at all (a local
file through a temporary name; an object store's put is whole by itself)."""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from formcheck.errors import FormcheckError
from formcheck.native import user_proxies

CHUNK = 1 << 20
S3_PROTOCOLS = ("s3", "s3a")


def is_url(path) -> bool:
    return "://" in str(path)


def _fs(url: str):
    try:
        import fsspec
    except ImportError:
        raise FormcheckError(f"{url}: reading URLs needs fsspec (pip install -e '.[cluster]')") from None
    options = {}
    if url.split("://", 1)[0] in S3_PROTOCOLS:
        # botocore reads https_proxy as libcurl does, and in a process that has loaded the
        # model that points nowhere (formcheck.native): give it the user's own proxies instead.
        options["config_kwargs"] = {"proxies": user_proxies()}
    try:
        return fsspec.core.url_to_fs(url, **options)
    except (ImportError, ValueError) as err:   # an unknown protocol, or its package missing (s3fs)
        raise FormcheckError(f"{url}: {str(err).splitlines()[0]}") from None


def local_path(path) -> str | None:
    """The local file system path of `path` (a plain path or a file:// URL), else None."""
    if not is_url(path):
        return str(path)
    if str(path).startswith("file://"):
        fs, p = _fs(str(path))
        return p
    return None


def join(folder: str, name: str) -> str:
    return f"{str(folder).rstrip('/')}/{name}" if is_url(folder) else str(Path(folder) / name)


def name_of(path) -> str:
    return str(path).rstrip("/").rsplit("/", 1)[-1]


def list_folder(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    """The files in `folder` whose names end in one of `suffixes` (any case), sorted."""
    local = local_path(folder)
    if local is not None:
        d = Path(local)
        if not d.is_dir():
            raise FormcheckError(f"not a folder: {folder}")
        return sorted(str(p) for p in d.iterdir() if p.suffix.lower() in suffixes and p.is_file())
    fs, root = _fs(folder)
    try:
        if not fs.isdir(root):
            raise FormcheckError(f"not a folder: {folder}")
        entries = fs.ls(root, detail=True)
    except OSError as err:
        raise FormcheckError(f"cannot list {folder}: {err}") from None
    return sorted(fs.unstrip_protocol(e["name"]) for e in entries
                  if e.get("type") == "file" and Path(e["name"]).suffix.lower() in suffixes)


def size(path) -> int:
    try:
        local = local_path(path)
        if local is not None:
            return os.path.getsize(local)
        fs, p = _fs(str(path))
        return int(fs.size(p) or 0)
    except (OSError, FormcheckError, TypeError, ValueError):
        return 0


def exists(path) -> bool:
    local = local_path(path)
    if local is not None:
        return os.path.isfile(local)
    fs, p = _fs(str(path))
    return fs.isfile(p)


def read_text(path, limit: int = 16 << 20) -> str:
    """A small text file (a label, a report): at most `limit` bytes are read."""
    local = local_path(path)
    if local is not None:
        with open(local, "rb") as f:
            data = f.read(limit + 1)
    else:
        fs, p = _fs(str(path))
        with fs.open(p, "rb") as f:
            data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path}: larger than {limit} bytes")
    return data.decode("utf-8")


def write_text(path, text: str) -> None:
    """The whole of `text` at `path`, or nothing there (a local temporary file renamed over it)."""
    local = local_path(path)
    try:
        if local is not None:
            from formcheck.sinks.report import write_report_text
            write_report_text(local, text)
            return
        fs, p = _fs(str(path))
        fs.pipe_file(p, text.encode("utf-8"))
    except OSError as err:
        raise FormcheckError(f"cannot write {path}: {err}") from None


def put_file(local: Path, path) -> None:
    """Copy a finished local file to `path` (a folder's file or a URL), whole or not at all."""
    target = local_path(path)
    try:
        if target is not None:
            tmp = f"{target}.{os.getpid()}.tmp"
            shutil.copyfile(local, tmp)
            os.replace(tmp, target)
            return
        fs, p = _fs(str(path))
        fs.put_file(str(local), p)
    except OSError as err:
        raise FormcheckError(f"cannot write {path}: {err}") from None


def make_folder(folder: str) -> None:
    local = local_path(folder)
    try:
        if local is not None:
            Path(local).mkdir(parents=True, exist_ok=True)
        else:
            fs, p = _fs(folder)
            fs.makedirs(p, exist_ok=True)
    except OSError as err:
        raise FormcheckError(f"cannot make the folder {folder}: {err}") from None


def same_folder(a: str, b: str) -> bool:
    la, lb = local_path(a), local_path(b)
    if la is not None and lb is not None:
        return Path(la).exists() and Path(lb).exists() and Path(la).resolve() == Path(lb).resolve()
    return str(a).rstrip("/") == str(b).rstrip("/")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def fetched(path):
    """(local path, sha256) of `path`: a local file as it is; a URL copied to a temporary file
    (removed afterwards), hashed while it is copied."""
    local = local_path(path)
    if local is not None:
        yield Path(local), sha256_file(Path(local))
        return
    fs, p = _fs(str(path))
    with tempfile.TemporaryDirectory(prefix="formcheck-fetch-") as tmp:
        dst = Path(tmp) / name_of(p)
        h = hashlib.sha256()
        with fs.open(p, "rb") as src, open(dst, "wb") as out:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
        yield dst, h.hexdigest()
