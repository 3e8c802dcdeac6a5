from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.hash_response import HashResponse
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: File,
    name: str | Unset = "image",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["name"] = name

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/hash/raw",
        "params": params,
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> HashResponse | Problem | None:
    if response.status_code == 200:
        response_200 = HashResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HashResponse | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    name: str | Unset = "image",
) -> Response[HashResponse | Problem]:
    """Hash one raw image, store nothing

     The body is one image (sent as application/octet-stream; the server reads any Content-Type other
    than multipart/form-data as a raw image, as `POST /v1/hash` does); its name in the answer is the
    `name` query parameter. An image that cannot be decoded is a 422. Hashes are bit-identical to
    `crosshash hash`. Same handler as `POST /v1/hash`.

    Args:
        name (str | Unset):  Default: 'image'.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HashResponse | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        name=name,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    name: str | Unset = "image",
) -> HashResponse | Problem | None:
    """Hash one raw image, store nothing

     The body is one image (sent as application/octet-stream; the server reads any Content-Type other
    than multipart/form-data as a raw image, as `POST /v1/hash` does); its name in the answer is the
    `name` query parameter. An image that cannot be decoded is a 422. Hashes are bit-identical to
    `crosshash hash`. Same handler as `POST /v1/hash`.

    Args:
        name (str | Unset):  Default: 'image'.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HashResponse | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        name=name,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    name: str | Unset = "image",
) -> Response[HashResponse | Problem]:
    """Hash one raw image, store nothing

     The body is one image (sent as application/octet-stream; the server reads any Content-Type other
    than multipart/form-data as a raw image, as `POST /v1/hash` does); its name in the answer is the
    `name` query parameter. An image that cannot be decoded is a 422. Hashes are bit-identical to
    `crosshash hash`. Same handler as `POST /v1/hash`.

    Args:
        name (str | Unset):  Default: 'image'.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HashResponse | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        name=name,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    name: str | Unset = "image",
) -> HashResponse | Problem | None:
    """Hash one raw image, store nothing

     The body is one image (sent as application/octet-stream; the server reads any Content-Type other
    than multipart/form-data as a raw image, as `POST /v1/hash` does); its name in the answer is the
    `name` query parameter. An image that cannot be decoded is a 422. Hashes are bit-identical to
    `crosshash hash`. Same handler as `POST /v1/hash`.

    Args:
        name (str | Unset):  Default: 'image'.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HashResponse | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            name=name,
        )
    ).parsed
