from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.review import Review
from ...models.review_put import ReviewPut
from ...types import Response


def _get_kwargs(
    *,
    body: ReviewPut,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/reviews",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Review | None:
    if response.status_code == 200:
        response_200 = Review.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Review.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

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
) -> Response[Problem | Review]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewPut,
) -> Response[Problem | Review]:
    """Set the decision on a pair of images

     Both images must be hashed images of their datasets (else 404). The decision is kept by the two
    images' contents: a moved or renamed file keeps it, and it replaces the decision on the same two
    contents in either order (200) or is new (201).

    Args:
        body (ReviewPut): A decision on two hashed images, each named by dataset and file key. The
            pair is unordered: (a, b) and (b, a) are one review. The body is at most 65536 bytes (else
            413).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Review]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewPut,
) -> Problem | Review | None:
    """Set the decision on a pair of images

     Both images must be hashed images of their datasets (else 404). The decision is kept by the two
    images' contents: a moved or renamed file keeps it, and it replaces the decision on the same two
    contents in either order (200) or is new (201).

    Args:
        body (ReviewPut): A decision on two hashed images, each named by dataset and file key. The
            pair is unordered: (a, b) and (b, a) are one review. The body is at most 65536 bytes (else
            413).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Review
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewPut,
) -> Response[Problem | Review]:
    """Set the decision on a pair of images

     Both images must be hashed images of their datasets (else 404). The decision is kept by the two
    images' contents: a moved or renamed file keeps it, and it replaces the decision on the same two
    contents in either order (200) or is new (201).

    Args:
        body (ReviewPut): A decision on two hashed images, each named by dataset and file key. The
            pair is unordered: (a, b) and (b, a) are one review. The body is at most 65536 bytes (else
            413).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Review]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewPut,
) -> Problem | Review | None:
    """Set the decision on a pair of images

     Both images must be hashed images of their datasets (else 404). The decision is kept by the two
    images' contents: a moved or renamed file keeps it, and it replaces the decision on the same two
    contents in either order (200) or is new (201).

    Args:
        body (ReviewPut): A decision on two hashed images, each named by dataset and file key. The
            pair is unordered: (a, b) and (b, a) are one review. The body is at most 65536 bytes (else
            413).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Review
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
