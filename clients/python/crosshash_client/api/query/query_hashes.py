from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.query_request import QueryRequest
from ...models.query_response import QueryResponse
from ...types import Response


def _get_kwargs(
    *,
    body: QueryRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/query",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | QueryResponse | None:
    if response.status_code == 200:
        response_200 = QueryResponse.from_dict(response.json())

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
) -> Response[Problem | QueryResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: QueryRequest,
) -> Response[Problem | QueryResponse]:
    """Where else is this picture? (by hash)

     JSON: hashes to look up (phash, blockmean, pdq: PDQ entries under the quality floor 50 are not
    matched). A stored image matches when, for at least one family the query gives, its distance is at
    most that family's threshold. At most `--max-images-per-request` queries per call, and queries x
    `limit` at most `--max-query-matches` (default 1000000) matches per call; either over is refused
    with 413 before any work, the problem's detail naming the cap and how to stay under it (a lower
    `limit`, or fewer queries per call). Memory is bounded by that cap however many stored images match,
    and the answer is written while it is produced (chunked). This path also takes the multipart/form-
    data image queries of `POST /v1/query/upload`, which documents that form.

    Args:
        body (QueryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | QueryResponse]
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
    body: QueryRequest,
) -> Problem | QueryResponse | None:
    """Where else is this picture? (by hash)

     JSON: hashes to look up (phash, blockmean, pdq: PDQ entries under the quality floor 50 are not
    matched). A stored image matches when, for at least one family the query gives, its distance is at
    most that family's threshold. At most `--max-images-per-request` queries per call, and queries x
    `limit` at most `--max-query-matches` (default 1000000) matches per call; either over is refused
    with 413 before any work, the problem's detail naming the cap and how to stay under it (a lower
    `limit`, or fewer queries per call). Memory is bounded by that cap however many stored images match,
    and the answer is written while it is produced (chunked). This path also takes the multipart/form-
    data image queries of `POST /v1/query/upload`, which documents that form.

    Args:
        body (QueryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | QueryResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: QueryRequest,
) -> Response[Problem | QueryResponse]:
    """Where else is this picture? (by hash)

     JSON: hashes to look up (phash, blockmean, pdq: PDQ entries under the quality floor 50 are not
    matched). A stored image matches when, for at least one family the query gives, its distance is at
    most that family's threshold. At most `--max-images-per-request` queries per call, and queries x
    `limit` at most `--max-query-matches` (default 1000000) matches per call; either over is refused
    with 413 before any work, the problem's detail naming the cap and how to stay under it (a lower
    `limit`, or fewer queries per call). Memory is bounded by that cap however many stored images match,
    and the answer is written while it is produced (chunked). This path also takes the multipart/form-
    data image queries of `POST /v1/query/upload`, which documents that form.

    Args:
        body (QueryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | QueryResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: QueryRequest,
) -> Problem | QueryResponse | None:
    """Where else is this picture? (by hash)

     JSON: hashes to look up (phash, blockmean, pdq: PDQ entries under the quality floor 50 are not
    matched). A stored image matches when, for at least one family the query gives, its distance is at
    most that family's threshold. At most `--max-images-per-request` queries per call, and queries x
    `limit` at most `--max-query-matches` (default 1000000) matches per call; either over is refused
    with 413 before any work, the problem's detail naming the cap and how to stay under it (a lower
    `limit`, or fewer queries per call). Memory is bounded by that cap however many stored images match,
    and the answer is written while it is produced (chunked). This path also takes the multipart/form-
    data image queries of `POST /v1/query/upload`, which documents that form.

    Args:
        body (QueryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | QueryResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
