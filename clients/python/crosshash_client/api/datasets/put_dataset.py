from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset import Dataset
from ...models.dataset_put import DatasetPut
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    body: DatasetPut | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/datasets/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Dataset | Problem | None:
    if response.status_code == 200:
        response_200 = Dataset.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Dataset.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = Problem.from_dict(response.json())

        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Dataset | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DatasetPut | Unset = UNSET,
) -> Response[Dataset | Problem]:
    """Create a dataset, or set its root

     The body is empty or `{"root": "/abs/dir"}`. A root is an absolute path without NUL (else 400). It
    is judged first as written (`.`, `..` and `//` folded without touching the disk): outside every
    `--root` it is 403, whether or not it exists; then resolved: a target outside every resolved
    `--root` gets the same 403. Only inside a `--root` is it 400 for not existing or not being a folder.
    Details quote the root as sent and no other path. A dataset is folder-backed (a root; its images are
    the folder's files, by scans) or upload-backed (no root; its images are the uploads): giving a root
    to a dataset that holds uploaded images is 409 (a scan would drop them).

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (DatasetPut | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Dataset | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DatasetPut | Unset = UNSET,
) -> Dataset | Problem | None:
    """Create a dataset, or set its root

     The body is empty or `{"root": "/abs/dir"}`. A root is an absolute path without NUL (else 400). It
    is judged first as written (`.`, `..` and `//` folded without touching the disk): outside every
    `--root` it is 403, whether or not it exists; then resolved: a target outside every resolved
    `--root` gets the same 403. Only inside a `--root` is it 400 for not existing or not being a folder.
    Details quote the root as sent and no other path. A dataset is folder-backed (a root; its images are
    the folder's files, by scans) or upload-backed (no root; its images are the uploads): giving a root
    to a dataset that holds uploaded images is 409 (a scan would drop them).

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (DatasetPut | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Dataset | Problem
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DatasetPut | Unset = UNSET,
) -> Response[Dataset | Problem]:
    """Create a dataset, or set its root

     The body is empty or `{"root": "/abs/dir"}`. A root is an absolute path without NUL (else 400). It
    is judged first as written (`.`, `..` and `//` folded without touching the disk): outside every
    `--root` it is 403, whether or not it exists; then resolved: a target outside every resolved
    `--root` gets the same 403. Only inside a `--root` is it 400 for not existing or not being a folder.
    Details quote the root as sent and no other path. A dataset is folder-backed (a root; its images are
    the folder's files, by scans) or upload-backed (no root; its images are the uploads): giving a root
    to a dataset that holds uploaded images is 409 (a scan would drop them).

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (DatasetPut | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Dataset | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DatasetPut | Unset = UNSET,
) -> Dataset | Problem | None:
    """Create a dataset, or set its root

     The body is empty or `{"root": "/abs/dir"}`. A root is an absolute path without NUL (else 400). It
    is judged first as written (`.`, `..` and `//` folded without touching the disk): outside every
    `--root` it is 403, whether or not it exists; then resolved: a target outside every resolved
    `--root` gets the same 403. Only inside a `--root` is it 400 for not existing or not being a folder.
    Details quote the root as sent and no other path. A dataset is folder-backed (a root; its images are
    the folder's files, by scans) or upload-backed (no root; its images are the uploads): giving a root
    to a dataset that holds uploaded images is 409 (a scan would drop them).

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (DatasetPut | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Dataset | Problem
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
