"""A thin hand-written layer over the generated `crosshash_client` (which
scripts/generate_python_client.sh replaces whole, so nothing hand-written lives there).

It sends files in batches under the server's per-request limits, turns problem documents
into `ProblemError` exceptions, and works around what the generator does not do (the
comma-separated `datasets` query parameter of `GET /v1/cross-duplicates`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from crosshash_client import AuthenticatedClient, Client
from crosshash_client.api.datasets import add_hashes, get_job, scan_dataset, upload_images
from crosshash_client.api.hash_ import hash_images, hash_raw_image
from crosshash_client.api.query import cross_duplicates
from crosshash_client.api.query import query_hashes as query_hashes_api
from crosshash_client.api.query import query_images as query_images_api
from crosshash_client.models import (
    CrossDuplicates,
    CrossDuplicatesFamily,
    FileEntry,
    HashEntry,
    HashItem,
    HashResponse,
    ImageParts,
    ItemsUpload,
    Job,
    JobAccepted,
    Pair,
    Problem,
    Query,
    QueryOptions,
    QueryParts,
    QueryRequest,
    QueryResponse,
    QueryResult,
    Thresholds,
    UploadResponse,
)
from crosshash_client.types import UNSET, File, Response

__all__ = [
    "IMAGE_SUFFIXES",
    "CrossDuplicatesTruncated",
    "ProblemError",
    "add_folder_hashes",
    "connect",
    "cross_duplicate_pairs",
    "hash_file",
    "hash_files",
    "pairs",
    "query_hashes",
    "query_images",
    "scan_and_wait",
]

# The file types `crosshash` decodes (a folder walk uploads only these).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"})

# Per request: well under the server's defaults (--max-images-per-request 1000,
# --max-body-bytes 256 MiB), so a request is never refused for its size.
DEFAULT_BATCH_FILES = 100
DEFAULT_BATCH_BYTES = 64 << 20

T = TypeVar("T")


class ProblemError(Exception):
    """The server answered with a problem document (RFC 9457): `status`, `detail`."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.status = problem.status
        self.detail = problem.detail
        super().__init__(f"HTTP {problem.status} {problem.title}: {problem.detail}")


class CrossDuplicatesTruncated(Exception):
    """The server cut the cross-duplicates lists at its `--max-pairs`."""

    def __init__(self, answer: CrossDuplicates):
        self.answer = answer
        found = answer.pairs_found if isinstance(answer.pairs_found, int) else "more"
        super().__init__(
            f"the server listed {len(answer.pairs)} of {found} pairs (its --max-pairs); "
            "lower the threshold, ask for fewer datasets, or pass allow_truncated=True"
        )


def connect(base_url: str, api_key: str | None = None, timeout: float = 120.0) -> Client | AuthenticatedClient:
    """A client for `crosshash serve` at `base_url` (with `--api-key-file`, pass one of its keys)."""
    import httpx

    if api_key is None:
        return Client(base_url=base_url, timeout=httpx.Timeout(timeout))
    return AuthenticatedClient(base_url=base_url, token=api_key, timeout=httpx.Timeout(timeout))


def _parsed(response: Response[Any], want: type[T]) -> T:
    """The answer's model, or the problem as a `ProblemError`."""
    parsed = response.parsed
    if isinstance(parsed, want):
        return parsed
    if isinstance(parsed, Problem):
        raise ProblemError(parsed)
    raise RuntimeError(f"unexpected answer: HTTP {int(response.status_code)} {response.content[:200]!r}")


def _key(name: str) -> str:
    """A part filename the server reads back as `name`: it decodes `%XX`, so `%` is escaped."""
    return name.replace("%", "%25")


def _batches(paths: Sequence[Path], max_files: int, max_bytes: int) -> Iterator[list[Path]]:
    batch: list[Path] = []
    size = 0
    for path in paths:
        n = path.stat().st_size
        if batch and (len(batch) >= max_files or size + n > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += n
    if batch:
        yield batch


def _parts(paths: Sequence[Path], names: Sequence[str]) -> ImageParts:
    parts = ImageParts()
    for i, (path, name) in enumerate(zip(paths, names)):
        parts[f"image{i}"] = File(payload=path.read_bytes(), file_name=_key(name), mime_type="application/octet-stream")
    return parts


def hash_file(client: Client | AuthenticatedClient, path: str | os.PathLike[str]) -> HashEntry:
    """One image's hashes (`POST /v1/hash/raw`); a file that is not an image is a ProblemError (422)."""
    p = Path(path)
    answer = _parsed(
        hash_raw_image.sync_detailed(client=client, body=File(payload=p.read_bytes()), name=p.name), HashResponse
    )
    return answer.images[0]


def hash_files(
    client: Client | AuthenticatedClient,
    paths: Iterable[str | os.PathLike[str]],
    batch_files: int = DEFAULT_BATCH_FILES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> list[HashEntry]:
    """The hashes of `paths`, in order (`POST /v1/hash`, multipart, in batches). An entry whose
    file could not be decoded has `error` set instead of the hashes; `name` is the file name."""
    files = [Path(p) for p in paths]
    entries: list[HashEntry] = []
    for batch in _batches(files, batch_files, batch_bytes):
        body = _parts(batch, [p.name for p in batch])
        entries += _parsed(hash_images.sync_detailed(client=client, body=body), HashResponse).images
    return entries


def add_folder_hashes(
    client: Client | AuthenticatedClient,
    dataset: str,
    folder: str | os.PathLike[str] | None = None,
    precomputed: Iterable[HashItem | dict[str, str]] | None = None,
    batch_files: int = DEFAULT_BATCH_FILES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> tuple[int, list[FileEntry]]:
    """Adds images to the upload-backed dataset `dataset` (create it first with put_dataset).

    With `folder`, every image file under it (IMAGE_SUFFIXES) is uploaded and hashed by the
    server (`POST /v1/datasets/{name}/images/upload`), keyed by its path relative to `folder`.
    With `precomputed`, the hashes are stored as given (`POST /v1/datasets/{name}/images`): items
    like the lines of `crosshash hash --json` ({"file", "phash", "blockmean"}), `file` relative.
    Returns (images stored, the entries of files that could not be hashed)."""
    added = 0
    failed: list[FileEntry] = []
    if folder is not None:
        root = Path(folder)
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        for batch in _batches(files, batch_files, batch_bytes):
            body = _parts(batch, [p.relative_to(root).as_posix() for p in batch])
            answer = _parsed(upload_images.sync_detailed(dataset, client=client, body=body), UploadResponse)
            added += answer.added
            failed += [e for e in (answer.images or []) if isinstance(e.error, str)]
    if precomputed is not None:
        items = [
            i if isinstance(i, HashItem) else HashItem(file=i["file"], phash=i["phash"], blockmean=i["blockmean"])
            for i in precomputed
        ]
        for start in range(0, len(items), batch_files * 10):
            body = ItemsUpload(items=items[start : start + batch_files * 10])
            added += _parsed(add_hashes.sync_detailed(dataset, client=client, body=body), UploadResponse).added
    return added, failed


def _options(datasets: Sequence[str] | None, thresholds: dict[str, int] | None, limit: int) -> tuple[Any, Any, int]:
    t = UNSET if thresholds is None else Thresholds.from_dict(thresholds)
    return (UNSET if datasets is None else list(datasets)), t, limit


def query_hashes(
    client: Client | AuthenticatedClient,
    queries: Iterable[Query | HashEntry | dict[str, str]],
    datasets: Sequence[str] | None = None,
    thresholds: dict[str, int] | None = None,
    limit: int = 100,
    batch: int = DEFAULT_BATCH_FILES,
) -> list[QueryResult]:
    """The stored images near each query (`POST /v1/query`), one result per query, in order.
    A query is a dict {"id"?, "phash"?, "blockmean"?}, a Query, or a HashEntry from hash_files
    (its name becomes the id). `thresholds` like {"phash": 8}; `limit` matches per query."""
    asked: list[Query] = []
    for q in queries:
        if isinstance(q, HashEntry):
            asked.append(Query(id=q.name, phash=q.phash, blockmean=q.blockmean))
        elif isinstance(q, Query):
            asked.append(q)
        else:
            asked.append(Query.from_dict(q))
    names, t, limit = _options(datasets, thresholds, limit)
    results: list[QueryResult] = []
    for start in range(0, len(asked), batch):
        body = QueryRequest(queries=asked[start : start + batch], datasets=names, thresholds=t, limit=limit)
        results += _parsed(query_hashes_api.sync_detailed(client=client, body=body), QueryResponse).results
    return results


def query_images(
    client: Client | AuthenticatedClient,
    paths: Iterable[str | os.PathLike[str]],
    datasets: Sequence[str] | None = None,
    thresholds: dict[str, int] | None = None,
    limit: int = 100,
    batch_files: int = DEFAULT_BATCH_FILES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> list[QueryResult]:
    """Like query_hashes, with pictures the server hashes (`POST /v1/query/upload`); each
    result's id is the file name, and a file that is not an image has `error` set."""
    names, t, limit = _options(datasets, thresholds, limit)
    results: list[QueryResult] = []
    for batch in _batches([Path(p) for p in paths], batch_files, batch_bytes):
        body = QueryParts(
            image=File(payload=batch[0].read_bytes(), file_name=_key(batch[0].name)),
            options=QueryOptions(datasets=names, thresholds=t, limit=limit),
        )
        for i, p in enumerate(batch[1:], 1):
            body[f"image{i}"] = File(payload=p.read_bytes(), file_name=_key(p.name))
        results += _parsed(query_images_api.sync_detailed(client=client, body=body), QueryResponse).results
    return results


def scan_and_wait(client: Client | AuthenticatedClient, dataset: str, timeout: float = 600.0, poll: float = 0.2) -> Job:
    """Scans a dataset with a root (`POST /v1/datasets/{name}/scan`) and polls its job until it
    is done or failed; TimeoutError after `timeout` seconds."""
    job_id = _parsed(scan_dataset.sync_detailed(dataset, client=client), JobAccepted).job
    deadline = time.monotonic() + timeout
    while True:
        job = _parsed(get_job.sync_detailed(job_id, client=client), Job)
        if job.state.value in ("done", "failed"):
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"scan job {job_id} of dataset {dataset!r} still {job.state.value} after {timeout} s")
        time.sleep(poll)


def cross_duplicate_pairs(
    client: Client | AuthenticatedClient,
    datasets: Sequence[str] | None = None,
    family: str = "phash",
    thresholds: dict[str, int] | None = None,
    within: bool = False,
    allow_truncated: bool = False,
) -> CrossDuplicates:
    """`GET /v1/cross-duplicates`: what `crosshash analyze` writes for the stored datasets.

    The route does not page: it answers every pair in one document, cut at the server's
    `--max-pairs` (then `truncated` is set and `pairs_found` counts them all). A cut answer is
    a CrossDuplicatesTruncated exception unless `allow_truncated`."""
    thresholds = thresholds or {}
    answer = _parsed(
        cross_duplicates.sync_detailed(
            client=client,
            # The parameter is one comma-separated value (style form, explode false); the
            # generated code would repeat `datasets=` once per name instead.
            datasets=UNSET if datasets is None else [",".join(datasets)],
            phash_threshold=thresholds.get("phash", 8),
            blockmean_threshold=thresholds.get("blockmean", 8),
            family=CrossDuplicatesFamily(family),
            within=within,
        ),
        CrossDuplicates,
    )
    if answer.truncated is True and not allow_truncated:
        raise CrossDuplicatesTruncated(answer)
    return answer


def pairs(answer: CrossDuplicates) -> Iterator[Pair]:
    """Every listed pair: across datasets, then (with within=True) inside each dataset."""
    yield from answer.pairs
    if isinstance(answer.within, list):
        yield from answer.within
