from enum import StrEnum


class MatchTransform(StrEnum):
    FLIP_H = "flip_h"
    FLIP_V = "flip_v"
    IDENTITY = "identity"
    ROT180 = "rot180"
    ROT270 = "rot270"
    ROT90 = "rot90"
    TRANSPOSE = "transpose"
    TRANSVERSE = "transverse"

    def __str__(self) -> str:
        return str(self.value)
