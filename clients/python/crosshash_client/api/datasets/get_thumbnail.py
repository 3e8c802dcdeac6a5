from http import HTTPStatus
from io import BytesIO
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    name: str,
    key: str,
    *,
    if_none_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/datasets/{name}/images/{key}/thumbnail".format(
            name=quote(str(name), safe=""),
            key=quote(str(key), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | File | Problem | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | File | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    key: str,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
) -> Response[Any | File | Problem]:
    """A JPEG thumbnail of one image (longest side at most 256 px)

     Made from the file in the dataset's folder as a scan reads it: the root confined to the `--root`
    folders again, the file opened beneath it with no symbolic link followed at any level, within
    `--max-file-bytes` and `--max-pixels`; only keys the store lists are read. Cached in the store by
    the SHA-256 of the file's current content (a file changed since its scan gets a new thumbnail); the
    cache is bounded (`--thumbnail-cache-bytes`, default 256 MiB; oldest dropped first). Decodes run at
    most `--threads` (default: one per core) at once with at most `--queue-images` waiting, their pixels
    counted in `--max-inflight-pixels`; past that 503. 404 for an unknown dataset or key, for a dataset
    without a root (uploads and hashes keep no pictures) and for a file that can no longer be read
    beneath the root; 422 when the file is not a picture this server decodes. `ETag` names the content;
    `If-None-Match` with it gets 304.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        key (str):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        key=key,
        if_none_match=if_none_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    key: str,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
) -> Any | File | Problem | None:
    """A JPEG thumbnail of one image (longest side at most 256 px)

     Made from the file in the dataset's folder as a scan reads it: the root confined to the `--root`
    folders again, the file opened beneath it with no symbolic link followed at any level, within
    `--max-file-bytes` and `--max-pixels`; only keys the store lists are read. Cached in the store by
    the SHA-256 of the file's current content (a file changed since its scan gets a new thumbnail); the
    cache is bounded (`--thumbnail-cache-bytes`, default 256 MiB; oldest dropped first). Decodes run at
    most `--threads` (default: one per core) at once with at most `--queue-images` waiting, their pixels
    counted in `--max-inflight-pixels`; past that 503. 404 for an unknown dataset or key, for a dataset
    without a root (uploads and hashes keep no pictures) and for a file that can no longer be read
    beneath the root; 422 when the file is not a picture this server decodes. `ETag` names the content;
    `If-None-Match` with it gets 304.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        key (str):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File | Problem
    """

    return sync_detailed(
        name=name,
        key=key,
        client=client,
        if_none_match=if_none_match,
    ).parsed


async def asyncio_detailed(
    name: str,
    key: str,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
) -> Response[Any | File | Problem]:
    """A JPEG thumbnail of one image (longest side at most 256 px)

     Made from the file in the dataset's folder as a scan reads it: the root confined to the `--root`
    folders again, the file opened beneath it with no symbolic link followed at any level, within
    `--max-file-bytes` and `--max-pixels`; only keys the store lists are read. Cached in the store by
    the SHA-256 of the file's current content (a file changed since its scan gets a new thumbnail); the
    cache is bounded (`--thumbnail-cache-bytes`, default 256 MiB; oldest dropped first). Decodes run at
    most `--threads` (default: one per core) at once with at most `--queue-images` waiting, their pixels
    counted in `--max-inflight-pixels`; past that 503. 404 for an unknown dataset or key, for a dataset
    without a root (uploads and hashes keep no pictures) and for a file that can no longer be read
    beneath the root; 422 when the file is not a picture this server decodes. `ETag` names the content;
    `If-None-Match` with it gets 304.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        key (str):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | File | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        key=key,
        if_none_match=if_none_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    key: str,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
) -> Any | File | Problem | None:
    """A JPEG thumbnail of one image (longest side at most 256 px)

     Made from the file in the dataset's folder as a scan reads it: the root confined to the `--root`
    folders again, the file opened beneath it with no symbolic link followed at any level, within
    `--max-file-bytes` and `--max-pixels`; only keys the store lists are read. Cached in the store by
    the SHA-256 of the file's current content (a file changed since its scan gets a new thumbnail); the
    cache is bounded (`--thumbnail-cache-bytes`, default 256 MiB; oldest dropped first). Decodes run at
    most `--threads` (default: one per core) at once with at most `--queue-images` waiting, their pixels
    counted in `--max-inflight-pixels`; past that 503. 404 for an unknown dataset or key, for a dataset
    without a root (uploads and hashes keep no pictures) and for a file that can no longer be read
    beneath the root; 422 when the file is not a picture this server decodes. `ETag` names the content;
    `If-None-Match` with it gets 304.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        key (str):
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | File | Problem
    """

    return (
        await asyncio_detailed(
            name=name,
            key=key,
            client=client,
            if_none_match=if_none_match,
        )
    ).parsed
