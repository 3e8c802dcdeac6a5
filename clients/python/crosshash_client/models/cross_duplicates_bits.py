from enum import IntEnum


class CrossDuplicatesBits(IntEnum):
    VALUE_64 = 64
    VALUE_256 = 256

    def __str__(self) -> str:
        return str(self.value)
