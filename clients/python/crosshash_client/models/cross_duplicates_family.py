from enum import StrEnum


class CrossDuplicatesFamily(StrEnum):
    BLOCKMEAN = "blockmean"
    PHASH = "phash"

    def __str__(self) -> str:
        return str(self.value)
