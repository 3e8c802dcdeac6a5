from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_reviews_format import ListReviewsFormat
from ...models.problem import Problem
from ...models.review_list import ReviewList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    datasets: list[str] | Unset = UNSET,
    format_: ListReviewsFormat | Unset = ListReviewsFormat.JSON,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_datasets: list[str] | Unset = UNSET
    if not isinstance(datasets, Unset):
        json_datasets = datasets

    params["datasets"] = json_datasets

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/reviews",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReviewList | None:
    if response.status_code == 200:
        response_200 = ReviewList.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ReviewList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    format_: ListReviewsFormat | Unset = ListReviewsFormat.JSON,
) -> Response[Problem | ReviewList]:
    """The reviews (JSON, or CSV with format=csv)

     Every review, by id; with `datasets`, only those whose two pictures both lie (by content, wherever
    the files moved) in the listed datasets. `format=csv` answers RFC 4180 CSV (CRLF lines, a header row
    `a_dataset,a_file,b_dataset,b_file,decision,note,updated`; fields holding a comma, quote, CR or LF
    are quoted, quotes doubled; nothing else is changed, so a spreadsheet may read a field starting with
    `=` as a formula; file names that are not UTF-8 show U+FFFD).

    Args:
        datasets (list[str] | Unset):
        format_ (ListReviewsFormat | Unset):  Default: ListReviewsFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReviewList]
    """

    kwargs = _get_kwargs(
        datasets=datasets,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    format_: ListReviewsFormat | Unset = ListReviewsFormat.JSON,
) -> Problem | ReviewList | None:
    """The reviews (JSON, or CSV with format=csv)

     Every review, by id; with `datasets`, only those whose two pictures both lie (by content, wherever
    the files moved) in the listed datasets. `format=csv` answers RFC 4180 CSV (CRLF lines, a header row
    `a_dataset,a_file,b_dataset,b_file,decision,note,updated`; fields holding a comma, quote, CR or LF
    are quoted, quotes doubled; nothing else is changed, so a spreadsheet may read a field starting with
    `=` as a formula; file names that are not UTF-8 show U+FFFD).

    Args:
        datasets (list[str] | Unset):
        format_ (ListReviewsFormat | Unset):  Default: ListReviewsFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReviewList
    """

    return sync_detailed(
        client=client,
        datasets=datasets,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    format_: ListReviewsFormat | Unset = ListReviewsFormat.JSON,
) -> Response[Problem | ReviewList]:
    """The reviews (JSON, or CSV with format=csv)

     Every review, by id; with `datasets`, only those whose two pictures both lie (by content, wherever
    the files moved) in the listed datasets. `format=csv` answers RFC 4180 CSV (CRLF lines, a header row
    `a_dataset,a_file,b_dataset,b_file,decision,note,updated`; fields holding a comma, quote, CR or LF
    are quoted, quotes doubled; nothing else is changed, so a spreadsheet may read a field starting with
    `=` as a formula; file names that are not UTF-8 show U+FFFD).

    Args:
        datasets (list[str] | Unset):
        format_ (ListReviewsFormat | Unset):  Default: ListReviewsFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReviewList]
    """

    kwargs = _get_kwargs(
        datasets=datasets,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    format_: ListReviewsFormat | Unset = ListReviewsFormat.JSON,
) -> Problem | ReviewList | None:
    """The reviews (JSON, or CSV with format=csv)

     Every review, by id; with `datasets`, only those whose two pictures both lie (by content, wherever
    the files moved) in the listed datasets. `format=csv` answers RFC 4180 CSV (CRLF lines, a header row
    `a_dataset,a_file,b_dataset,b_file,decision,note,updated`; fields holding a comma, quote, CR or LF
    are quoted, quotes doubled; nothing else is changed, so a spreadsheet may read a field starting with
    `=` as a formula; file names that are not UTF-8 show U+FFFD).

    Args:
        datasets (list[str] | Unset):
        format_ (ListReviewsFormat | Unset):  Default: ListReviewsFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReviewList
    """

    return (
        await asyncio_detailed(
            client=client,
            datasets=datasets,
            format_=format_,
        )
    ).parsed
