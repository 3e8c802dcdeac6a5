from enum import StrEnum


class ReviewDecision(StrEnum):
    DIFFERENT = "different"
    SAME = "same"
    UNSURE = "unsure"

    def __str__(self) -> str:
        return str(self.value)
