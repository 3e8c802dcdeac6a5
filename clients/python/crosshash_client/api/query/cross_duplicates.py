from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cross_duplicates import CrossDuplicates
from ...models.cross_duplicates_family import CrossDuplicatesFamily
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    datasets: list[str] | Unset = UNSET,
    phash_threshold: int | Unset = 8,
    blockmean_threshold: int | Unset = 8,
    family: CrossDuplicatesFamily | Unset = CrossDuplicatesFamily.PHASH,
    within: bool | Unset = False,
    verify: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_datasets: list[str] | Unset = UNSET
    if not isinstance(datasets, Unset):
        json_datasets = datasets

    params["datasets"] = json_datasets

    params["phash_threshold"] = phash_threshold

    params["blockmean_threshold"] = blockmean_threshold

    json_family: str | Unset = UNSET
    if not isinstance(family, Unset):
        json_family = family.value

    params["family"] = json_family

    params["within"] = within

    params["verify"] = verify

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/cross-duplicates",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CrossDuplicates | Problem | None:
    if response.status_code == 200:
        response_200 = CrossDuplicates.from_dict(response.json())

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
) -> Response[CrossDuplicates | Problem]:
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
    phash_threshold: int | Unset = 8,
    blockmean_threshold: int | Unset = 8,
    family: CrossDuplicatesFamily | Unset = CrossDuplicatesFamily.PHASH,
    within: bool | Unset = False,
    verify: bool | Unset = False,
) -> Response[CrossDuplicates | Problem]:
    """The cross-dataset duplicates of stored datasets

     Exactly the JSON that `crosshash analyze` writes to `perceptual_cross_duplicates.json`
    (family=phash) or `robust_cross_duplicates.json` (family=blockmean) for the same datasets in the
    given order. At most `--max-pairs` pairs per list (default 1,000,000; past it the lists are cut and
    `truncated`/`pairs_found` say so, as the CLI's `--max-pairs` does). The answer is written while it
    is made; work stops when the client hangs up.

    Args:
        datasets (list[str] | Unset):
        phash_threshold (int | Unset):  Default: 8.
        blockmean_threshold (int | Unset):  Default: 8.
        family (CrossDuplicatesFamily | Unset):  Default: CrossDuplicatesFamily.PHASH.
        within (bool | Unset):  Default: False.
        verify (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CrossDuplicates | Problem]
    """

    kwargs = _get_kwargs(
        datasets=datasets,
        phash_threshold=phash_threshold,
        blockmean_threshold=blockmean_threshold,
        family=family,
        within=within,
        verify=verify,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    phash_threshold: int | Unset = 8,
    blockmean_threshold: int | Unset = 8,
    family: CrossDuplicatesFamily | Unset = CrossDuplicatesFamily.PHASH,
    within: bool | Unset = False,
    verify: bool | Unset = False,
) -> CrossDuplicates | Problem | None:
    """The cross-dataset duplicates of stored datasets

     Exactly the JSON that `crosshash analyze` writes to `perceptual_cross_duplicates.json`
    (family=phash) or `robust_cross_duplicates.json` (family=blockmean) for the same datasets in the
    given order. At most `--max-pairs` pairs per list (default 1,000,000; past it the lists are cut and
    `truncated`/`pairs_found` say so, as the CLI's `--max-pairs` does). The answer is written while it
    is made; work stops when the client hangs up.

    Args:
        datasets (list[str] | Unset):
        phash_threshold (int | Unset):  Default: 8.
        blockmean_threshold (int | Unset):  Default: 8.
        family (CrossDuplicatesFamily | Unset):  Default: CrossDuplicatesFamily.PHASH.
        within (bool | Unset):  Default: False.
        verify (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CrossDuplicates | Problem
    """

    return sync_detailed(
        client=client,
        datasets=datasets,
        phash_threshold=phash_threshold,
        blockmean_threshold=blockmean_threshold,
        family=family,
        within=within,
        verify=verify,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    phash_threshold: int | Unset = 8,
    blockmean_threshold: int | Unset = 8,
    family: CrossDuplicatesFamily | Unset = CrossDuplicatesFamily.PHASH,
    within: bool | Unset = False,
    verify: bool | Unset = False,
) -> Response[CrossDuplicates | Problem]:
    """The cross-dataset duplicates of stored datasets

     Exactly the JSON that `crosshash analyze` writes to `perceptual_cross_duplicates.json`
    (family=phash) or `robust_cross_duplicates.json` (family=blockmean) for the same datasets in the
    given order. At most `--max-pairs` pairs per list (default 1,000,000; past it the lists are cut and
    `truncated`/`pairs_found` say so, as the CLI's `--max-pairs` does). The answer is written while it
    is made; work stops when the client hangs up.

    Args:
        datasets (list[str] | Unset):
        phash_threshold (int | Unset):  Default: 8.
        blockmean_threshold (int | Unset):  Default: 8.
        family (CrossDuplicatesFamily | Unset):  Default: CrossDuplicatesFamily.PHASH.
        within (bool | Unset):  Default: False.
        verify (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CrossDuplicates | Problem]
    """

    kwargs = _get_kwargs(
        datasets=datasets,
        phash_threshold=phash_threshold,
        blockmean_threshold=blockmean_threshold,
        family=family,
        within=within,
        verify=verify,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    datasets: list[str] | Unset = UNSET,
    phash_threshold: int | Unset = 8,
    blockmean_threshold: int | Unset = 8,
    family: CrossDuplicatesFamily | Unset = CrossDuplicatesFamily.PHASH,
    within: bool | Unset = False,
    verify: bool | Unset = False,
) -> CrossDuplicates | Problem | None:
    """The cross-dataset duplicates of stored datasets

     Exactly the JSON that `crosshash analyze` writes to `perceptual_cross_duplicates.json`
    (family=phash) or `robust_cross_duplicates.json` (family=blockmean) for the same datasets in the
    given order. At most `--max-pairs` pairs per list (default 1,000,000; past it the lists are cut and
    `truncated`/`pairs_found` say so, as the CLI's `--max-pairs` does). The answer is written while it
    is made; work stops when the client hangs up.

    Args:
        datasets (list[str] | Unset):
        phash_threshold (int | Unset):  Default: 8.
        blockmean_threshold (int | Unset):  Default: 8.
        family (CrossDuplicatesFamily | Unset):  Default: CrossDuplicatesFamily.PHASH.
        within (bool | Unset):  Default: False.
        verify (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CrossDuplicates | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            datasets=datasets,
            phash_threshold=phash_threshold,
            blockmean_threshold=blockmean_threshold,
            family=family,
            within=within,
            verify=verify,
        )
    ).parsed
