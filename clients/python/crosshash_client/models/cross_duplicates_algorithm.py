from enum import StrEnum


class CrossDuplicatesAlgorithm(StrEnum):
    BLOCKMEAN = "blockmean"
    PHASH = "phash"

    def __str__(self) -> str:
        return str(self.value)
