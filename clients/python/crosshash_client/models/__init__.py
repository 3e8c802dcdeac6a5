"""Contains all the data models used in inputs/outputs"""

from .cross_duplicates import CrossDuplicates
from .cross_duplicates_algorithm import CrossDuplicatesAlgorithm
from .cross_duplicates_bits import CrossDuplicatesBits
from .cross_duplicates_family import CrossDuplicatesFamily
from .dataset import Dataset
from .dataset_detail import DatasetDetail
from .dataset_list import DatasetList
from .dataset_problem import DatasetProblem
from .dataset_put import DatasetPut
from .distances import Distances
from .file_entry import FileEntry
from .hash_entry import HashEntry
from .hash_item import HashItem
from .hash_response import HashResponse
from .health import Health
from .image_parts import ImageParts
from .image_ref import ImageRef
from .items_upload import ItemsUpload
from .job import Job
from .job_accepted import JobAccepted
from .job_state import JobState
from .list_reviews_format import ListReviewsFormat
from .match import Match
from .match_transform import MatchTransform
from .openapi_response_200 import OpenapiResponse200
from .pair import Pair
from .pair_review import PairReview
from .problem import Problem
from .query import Query
from .query_options import QueryOptions
from .query_options_families_item import QueryOptionsFamiliesItem
from .query_parts import QueryParts
from .query_request import QueryRequest
from .query_response import QueryResponse
from .query_result import QueryResult
from .ready import Ready
from .ready_device import ReadyDevice
from .review import Review
from .review_decision import ReviewDecision
from .review_list import ReviewList
from .review_put import ReviewPut
from .stored_image import StoredImage
from .thresholds import Thresholds
from .upload_response import UploadResponse

__all__ = (
    "CrossDuplicates",
    "CrossDuplicatesAlgorithm",
    "CrossDuplicatesBits",
    "CrossDuplicatesFamily",
    "Dataset",
    "DatasetDetail",
    "DatasetList",
    "DatasetProblem",
    "DatasetPut",
    "Distances",
    "FileEntry",
    "HashEntry",
    "HashItem",
    "HashResponse",
    "Health",
    "ImageParts",
    "ImageRef",
    "ItemsUpload",
    "Job",
    "JobAccepted",
    "JobState",
    "ListReviewsFormat",
    "Match",
    "MatchTransform",
    "OpenapiResponse200",
    "Pair",
    "PairReview",
    "Problem",
    "Query",
    "QueryOptions",
    "QueryOptionsFamiliesItem",
    "QueryParts",
    "QueryRequest",
    "QueryResponse",
    "QueryResult",
    "Ready",
    "ReadyDevice",
    "Review",
    "ReviewDecision",
    "ReviewList",
    "ReviewPut",
    "StoredImage",
    "Thresholds",
    "UploadResponse",
)
