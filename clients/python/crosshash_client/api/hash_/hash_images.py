from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.hash_response import HashResponse
from ...models.image_parts import ImageParts
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ImageParts,
    name: str | Unset = "image",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["name"] = name

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/hash",
        "params": params,
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

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
    body: ImageParts,
    name: str | Unset = "image",
) -> Response[HashResponse | Problem]:
    """Hash images (multipart), store nothing

     A multipart/form-data body holds one image per part, named by the part's filename (else its form
    name); each entry of the answer is a hash or an error, in part order. Hashes are bit-identical to
    `crosshash hash`. This path also takes a raw body (any Content-Type other than multipart/form-data:
    one image, named by `?name=`), exactly as `POST /v1/hash/raw`, which documents that form.

    Args:
        name (str | Unset):  Default: 'image'.
        body (ImageParts): One image per part (any form name). The image's name is the part's
            filename, else its form name.

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
    body: ImageParts,
    name: str | Unset = "image",
) -> HashResponse | Problem | None:
    """Hash images (multipart), store nothing

     A multipart/form-data body holds one image per part, named by the part's filename (else its form
    name); each entry of the answer is a hash or an error, in part order. Hashes are bit-identical to
    `crosshash hash`. This path also takes a raw body (any Content-Type other than multipart/form-data:
    one image, named by `?name=`), exactly as `POST /v1/hash/raw`, which documents that form.

    Args:
        name (str | Unset):  Default: 'image'.
        body (ImageParts): One image per part (any form name). The image's name is the part's
            filename, else its form name.

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
    body: ImageParts,
    name: str | Unset = "image",
) -> Response[HashResponse | Problem]:
    """Hash images (multipart), store nothing

     A multipart/form-data body holds one image per part, named by the part's filename (else its form
    name); each entry of the answer is a hash or an error, in part order. Hashes are bit-identical to
    `crosshash hash`. This path also takes a raw body (any Content-Type other than multipart/form-data:
    one image, named by `?name=`), exactly as `POST /v1/hash/raw`, which documents that form.

    Args:
        name (str | Unset):  Default: 'image'.
        body (ImageParts): One image per part (any form name). The image's name is the part's
            filename, else its form name.

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
    body: ImageParts,
    name: str | Unset = "image",
) -> HashResponse | Problem | None:
    """Hash images (multipart), store nothing

     A multipart/form-data body holds one image per part, named by the part's filename (else its form
    name); each entry of the answer is a hash or an error, in part order. Hashes are bit-identical to
    `crosshash hash`. This path also takes a raw body (any Content-Type other than multipart/form-data:
    one image, named by `?name=`), exactly as `POST /v1/hash/raw`, which documents that form.

    Args:
        name (str | Unset):  Default: 'image'.
        body (ImageParts): One image per part (any form name). The image's name is the part's
            filename, else its form name.

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
