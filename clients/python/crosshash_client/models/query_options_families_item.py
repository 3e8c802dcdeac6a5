from enum import StrEnum


class QueryOptionsFamiliesItem(StrEnum):
    BLOCKMEAN = "blockmean"
    PDQ = "pdq"
    PHASH = "phash"

    def __str__(self) -> str:
        return str(self.value)
