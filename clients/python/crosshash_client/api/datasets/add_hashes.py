from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.items_upload import ItemsUpload
from ...models.problem import Problem
from ...models.upload_response import UploadResponse
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: ItemsUpload,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/datasets/{name}/images".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | UploadResponse | None:
    if response.status_code == 200:
        response_200 = UploadResponse.from_dict(response.json())

        return response_200

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
) -> Response[Problem | UploadResponse]:
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
    body: ItemsUpload,
) -> Response[Problem | UploadResponse]:
    """Add precomputed hashes to a dataset

     JSON: precomputed hashes (`crosshash hash --json [--families phash,blockmean,pdq]` gives them), or
    PDQ hashes alone (hash list entries, as `crosshash import` stores them); any invalid item is a 400
    naming it and nothing is stored. Written to the store (one transaction) before the answer; a key
    that exists is replaced. Only upload-backed datasets (without a root) take them: a dataset with a
    root is 409. This path also takes the multipart/form-data images of `POST
    /v1/datasets/{name}/images/upload`, which documents that form.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (ItemsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UploadResponse]
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
    body: ItemsUpload,
) -> Problem | UploadResponse | None:
    """Add precomputed hashes to a dataset

     JSON: precomputed hashes (`crosshash hash --json [--families phash,blockmean,pdq]` gives them), or
    PDQ hashes alone (hash list entries, as `crosshash import` stores them); any invalid item is a 400
    naming it and nothing is stored. Written to the store (one transaction) before the answer; a key
    that exists is replaced. Only upload-backed datasets (without a root) take them: a dataset with a
    root is 409. This path also takes the multipart/form-data images of `POST
    /v1/datasets/{name}/images/upload`, which documents that form.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (ItemsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UploadResponse
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
    body: ItemsUpload,
) -> Response[Problem | UploadResponse]:
    """Add precomputed hashes to a dataset

     JSON: precomputed hashes (`crosshash hash --json [--families phash,blockmean,pdq]` gives them), or
    PDQ hashes alone (hash list entries, as `crosshash import` stores them); any invalid item is a 400
    naming it and nothing is stored. Written to the store (one transaction) before the answer; a key
    that exists is replaced. Only upload-backed datasets (without a root) take them: a dataset with a
    root is 409. This path also takes the multipart/form-data images of `POST
    /v1/datasets/{name}/images/upload`, which documents that form.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (ItemsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UploadResponse]
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
    body: ItemsUpload,
) -> Problem | UploadResponse | None:
    """Add precomputed hashes to a dataset

     JSON: precomputed hashes (`crosshash hash --json [--families phash,blockmean,pdq]` gives them), or
    PDQ hashes alone (hash list entries, as `crosshash import` stores them); any invalid item is a 400
    naming it and nothing is stored. Written to the store (one transaction) before the answer; a key
    that exists is replaced. Only upload-backed datasets (without a root) take them: a dataset with a
    root is 409. This path also takes the multipart/form-data images of `POST
    /v1/datasets/{name}/images/upload`, which documents that form.

    Args:
        name (str): A dataset name: 1-200 bytes of UTF-8, not starting with `.`, without `/`, NUL
            or control characters (else 400). Two names are the same dataset iff their UTF-8 bytes are
            equal: no Unicode normalisation, so `caf%C3%A9` (NFC) and `cafe%CC%81` (NFD) are two
            datasets.
        body (ItemsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UploadResponse
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
